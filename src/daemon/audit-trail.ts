import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AuditLog, AuditLogError, PAYLOAD_BY_LOG, auditKeyFromEnv, entryHash, type AuditKey, type ChainHead } from '../audit/index.js';
import type { Logger } from '../observability/logger.js';
import type { DaemonMetrics } from '../observability/metrics.js';
import type { StoredAuditHead, AuditLogName, PendingAuditRecord, StateStore } from '../state/types.js';
import { StateLeaseLostError } from '../state/lease.js';

const BATCH = 1_000;
const FLUSH_INTERVAL_MS = 1_000;
const LOGS: readonly AuditLogName[] = ['qa', 'actions'];

export interface AuditTrailOptions {
  /** Where `deskbridge_audit_broken{log,mode}` is kept. */
  metrics?: DaemonMetrics;
  /** `live` or `dry-run` (the metric's `mode` label). */
  mode?: 'live' | 'dry-run';
  /** Signs every entry; default: DESKBRIDGE_AUDIT_HMAC_KEY from the environment, if set. */
  hmacKey?: AuditKey | null;
}

/**
 * Moves audit records from the state store's queue into the hash-chained JSONL logs, and refuses
 * to let anything be written to a platform while those logs are not what the state file says.
 *
 * The queue is written in the same transactions as what the records describe; this is the second
 * half: check the log's tail against the head recorded in the state file, append (idempotent by
 * event id), then drop the queued rows and record the new head.
 *
 * Fail closed: when the tail does not match the recorded head (entries cut off, a file deleted, the
 * last entry edited, entries added past the head, the head row deleted) or the directory cannot be
 * written, nothing is appended, the recorded head is left as it is (so the evidence stays), writes
 * to platforms are held (`holdWrites`), and the daemon reports unhealthy until an operator runs
 * `deskbridge audit acknowledge` (or fixes the directory). The one mismatch that is not a break is
 * a crash between an append and recording its head: entries past the head that are exactly the
 * events still queued are adopted.
 */
export class AuditTrail {
  private readonly logs = new Map<AuditLogName, AuditLog>();
  /** Flushes and checks run one at a time: several sources share one store and one set of files. */
  private running: Promise<unknown> = Promise.resolve();
  /** When the last append finished; appends are fsynced, so they are batched rather than per write. */
  private lastFlush = 0;
  /** Why each log is broken (absent: intact). */
  private readonly broken = new Map<AuditLogName, string>();
  /** Why the directory cannot be written (absent: it can). */
  private unwritable: string | undefined;
  /** Aborted while the trail is broken: writes already queued in a drain stop too. */
  private gate = new AbortController();
  private readonly hmacKey: AuditKey | undefined;
  /** Why the configured HMAC key cannot be used (absent: fine, or none configured). */
  private readonly keyProblem: string | undefined;
  private readonly mode: 'live' | 'dry-run';

  constructor(
    private readonly store: StateStore,
    readonly dir: string,
    private readonly logger: Logger,
    private readonly maxBytes: number,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.mode = options.mode ?? 'live';
    for (const log of LOGS) options.metrics?.auditBroken.set({ log, mode: this.mode }, 0);
    let key: AuditKey | undefined;
    try {
      key = options.hmacKey === null ? undefined : (options.hmacKey ?? auditKeyFromEnv());
    } catch (error) {
      // A key that is set but unusable must not mean "unsigned": hold writes and say why (never the value).
      this.keyProblem = error instanceof Error ? error.message : String(error);
      this.logger.error('Audit HMAC key unusable; nothing is written to platforms until it is fixed', { problem: this.keyProblem });
      for (const log of LOGS) options.metrics?.auditBroken.set({ log, mode: this.mode }, 1);
    }
    this.hmacKey = key;
    // Found at start, in one line naming the directory, not at the first write hours later.
    this.setUnwritable(probeDirectory(dir));
  }

  /** Undefined while the logs are intact and writable; otherwise why writes to platforms are held. */
  get problem(): string | undefined {
    if (this.keyProblem) return this.keyProblem;
    if (this.unwritable) return this.unwritable;
    const reasons = LOGS.flatMap((log) => {
      const reason = this.broken.get(log);
      return reason ? [reason] : [];
    });
    return reasons.length > 0 ? reasons.join('; ') : undefined;
  }

  /**
   * Asked before every drain of the outbox: checks the logs against the recorded heads (cheap when
   * nothing changed on disk) and returns why writes must wait, or undefined.
   */
  holdWrites(): Promise<string | undefined> {
    return this.exclusive(
      async () => {
        await this.check(() => this.store.audit.pending(BATCH));
        return this.problem;
      },
      // Another daemon is the writer now and checks the files itself: what this one last saw stands.
      () => this.problem,
    );
  }

