import { describe, expect, it } from 'vitest';
import { assignCluster } from '../../../src/similarity/cluster.js';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';
import { doc } from './helpers.js';

const WORDS = ['email', 'phone', 'sync', 'vpn', 'printer', 'jam', 'password', 'reset', 'wifi', 'floor', 'laptop', 'outlook', 'monitor', 'flicker', 'payroll'];

/** A fixed pseudo-random corpus: short titles from a small vocabulary, some tickets re-indexed with new text, two sources, requesters. */
function corpus(): SimilarityDoc[] {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const docs: SimilarityDoc[] = [];
  for (let i = 0; i < 300; i++) {
    const title = Array.from({ length: 1 + next(4) }, () => WORDS[next(WORDS.length)]).join(' ');
    const key = `t${next(i < 150 ? 1_000 : 120)}`;
    const createdAt = new Date(Date.UTC(2024, 0, 1 + next(60))).toISOString();
    docs.push(doc(key, createdAt, i % 17 === 0 ? '' : title, '', { requester: `r${next(5)}` }, next(6) === 0 ? 'jira' : 'snow'));
  }
  return docs;
}

describe('MemoryCandidateIndex with postings', () => {
  it('returns exactly what the all-pairs scan returns, re-indexed tickets included', () => {
    const scan = new MemoryCandidateIndex();
    const postings = new MemoryCandidateIndex(undefined, { postings: true });
    const docs = corpus();
    for (const d of docs) {
      scan.upsert(d);
      postings.upsert(d);
    }

    let found = 0;
    for (const [i, d] of docs.entries()) {
      if (i % 5 !== 0) continue;
      const query = { doc: { ...d, key: `q${i}` }, createdBefore: '2024-03-01T00:00:00Z', createdAfter: '2024-01-10T00:00:00Z', fieldWeights: { requester: 0.15 }, limit: 10 };
      const expected = scan.query(query);
      found += expected.length;
      expect(postings.query(query)).toEqual(expected);
    }
    // The comparison is not vacuous: most queries find candidates.
    expect(found).toBeGreaterThan(100);
  });

  it('clusters the same way', () => {
    const scan = new MemoryCandidateIndex();
    const postings = new MemoryCandidateIndex(undefined, { postings: true });
    const docs = corpus().sort((a, b) => a.createdAt.localeCompare(b.createdAt));

    const byScan = docs.map((d) => assignCluster(scan, d, { threshold: 0.4 }).clusterKey);
    const byPostings = docs.map((d) => assignCluster(postings, d, { threshold: 0.4 }).clusterKey);

    expect(byPostings).toEqual(byScan);
    expect(new Set(byScan).size).toBeLessThan(docs.length / 2);
  });
});
