export * from './types.js';
export { tokenise, DEFAULT_NORMALISE_OPTIONS, type NormaliseOptions, type IdPolicy } from './normalise.js';
export { lightStem } from './stem.js';
export { DEFAULT_SCORING, combineScore, type ScoringParams } from './scoring.js';
export { SqliteCandidateIndex, SIMILARITY_SCHEMA_SQL, DEFAULT_SQLITE_INDEX_OPTIONS, type SqliteIndexOptions } from './sqlite-index.js';
export { MemoryCandidateIndex } from './memory-index.js';
export { assignCluster, type ClusterOptions, type ClusterAssignment } from './cluster.js';
