import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * One writer per state: a daemon holds a lease on its state for its lifetime. The lease is a
 * row in the state itself (SQLite here; a PostgreSQL store implements the same interface with
 * its own lease table), renewed by a heartbeat and carrying a fencing token that grows by one on
 * every acquisition. Once a store has handed out a lease, each of its commits that changes
 * source state (batches, outbox outcomes, audit heads) first checks, inside the commit's
 * transaction, that the token is still the current one: a holder that was paused past its TTL
 * and replaced cannot write over its successor.
 */

/**
 * A lease as both stores keep it in a row (SQLite `state_lease`, PostgreSQL `leases`): the token is
 * an integer in SQLite and a bigint (read as a string) in PostgreSQL; only PostgreSQL records the
 * daemon of a source's lease.
 */
export interface LeaseRow {
  holder_id: string;
  pid: number;
  host: string;
  pid_namespace: string | null;
  started_at: string;
  heartbeat_at: string;
  ttl_ms: number;
  token: number | string;
  released_at: string | null;
  daemon_id?: string | null;
}

export function leaseRecordOf(row: LeaseRow): LeaseRecord {
  return {
    holderId: row.holder_id,
    pid: row.pid,
    host: row.host,
    pidNamespace: row.pid_namespace ?? undefined,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    ttlMs: row.ttl_ms,
    token: Number(row.token),
    releasedAt: row.released_at ?? undefined,
    ...(row.daemon_id ? { daemonId: row.daemon_id } : {}),
  };
}

/** Who holds (or last held) a state's lease. */
export interface LeaseHolder {
  /** Unique per acquisition (a process may hold several states, one lease each). */
  holderId: string;
  pid: number;
  host: string;
  /** Linux pid namespace (`pid:[4026531836]`): the pid check applies only inside the same one. */
  pidNamespace: string | undefined;
  startedAt: string;
  heartbeatAt: string;
  /** The holder's own TTL: without a heartbeat for this long, its lease may be taken over. */
  ttlMs: number;
  /** Fencing token: strictly increasing over the life of the state. */
  token: number;
  /** The daemon (see src/state/shared.ts) holding a source's lease when several share the state. */
  daemonId?: string | undefined;
}

export interface LeaseRecord extends LeaseHolder {
  /** Set when the holder let go (graceful shutdown); the row stays so the token keeps growing. */
  releasedAt: string | undefined;
}

export type StaleReason = 'heartbeat-expired' | 'holder-gone';

export interface LeaseRequest {
  /** Without a heartbeat for this long the lease may be taken over by another daemon. */
  ttlMs: number;
  /** Which of the daemons sharing the state asks (recorded on the lease, for `deskbridge status`). */
  daemonId?: string;
}

export interface StateLease {
  readonly token: number;
  readonly holder: LeaseHolder;
  /** The stale lease this acquisition replaced, and why it was stale (the daemon logs it). */
  readonly takenOver: { previous: LeaseHolder; reason: StaleReason } | undefined;
  /** Records a heartbeat; throws StateLeaseLostError when another holder has taken over. */
  renew(): Promise<void>;
  /** Lets go (idempotent); a lease already taken over is left to its new holder. */
  release(): Promise<void>;
  /** Throws StateLeaseLostError unless this lease's token is still the current one. */
  assertHeld(): Promise<void>;
}

export interface StateLeases {
  /** Where the state is, for messages (a file path, a database URL without credentials). */
  readonly location: string;
  /** Takes the lease (taking over a stale one), or throws StateHeldError naming the holder. */
  acquire(request: LeaseRequest): Promise<StateLease>;
  /** The current or last holder, if the state was ever leased. Read-only: safe beside a daemon. */
  current(): Promise<LeaseRecord | undefined>;
  /**
   * Throws (or rejects with) StateLeaseLostError when this store took a lease that is no longer
   * current (no lease taken: no-op). SQLite checks its file synchronously; PostgreSQL asks the server.
   */
  fence?(): void | Promise<void>;
}

/** What a process is, for the lease row and for telling whether a holder on this host is gone. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  pidNamespace: string | undefined;
  /** Whether a pid is alive in this process's pid namespace. */
  pidAlive(pid: number): boolean;
}

