import { describe, expect, it } from 'vitest';
import { HostQueue, HostQueueRegistry, pacingFor } from '../../../src/http/queue.js';

describe('pacingFor', () => {
  // Each window carries a 25 ms guard against network jitter at the platform's window edges.
  it.each([
    [600, 10, 1025],
    [60, 1, 1025],
    [90, 3, 2025],
    [50, 5, 6025],
    [7, 7, 60_025],
    [1, 1, 60_025],
  ])('%d/min → %d per %d ms', (perMinute, intervalCap, intervalMs) => {
    expect(pacingFor(perMinute)).toEqual({ intervalCap, intervalMs });
  });
});

describe('HostQueue pause', () => {
  it('holds every request to the host, not only the one that was rate limited', async () => {
    const queue = new HostQueue('https://acme.service-now.com', { requestsPerMinute: 600, concurrency: 4 });
    const now = 1_000_000;
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    };

    queue.pauseFor(5_000, now);
    const results = await Promise.all([queue.run(() => Promise.resolve('a'), { sleep, now: () => now }), queue.run(() => Promise.resolve('b'), { sleep, now: () => now })]);

    expect(results).toEqual(['a', 'b']);
    expect(waits).toEqual([5_000, 5_000]);
  });

  it('never shortens a pause', () => {
    const queue = new HostQueue('https://acme.service-now.com', { requestsPerMinute: 600, concurrency: 4 });

    queue.pauseFor(30_000, 0);
    queue.pauseFor(1_000, 0);

    expect(queue.pausedUntil).toBe(30_000);
  });

  it('runs at once when not paused', async () => {
    const queue = new HostQueue('https://acme.service-now.com', { requestsPerMinute: 600, concurrency: 1 });
    const waits: number[] = [];

    await queue.run(() => Promise.resolve(), {
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });

    expect(waits).toEqual([]);
  });
});

describe('HostQueueRegistry', () => {
  it('shares one queue per origin', () => {
    const registry = new HostQueueRegistry();
    const limit = { requestsPerMinute: 600, concurrency: 4 };

    const a = registry.forUrl('https://acme.service-now.com', limit);
    const b = registry.forUrl('https://acme.service-now.com/oauth_token.do', limit);
    const c = registry.forUrl('https://other.service-now.com', limit);

    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(registry.size).toBe(2);
  });
});
