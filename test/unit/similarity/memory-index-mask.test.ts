import { describe, expect, it } from 'vitest';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import { withoutMasked } from '../../../src/similarity/scoring.js';
import { termKind } from '../../../src/similarity/term-kind.js';
import { doc } from './helpers.js';

const ORIGINAL = doc('a', '2024-01-01T00:00:00Z', 'dict.leo.org renders blank', 'The page stays white after the update.');
const LATER = doc('q', '2024-01-05T00:00:00Z', 'dict.leo.org shows nothing', 'Empty page since yesterday.');
const FILLER = [
  doc('b', '2024-01-02T00:00:00Z', 'Printer on floor 3 jams', 'Paper jam again'),
  doc('c', '2024-01-03T00:00:00Z', 'Page renders slowly', 'The update made it slow'),
  doc('d', '2024-01-03T00:00:00Z', 'Outlook blank after update', 'the window stays grey'),
];

function index(): MemoryCandidateIndex {
  const idx = new MemoryCandidateIndex(undefined, { postings: true });
  for (const d of [ORIGINAL, ...FILLER]) idx.upsert(d);
  return idx;
}

const query = { doc: LATER, createdBefore: '2024-01-05T00:00:00Z', limit: 5 };

describe('MemoryCandidateIndex with a mask', () => {
  it('finds a "page X does not load" duplicate by the site both reports name', () => {
    const found = index().query(query);
    expect(found[0]?.key).toBe('a');
    expect(found[0]?.sharedTerms).toEqual(expect.arrayContaining(['@leo.org']));
  });

  it('does not count a masked kind on the query side: the shared site no longer scores', () => {
    const idx = index();
    const plain = idx.query(query).find((c) => c.key === 'a');
    const masked = idx.query({ ...query, mask: ['domains'] }).find((c) => c.key === 'a');
    expect(masked?.sharedTerms.some((t) => t.startsWith('@'))).toBe(false);
    expect(masked?.textScore ?? 1).toBeLessThan(plain?.textScore ?? 0);
    expect(masked?.textScore ?? 0).toBeGreaterThan(0);
  });

  it('does not count a masked kind on the candidate side: a site only the candidate names stops diluting its score', () => {
    const idx = index();
    const noSite = { ...query, doc: { ...LATER, title: 'page renders blank' } };
    const plain = idx.query(noSite).find((c) => c.key === 'a');
    const masked = idx.query({ ...noSite, mask: ['domains'] }).find((c) => c.key === 'a');
    // Same shared words (raw score); the candidate's self-score loses its site terms, so the cosine rises.
    expect(masked?.sharedTerms).toEqual(plain?.sharedTerms);
    expect(masked?.textScore ?? 0).toBeGreaterThan(plain?.textScore ?? 1);
  });

  it('leaves the score alone when the mask names kinds neither side has', () => {
    const idx = index();
    expect(idx.query({ ...query, mask: ['codeRefs', 'ips'] })).toEqual(idx.query(query));
    expect(idx.query({ ...query, mask: [] })).toEqual(idx.query(query));
  });

  it('withoutMasked returns the vector itself when nothing is masked', () => {
    const vec = new Map([
      ['@leo.org', 1],
      ['blank', 2],
    ]);
    expect(withoutMasked(vec, undefined, termKind)).toBe(vec);
    expect(withoutMasked(vec, new Set(['ids'] as const), termKind)).toBe(vec);
    expect([...withoutMasked(vec, new Set(['domains'] as const), termKind).keys()]).toEqual(['blank']);
    expect(vec.size).toBe(2);
  });
});
