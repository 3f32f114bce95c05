import { existsSync } from 'node:fs';
import { ConfigError, formatDiagnostic } from '../diagnostics/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import type { DaemonConfig } from '../config/schema.js';
import { dryRunStatePath } from '../daemon/daemon.js';
import { describeAction } from '../outbox/writer.js';
import { openSqliteStore } from '../state/sqlite/store.js';
import { describeHolder, staleness, thisProcess, type LeaseRecord } from '../state/lease.js';

/**
 * The config as far as the inspection commands need it (the state file): secrets are not
 * needed to read the outbox, so unset `${VARS}` do not stop an admin from looking.
 */
export function inspectionConfig(path: string): DaemonConfig | undefined {
  const env = new Proxy(process.env, { get: (target, name) => (typeof name === 'string' ? (target[name] ?? 'unset-for-inspection') : undefined) });
  try {
    return loadConfig(path, env).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return undefined;
  }
}

/** `deskbridge outbox list|retry`: reads the same SQLite file the daemon writes (WAL allows both). */
export async function outboxCommand(verb: 'list' | 'retry', opts: { config: string; status?: 'pending' | 'done' | 'dead'; limit?: string; id?: string }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  const store = openSqliteStore(config.state.path);
  try {
    if (verb === 'retry') {
      const n = await store.outbox.retry(opts.id ? { id: opts.id } : {});
      process.stdout.write(`${n} dead entr${n === 1 ? 'y' : 'ies'} queued again; the daemon sends them on its next pass.\n`);
      if (opts.id && n === 0) {
        process.stderr.write(`deskbridge: no single dead entry starts with ${opts.id} (see deskbridge outbox list --status dead)\n`);
        return 1;
      }
      return 0;
    }
    const entries = await store.outbox.list({ ...(opts.status ? { status: opts.status } : {}), limit: Number(opts.limit ?? 50) });
    for (const e of entries) {
      const error = e.lastError ? `  ${e.status === 'done' ? 'reason' : 'error'}: ${e.lastError}` : '';
      const outcome = e.outcome ? ` (${e.outcome})` : '';
      process.stdout.write(
        `${e.id.slice(0, 12)}  ${e.status.padEnd(7)} ${e.sourceId}  ${e.planned.target.number}  ${e.ruleId}  ${describeAction(e.planned.action)}${outcome}  attempts=${e.attempts}${error}\n`,
      );
    }
    const counts = await store.outbox.counts();
    process.stdout.write(`pending ${counts.pending}, done ${counts.done}, dead ${counts.dead}\n`);
    // Shadow mode plans into its own file: show what dry-run sources would have written.
    const dryPath = dryRunStatePath(config.state.path);
    if (!opts.status && dryPath !== config.state.path && existsSync(dryPath)) {
      const dry = openSqliteStore(dryPath);
      try {
        const planned = await dry.outbox.list({ limit: Number(opts.limit ?? 50) });
        if (planned.length > 0) process.stdout.write(`\ndry-run sources (${dryPath}):\n`);
        for (const e of planned) {
          process.stdout.write(`${e.id.slice(0, 12)}  would have  ${e.sourceId}  ${e.planned.target.number}  ${e.ruleId}  ${describeAction(e.planned.action)}\n`);
        }
      } finally {
        await dry.close();
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}

export async function quarantineCommand(verb: 'list' | 'retry', opts: { config: string; id?: string; source?: string; all?: boolean }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  const store = openSqliteStore(config.state.path);
  try {
    if (verb === 'retry') {
      if (!opts.id && !opts.all && !opts.source) {
        process.stderr.write('deskbridge: say which records to retry: --id <n>, --source <id> or --all\n');
        return 2;
      }
      const n = await store.quarantineRetry({ ...(opts.id ? { id: Number(opts.id) } : {}), ...(opts.source ? { sourceId: opts.source } : {}) });
      process.stdout.write(`${n} quarantined record(s) will be read again and re-mapped on the next pass.\n`);
      return 0;
    }
    const entries = await store.quarantineList(opts.source ? { sourceId: opts.source } : {});
    for (const q of entries) {
      process.stdout.write(`${String(q.id).padStart(4)}  ${q.status.padEnd(8)} ${q.createdAt}  ${q.sourceId}  ${q.nativeId ?? '(no id)'}@${q.version ?? '?'}  ${q.error}\n`);
    }
    const open = entries.filter((q) => q.status === 'open').length;
    const retryable = entries.filter((q) => q.status === 'open' && q.nativeId !== undefined).length;
    process.stdout.write(
      `${entries.length} quarantined record(s), ${open} open` +
        (retryable > 0 ? `. Fix the mapping or the record, then: deskbridge quarantine retry --all\n` : open > 0 ? '; records without an id cannot be re-read — fix them on the platform.\n' : '.\n'),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** One line on who holds a state file's lock: held, stale (the next daemon takes it over), released or never taken. */
export function describeLease(location: string, lease: LeaseRecord | undefined, now: Date): string {
  if (!lease) return `state ${location}: no daemon has run on it yet`;
  if (lease.releasedAt !== undefined) return `state ${location}: free (last held by pid ${lease.pid} on host ${lease.host}, released ${lease.releasedAt}; token ${lease.token})`;
  const stale = staleness(lease, now, thisProcess());
  const held = `${describeHolder(lease, now)} (token ${lease.token}, TTL ${Math.round(lease.ttlMs / 1000)} s)`;
  if (stale === 'holder-gone') return `state ${location}: stale — held by ${held}, but that process is gone; the next daemon takes it over`;
  if (stale === 'heartbeat-expired') return `state ${location}: stale — held by ${held}; the next daemon takes it over`;
  return `state ${location}: held by ${held}`;
}

/**
 * `deskbridge status`: who holds each state file, and what waits in it. Read-only, so it works
 * beside a running daemon (WAL lets readers in while it writes).
 */
export async function statusCommand(opts: { config: string }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  const paths = [config.state.path, dryRunStatePath(config.state.path)].filter((p, i) => i === 0 || (p !== config.state.path && existsSync(p)));
  for (const path of paths) {
    if (path !== ':memory:' && !existsSync(path)) {
      process.stdout.write(`state ${path}: does not exist yet (no daemon has run with this config)\n`);
      continue;
    }
    const store = openSqliteStore(path);
    try {
      process.stdout.write(`${describeLease(path, await store.leases.current(), new Date())}\n`);
      const counts = await store.outbox.counts();
      const open = (await store.quarantineList({ status: 'open' })).length;
      process.stdout.write(`  outbox: pending ${counts.pending}, done ${counts.done}, dead ${counts.dead}; quarantine: ${open} open\n`);
    } finally {
      await store.close();
    }
  }
  return 0;
}