export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, host: hostname(), pidNamespace: pidNamespace(), pidAlive };
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether a held lease may be taken over, and why: no heartbeat within the holder's TTL, or the
 * holder ran on this host, in this pid namespace, and its process is gone (a SIGKILL, a crash),
 * so a restart need not wait out the TTL. Undefined: the holder must be presumed alive.
 */
export function staleness(holder: LeaseHolder, now: Date, me: ProcessIdentity): StaleReason | undefined {
  if (now.getTime() - Date.parse(holder.heartbeatAt) > holder.ttlMs) return 'heartbeat-expired';
  const sameNamespace = holder.host === me.host && holder.pidNamespace === me.pidNamespace && holder.pidNamespace !== undefined;
  // Another daemon in this very process is alive by definition.
  if (sameNamespace && holder.pid !== me.pid && !me.pidAlive(holder.pid)) return 'holder-gone';
  return undefined;
}

function ago(at: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
  return seconds < 120 ? `${seconds} s ago` : seconds < 7200 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
}

/** "pid 123 on host h since …, last heartbeat 3 s ago" */
export function describeHolder(holder: LeaseHolder, now: Date): string {
  return `pid ${holder.pid} on host ${holder.host} since ${holder.startedAt}, last heartbeat ${ago(holder.heartbeatAt, now)}`;
}

/**
 * Another live daemon holds the state. `busy`: its lease may be stale, but that process holds the
 * database's write lock (it was paused in the middle of a commit), so nobody can take over yet.
 */
export class StateHeldError extends Error {
  constructor(
    readonly location: string,
    readonly holder: LeaseHolder,
    now: Date,
    readonly busy = false,
  ) {
    super(`state ${location} is held by ${describeHolder(holder, now)}${busy ? ' and it is in the middle of a write (paused?)' : ''}; stop it or run with --wait`);
    this.name = 'StateHeldError';
  }
}

/** This process's lease was taken over (it was paused or cut off past its TTL): it must not write. */
export class StateLeaseLostError extends Error {
  constructor(
    readonly location: string,
    readonly token: number,
    readonly current: LeaseRecord | undefined,
    /** Set when the lease was one source's (daemons sharing a state): only that source stops. */
    readonly sourceId?: string,
  ) {
    const now = new Date();
    const by = !current
      ? sourceId !== undefined && token === 0
        ? 'this daemon does not hold it'
        : 'its lease row is gone'
      : current.releasedAt !== undefined && current.token === token
        ? 'the lease was released'
        : `it is now held by ${describeHolder(current, now)} (token ${current.token}, ours was ${token})`;
    super(
      sourceId !== undefined
        ? `lost the lease on source ${sourceId} of state ${location}: ${by}; committing nothing more for it`
        : `lost the lock on state ${location}: ${by}; stopping without committing anything more`,
    );
    this.name = 'StateLeaseLostError';
  }
}

/**
 * A daemon sharing sources has not confirmed its lease on a source for longer than it may assume it
 * still holds it (it was paused, or the database did not answer): it sends nothing for the source
 * until a heartbeat confirms the lease again, or another daemon takes the source.
 */
export class LeaseUnconfirmedError extends StateLeaseLostError {
  constructor(sourceId: string, sinceMs: number, limitMs: number) {
    super('', 0, undefined, sourceId);
    this.name = 'LeaseUnconfirmedError';
    this.message = `not sending for source ${sourceId}: its lease was last confirmed ${Math.round(sinceMs)} ms ago, more than the ${limitMs} ms it may be assumed held (paused, or the database did not answer); the write stays queued`;
  }
}

/**
 * Acquires, or with `wait` polls until the lease is free or stale (calling `onWait` once with the
 * holder). Rejects with the StateHeldError when not waiting, or an AbortError when `signal` fires.
 */
export async function acquireLease(
  leases: StateLeases,
  request: LeaseRequest,
  options: { wait?: boolean; pollMs?: number; signal?: AbortSignal; onWait?: (error: StateHeldError) => void } = {},
): Promise<StateLease> {
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await leases.acquire(request);
    } catch (error) {
      if (!(error instanceof StateHeldError) || !options.wait) throw error;
      if (!told) options.onWait?.(error);
      told = true;
    }
    await sleep(options.pollMs ?? 1000, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
