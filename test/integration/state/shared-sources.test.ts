import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlannedAction } from '../../../src/model/action.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { AuditTrail } from '../../../src/daemon/audit-trail.js';
import { fairShare, liveDaemons, SourceClaims } from '../../../src/daemon/source-claims.js';
import { StateHeldError, StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import { AuditWriterLostError } from '../../../src/state/postgres/shared.js';
import { openPostgresStore, type PostgresStateStore } from '../../../src/state/postgres/store.js';
import type { BatchCommit } from '../../../src/state/types.js';
import { verifyAuditLog } from '../../../src/audit/index.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../../helpers/postgres.js';

/**
 * Several daemons sharing one PostgreSQL state: per-source leases fence every commit for their
 * source, a former holder that was paused past its TTL is refused, sources are shared out fairly
 * and handed over, and the audit logs have one writer at a time.
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL shared-sources tests');

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const TTL = { ttlMs: 30_000 };

function proc(pid: number, host = 'h'): ProcessIdentity {
  return { pid, host, pidNamespace: 'pid:[1]', pidAlive: () => true };
}

function planned(id: string, sourceId: string, ticketKey: string): PlannedAction {
  return {
    id,
    sourceId,
    ruleId: 'r',
    target: { ticketKey, nativeId: ticketKey, number: ticketKey, version: '1' },
    action: { type: 'comment', body: 'hello', visibility: 'internal' },
    explanation: '',
  };
}

function batch(sourceId: string, partial: Partial<BatchCommit> = {}): BatchCommit {
  return { sourceId, watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

describe.skipIf(!ADMIN_URL)('sources shared by several daemons on PostgreSQL', () => {
  let url = '';
  let now = T0;
  const clock = (): Date => new Date(now);
  const stores: PostgresStateStore[] = [];
  const dirs: string[] = [];

  const open = async (identity: ProcessIdentity): Promise<PostgresStateStore> => {
    const store = await openPostgresStore(url, { max: 4, clock, identity });
    stores.push(store);
    return store;
  };

  // A database per test: leases, daemons and queued audit records of one test must not meet the next's.
  beforeEach(async () => {
    now = T0;
    url = await createTestDatabase(ADMIN_URL ?? '');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    if (url) await dropTestDatabase(ADMIN_URL ?? '', url);
  });

  it("refuses a stale source holder's commits once another daemon has taken the source over, while its other sources still commit", async () => {
    const paused = await open(proc(101, 'other-host'));
    const successor = await open(proc(202));
    await paused.shared.acquireSource('a', TTL);
    await paused.shared.acquireSource('b', TTL);
    await paused.commitBatch(batch('a', { actions: [planned('a-1', 'a', 'A1')], watermark: '2026-12-01T00:00:00Z' }));
    // A holder seen alive cannot be taken over.
    await expect(successor.shared.acquireSource('a', TTL)).rejects.toBeInstanceOf(StateHeldError);

    // The holder is paused past its TTL (no heartbeat): the successor takes source a over.
    now += 31_000;
    const taken = await successor.shared.acquireSource('a', TTL);
    expect(taken.takenOver?.reason).toBe('heartbeat-expired');
    expect(taken.token).toBe(2);

    // The paused daemon wakes up: nothing it commits for source a lands.
    const lost = await paused.commitBatch(batch('a', { watermark: '2026-12-02T00:00:00Z' })).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(StateLeaseLostError);
    expect((lost as StateLeaseLostError).sourceId).toBe('a');
    expect((lost as StateLeaseLostError).message).toMatch(/lost the lease on source a .*token 2, ours was 1/);
    await expect(paused.outbox.markAttempt('a-1')).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.outbox.markDone('a-1', { outcome: 'sent', ref: 'A1' })).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.outbox.due('a', clock(), 10)).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.recordPassCompleted('a')).rejects.toBeInstanceOf(StateLeaseLostError);
    expect(await successor.getWatermark('a')).toBe('2026-12-01T00:00:00Z');
    expect((await successor.outbox.list({ sourceId: 'a' }))[0]).toMatchObject({ status: 'pending', attempts: 0 });

    // Source b was not taken (its lease is stale too, but nobody asked for it): it still commits.
    await paused.commitBatch(batch('b', { watermark: '2026-12-03T00:00:00Z' }));
    expect(await successor.getWatermark('b')).toBe('2026-12-03T00:00:00Z');
    // A source this daemon never held is refused outright.
    await expect(paused.commitBatch(batch('c'))).rejects.toThrow(/lost the lease on source c .*this daemon does not hold it/);

    // The successor sends source a's write: the former holder's outbox claim does not hold it back.
    const due = await successor.outbox.due('a', clock(), 10);
    expect(due.map((e) => e.id)).toEqual(['a-1']);
    await successor.outbox.markDone('a-1', { outcome: 'sent', ref: 'A1' });
  });

  it('refuses a commit after the lease was handed back, and a new holder gets the next fencing token', async () => {
    const first = await open(proc(301));
    const second = await open(proc(302));
    const lease = await first.shared.acquireSource('s', TTL);
    await lease.release();
    await expect(first.commitBatch(batch('s'))).rejects.toThrow(/lost the lease on source s .*the lease was released/);
    const next = await second.shared.acquireSource('s', TTL);
    expect(next.token).toBe(lease.token + 1);
    expect(next.takenOver).toBeUndefined();
    await second.commitBatch(batch('s', { watermark: '2026-12-04T00:00:00Z' }));
  });

  it('shares 12 sources fairly between three daemons, and the survivors take a stopped daemon’s sources at once', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `src-${i + 1}`);
    const made: { claims: SourceClaims; store: PostgresStateStore }[] = [];
    const acquired: string[] = [];
    for (const pid of [401, 402, 403]) {
      const store = await open(proc(pid));
      const claims = new SourceClaims({
        registry: store.shared,
        sources: ids.map((sourceId) => ({ sourceId, state: store.shared })),
        settings: { ttlSeconds: 30, heartbeatSeconds: 600 },
        joinWaitMs: 0,
        logger: silentLogger,
        busy: () => false,
        onAcquired: (id) => acquired.push(`${pid}:${id}`),
        clock,
        identity: proc(pid),
      });
      made.push({ claims, store });
    }
    // Started one after another: the first takes everything, then hands back as the others join.
    for (const { claims } of made) await claims.start();
    for (let round = 0; round < 3; round++) for (const { claims } of made) await claims.tick();
    const held = made.map(({ claims }) => claims.heldSources());
    expect(held.map((h) => h.length)).toEqual([4, 4, 4]);
    expect(new Set(held.flat()).size).toBe(12);

    const daemons = await made[0]!.store.shared.daemons();
    expect(liveDaemons(daemons, clock(), proc(1)).length).toBe(3);
    const leases = await made[0]!.store.shared.sourceLeases();
    expect(
      leases
        .filter((l) => l.releasedAt === undefined)
        .map((l) => l.daemonId)
        .sort(),
    ).toEqual([...made.flatMap(({ claims }) => claims.heldSources().map(() => claims.daemonId))].sort());

    // A graceful stop hands its sources back and leaves: the other two split all twelve.
    await made[1]!.claims.stop();
    for (const i of [0, 2]) await made[i]!.claims.tick();
    expect(made[0]!.claims.heldSources().length + made[2]!.claims.heldSources().length).toBe(12);
    expect(made[0]!.claims.heldSources().length).toBe(fairShare(12, 2));
    for (const i of [0, 2]) await made[i]!.claims.stop();
  });

  it('lets one daemon at a time append to the audit logs, keeps the chain one line across writers, and refuses heads recorded without the writer lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-shared-audit-'));
    dirs.push(dir);
    const a = await open(proc(501));
    const b = await open(proc(502));
    await a.shared.acquireSource('sa', TTL);
    await b.shared.acquireSource('sb', TTL);
    const trailA = new AuditTrail(a, dir, silentLogger, 10_000_000, { hmacKey: null });
    const trailB = new AuditTrail(b, dir, silentLogger, 10_000_000, { hmacKey: null });
    const qa = (id: string, sourceId: string) => ({
      log: 'qa' as const,
      id,
      at: clock().toISOString(),
      data: {
        kind: 'qa-verdict',
        ticket: { key: `${sourceId}:T${id}`, source: sourceId, number: `T${id}` },
        version: '1',
        rule: 'qa',
        rulesHash: 'h',
        passed: true,
        sampled: false,
        checks: [{ id: 'c', passed: true, severity: 'info', message: 'ok' }],
      },
    });
    // Both daemons queue records and flush, alternating: each flush appends whatever is queued.
    for (let i = 0; i < 10; i++) {
      await a.commitBatch(batch('sa', { audit: [qa(`a${i}`, 'sa')] }));
      await b.commitBatch(batch('sb', { audit: [qa(`b${i}`, 'sb')] }));
      await (i % 2 === 0 ? trailA : trailB).flush({ force: true });
    }
    await trailA.flush({ force: true });
    expect(await a.audit.pending(100)).toEqual([]);
    const verified = verifyAuditLog(dir, 'qa');
    expect(verified.ok).toBe(true);
    expect(verified.entries).toBe(20);
    expect((await a.audit.head('qa'))?.seq).toBe(20);
    expect(trailA.problem).toBeUndefined();
    expect(trailB.problem).toBeUndefined();

    // While one daemon is the writer, the other's attempt does not run.
    const inner = await a.shared.asAuditWriter(async () => b.shared.asAuditWriter(async () => 'ran'));
    expect(inner).toEqual({ ran: true, value: { ran: false } });
    // Recording heads is the writer's alone.
    await expect(b.audit.markAppended([], new Map([['qa', { seq: 99, hash: 'f'.repeat(64) }]]))).rejects.toBeInstanceOf(AuditWriterLostError);
    expect((await b.audit.head('qa'))?.seq).toBe(20);
  });
});
