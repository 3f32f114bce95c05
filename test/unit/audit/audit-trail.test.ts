import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { entryHash } from '../../../src/audit/chain.js';
import { createAuditKey } from '../../../src/audit/hmac.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { AuditTrail } from '../../../src/daemon/audit-trail.js';
import { DaemonMetrics } from '../../../src/observability/metrics.js';
import { StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import { openSqliteStore, type SqliteStateStore } from '../../../src/state/sqlite/store.js';
import type { QueuedAuditRecord, StateStore } from '../../../src/state/types.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { describeEachStore } from '../../helpers/stores.js';
import { qaVerdict, readLinesOf, tempDirs } from './fixtures.js';

const dirs = tempDirs();
const stores: SqliteStateStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  dirs.cleanup();
});

function setup(options: { key?: boolean } = {}): { dir: string; store: SqliteStateStore; trail: AuditTrail; lines: string[]; metrics: DaemonMetrics } {
  const root = dirs.make();
  const store = openSqliteStore(join(root, 'state.db'));
  stores.push(store);
  const { logger, lines } = captureLogger();
  const metrics = new DaemonMetrics();
  const dir = join(root, 'audit');
  const trail = new AuditTrail(store, dir, logger, 1024 * 1024, { metrics, hmacKey: options.key ? createAuditKey('k'.repeat(40)) : null });
  return { dir, store, trail, lines, metrics };
}

let n = 0;
/** `count` QA verdicts to queue, each with a new id. */
function queued(count: number): QueuedAuditRecord[] {
  return Array.from({ length: count }, () => {
    n += 1;
    return { log: 'qa' as const, id: `ev-${n}`, at: new Date(Date.UTC(2026, 10, 23, 15, 0, n)).toISOString(), data: qaVerdict({ version: String(n) }) };
  });
}

function queue(store: SqliteStateStore, count: number): { id: string; at: string; data: ReturnType<typeof qaVerdict> }[] {
  const events = Array.from({ length: count }, () => {
    n += 1;
    return { id: `ev-${n}`, at: new Date(Date.UTC(2026, 10, 23, 15, 0, n)).toISOString(), data: qaVerdict({ version: String(n) }) };
  });
  store.audit.enqueue(events.map((e) => ({ log: 'qa' as const, ...e })));
  return events;
}