  /** `signal`, also aborted as soon as the trail breaks (a drain in progress then starts no new write). */
  writeSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.gate.signal]) : this.gate.signal;
  }

  /**
   * Appends what is queued. Without `force`, at most once a second: each append is fsynced, and the
   * queue in the state file already keeps every record safe in between. A pass ends with `force`.
   */
  flush(options: { force?: boolean } = {}): Promise<void> {
    if (!options.force && Date.now() - this.lastFlush < FLUSH_INTERVAL_MS) return this.running.then(() => undefined);
    this.lastFlush = Date.now();
    // Another daemon sharing the state is appending: it appends what this one queued too.
    return this.exclusive(
      () => this.flushNow(),
      () => undefined,
    ).catch((error: unknown) => {
      // Taken over: the files are the new holder's now; the pass fails and the daemon stops.
      if (error instanceof StateLeaseLostError) throw error;
      // One failed flush must not wedge every later one; the queue keeps the records.
      this.logger.error('Audit log append failed; records stay queued in the state store', { dir: this.dir, error: error instanceof Error ? error.message : String(error) });
    });
  }

  /**
   * One check or flush at a time in this process; and when several daemons share the state, only
   * while this one is the audit logs' writer (`whenAnotherWrites` otherwise), so the hash chain
   * stays one line of entries however many daemons queue records.
   */
  private exclusive<T>(task: () => Promise<T>, whenAnotherWrites: () => T): Promise<T> {
    const { shared } = this.store;
    const run = shared
      ? async (): Promise<T> => {
          const result = await shared.asAuditWriter(task);
          return result.ran ? result.value : whenAnotherWrites();
        }
      : task;
    const next = this.running.then(run);
    this.running = next.catch(() => undefined);
    return next;
  }

  private async flushNow(): Promise<void> {
    for (;;) {
      // Before anything is appended: a daemon taken over must not interleave lines with the new
      // holder (its markAppended would be refused only after the append).
      await this.store.leases.fence?.();
      const pending = await this.store.audit.pending(BATCH);
      // Leftovers of a crashed flush are adopted first; then the batch is read again.
      if (await this.check(async () => pending)) continue;
      // Broken: nothing is appended and the recorded head stays as evidence. The records wait.
      if (this.problem || pending.length === 0) return;
      const heads = new Map<AuditLogName, StoredAuditHead>();
      for (const log of LOGS) {
        // Parsed against the log's schema: a record that does not fit fails here, loudly, not at `audit verify`.
        const events = pending.filter((e) => e.log === log).map((e) => ({ id: e.id, at: e.at, data: PAYLOAD_BY_LOG[log].parse(e.data) }));
        if (events.length === 0) continue;
        const expectedHead = (await this.store.audit.head(log)) ?? { seq: 0, hash: '0'.repeat(64) };
        try {
          const result = this.log(log).append(events, { expectedHead });
          heads.set(log, toHead(result.head));
        } catch (error) {
          if (error instanceof AuditLogError && error.code === 'write-failed') {
            this.setUnwritable(`the audit directory ${this.dir} cannot be written: ${error.message}`);
          } else if (error instanceof AuditLogError && error.code === 'head-mismatch') {
            this.setBroken(log, `${log} log: ${error.message}`);
          }
          // What was appended before the failure is recorded; the rest stays queued.
          if (heads.size > 0)
            await this.store.audit.markAppended(
              pending.filter((e) => heads.has(e.log)).map((e) => e.seq),
              heads,
            );
          throw error;
        }
      }
      await this.store.audit.markAppended(
        pending.map((e) => e.seq),
        heads,
      );
      if (pending.length < BATCH) return;
    }
  }

  /**
   * Compares each log's files with the head recorded in the state file and updates the broken
   * state. Returns true when it adopted entries a crashed flush had appended (the queue changed).
   */
  private async check(queued: () => Promise<readonly PendingAuditRecord[]>): Promise<boolean> {
    if (this.unwritable) this.setUnwritable(probeDirectory(this.dir));
    let adopted = false;
    for (const log of LOGS) {
      let reason: string | undefined;
      try {
        const outcome = await this.checkLog(log, async () => (await queued()).filter((e) => e.log === log));
        if (outcome === 'adopted') adopted = true;
        else reason = outcome;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        reason = `${log} log: the audit directory ${this.dir} cannot be read${code ? ` (${code})` : ''}: ${error instanceof Error ? error.message : String(error)}`;
      }
      this.setBroken(log, reason);
    }
    return adopted;
  }

  /** Undefined when intact, 'adopted' after recording a crashed flush's entries, else the reason. */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- 'adopted' names the one special string
  private async checkLog(log: AuditLogName, queuedEvents: () => Promise<readonly PendingAuditRecord[]>): Promise<string | undefined | 'adopted'> {
    const recorded = await this.store.audit.head(log);
    const inspection = this.log(log).inspect();
    const problem = inspection.problem;
    if (problem) return `${log} log: ${problem.kind}: ${problem.message}`;
    const disk = inspection.head;
    const where = inspection.file ? `${basename(inspection.file)}:${inspection.line}` : `${this.dir} (no files)`;
    if (recorded ? disk.seq === recorded.seq && disk.hash === recorded.hash : disk.seq === 0) return undefined;
    if (!recorded || disk.seq > recorded.seq) {
      const base: ChainHead = recorded ?? { seq: 0, hash: '0'.repeat(64) };
      const after = this.log(log).entriesAfter(base.seq, BATCH);
      // Only read (and parse) the queue when there is something past the head to match it with.
      const byId = new Map((await queuedEvents()).map((e) => [e.id, e]));
      const stray = after === undefined ? undefined : after.find((e, i) => !isQueuedEntry(e, i === 0 ? base.hash : after[i - 1]?.hash, byId.get(e.id), log));
      if (after !== undefined && after.length > 0 && stray === undefined) {
        const seqs = after.map((e) => byId.get(e.id)?.seq).filter((s): s is number => s !== undefined);
        await this.store.audit.markAppended(seqs, new Map([[log, toHead(disk)]]));
        this.logger.info('Audit entries appended before an interruption are now recorded', { log, entries: after.length, head: disk.seq });
        return 'adopted';
      }
      if (!recorded) {
        return `${log} log: missing-head: the log has ${disk.seq} entries (last at ${where}) but the state file records no head for it (the audit_heads row was deleted, or the state file replaced)`;
      }
      const at = stray ? `${basename(stray.file)}:${stray.line}` : where;
      return `${log} log: beyond-head: ${at}: ${disk.seq - recorded.seq} entries were written after the head recorded in the state file (seq ${recorded.seq}) that deskbridge never queued (forged, or restored from a newer backup)`;
    }
    if (disk.seq < recorded.seq) {
      return `${log} log: truncated: the log ends at seq ${disk.seq} (${where}) but the state file recorded seq ${recorded.seq}: entries were cut from the end or the newest file(s) deleted`;
    }
    return `${log} log: changed: the last entry (seq ${disk.seq}, ${where}) is not the one recorded in the state file: it was rewritten`;
  }

  private setBroken(log: AuditLogName, reason: string | undefined): void {
    const before = this.broken.get(log);
    if (reason === before) return;
    const wasOk = this.problem === undefined;
    if (reason) this.broken.set(log, reason);
    else this.broken.delete(log);
    this.options.metrics?.auditBroken.set({ log, mode: this.mode }, reason ? 1 : 0);
    if (reason) {
      this.logger.error('Audit trail broken: nothing is written to platforms until it is acknowledged', {
        log,
        dir: this.dir,
        problem: reason,
        hint: `run "deskbridge audit verify" for details, then "deskbridge audit acknowledge --log ${log} --reason <why>" to start a new, linked segment`,
      });
    } else {
      this.logger.info('Audit trail intact again: writes to platforms resume', { log, dir: this.dir });
    }
    this.updateGate(wasOk);
  }

  private setUnwritable(reason: string | undefined): void {
    if (reason === this.unwritable) return;
    const wasOk = this.problem === undefined;
    this.unwritable = reason;
    for (const log of LOGS) this.options.metrics?.auditBroken.set({ log, mode: this.mode }, reason || this.broken.has(log) ? 1 : 0);
    if (reason) this.logger.error(`Audit directory not writable: ${this.dir}; nothing is written to platforms until it is`, { dir: this.dir, problem: reason });
    else this.logger.info('Audit directory writable again', { dir: this.dir });
    this.updateGate(wasOk);
  }

  private updateGate(wasOk: boolean): void {
    const ok = this.problem === undefined;
    if (wasOk && !ok) this.gate.abort(new Error(this.problem));
    if (!wasOk && ok) this.gate = new AbortController();
  }

  private log(name: AuditLogName): AuditLog {
    let log = this.logs.get(name);
    if (!log) {
      log = new AuditLog(this.dir, name, { maxBytes: this.maxBytes, ...(this.hmacKey ? { hmacKey: this.hmacKey } : {}) });
      this.logs.set(name, log);
    }
    return log;
  }
}

