import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideRetry, parseRetryAfter, resolveRetry, sleep, withRetry, type Sleep } from '../../../src/http/retry.js';

const NOW = Date.parse('2024-05-14T09:00:00Z');
const POLICY = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterSeconds: 300, timeoutMs: 30_000 };

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 0],
    // HTTP-date, IMF-fixdate form
    ['Tue, 14 May 2024 09:00:30 GMT', 30],
    // Fractions of a second round up, never down to an early retry
    ['Tue, 14 May 2024 09:00:01 GMT', 1],
    // A date in the past means "now"
    ['Tue, 14 May 2024 08:59:00 GMT', 0],
  ])('reads %j as %d seconds', (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });

  it.each([undefined, null, '', '-5', '1.5', 'soon', 'Tue, 99 Foo 2024'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    [0, 1, 499],
    [1, 1, 999],
    [2, 1, 1999],
    [5, 1, 15_999],
    // capped by maxDelayMs
    [6, 1, 29_999],
    [60, 1, 29_999],
    [3, 0, 0],
    [3, 0.5, 2000],
  ])('retry %d with random %d waits %d ms', (retryIndex, random, expected) => {
    const r = random === 1 ? 0.999_999_9 : random;

    expect(backoffDelayMs(retryIndex, POLICY, () => r)).toBe(expected);
  });

  it('stays within [0, min(max, base·2^n))', () => {
    for (let retry = 0; retry < 12; retry += 1) {
      const delay = backoffDelayMs(retry, POLICY);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** retry));
    }
  });
});

describe('decideRetry', () => {
  it('never retries a non-retryable failure', () => {
    expect(decideRetry({ retryable: false }, 0, POLICY)).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('waits exactly Retry-After when one was given', () => {
    expect(decideRetry({ retryable: true, retryAfterSeconds: 12 }, 0, POLICY)).toEqual({
      retry: true,
      delayMs: 12_000,
      reason: 'retry-after',
    });
  });

  it('fails at once when Retry-After exceeds the cap', () => {
    expect(decideRetry({ retryable: true, retryAfterSeconds: 301 }, 0, POLICY)).toEqual({
      retry: false,
      reason: 'retry-after-too-long',
    });
  });

  it('stops after maxRetries', () => {
    expect(decideRetry({ retryable: true }, 3, POLICY)).toEqual({ retry: false, reason: 'exhausted' });
  });
});

describe('withRetry', () => {
  const recordingSleep =
    (log: number[]): Sleep =>
    (ms) => {
      log.push(ms);
      return Promise.resolve();
    };

  it('retries until success and reports each retry', async () => {
    const slept: number[] = [];
    const retries: number[] = [];
    let calls = 0;

    const result = await withRetry(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok');
      },
      {
        retry: resolveRetry(POLICY, { sleep: recordingSleep(slept), random: () => 0 }),
        classify: () => ({ retryable: true }),
        onRetry: (event) => retries.push(event.retry),
      },
    );

    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(slept).toEqual([0, 0]);
    expect(retries).toEqual([1, 2]);
  });

  it('makes exactly one attempt with maxRetries 0', async () => {
    let calls = 0;

    await expect(
      withRetry(
        () => {
          calls += 1;
          return Promise.reject(new Error('down'));
        },
        { retry: resolveRetry(POLICY, { maxRetries: 0 }), classify: () => ({ retryable: true }) },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(1);
  });

  it('rethrows a non-retryable error unchanged', async () => {
    const error = new Error('bad request');

    await expect(withRetry(() => Promise.reject(error), { retry: resolveRetry(POLICY), classify: () => ({ retryable: false }) })).rejects.toBe(error);
  });

  it('stops sleeping when aborted', async () => {
    const controller = new AbortController();
    const pending = withRetry(() => Promise.reject(new Error('busy')), {
      retry: resolveRetry({ ...POLICY, baseDelayMs: 60_000, maxDelayMs: 60_000 }, { random: () => 0.99 }),
      classify: () => ({ retryable: true }),
      signal: controller.signal,
    });

    controller.abort(new Error('shutdown'));

    await expect(pending).rejects.toThrow('shutdown');
  });
});

describe('sleep', () => {
  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);

    controller.abort(new Error('stop'));

    await expect(pending).rejects.toThrow('stop');
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(sleep(10, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
