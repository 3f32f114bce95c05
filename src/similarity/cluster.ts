import type { Candidate, CandidateIndex, SimilarityDoc } from './types.js';

export interface ClusterOptions {
  /** Minimum combined score for a ticket to join its best earlier candidate's cluster. */
  threshold: number;
  /** Look-back lower bound (ISO). */
  createdAfter?: string;
  sourceIds?: readonly string[];
  equalFields?: readonly string[];
  fieldWeights?: Readonly<Record<string, number>>;
}

export interface ClusterAssignment {
  /** The leader's key: the first ticket of the cluster. */
  clusterKey: string;
  /** The earlier ticket this one was attached through, if it joined a cluster. */
  via: Candidate | undefined;
}

/**
 * Leader clustering, one ticket at a time in creation order: a ticket joins the cluster of its
 * best earlier candidate scoring at least `threshold`, else it leads a new cluster named by its
 * own key. The ticket is indexed and its cluster stored (`cluster_key`), so the call is
 * incremental: the daemon calls it once per new ticket, never re-clustering history.
 */
export function assignCluster(index: CandidateIndex, doc: SimilarityDoc, options: ClusterOptions): ClusterAssignment {
  const assignment = leaderFor(doc, index.query(clusterQuery(doc, options))[0], options.threshold);
  index.upsert(doc);
  index.setCluster(doc.key, assignment.clusterKey);
  return assignment;
}

/** What {@link assignClusterAsync} needs of an index: PostgresCandidateIndex's async query, upsert and setCluster. */
export interface AsyncClusterIndex {
  query(q: Parameters<CandidateIndex['query']>[0]): Promise<Candidate[]>;
  upsert(doc: SimilarityDoc): Promise<void>;
  setCluster(key: string, clusterKey: string): Promise<void>;
}

/** {@link assignCluster} on an async index (PostgresCandidateIndex): the same query, threshold and leader. */
export async function assignClusterAsync(index: AsyncClusterIndex, doc: SimilarityDoc, options: ClusterOptions): Promise<ClusterAssignment> {
  const assignment = leaderFor(doc, (await index.query(clusterQuery(doc, options)))[0], options.threshold);
  await index.upsert(doc);
  await index.setCluster(doc.key, assignment.clusterKey);
  return assignment;
}

/** The ticket's best earlier candidate: created before it, inside the look-back. */
function clusterQuery(doc: SimilarityDoc, options: ClusterOptions): Parameters<CandidateIndex['query']>[0] {
  return {
    doc,
    createdBefore: doc.createdAt,
    createdAfter: options.createdAfter,
    sourceIds: options.sourceIds,
    equalFields: options.equalFields,
    fieldWeights: options.fieldWeights,
    limit: 1,
  };
}

/** Joins the best candidate's cluster when it scores at least `threshold`, else leads a new one. */
function leaderFor(doc: SimilarityDoc, best: Candidate | undefined, threshold: number): ClusterAssignment {
  const via = best && best.score >= threshold ? best : undefined;
  return { clusterKey: via ? (via.clusterKey ?? via.key) : doc.key, via };
}
