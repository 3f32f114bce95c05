import PQueue from 'p-queue';
import type { RateLimit } from './settings.js';
import { sleep as defaultSleep, type Sleep } from './retry.js';

/** How a requests-per-minute budget becomes a p-queue window. */
export interface Pacing {
  intervalCap: number;
  intervalMs: number;
}

/**
 * Spreads `requestsPerMinute` over the shortest whole-second window that keeps it exact:
 * 600/min → 10 per 1 s, 90/min → 3 per 2 s, 7/min → 7 per 60 s. A one-minute window would allow
 * the whole budget as one burst at the top of each minute, which is what trips vendor throttles.
 */
export function pacingFor(requestsPerMinute: number): Pacing {
  return pacingOver(requestsPerMinute, 60);
}

/** As {@link pacingFor}, for `requests` per `windowSeconds` (a source budget of `3000/h` is 5 per 6 s). */
export function pacingOver(requests: number, windowSeconds: number): Pacing {
  const divisor = gcd(requests, windowSeconds);
  return { intervalCap: requests / divisor, intervalMs: (windowSeconds / divisor) * 1000 + WINDOW_GUARD_MS };
}

/**
 * Each window is a little longer than exact. Requests reach the platform a variable few
 * milliseconds after we send them, so a full window of ours can straddle the edge of the
 * platform's window and put it a request or two over its limit (measured: ~1.5% of requests
 * answered 429 when the budget equalled the limit). 25 ms is 2.5% of a one-second window.
 */
const WINDOW_GUARD_MS = 25;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
  /** Used for the host pause; the caller's so tests can keep it instant. */
  sleep?: Sleep | undefined;
  now?: (() => number) | undefined;
}

/**
 * All traffic to one host: paced, bounded in concurrency, and stoppable as a whole. When one
 * request is told to back off (429 + Retry-After), `pauseFor` makes every request to the host
 * wait — including ones already queued — because the platform's budget is per host (or per
 * user), not per request, and hammering it while one caller politely waits only extends the
 * penalty.
 */
export class HostQueue {
  readonly host: string;
  private readonly queue: PQueue;
  private resumeAt = 0;

  constructor(host: string, rateLimit: RateLimit) {
    const pacing = pacingFor(rateLimit.requestsPerMinute);
    this.host = host;
    this.queue = new PQueue({
      concurrency: rateLimit.concurrency,
      intervalCap: pacing.intervalCap,
      interval: pacing.intervalMs,
      strict: true,
    });
  }

  /** Runs `task` when the pace, the concurrency limit and any host pause allow. */
  run<T>(task: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const { signal } = options;
    return this.queue.add(
      async () => {
        await this.waitWhilePaused(options);
        signal?.throwIfAborted();
        return task();
      },
      { signal },
    );
  }

  /** Holds every request to this host for at least `ms` from `now`; never shortens a pause. */
  pauseFor(ms: number, now: number = Date.now()): void {
    this.resumeAt = Math.max(this.resumeAt, now + ms);
  }

  /** Epoch ms until which requests are held (0 or past = not paused). */
  get pausedUntil(): number {
    return this.resumeAt;
  }

  get pending(): number {
    return this.queue.size + this.queue.pending;
  }

  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }

  private async waitWhilePaused(options: RunOptions): Promise<void> {
    const sleep = options.sleep ?? defaultSleep;
    const now = options.now ?? Date.now;
    // Sleep again only if another 429 extended the pause meanwhile; a frozen test clock must
    // not turn this into a busy loop.
    let waitedFor = -1;
    while (this.resumeAt > now() && this.resumeAt !== waitedFor) {
      waitedFor = this.resumeAt;
      await sleep(this.resumeAt - now(), options.signal);
    }
  }
}

/**
 * One HostQueue per origin, shared by every source that talks to it. The first source to reach
 * a host sets its pace; several sources on one instance share the instance's budget anyway.
 */
export class HostQueueRegistry {
  private readonly queues = new Map<string, HostQueue>();

  forUrl(url: string, rateLimit: RateLimit): HostQueue {
    const host = new URL(url).origin;
    let queue = this.queues.get(host);
    if (queue === undefined) {
      queue = new HostQueue(host, rateLimit);
      this.queues.set(host, queue);
    }
    return queue;
  }

  get size(): number {
    return this.queues.size;
  }
}

/** The process-wide registry the daemon uses; tests create their own to stay isolated. */
export const sharedHostQueues = new HostQueueRegistry();
