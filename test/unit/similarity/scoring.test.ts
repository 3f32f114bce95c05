import { describe, expect, it } from 'vitest';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import { combineScore, recencyFactor, scaleScore } from '../../../src/similarity/scoring.js';
import { doc, sqliteIndex } from './helpers.js';

const filler = [
  doc('f1', '2024-01-01T00:00:00Z', 'Laptop will not boot', 'black screen after update'),
  doc('f2', '2024-01-02T00:00:00Z', 'New starter account', 'create account and mailbox for new colleague'),
  doc('f3', '2024-01-03T00:00:00Z', 'Printer jam on floor 2', 'paper stuck in tray'),
  doc('f4', '2024-01-04T00:00:00Z', 'Password reset', 'user locked out of account'),
];
const NOW = '2024-02-01T00:00:00Z';
const noRecency = { weight: 0, halfLifeDays: 90 };

describe.each([
  ['sqlite', () => sqliteIndex().index],
  ['memory', () => new MemoryCandidateIndex()],
])('scoring (%s index)', (_name, make) => {
  it('weights a title match above the same words in the description', () => {
    const index = make();
    for (const d of filler) index.upsert(d);
    index.upsert(doc('in-title', '2024-01-10T00:00:00Z', 'Outlook crashes on startup', 'happens since monday'));
    index.upsert(doc('in-body', '2024-01-10T00:00:00Z', 'Problem since monday', 'outlook crashes on startup'));

    const results = index.query({ doc: doc('q', NOW, 'Outlook crashes on startup'), createdBefore: NOW, limit: 5, recency: noRecency });

    expect(results.map((c) => c.key).slice(0, 2)).toEqual(['in-title', 'in-body']);
  });

  it('scores in 0..1, an identical ticket scoring 1, and explains with shared terms', () => {
    const index = make();
    for (const d of filler) index.upsert(d);
    index.upsert(doc('same', '2024-01-10T00:00:00Z', 'VPN disconnects every hour', 'GlobalProtect drops the tunnel'));

    const results = index.query({ doc: doc('q', NOW, 'VPN disconnects every hour', 'GlobalProtect drops the tunnel'), createdBefore: NOW, limit: 10, recency: noRecency });

    expect(results[0]?.key).toBe('same');
    expect(results[0]?.textScore).toBeCloseTo(1, 5);
    expect(results[0]?.sharedTerms).toEqual(expect.arrayContaining(['vpn', 'disconnect', 'globalprotect']));
    for (const c of results) {
      expect(c.score).toBeGreaterThanOrEqual(0);
      expect(c.score).toBeLessThanOrEqual(1);
    }
  });

  it('raises the score for matched fields and reports them', () => {
    const index = make();
    for (const d of filler) index.upsert(d);
    index.upsert(doc('a', '2024-01-10T00:00:00Z', 'Printer offline', '', { requester: 'Bob', ci: 'PRN-7' }));
    index.upsert(doc('b', '2024-01-10T00:00:00Z', 'Printer offline', '', { requester: 'Alice', ci: 'PRN-9' }));

    const results = index.query({
      doc: doc('q', NOW, 'Printer offline', 'toner warning shown', { requester: 'bob', ci: 'PRN-7' }),
      createdBefore: NOW,
      fieldWeights: { requester: 0.3, ci: 0.3 },
      limit: 5,
      recency: noRecency,
    });

    expect(results[0]).toMatchObject({ key: 'a', matchedFields: ['requester', 'ci'] });
    expect(results[1]).toMatchObject({ key: 'b', matchedFields: [] });
    expect(results[0]?.score).toBeGreaterThan(results[1]?.score ?? 1);
    expect(results[1]?.score).toBeCloseTo(results[1]?.textScore ?? -1, 9);
  });

  it('prefers the more recent of two equally similar tickets', () => {
    const index = make();
    for (const d of filler) index.upsert(d);
    index.upsert(doc('old', '2023-02-01T00:00:00Z', 'Teams calls drop'));
    index.upsert(doc('new', '2024-01-25T00:00:00Z', 'Teams calls drop'));

    const results = index.query({ doc: doc('q', NOW, 'Teams calls drop'), createdBefore: NOW, limit: 5 });

    expect(results.map((c) => c.key)).toEqual(['new', 'old']);
    expect(results[0]?.textScore).toBeCloseTo(results[1]?.textScore ?? 0, 9);
  });
});

describe('scaleScore (one-sided pivoted normalisation)', () => {
  it('scores a copy 1 and a shorter candidate exactly as cosine', () => {
    expect(scaleScore(40, 40, 40, 0.5)).toBe(1);
    // A candidate holding half the query's weight and nothing else: cosine = 20 / sqrt(40 · 20).
    expect(scaleScore(20, 40, 20, 0.5)).toBeCloseTo(20 / Math.sqrt(40 * 20), 12);
  });

  it('counts only half of the extra length of a longer candidate against it, and still keeps it below 1', () => {
    // The query's words all in a candidate four times its length (a report with the full trace).
    const cosine = 40 / Math.sqrt(40 * 160);
    const pivoted = scaleScore(40, 40, 160, 0.5);
    expect(cosine).toBeCloseTo(0.5, 12);
    expect(pivoted).toBeCloseTo(40 / Math.sqrt(40 * (20 + 80)), 12);
    expect(pivoted).toBeGreaterThan(cosine);
    expect(pivoted).toBeLessThan(1);
    expect(scaleScore(40, 40, 160, 1)).toBeCloseTo(cosine, 12);
  });
});

describe('combineScore', () => {
  it('is the text score when nothing matches and closes the gap to 1 per matched field', () => {
    expect(combineScore(0.6, [])).toBe(0.6);
    expect(combineScore(0.6, [0.5])).toBeCloseTo(0.8);
    expect(combineScore(0.6, [0.5, 0.5])).toBeCloseTo(0.9);
    expect(combineScore(1, [0.5])).toBe(1);
  });
});

describe('recencyFactor', () => {
  it('is 1 for a fresh ticket and falls to 1 − weight with age', () => {
    const r = { weight: 0.2, halfLifeDays: 90 };
    expect(recencyFactor(0, r)).toBe(1);
    expect(recencyFactor(90 * 86_400_000, r)).toBeCloseTo(0.9);
    expect(recencyFactor(10_000 * 86_400_000, r)).toBeCloseTo(0.8);
  });
});