describe('AuditTrail', () => {
  it('appends queued records and records the head; writes are not held', async () => {
    const { dir, store, trail } = setup();
    queue(store, 3);
    await trail.flush({ force: true });
    const head = await store.audit.head('qa');
    expect(head?.seq).toBe(3);
    expect(await trail.holdWrites()).toBeUndefined();
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true }).ok).toBe(true);
  });

  it('on a truncated log appends nothing, leaves the recorded head as evidence, holds writes and says so once', async () => {
    const { dir, store, trail, lines, metrics } = setup();
    queue(store, 3);
    await trail.flush({ force: true });
    const recorded = await store.audit.head('qa');
    const file = join(dir, readdirSync(dir)[0] ?? '');
    writeFileSync(file, readLinesOf(file).slice(0, 2).map((l) => `${l}\n`).join(''));
    queue(store, 2);

    const held = await trail.holdWrites();
    await trail.flush({ force: true });
    await trail.flush({ force: true });

    expect(held).toMatch(/qa log: truncated: the log ends at seq 2 \(qa-2026-11-23\.jsonl:2\) but the state file recorded seq 3/);
    expect(readLinesOf(file)).toHaveLength(2);
    expect(await store.audit.head('qa')).toEqual(recorded);
    expect(await store.audit.pending(10)).toHaveLength(2);
    expect(lines.filter((l) => l.includes('Audit trail broken'))).toHaveLength(1);
    expect(trail.writeSignal(undefined).aborted).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('deskbridge_audit_broken')).toContain('deskbridge_audit_broken{log="qa",mode="live"} 1');
  });

  it('adopts entries a crash left after the recorded head when they are exactly the queued events, and nothing else', async () => {
    const { dir, store, trail } = setup();
    queue(store, 2);
    await trail.flush({ force: true });
    // The process dies after appending the next batch, before recording its head.
    const events = queue(store, 2);
    const { head } = new AuditLog(dir, 'qa').append(events);

    expect(await trail.holdWrites()).toBeUndefined();
    expect(await store.audit.head('qa')).toEqual(head);
    expect(await store.audit.pending(10)).toHaveLength(0);

    // A forged entry chained after the head is not adopted.
    const file = join(dir, readdirSync(dir)[0] ?? '');
    const last = JSON.parse(readLinesOf(file).at(-1) ?? '{}') as { seq: number; hash: string };
    const forged = { seq: last.seq + 1, at: '2026-11-23T16:00:00.000Z', id: 'ev-forged', prev: last.hash, data: qaVerdict() };
    appendFileSync(file, `${JSON.stringify({ ...forged, hash: entryHash(forged.prev, forged) })}\n`);
    expect(await trail.holdWrites()).toMatch(/beyond-head: qa-2026-11-23\.jsonl:5/);
    expect(await store.audit.head('qa')).toEqual(head);
  });

  it('signs entries with the HMAC key, and a rewritten last entry with a matching head is still caught', async () => {
    const { dir, store, trail } = setup({ key: true });
    queue(store, 2);
    await trail.flush({ force: true });
    const file = join(dir, readdirSync(dir)[0] ?? '');
    const lines = readLinesOf(file);
    const last = JSON.parse(lines[1] ?? '{}') as { seq: number; at: string; id: string; prev: string; mac: string; data: Record<string, unknown> };
    expect(last.mac).toMatch(/^[0-9a-f]{64}$/);
    const data = { ...last.data, passed: true };
    const hash = entryHash(last.prev, { seq: last.seq, at: last.at, id: last.id, data });
    writeFileSync(file, `${lines[0]}\n${JSON.stringify({ ...last, hash, data })}\n`);
    await store.audit.markAppended([], new Map([['qa', { seq: 2, hash }]]));

    expect(await trail.holdWrites()).toMatch(/qa log: mac:/);
  });

  it('holds writes when DESKBRIDGE_AUDIT_HMAC_KEY is set but unusable, naming the variable and never its value', async () => {
    const root = dirs.make();
    const store = openSqliteStore(join(root, 'state.db'));
    stores.push(store);
    const { logger, lines } = captureLogger();
    const previous = process.env['DESKBRIDGE_AUDIT_HMAC_KEY'];
    process.env['DESKBRIDGE_AUDIT_HMAC_KEY'] = 'hunter2-hunter2';
    try {
      const trail = new AuditTrail(store, join(root, 'audit'), logger, 1024 * 1024);
      expect(await trail.holdWrites()).toMatch(/DESKBRIDGE_AUDIT_HMAC_KEY is too short \(15 characters\)/);
      expect(lines.join('\n')).not.toContain('hunter2');
    } finally {
      if (previous === undefined) delete process.env['DESKBRIDGE_AUDIT_HMAC_KEY'];
      else process.env['DESKBRIDGE_AUDIT_HMAC_KEY'] = previous;
    }
  });
});

describeEachStore('AuditTrail after a takeover', (kit) => {
  it("the former holder's flush appends nothing to the shared files and fails with the lease-lost error", async () => {
    const dir = join(dirs.make(), 'audit');
    let now = Date.parse('2026-12-04T10:00:00.000Z');
    const clock = (): Date => new Date(now);
    const identity = (pid: number, host: string): ProcessIdentity => ({ pid, host, pidNamespace: 'pid:[1]', pidAlive: () => true });
    const events = (store: StateStore, count: number) =>
      store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], audit: queued(count) });
    const paused = await kit.open({ clock, identity: identity(101, 'other') });
    await paused.leases.acquire({ ttlMs: 30_000 });
    const { logger } = captureLogger();
    const former = new AuditTrail(paused, dir, logger, 1024 * 1024, { metrics: new DaemonMetrics() });
    await events(paused, 2);
    await former.flush({ force: true });
    const before = readdirSync(dir).map((f) => [f, readLinesOf(join(dir, f)).length]);

    now += 45_000;
    const successor = await kit.open({ clock, identity: identity(202, 'h') });
    await successor.leases.acquire({ ttlMs: 30_000 });
    // Queued by the new holder: the former one finds them pending, and must not append them.
    await events(successor, 3);

    await expect(former.flush({ force: true })).rejects.toBeInstanceOf(StateLeaseLostError);
    expect(readdirSync(dir).map((f) => [f, readLinesOf(join(dir, f)).length])).toEqual(before);
    expect((await successor.audit.head('qa'))?.seq).toBe(2);
  });
});
