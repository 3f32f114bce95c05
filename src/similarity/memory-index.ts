import {
  analyse,
  combineScore,
  DEFAULT_RECENCY,
  DEFAULT_SCORING,
  recencyFactor,
  fieldEquals,
  idf,
  maskSet,
  matchFields,
  PRIOR_AVG_LENGTHS,
  scoreText,
  selfScore,
  termWeights,
  withoutMasked,
  type FieldLengths,
  type ScoringParams,
} from './scoring.js';
import { termKind } from './term-kind.js';
import type { Candidate, CandidateIndex, CandidateQuery, IndexedDoc, SimilarityDoc } from './types.js';

interface StoredDoc {
  ticket: IndexedDoc;
  createdMs: number;
  fields: Record<string, string | undefined>;
  vec: Map<string, number>;
  titleLen: number;
  bodyLen: number;
}

/**
 * The all-pairs baseline: every query is scored against every indexed ticket in memory with
 * exactly the scoring of {@link SqliteCandidateIndex}. Exact but linear in the number of
 * tickets per query; used by the benchmark (as the reference and the baseline) and by tests.
 * With `postings` it scores only the tickets sharing a term with the query — the same results
 * (a ticket sharing no term has no text score and is never a candidate), without a scan of every
 * ticket per query: the in-memory history of rule tests, explain and backtest uses that.
 */
export class MemoryCandidateIndex implements CandidateIndex {
  private readonly docs = new Map<string, StoredDoc>();
  private readonly df = new Map<string, number>();
  private titleLenSum = 0;
  private bodyLenSum = 0;
  /** Term → keys of the tickets holding it; only with the `postings` option. */
  private readonly postings: Map<string, Set<string>> | undefined;

  constructor(
    private readonly params: ScoringParams = DEFAULT_SCORING,
    options: { postings?: boolean } = {},
  ) {
    this.postings = options.postings ? new Map() : undefined;
  }

  upsert(doc: SimilarityDoc): void {
    this.remove(doc.key);
    const analysed = analyse(doc, this.params);
    const vec = termWeights(analysed, this.avgLengths(), this.params);
    const previous = this.docs.get(doc.key);
    for (const term of vec.keys()) {
      this.df.set(term, (this.df.get(term) ?? 0) + 1);
      if (this.postings) {
        const keys = this.postings.get(term) ?? new Set<string>();
        keys.add(doc.key);
        this.postings.set(term, keys);
      }
    }
    this.titleLenSum += analysed.title.length;
    this.bodyLenSum += analysed.body.length;
    this.docs.set(doc.key, {
      ticket: {
        key: doc.key,
        sourceId: doc.sourceId,
        nativeId: doc.nativeId,
        number: doc.number,
        version: doc.version,
        createdAt: doc.createdAt,
        rootKey: previous?.ticket.rootKey,
        clusterKey: previous?.ticket.clusterKey,
      },
      createdMs: Date.parse(doc.createdAt),
      fields: { ...doc.fields },
      vec,
      titleLen: analysed.title.length,
      bodyLen: analysed.body.length,
    });
  }

  query(q: CandidateQuery): Candidate[] {
    const n = this.docs.size;
    const idfOf = (term: string): number => idf(this.df.get(term) ?? 0, n, this.params.idfPower);
    // A rule's `mask:` drops terms of those kinds from both sides (see term-kind.ts).
    const mask = maskSet(q.mask);
    const qvec = withoutMasked(termWeights(analyse(q.doc, this.params), this.avgLengths(), this.params), mask, termKind);
    const self = selfScore(qvec, idfOf);
    const sources = new Set(q.sourceIds ?? [q.doc.sourceId]);
    const after = q.createdAfter === undefined ? -Infinity : Date.parse(q.createdAfter);
    const before = Date.parse(q.createdBefore);
    const weights = q.fieldWeights ?? {};
    const recency = q.recency ?? DEFAULT_RECENCY;
    const queryMs = Date.parse(q.doc.createdAt);
    const out: Candidate[] = [];
    for (const d of this.pool(qvec)) {
      if (d.ticket.key === q.doc.key || !sources.has(d.ticket.sourceId)) continue;
      if (d.createdMs < after || d.createdMs >= before) continue;
      if (q.equalFields && !q.equalFields.every((f) => fieldEquals(q.doc.fields[f], d.fields[f]))) continue;
      const dvec = withoutMasked(d.vec, mask, termKind);
      const candidateSelf = selfScore(dvec, idfOf);
      const text = scoreText(qvec, dvec, idfOf, self, (t) => t, candidateSelf, this.params.pivotSlope);
      if (text.raw <= 0) continue;
      const matchedFields = matchFields(q.doc.fields, d.fields, Object.keys(weights));
      out.push({
        ...d.ticket,
        score:
          combineScore(
            text.score,
            matchedFields.map((f) => weights[f] ?? 0),
          ) * recencyFactor(queryMs - d.createdMs, recency),
        textScore: text.score,
        sharedTerms: text.sharedTerms,
        matchedFields,
      });
    }
    return out.sort(compareCandidates).slice(0, q.limit);
  }

  /** The tickets a query is scored against: all of them, or (with postings) those sharing a term. */
  private pool(qvec: ReadonlyMap<string, number>): Iterable<StoredDoc> {
    if (!this.postings) return this.docs.values();
    const keys = new Set<string>();
    for (const term of qvec.keys()) for (const key of this.postings.get(term) ?? []) keys.add(key);
    return [...keys].flatMap((key) => this.docs.get(key) ?? []);
  }

  setRoot(key: string, rootKey: string): void {
    const d = this.docs.get(key);
    if (d) d.ticket.rootKey = rootKey;
  }

  setCluster(key: string, clusterKey: string): void {
    const d = this.docs.get(key);
    if (d) d.ticket.clusterKey = clusterKey;
  }

  get(key: string): IndexedDoc | undefined {
    const d = this.docs.get(key);
    return d ? { ...d.ticket } : undefined;
  }

  size(): number {
    return this.docs.size;
  }

  /** Drops everything (the benchmark frees the baseline once it has outgrown it). */
  clear(): void {
    this.docs.clear();
    this.df.clear();
    this.postings?.clear();
    this.titleLenSum = 0;
    this.bodyLenSum = 0;
  }

  private remove(key: string): void {
    const old = this.docs.get(key);
    if (!old) return;
    for (const term of old.vec.keys()) {
      const left = (this.df.get(term) ?? 1) - 1;
      if (left > 0) this.df.set(term, left);
      else this.df.delete(term);
      const keys = this.postings?.get(term);
      keys?.delete(key);
      if (keys?.size === 0) this.postings?.delete(term);
    }
    this.titleLenSum -= old.titleLen;
    this.bodyLenSum -= old.bodyLen;
  }

  private avgLengths(): FieldLengths {
    return averageLengths(this.docs.size, this.titleLenSum, this.bodyLenSum);
  }
}

/**
 * Average field lengths, shrunk towards {@link PRIOR_AVG_LENGTHS} while the corpus is small so
 * the first tickets indexed are not length-normalised against one another alone.
 */
export function averageLengths(docs: number, titleLenSum: number, bodyLenSum: number): FieldLengths {
  const m = 20;
  return {
    title: (titleLenSum + PRIOR_AVG_LENGTHS.title * m) / (docs + m),
    body: (bodyLenSum + PRIOR_AVG_LENGTHS.body * m) / (docs + m),
  };
}

/** Best score first; ties go to the more recent ticket, then by key for a stable order. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.textScore - a.textScore || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0) || (a.key < b.key ? -1 : 1);
}