/** Whether a line past the head is exactly what appending this queued event after `prev` writes. */
function isQueuedEntry(entry: { seq: number; id: string; prev: string; hash: string; hashOk: boolean }, prev: string | undefined, event: PendingAuditRecord | undefined, log: AuditLogName): boolean {
  if (!event || !entry.hashOk || entry.prev !== prev) return false;
  const data = PAYLOAD_BY_LOG[log].safeParse(JSON.parse(JSON.stringify(event.data)));
  return data.success && entryHash(entry.prev, { seq: entry.seq, at: event.at, id: event.id, data: data.data }) === entry.hash;
}

/**
 * Creates the directory if needed and writes and removes a probe file: the only test that also
 * catches a read-only mount (EROFS) or an ACL that `access()` does not see. Undefined when writable.
 */
export function probeDirectory(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.deskbridge-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const uid = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    return `the audit directory ${dir} is not writable (${code}): make it writable by the user deskbridge runs as${uid}, or point audit.dir elsewhere`;
  }
}

function toHead(head: ChainHead): StoredAuditHead {
  return { seq: head.seq, hash: head.hash };
}

/** Dry-run sources keep their own audit logs, next to their own state file. */
export function dryRunAuditDir(dir: string): string {
  return join(dir, 'dry-run');
}
