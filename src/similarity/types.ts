import type { CandidateQuery, SimilarityDoc } from '../model/history.js';

// The document and query shapes are history facts (src/model/history.ts); the index works on them.
export type { CandidateQuery, SimilarityDoc } from '../model/history.js';

export interface Candidate {
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  createdAt: string;
  /** 0..1: text score raised by field matches, scaled by the recency prior. */
  score: number;
  /** 0..1: cosine of the BM25F-weighted term vectors (see scoring.ts). */
  textScore: number;
  /** Terms that contributed most, most important first. */
  sharedTerms: string[];
  matchedFields: string[];
  /** Set when this ticket was linked as a duplicate of another (see {@link CandidateIndex.setRoot}). */
  rootKey: string | undefined;
  /** Text cluster this ticket was assigned to (the leader's key), if clustering ran. */
  clusterKey: string | undefined;
}

/** What the index holds of a ticket (no text): identity, creation time, duplicate root and cluster. */
export type IndexedDoc = Omit<Candidate, 'score' | 'textScore' | 'sharedTerms' | 'matchedFields'>;

export interface CandidateIndex {
  /** Adds the ticket, or replaces the indexed version of the same key. */
  upsert(doc: SimilarityDoc): void;
  /** Best first. */
  query(q: CandidateQuery): Candidate[];
  /** Remembers "key is a duplicate of rootKey", so that a later duplicate links to the root, not the chain. */
  setRoot(key: string, rootKey: string): void;
  /** Remembers the text cluster of a ticket (see cluster.ts). */
  setCluster(key: string, clusterKey: string): void;
  get(key: string): IndexedDoc | undefined;
  size(): number;
}
