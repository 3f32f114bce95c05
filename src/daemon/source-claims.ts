import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import { describeHolder, LeaseUnconfirmedError, StateHeldError, StateLeaseLostError, staleness, thisProcess, type ProcessIdentity, type StateLease } from '../state/lease.js';
import type { DaemonRecord, SharedState } from '../state/shared.js';
import type { StateLockSettings } from './state-lock.js';

/** One source as the claims see it: its id, and the shared state its lease lives in (the dry-run state for a dry-run source). */
export interface ClaimableSource {
  sourceId: string;
  state: SharedState;
  /**
   * After taking the source over from a daemon that died or went silent, how long to leave it
   * alone: a request that daemon had already sent may still be applied by the platform, and a
   * write sent now would race it (the source's request timeout, at most 10 s, is a good value).
   */
  quietMs?: number;
}

export interface SourceClaimsOptions {
  /** Where the daemons register (the live state). */
  registry: SharedState;
  sources: readonly ClaimableSource[];
  settings: StateLockSettings;
  logger: Logger;
  /** Whether a pass of the source is running now: a source is handed back only between passes. */
  busy: (sourceId: string) => boolean;
  /** This daemon took the source (at start, from a daemon that died, or one handed back): run a pass now. */
  onAcquired: (sourceId: string) => void;
  /** After each heartbeat's balancing (and after stop): the sources held now. */
  onHeld?: (sourceIds: readonly string[]) => void;
  clock?: () => Date;
  identity?: ProcessIdentity;
  version?: string;
  /**
   * How long to wait after registering before taking a first share (default: one heartbeat), so
   * daemons started together see each other and split the sources, rather than the first one up
   * taking all of them and handing the surplus back only after its first (often longest) pass.
   */
  joinWaitMs?: number;
}

/** Daemons that count: registered, not stopped, and not stale by the lease rules (heartbeat, or a dead pid on this host). */
export function liveDaemons(daemons: readonly DaemonRecord[], now: Date, me: ProcessIdentity): DaemonRecord[] {
  return daemons.filter((d) => d.stoppedAt === undefined && staleness({ ...d, holderId: d.daemonId, token: 0 }, now, me) === undefined);
}

/** Each live daemon's fair share of the sources: the ceiling, so every source has a taker. */
export function fairShare(sources: number, daemons: number): number {
  return Math.ceil(sources / Math.max(1, daemons));
}

/**
 * This daemon's part in sharing the sources of a PostgreSQL state with other daemons: it
 * registers, and on every heartbeat renews its source leases, counts the live daemons, takes free
 * or stale sources up to its fair share, and hands back (between passes) what it holds beyond it.
 * A daemon that dies stops renewing; the others take its sources once its leases are stale (at
 * once on the same host, where a dead pid is seen; else after the TTL). Every commit for a source
 * is fenced by its lease in the store, so a paused former holder cannot write after losing it.
 */
export class SourceClaims {
  readonly daemonId = randomUUID();
  private readonly held = new Map<string, StateLease>();
  /**
   * When (performance.now(), a monotonic clock that also counts time this process was paused) each
   * held lease was last confirmed: the moment its acquisition or latest renewal was sent.
   */
  private readonly confirmedAt = new Map<string, number>();
  /** Sources taken over from a dead or silent daemon: not worked before this time (ms), see ClaimableSource.quietMs. */
  private readonly quietUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Shutting down: keep renewing what is held until `stop` hands it back, take nothing new. */
  private leaving = false;
  private readonly clock: () => Date;
  private readonly me: ProcessIdentity;
  /** This daemon's place in the acquisition order, so daemons starting together try different sources first. */
  private readonly offset: number;

  constructor(private readonly options: SourceClaimsOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.me = options.identity ?? thisProcess();
    this.offset = Number.parseInt(this.daemonId.slice(0, 8), 16) % Math.max(1, options.sources.length);
  }

  /** Whether this daemon may work the source now: it holds the lease, and a takeover's quiet period is over. */
  holds(sourceId: string): boolean {
    return this.held.has(sourceId) && this.clock().getTime() >= (this.quietUntil.get(sourceId) ?? 0);
  }

  /** The sources held now, for logs and `/healthz`. */
  heldSources(): string[] {
    return [...this.held.keys()].sort();
  }

