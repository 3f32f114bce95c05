import { describe, expect, it } from 'vitest';
import { DEFAULT_SPIKE_PARAMS, assessSpike, formatDuration, poissonUpperTail, resolveSpikeParams } from '../../../../src/engine/patterns/detector.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const window24h = { windowMs: 24 * HOUR, baselineMs: 28 * DAY };

describe('assessSpike', () => {
  it('triggers when a quiet key suddenly has many incidents', () => {
    // 11 in 28 days → 0.39 expected per 24 h; 7 today.
    const result = assessSpike({ windowCount: 7, baselineCount: 11, ...window24h });

    expect(result.triggered).toBe(true);
    expect(result.by).toBe('spike');
    expect(result.expected).toBeCloseTo(11 / 28, 10);
    expect(result.ratio).toBeCloseTo(7 / (11 / 28), 10);
    expect(result.pValue).toBeLessThan(1e-6);
  });

  it('does not trigger on a steady high-volume key running a little hot', () => {
    // 2,800 in 28 days → 100 per day; 140 today is very unlikely under Poisson, but only 1.4×.
    const result = assessSpike({ windowCount: 140, baselineCount: 2_800, ...window24h });

    expect(result.pValue).toBeLessThan(1e-4);
    expect(result.triggered).toBe(false);
    expect(result.by).toBe('none');
    expect(result.ratio).toBeCloseTo(1.4, 10);
  });

  it('triggers on a high-volume key when the count is a multiple of its normal rate', () => {
    const result = assessSpike({ windowCount: 520, baselineCount: 2_800, ...window24h });

    expect(result.triggered).toBe(true);
    expect(result.ratio).toBeCloseTo(5.2, 10);
  });

  it('does not trigger below the floor, however rare the key', () => {
    const result = assessSpike({ windowCount: 5, baselineCount: 0, ...window24h });

    expect(result.triggered).toBe(false);
    expect(result.reason).toBe('5 incidents in 24 h, below the minimum of 6 (against none in the previous 28 days).');
  });

  it('triggers a key with an observed but empty baseline once the floor is reached', () => {
    const result = assessSpike({ windowCount: 6, baselineCount: 0, ...window24h });

    expect(result).toMatchObject({ triggered: true, by: 'spike', expected: 0, ratio: Infinity, pValue: 0 });
    expect(result.reason).toBe('6 incidents in 24 h against none in the previous 28 days.');
  });

  it('holds back a moderate key whose count is a multiple of its rate but could still be chance', () => {
    // expected 1.25; 7 is 5.6× but P(X ≥ 7 | 1.25) ≈ 3e-4 > 1e-5.
    const result = assessSpike({ windowCount: 7, baselineCount: 35, ...window24h });

    expect(result.ratio).toBeGreaterThan(DEFAULT_SPIKE_PARAMS.factor);
    expect(result.triggered).toBe(false);
    expect(result.reason).toMatch(
      /^7 incidents in 24 h against a normal 1\.3 per 24 h over the previous 28 days: 5\.6× the usual rate, but that happens by chance about 1 in [\d,]+ \(needs 1 in 100,000 or rarer\)\.$/,
    );
  });

  it('without any baseline observed, only the absolute floor can trigger', () => {
    const none = assessSpike({ windowCount: 50, baselineCount: 0, windowMs: DAY, baselineMs: 0 });
    const absolute = assessSpike({ windowCount: 50, baselineCount: 0, windowMs: DAY, baselineMs: 0, params: { absoluteCount: 40 } });

    expect(none).toMatchObject({ triggered: false, by: 'none', expected: 0 });
    expect(none.pValue).toBeUndefined();
    expect(none.reason).toBe('50 incidents in 24 h; no earlier history to compare with yet, so only an absolute threshold could trigger.');
    expect(absolute).toMatchObject({ triggered: true, by: 'absolute' });
  });

  it('triggers on the absolute floor whatever the baseline says', () => {
    const result = assessSpike({ windowCount: 150, baselineCount: 2_800, ...window24h, params: { absoluteCount: 150 } });

    expect(result).toMatchObject({ triggered: true, by: 'absolute' });
    expect(result.reason).toBe('150 incidents in 24 h, at or above the absolute threshold of 150 (against a normal 100 per 24 h over the previous 28 days).');
  });

  it('acts as a fixed count when factor is 0 and the p-value test is off', () => {
    const params = { minCount: 5, factor: 0, maxPValue: 1 };

    expect(assessSpike({ windowCount: 5, baselineCount: 2_800, ...window24h, params }).triggered).toBe(true);
    expect(assessSpike({ windowCount: 4, baselineCount: 0, ...window24h, params }).triggered).toBe(false);
  });

  it('explains a spike in one sentence a problem manager can read', () => {
    const result = assessSpike({ windowCount: 7, baselineCount: 11, ...window24h, params: { minCount: 4, factor: 3, maxPValue: 0.001 } });

    expect(result.reason).toBe('7 incidents in 24 h against a normal 0.4 per 24 h over the previous 28 days (18× the usual rate; by chance about 1 in 4,900,000).');
  });

  it('explains a key that is busy but not busy enough', () => {
    const result = assessSpike({ windowCount: 140, baselineCount: 2_800, ...window24h });

    expect(result.reason).toBe('140 incidents in 24 h against a normal 100 per 24 h over the previous 28 days: 1.4× the usual rate, under the 5× needed.');
  });

  it('scales the baseline to the window for other lengths', () => {
    // 4 h window, 7-day baseline: 42 incidents in 168 h → 1 per 4 h.
    const result = assessSpike({ windowCount: 9, baselineCount: 42, windowMs: 4 * HOUR, baselineMs: 7 * DAY });

    expect(result.expected).toBeCloseTo(1, 10);
    expect(result.triggered).toBe(true);
    expect(result.reason).toMatch(/^9 incidents in 4 h against a normal 1 per 4 h over the previous 7 days \(9× the usual rate/);
  });

  it('rejects nonsensical input', () => {
    expect(() => assessSpike({ windowCount: 1, baselineCount: 0, windowMs: 0, baselineMs: DAY })).toThrow(RangeError);
    expect(() => assessSpike({ windowCount: -1, baselineCount: 0, ...window24h })).toThrow(RangeError);
    expect(() => resolveSpikeParams({ maxPValue: 0 })).toThrow(RangeError);
    expect(() => resolveSpikeParams({ minCount: 0 })).toThrow(RangeError);
    expect(() => resolveSpikeParams({ absoluteCount: 0 })).toThrow(RangeError);
  });
});

describe('poissonUpperTail', () => {
  it('matches hand-computed tails', () => {
    // P(X ≥ 1 | 2) = 1 − e^−2
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 12);
    // P(X ≥ 3 | 1) = 1 − e^−1 (1 + 1 + 1/2)
    expect(poissonUpperTail(3, 1)).toBeCloseTo(1 - Math.exp(-1) * 2.5, 12);
  });

  it('handles the edges and stays accurate in the far tail', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
    // P(X ≥ 20 | 0.5) ≈ e^−0.5 0.5^20 / 20! (first term dominates)
    const first = (Math.exp(-0.5) * 0.5 ** 20) / 2.43290200817664e18;
    expect(poissonUpperTail(20, 0.5) / first).toBeCloseTo(1.024, 2);
    // Large counts: P(X ≥ 100 | 100) is a little over one half.
    expect(poissonUpperTail(100, 100)).toBeGreaterThan(0.5);
    expect(poissonUpperTail(100, 100)).toBeLessThan(0.55);
  });
});

describe('formatDuration', () => {
  it('uses hours for a day or so and days beyond', () => {
    expect(formatDuration(24 * HOUR)).toBe('24 h');
    expect(formatDuration(4 * HOUR)).toBe('4 h');
    expect(formatDuration(28 * DAY)).toBe('28 days');
    expect(formatDuration(6.5 * DAY)).toBe('6.5 days');
    expect(formatDuration(30 * 60_000)).toBe('30 min');
  });
});
