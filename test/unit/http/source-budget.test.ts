import { afterEach, describe, expect, it, vi } from 'vitest';
import { Budget, budgetPerMinute, parseBudget, SourceBudget } from '../../../src/http/budget.js';
import { versionReadChunk } from '../../../src/daemon/sync-loop.js';

describe('a source budget (`budget: 60/min`)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the share as requests per second, minute or hour', () => {
    expect(parseBudget('60/min')).toEqual({ requests: 60, windowSeconds: 60 });
    expect(budgetPerMinute(parseBudget('2/s'))).toBe(120);
    expect(budgetPerMinute(parseBudget('3000 / hour'))).toBe(50);
  });

  it('rejects a share it cannot read, saying how to write one', () => {
    const bad = Budget.safeParse('60 per minute');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('write the share as <requests>/<unit>, e.g. "60/min", "2/s" or "3000/h"');
    expect(Budget.safeParse('0/min').success).toBe(false);
  });

  it('lets no more requests start in a window than the share allows, and the next ones as the window turns', async () => {
    vi.useFakeTimers();
    const budget = new SourceBudget(parseBudget('2/s'));
    const started: number[] = [];
    const takes = [0, 1, 2, 3, 4].map((i) => budget.take().then(() => started.push(i)));

    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1_020);
    expect(started).toEqual([0, 1, 2, 3]);
    await vi.advanceTimersByTimeAsync(1_020);
    await Promise.all(takes);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('spreads an hourly share evenly instead of allowing it as one burst', async () => {
    vi.useFakeTimers();
    const budget = new SourceBudget(parseBudget('3000/h'));
    let started = 0;
    for (let i = 0; i < 20; i++) void budget.take().then(() => started++);
    await vi.advanceTimersByTimeAsync(10);
    // 3000/h = 5 per 6 s.
    expect(started).toBe(5);
  });

  it('gives up waiting when the source stops', async () => {
    const budget = new SourceBudget(parseBudget('1/h'));
    await budget.take();
    const stop = new AbortController();
    const waiting = budget.take(stop.signal);
    stop.abort(new Error('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
  });
});

describe('tickets per batched version read', () => {
  it('covers about 20 seconds of the budget, between 10 and 100 tickets', () => {
    expect(versionReadChunk(60)).toBe(20);
    expect(versionReadChunk(100)).toBe(33);
    expect(versionReadChunk(6)).toBe(10);
    expect(versionReadChunk(600)).toBe(100);
  });
});
