import type { Logger } from '../observability/logger.js';
import { acquireLease, describeHolder, StateLeaseLostError, type StateHeldError, type StateLease } from '../state/lease.js';
import type { StateStore } from '../state/types.js';

export interface StateLockSettings {
  ttlSeconds: number;
  heartbeatSeconds: number;
}

export interface HoldOptions {
  /** Poll until the holder stops or goes stale instead of failing with StateHeldError. */
  wait?: boolean;
  signal?: AbortSignal;
  /** Called once when waiting starts, with who holds the state. */
  onWait?: (error: StateHeldError) => void;
}

/**
 * A daemon's hold on its state files (the main one, and the dry-run one when a source is in
 * dry-run): acquired in a fixed order, renewed by a heartbeat, released on stop. When a
 * heartbeat finds another daemon has taken over, `onLost` is called once.
 */
export class StateLock {
  private readonly leases: StateLease[] = [];
  private holding: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lostWith: StateLeaseLostError | undefined;

  constructor(
    private readonly stores: readonly StateStore[],
    private readonly settings: StateLockSettings,
    private readonly logger: Logger,
    private readonly onLost: (error: StateLeaseLostError) => void,
  ) {}

  get held(): boolean {
    return this.leases.length > 0;
  }

  get lost(): StateLeaseLostError | undefined {
    return this.lostWith;
  }

  /** Idempotent; a failed attempt may be repeated. */
  hold(options: HoldOptions = {}): Promise<void> {
    this.holding ??= this.acquire(options).catch((error: unknown) => {
      this.holding = undefined;
      throw error;
    });
    return this.holding;
  }

  /** Records that the lock was lost (from a heartbeat or a fenced commit); calls `onLost` once. */
  lose(error: StateLeaseLostError): void {
    if (this.lostWith) return;
    this.lostWith = error;
    this.logger.error('Lost the state lock; stopping', { error: error.message });
    this.onLost(error);
  }

  /** Stops the heartbeat and lets go; a lease already taken over is left to its new holder. */
  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const lease of this.leases.splice(0)) {
      await lease.release().catch((error: unknown) => this.logger.warn('Could not release the state lock; it expires on its own', { error: String(error) }));
    }
  }

  private async acquire(options: HoldOptions): Promise<void> {
    const { ttlSeconds, heartbeatSeconds } = this.settings;
    try {
      // Always in the same order, so two daemons cannot each hold one file and wait for the other.
      for (const store of this.stores) {
        const lease = await acquireLease(store.leases, { ttlMs: ttlSeconds * 1000 }, { ...options, pollMs: Math.min(1000, heartbeatSeconds * 1000) });
        this.leases.push(lease);
        const { takenOver } = lease;
        if (takenOver) {
          this.logger.warn(takenOver.reason === 'holder-gone' ? 'Took over the state lock: its holder process is gone' : 'Took over the state lock: its holder stopped renewing it', {
            state: store.leases.location,
            previousHolder: describeHolder(takenOver.previous, new Date()),
            previousFencingToken: takenOver.previous.token,
            fencingToken: lease.token,
          });
        }
      }
    } catch (error) {
      await this.release();
      throw error;
    }
    this.logger.info('Holding the state lock', { state: this.stores[0]?.leases.location, fencingToken: this.leases[0]?.token, ttlSeconds, heartbeatSeconds });
    this.heartbeat = setInterval(() => void this.renew(), heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  private async renew(): Promise<void> {
    for (const lease of this.leases) {
      try {
        await lease.renew();
      } catch (error) {
        if (error instanceof StateLeaseLostError) return this.lose(error);
        // A slow disk or a long admin transaction: the next heartbeat tries again well within the TTL.
        this.logger.warn('Could not renew the state lock; trying again at the next heartbeat', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
