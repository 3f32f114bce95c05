/** A ticket as the similarity index sees it: identity, creation time, text and a few exact-match fields. */
export interface SimilarityDoc {
  /** Unique ticket key, e.g. "servicenow:snow-prod:abc123". */
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  title: string;
  description: string;
  /** Exact-match attributes such as requester, ci, category, location. */
  fields: Record<string, string | undefined>;
}

export interface CandidateQuery {
  /** The new ticket. It need not be indexed; if it is, it is never returned as its own candidate. */
  doc: SimilarityDoc;
  /** Look-back lower bound (ISO, inclusive). */
  createdAfter?: string;
  /** Only tickets created strictly before this (the original is the earlier report). */
  createdBefore: string;
  /** Restrict to these sources; default: the doc's own source. */
  sourceIds?: readonly string[];
  /** Candidates must have these fields present and equal to the query's. */
  equalFields?: readonly string[];
  /** Fields whose equality raises the score (each weight in 0..1, see {@link combineScore}). */
  fieldWeights?: Readonly<Record<string, number>>;
  /**
   * Recency prior applied to `score` (see scoring.ts `recencyFactor`); `{ weight: 0 }` turns it
   * off. Default: weight 0.2, half-life 90 days, age measured from the query's createdAt.
   */
  recency?: { weight: number; halfLifeDays: number };
  limit: number;
}

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

export type IndexedTicket = Omit<Candidate, 'score' | 'textScore' | 'sharedTerms' | 'matchedFields'>;

export interface CandidateIndex {
  /** Adds the ticket, or replaces the indexed version of the same key. */
  upsert(doc: SimilarityDoc): void;
  /** Best first. */
  query(q: CandidateQuery): Candidate[];
  /** Remembers "key is a duplicate of rootKey", so that a later duplicate links to the root, not the chain. */
  setRoot(key: string, rootKey: string): void;
  /** Remembers the text cluster of a ticket (see cluster.ts). */
  setCluster(key: string, clusterKey: string): void;
  get(key: string): IndexedTicket | undefined;
  size(): number;
}