  /** Registers and takes a first share; then keeps balancing on the heartbeat until `stop`. */
  async start(): Promise<void> {
    const { registry, settings } = this.options;
    await registry.register({ daemonId: this.daemonId, ttlMs: settings.ttlSeconds * 1000, ...(this.options.version ? { version: this.options.version } : {}) });
    this.options.logger.info('Sharing the sources with other daemons', { daemon: this.daemonId, sources: this.options.sources.length, ttlSeconds: settings.ttlSeconds });
    const joinWaitMs = this.options.joinWaitMs ?? settings.heartbeatSeconds * 1000;
    if (joinWaitMs > 0) await new Promise((resolve) => setTimeout(resolve, joinWaitMs));
    await this.tick();
    this.timer = setInterval(() => void this.tick(), settings.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  /** One heartbeat: renew, count, take or hand back. Never runs twice at once; failures wait for the next heartbeat. */
  tick(): Promise<void> {
    this.ticking ??= this.balance()
      .finally(() => this.options.onHeld?.(this.heldSources()))
      .catch((error: unknown) => this.options.logger.warn('Could not balance the sources; trying again at the next heartbeat', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  /** A fenced commit found the source's lease gone: stop working it (another daemon has it). */
  lose(sourceId: string, error: StateLeaseLostError): void {
    // Not confirmed lately is not lost: the next heartbeat's renewal tells which it is.
    if (error instanceof LeaseUnconfirmedError) return;
    this.confirmedAt.delete(sourceId);
    if (!this.held.delete(sourceId)) return;
    this.options.logger.warn('Lost a source to another daemon; leaving it to its new holder', { source: sourceId, error: error.message });
  }

  /**
   * Throws unless this daemon holds the source and confirmed its lease within TTL minus one
   * heartbeat: another daemon can only take it over once a whole TTL has passed without a renewal,
   * so a write sent now cannot race a successor — also after this process was paused (SIGSTOP, a
   * frozen VM), which a monotonic clock sees and a fenced commit would only see after the write.
   * The connectors ask it right before each write request goes on the wire.
   */
  assertFresh(sourceId: string): void {
    const confirmed = this.confirmedAt.get(sourceId);
    if (!this.held.has(sourceId) || confirmed === undefined) throw new LeaseUnconfirmedError(sourceId, Number.POSITIVE_INFINITY, 0);
    const { ttlSeconds, heartbeatSeconds } = this.options.settings;
    const limitMs = (ttlSeconds - heartbeatSeconds) * 1000;
    const sinceMs = performance.now() - confirmed;
    if (sinceMs > limitMs) throw new LeaseUnconfirmedError(sourceId, sinceMs, limitMs);
  }

  /** The daemon is stopping: from now on no source is taken (those held are renewed until `stop`). */
  stopTaking(): void {
    this.leaving = true;
  }

  /** Hands every source back and leaves the registry, so the others take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const [sourceId, lease] of [...this.held]) {
      this.held.delete(sourceId);
      this.confirmedAt.delete(sourceId);
      await lease.release().catch((error: unknown) => this.options.logger.warn('Could not hand a source back; it expires on its own', { source: sourceId, error: String(error) }));
    }
    await this.options.registry.leave(this.daemonId).catch(() => undefined);
    this.options.onHeld?.([]);
  }

  private async balance(): Promise<void> {
    if (this.stopped) return;
    const { registry, settings, sources, logger } = this.options;
    if (!(await registry.heartbeat(this.daemonId))) {
      // Pruned or marked stopped while this daemon was cut off: join again.
      await registry.register({ daemonId: this.daemonId, ttlMs: settings.ttlSeconds * 1000, ...(this.options.version ? { version: this.options.version } : {}) });
    }
    await this.renewHeld();
    const now = this.clock();
    const live = liveDaemons(await registry.daemons(), now, this.me);
    const daemons = Math.max(1, live.length + (live.some((d) => d.daemonId === this.daemonId) ? 0 : 1));
    const share = fairShare(sources.length, daemons);
    if (this.held.size > share) await this.handBack(this.held.size - share);
    if (this.held.size >= share || this.stopped || this.leaving) return;
    for (let i = 0; i < sources.length && this.held.size < share && !this.stopped; i++) {
      const source = sources[(i + this.offset) % sources.length];
      if (!source || this.held.has(source.sourceId)) continue;
      try {
        const asked = performance.now();
        const lease = await source.state.acquireSource(source.sourceId, { ttlMs: settings.ttlSeconds * 1000, daemonId: this.daemonId });
        this.held.set(source.sourceId, lease);
        this.confirmedAt.set(source.sourceId, asked);
        if (lease.takenOver) {
          const quietMs = source.quietMs ?? 0;
          logger.warn('Took over a source whose daemon stopped renewing it', {
            source: source.sourceId,
            reason: lease.takenOver.reason,
            previousHolder: describeHolder(lease.takenOver.previous, now),
            fencingToken: lease.token,
            quietMs,
          });
          this.quietUntil.set(source.sourceId, now.getTime() + quietMs);
          const timer = setTimeout(() => {
            if (this.holds(source.sourceId)) this.options.onAcquired(source.sourceId);
          }, quietMs);
          timer.unref();
        } else {
          this.quietUntil.delete(source.sourceId);
          logger.info('Took a source', { source: source.sourceId, fencingToken: lease.token, share, daemons });
          this.options.onAcquired(source.sourceId);
        }
      } catch (error) {
        if (!(error instanceof StateHeldError)) throw error;
      }
    }
  }

  private async renewHeld(): Promise<void> {
    for (const [sourceId, lease] of [...this.held]) {
      try {
        const asked = performance.now();
        await lease.renew();
        this.confirmedAt.set(sourceId, asked);
      } catch (error) {
        if (error instanceof StateLeaseLostError) this.lose(sourceId, error);
        // Otherwise the database is slow or away: the next heartbeat tries again within the TTL, and commits stay fenced meanwhile.
        else this.options.logger.warn('Could not renew a source lease; trying again at the next heartbeat', { source: sourceId, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** Releases up to `count` sources not in a pass, last taken first, so a daemon that joins gets work at its next heartbeat. */
  private async handBack(count: number): Promise<void> {
    const idle = [...this.held.keys()].filter((id) => !this.options.busy(id)).reverse();
    for (const sourceId of idle.slice(0, count)) {
      const lease = this.held.get(sourceId);
      this.held.delete(sourceId);
      this.confirmedAt.delete(sourceId);
      // Logged before the release: from this line on nothing is written for the source, and the
      // next holder's "Took a source" can never be stamped before it (a busy event loop here would
      // otherwise log the hand-back after the other daemon had already taken it).
      this.options.logger.info('Handed a source back for another daemon to take', { source: sourceId });
      await lease?.release();
    }
  }
}
