import { describe, expect, it } from 'vitest';
import { RequestRate } from '../../../src/daemon/console-view.js';

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const S = 1000;

/** Samples `count(t)` every 5 s from `from` to `to` (seconds after T0), as the daemon's timer does. */
function sampleEvery5s(rate: RequestRate, sourceId: string, count: (t: number) => number, from: number, to: number): void {
  for (let t = from; t <= to; t += 5) rate.sample(sourceId, count(t), T0 + t * S);
}

describe('RequestRate', () => {
  it('counts the requests of the last minute from samples taken every 5 s', () => {
    const rate = new RequestRate();
    // 2 requests a second, steadily, from 1,000 already sent before the console started.
    const count = (t: number) => 1000 + 2 * t;
    sampleEvery5s(rate, 'snow', count, 0, 180);
    expect(rate.lastMinute('snow', count(180), T0 + 180 * S)).toBe(120);
  });

  it('counts from the first sample less than a minute after start', () => {
    const rate = new RequestRate();
    const count = (t: number) => 1000 + 2 * t;
    sampleEvery5s(rate, 'snow', count, 0, 30);
    expect(rate.lastMinute('snow', count(30), T0 + 30 * S)).toBe(60);
  });

  it('is 0 on the very first look, with nothing to compare to', () => {
    const rate = new RequestRate();
    expect(rate.lastMinute('snow', 1234, T0)).toBe(0);
  });

  it('counts the requests sent since the last sample too (a page view between two ticks)', () => {
    const rate = new RequestRate();
    sampleEvery5s(rate, 'snow', () => 100, 0, 120);
    // 2 s after the last tick, 7 more requests went out.
    expect(rate.lastMinute('snow', 107, T0 + 122 * S)).toBe(7);
  });

  it('drops a burst once it is more than a minute old', () => {
    const rate = new RequestRate();
    // 500 requests between the samples at 10 s and 15 s, nothing else.
    const count = (t: number) => (t >= 15 ? 500 : 0);
    sampleEvery5s(rate, 'snow', count, 0, 65);
    expect(rate.lastMinute('snow', count(65), T0 + 65 * S)).toBe(500);
    sampleEvery5s(rate, 'snow', count, 70, 70);
    expect(rate.lastMinute('snow', count(70), T0 + 70 * S)).toBe(500);
    sampleEvery5s(rate, 'snow', count, 75, 80);
    expect(rate.lastMinute('snow', count(80), T0 + 80 * S)).toBe(0);
    sampleEvery5s(rate, 'snow', count, 85, 600);
    expect(rate.lastMinute('snow', count(600), T0 + 600 * S)).toBe(0);
  });

  it('follows a rate that changes: the last minute only', () => {
    const rate = new RequestRate();
    // 5/s for two minutes, then 1/s.
    const count = (t: number) => (t <= 120 ? 5 * t : 600 + (t - 120));
    sampleEvery5s(rate, 'snow', count, 0, 150);
    // 30 s at 5/s (90..120) and 30 s at 1/s (120..150).
    expect(rate.lastMinute('snow', count(150), T0 + 150 * S)).toBe(180);
    sampleEvery5s(rate, 'snow', count, 155, 240);
    expect(rate.lastMinute('snow', count(240), T0 + 240 * S)).toBe(60);
  });

  it('keeps each source apart', () => {
    const rate = new RequestRate();
    sampleEvery5s(rate, 'snow', (t) => 3 * t, 0, 120);
    sampleEvery5s(rate, 'jira', (t) => 10_000 + t, 30, 120);
    expect(rate.lastMinute('snow', 360, T0 + 120 * S)).toBe(180);
    expect(rate.lastMinute('jira', 10_120, T0 + 120 * S)).toBe(60);
    expect(rate.lastMinute('zendesk', 99, T0 + 120 * S)).toBe(0);
  });

  it('never goes negative when a running total starts again lower', () => {
    const rate = new RequestRate();
    sampleEvery5s(rate, 'snow', () => 900, 0, 30);
    expect(rate.lastMinute('snow', 3, T0 + 35 * S)).toBe(0);
  });

  it('does not let page views more often than every 5 s narrow the window', () => {
    const rate = new RequestRate();
    const count = (t: number) => 2 * t;
    // A page view every second for three minutes (no timer).
    for (let t = 0; t <= 180; t++) rate.sample('snow', count(t), T0 + t * S);
    const n = rate.lastMinute('snow', count(180), T0 + 180 * S);
    // A minute, give or take one sample interval: 120 to 130 requests at 2/s.
    expect(n).toBeGreaterThanOrEqual(120);
    expect(n).toBeLessThanOrEqual(130);
  });
});
