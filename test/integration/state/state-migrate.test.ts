import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexDoc } from '../../../src/model/history.js';
import type { LifecycleVersion } from '../../../src/model/lifecycle-version.js';
import type { PlannedAction } from '../../../src/model/action.js';
import type { TicketState } from '../../../src/model/ticket-state.js';
import { thisProcess, type ProcessIdentity } from '../../../src/state/lease.js';
import { MigrateRefusedError, migrateState } from '../../../src/state/migrate.js';
import { openPostgresStore } from '../../../src/state/postgres/store.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, PassLogEntry, StateStore } from '../../../src/state/types.js';
import { BIN, finished, spawnNode } from '../../helpers/cli-process.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../../helpers/postgres.js';

/**
 * `deskbridge state migrate`: a state built through the SQLite store's own API (every table holds
 * rows) is copied to PostgreSQL and read back through the PostgreSQL store's API, then copied back
 * to a new SQLite file and compared with the original; plus the refusals and the CLI.
 */
const ADMIN_URL = testPostgresUrl('state migrate tests');

const T0 = Date.parse('2026-11-20T08:00:00.000Z');
/** A daemon that ran on this host and is gone (its lease may be taken over). */
const GONE: ProcessIdentity = { pid: 999_999, host: 'old-host', pidNamespace: 'pid:[1]', pidAlive: () => false };

function planned(id: string, sourceId: string, ticketKey: string, action: PlannedAction['action'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { id, sourceId, ruleId: 'route', target: { ticketKey, nativeId: ticketKey.split(':').pop() ?? '', number: `INC${id}`, version: '3' }, action, explanation: `why ${id}`, ...extra };
}

function batch(sourceId: string, partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId, watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

function ticket(sourceId: string, n: number, extra: Partial<TicketState> = {}): TicketState {
  return {
    key: `${sourceId}:${n}`,
    sourceId,
    nativeId: `n${n}`,
    number: `INC${1000 + n}`,
    version: String(n + 1),
    status: n % 3 === 0 ? 'resolved' : 'open',
    group: n % 2 === 0 ? 'Service Desk' : undefined,
    assignee: n % 4 === 1 ? 'ana' : undefined,
    updatedAt: new Date(T0 + n * 60_000).toISOString(),
    ...extra,
  };
}

function version(sourceId: string, n: number, v: number): LifecycleVersion {
  return {
    key: `${sourceId}:${n}`,
    number: `INC${1000 + n}`,
    version: String(v),
    status: v > 1 ? 'in_progress' : 'new',
    priority: 3,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0 + v * 3_600_000 + n).toISOString(),
    ...(v > 1 ? { group: 'Service Desk', assignee: 'ana', reassignmentCount: v - 1 } : {}),
  };
}

function pass(sourceId: string, n: number, extra: Partial<PassLogEntry> = {}): PassLogEntry {
  return {
    sourceId,
    startedAt: new Date(T0 + n * 60_000).toISOString(),
    finishedAt: new Date(T0 + n * 60_000 + 1234).toISOString(),
    outcome: 'ok',
    durationMs: 1234,
    pulled: n,
    planned: 2,
    skipped: 1,
    quarantined: 0,
    written: { sent: 1, unchanged: 0, superseded: 0, failed: 0, dead: 0, wouldSend: 0 },
    pendingWrites: 0,
    requests: 7,
    dryRun: false,
    error: undefined,
    ...extra,
  };
}

const TOPICS = [
  ['VPN drops every few minutes', 'The VPN client disconnects from vpn.example.com every 5 minutes since the update to 4.2'],
  ['Outlook cannot connect to Exchange', 'Outlook says disconnected; OWA works. Error 0x800CCC0E on two laptops in Berlin'],
  ['Printer on floor 3 jams', 'The HP printer PRN-0342 jams on every duplex job and shows error 13.20'],
  ['Password reset link expired', 'The self-service reset link says expired immediately; user ana@example.com'],
];

function doc(sourceId: string, n: number): IndexDoc {
  const [title, description] = TOPICS[n % TOPICS.length] ?? ['', ''];
  return {
    key: `${sourceId}:${n}`,
    sourceId,
    nativeId: `n${n}`,
    number: `INC${1000 + n}`,
    version: String(n + 1),
    createdAt: new Date(T0 + n * 3_600_000).toISOString(),
    title: `${title} (${n})`,
    description: `${description}. Ticket ${n} — “quoted”, naïve façade.`,
    fields: { requester: `user${n % 5}`, ci: n % 2 === 0 ? 'VPN-GW' : 'MAIL', location: n % 3 === 0 ? undefined : 'Berlin' },
    ...(n % 4 === 0 ? { resolved: { resolvedAt: new Date(T0 + n * 3_600_000 + 600_000).toISOString(), code: 'Solved', notes: `restarted the gateway (${n})` } } : {}),
  };
}

/** A state as a daemon leaves it: every table of the store holds rows, made through the store's API. */
async function buildState(path: string): Promise<void> {
  let now = T0;
  const clock = (): Date => new Date((now += 1000));
  const store = openSqliteStore(path, clock, GONE);
  try {
    // Two earlier daemons: the token is 2 by now, the last one released.
    await (await store.leases.acquire({ ttlMs: 30_000 })).release();
    const lease = await store.leases.acquire({ ttlMs: 30_000 });

    for (let n = 0; n < 24; n++) await store.history.index(doc(n < 16 ? 'snow' : 'jira', n));
    await store.history.cluster({ ...doc('snow', 4), title: doc('snow', 4).title }, { threshold: 0.3, createdAfter: new Date(T0 - 86_400_000).toISOString() });
    await store.setStartPoint('snow', new Date(T0 - 7 * 86_400_000).toISOString());

    const actions = [
      planned('a1', 'snow', 'snow:1', { type: 'assign', group: 'Service Desk', assignee: 'ana' }, { plan: 'p1' }),
      planned('a2', 'snow', 'snow:2', { type: 'comment', visibility: 'internal', body: 'Looks like the VPN issue — see INC1000 ("gateway")' }),
      planned('a3', 'snow', 'snow:4', { type: 'link-duplicate', original: { nativeId: 'n0', number: 'INC1000' } }, { plan: 'p3' }),
      planned('a4', 'snow', 'snow:5', { type: 'create-problem', correlationKey: 'vpn@Berlin', title: 'VPN outage', description: '3 tickets' }),
      planned('a5', 'snow', 'snow:6', { type: 'set-field', field: 'u_flag', value: true }),
      planned('a6', 'snow', 'snow:7', { type: 'assign', group: 'Network' }),
      planned('e1', 'snow', 'snow:8', { type: 'escalate', to: 'jira', correlationKey: 'esc@snow:8', title: 'VPN outage', description: 'from INC1008', origin: { number: 'INC1008' } }),
    ];
    await store.commitBatch(
      batch('snow', {
        watermark: '2026-11-20T09:00:00Z',
        ledger: Array.from({ length: 12 }, (_, n) => ({ nativeId: `n${n}`, version: String(n + 1), updatedAt: new Date(T0 + n * 60_000).toISOString() })),
        tickets: [
          ...Array.from({ length: 12 }, (_, n) => ticket('snow', n, n === 1 ? { triggered: ['route'], applied: ['route'] } : {})),
          ticket('snow', 12, {
            status: 'in_progress',
            statusSince: new Date(T0).toISOString(),
            slaDueAt: new Date(T0 + 3_600_000).toISOString(),
            snapshot: JSON.stringify({ key: 'snow:12', title: 'SLA ticket', raw: { a: [1, 2] } }),
          }),
        ],
        roundRobin: new Map([
          ['route', 3],
          ['night', 1],
        ]),
        actions,
        quarantine: [
          { sourceId: 'snow', nativeId: 'bad1', version: '2', error: 'missing field short_description', raw: { sys_id: 'bad1', nested: { list: [1, 'two', null], ü: 'ß' } } },
          { sourceId: 'snow', nativeId: undefined, version: undefined, error: 'not JSON', raw: 'garbage <html>' },
          { sourceId: 'snow', nativeId: 'bad3', version: '1', error: 'unknown status', raw: { status: 'weird' } },
        ],
        history: {
          marks: [
            { ruleId: 'dedup', key: 'snow:4', mark: 'linked', plan: 'p3' },
            { ruleId: 'qa', key: 'snow:3', mark: 'qa@1', plan: undefined },
          ],
          duplicates: [{ key: 'snow:4', rootKey: 'snow:0', ruleId: 'dedup', plan: 'p3' }],
          patternEvents: [0, 4, 8].map((n) => ({
            ruleId: 'vpn-pattern',
            sourceId: 'snow',
            groupKey: 'VPN-GW|Berlin',
            ticketKey: `snow:${n}`,
            nativeId: `n${n}`,
            number: `INC${1000 + n}`,
            version: '1',
            createdAt: new Date(T0 + n * 3_600_000).toISOString(),
            title: `VPN ${n}`,
            details: { ci: 'VPN-GW', location: 'Berlin', z: 'last', a: 'first' },
          })),
          problems: [
            {
              correlationKey: 'vpn@Berlin',
              ruleId: 'vpn-pattern',
              sourceId: 'snow',
              groupKey: 'VPN-GW|Berlin',
              groupValues: ['VPN-GW', 'Berlin'],
              generation: 1,
              status: 'open',
              openedAt: new Date(T0).toISOString(),
              trigger: '3 in 1 h (usual: 0.2)',
            },
            {
              correlationKey: 'mail@Berlin',
              ruleId: 'mail-pattern',
              sourceId: 'snow',
              groupKey: 'MAIL',
              groupValues: ['MAIL'],
              generation: 1,
              status: 'open',
              openedAt: new Date(T0).toISOString(),
              trigger: 'same instant',
            },
          ],
          members: [0, 4, 8].map((n) => ({ correlationKey: 'vpn@Berlin', ticketKey: `snow:${n}`, ruleId: 'vpn-pattern' })),
        },
        audit: [
          { log: 'qa', id: 'qa-1', at: new Date(T0).toISOString(), data: { ticket: 'snow:3', verdict: 'pass', checks: { z: 1, a: [true, false] }, note: 'naïve “quotes”' } },
          { log: 'qa', id: 'qa-2', at: new Date(T0 + 1).toISOString(), data: { ticket: 'snow:6', verdict: 'fail', score: 0.25 } },
          { log: 'actions', id: 'act-1', at: new Date(T0 + 2).toISOString(), data: { outbox: 'a1', result: 'planned' } },
          { log: 'qa', id: 'qa-3', at: new Date(T0 + 3).toISOString(), data: { ticket: 'snow:9', verdict: 'pass' } },
        ],
        versions: [0, 1, 2, 12].flatMap((n) => [version('snow', n, 1), version('snow', n, 2)]),
      }),
    );
    await store.commitBatch(
      batch('jira', {
        watermark: '2026-11-20T10:00:00.000Z',
        ledger: [{ nativeId: 'J-1', version: '5', updatedAt: '2026-11-20T09:59:00.000Z' }],
        tickets: [ticket('jira', 16), ticket('jira', 17, { assignee: 'bo', status: 'open' })],
        roundRobin: new Map([['route', 0]]),
        actions: [planned('j1', 'jira', 'jira:16', { type: 'comment', visibility: 'public', body: 'We are on it' })],
        quarantine: [],
        versions: [version('jira', 16, 1)],
      }),
    );
    // Outbox entries in every status: done (with an own version), failed and waiting, dead, pending.
    await store.outbox.markAttempt('a1');
    await store.outbox.markDone('a1', { outcome: 'updated', ref: 'n1', previous: { assignment_group: null, assigned_to: 'bo' }, ownVersion: '4' });
    await store.outbox.markAttempt('a2');
    await store.outbox.markFailed('a2', 'HTTP 500 from the instance', new Date(T0 + 600_000));
    await store.outbox.markAttempt('a5');
    await store.outbox.markDead('a5', 'field u_flag is read-only');
    await store.outbox.markDone('a6', { outcome: 'unchanged', ref: undefined, reason: 'already so' });
    // The escalation's link: a url on the origin end only (the other is NULL in both stores).
    await store.outbox.markDone('e1', {
      outcome: 'created',
      ref: 'J-9',
      link: {
        correlationKey: 'esc@snow:8',
        ruleId: 'route',
        origin: { sourceId: 'snow', nativeId: 'n8', number: 'INC1008', url: 'https://snow.example.com/incident/n8' },
        copy: { sourceId: 'jira', nativeId: 'J-9', number: 'OPS-9' },
        createdAt: new Date(T0 + 5_000).toISOString(),
      },
    });
    await store.quarantineRetry({ id: 1 });
    await store.quarantineResolve([3]);
    await store.history.setProblemStatus('mail@Berlin', 'closed');
    // The audit trail appended the first records: the queue moved on and the heads were recorded.
    const pending = await store.audit.pending(10);
    await store.audit.markAppended(
      pending.slice(0, 2).map((p) => p.seq),
      new Map([
        ['qa', { seq: 2, hash: 'b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78' }],
        ['actions', { seq: 1, hash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }],
      ]),
    );
    await store.recordPass(pass('snow', 1));
    await store.recordPass(pass('snow', 2, { outcome: 'failed', error: 'HTTP 503 (rate limited)', written: { sent: 0, unchanged: 0, superseded: 0, failed: 1, dead: 0, wouldSend: 0 } }));
    await store.recordPass(pass('jira', 3, { dryRun: true, written: { sent: 0, unchanged: 0, superseded: 0, failed: 0, dead: 0, wouldSend: 4 } }));
    await store.recordPassCompleted('snow');
    await lease.release();
  } finally {
    await store.close();
  }
}

const KEYS = [...Array.from({ length: 13 }, (_, n) => `snow:${n}`), 'jira:16', 'jira:17'];

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Everything a daemon, the console and the CLI read from a state, through the store's API. */
async function readBack(store: StateStore): Promise<Record<string, unknown>> {
  const versions: LifecycleVersion[] = [];
  for await (const v of store.lifecycleVersions()) versions.push(v);
  const candidates = await store.history.candidates({
    doc: { ...doc('snow', 20), key: 'new:1', sourceId: 'snow' },
    createdBefore: new Date(T0 + 100 * 3_600_000).toISOString(),
    sourceIds: ['snow', 'jira'],
    fieldWeights: { ci: 0.3 },
    limit: 10,
  });
  // Under a mask the stored term kinds decide what counts (ana@example.com, vpn.example.com are in the texts).
  const masked = await store.history.candidates({
    doc: { ...doc('snow', 3), key: 'new:2' },
    createdBefore: new Date(T0 + 100 * 3_600_000).toISOString(),
    mask: ['emails', 'domains', 'urls'],
    limit: 5,
  });
  return {
    masked: masked.map((c) => [c.key, round(c.score), [...c.sharedTerms].sort()]),
    watermarks: [await store.getWatermark('snow'), await store.getWatermark('jira')],
    startPoint: await store.getStartPoint('snow'),
    passRecord: await store.passRecord('snow'),
    seen: [
      ...(await store.seenVersions('snow', [
        { nativeId: 'n3', version: '4' },
        { nativeId: 'n3', version: '5' },
      ])),
    ],
    own: [...(await store.ownVersions('snow', [{ nativeId: 'n1', version: '4' }]))],
    tickets: [...(await store.getTickets(KEYS))],
    loads: [...(await store.openLoadsBySource())].map(([s, m]) => [s, [...m]]),
    slaDue: await store.slaDue('snow', new Date(T0 + 86_400_000).toISOString(), 10),
    // A Map in whatever order the rows come: the positions are the contract, not their order.
    roundRobin: [...(await store.roundRobinPositions('snow'))].sort(),
    outbox: await store.outbox.list({ limit: 100 }),
    outboxCounts: await store.outbox.counts(),
    due: (await store.outbox.due('snow', new Date(T0 + 86_400_000), 10)).map((e) => e.id),
    quarantine: await store.quarantineList(),
    passes: await store.recentPasses(),
    versions,
    ticketVersions: await store.ticketVersions({ sourceId: 'snow', number: 'INC1012' }),
    routed: [...(await store.routedTickets())],
    auditHeads: [await store.audit.head('qa'), await store.audit.head('actions')],
    auditPending: await store.audit.pending(10),
    indexedCount: await store.history.indexedCount(),
    indexed: await Promise.all(['snow:0', 'snow:4', 'jira:20'].map((k) => store.history.indexed(k))),
    candidates: candidates.map((c) => ({ ...c, score: round(c.score), textScore: round(c.textScore), sharedTerms: [...c.sharedTerms].sort() })),
    root: await store.history.duplicateRoot('snow:4'),
    hasMark: await store.history.hasMark('qa', 'snow:3', 'qa@1'),
    events: await store.history.patternEvents('vpn-pattern', 'VPN-GW|Berlin', '2026-01-01', '2027-01-01'),
    members: await store.history.members('vpn@Berlin'),
    problems: await store.history.openProblems('snow'),
    latest: await store.history.latestProblem('mail-pattern', 'MAIL'),
    lease: await store.leases.current(),
    escalations: [await store.escalations.list(), await store.escalations.ofTicket('jira', 'J-9'), await store.escalations.get('esc@snow:8')],
  };
}

describe.skipIf(!ADMIN_URL)('deskbridge state migrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-migrate-'));
  const original = join(dir, 'state.db');
  const databases: string[] = [];
  let pgUrl = '';
  let expected: Record<string, unknown> = {};

  const newDatabase = async (): Promise<string> => {
    const url = await createTestDatabase(ADMIN_URL ?? '');
    databases.push(url);
    return url;
  };

  beforeAll(async () => {
    await buildState(original);
    const store = openSqliteStore(original);
    try {
      expected = await readBack(store);
    } finally {
      await store.close();
    }
    pgUrl = await newDatabase();
  });
  afterAll(async () => {
    for (const url of databases) await dropTestDatabase(ADMIN_URL ?? '', url);
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a SQLite state to PostgreSQL, verified, and the PostgreSQL store reads back the same', async () => {
    const summary = await migrateState(original, pgUrl);
    expect(summary.differences).toEqual([]);
    const rows = Object.fromEntries(summary.tables.map((t) => [t.name, t.rows]));
    // Every table of the state held rows: nothing was copied vacuously.
    for (const [name, n] of Object.entries(rows)) expect(n, name).toBeGreaterThan(0);
    expect(rows).toMatchObject({ outbox: 8, quarantine: 3, audit_pending: 7, audit_heads: 2, pass_log: 3, escalation_links: 1, similarity_docs: 24, leases: 1 });
    expect(summary.leaseToken).toBe(2);
    expect(summary.auditHeads.qa?.seq).toBe(2);
    expect(summary.to).not.toContain(':deskbridge@');

    const pg = await openPostgresStore(pgUrl, { max: 2 });
    try {
      expect(await readBack(pg)).toEqual(expected);
    } finally {
      await pg.close();
    }
    // The dead, failed and pending writes are all there, by status; the similarity queries found look-alikes.
    expect(expected['outboxCounts']).toEqual({ pending: 4, done: 3, dead: 1 });
    expect((expected['candidates'] as unknown[]).length).toBeGreaterThan(3);
    expect((expected['masked'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('keeps ids and fencing tokens growing on the target: new rows and a new lease never reuse the copied ones', async () => {
    const scratch = await newDatabase();
    expect((await migrateState(original, scratch)).differences).toEqual([]);
    const pg = await openPostgresStore(scratch, { max: 2 });
    try {
      const lease = await pg.leases.acquire({ ttlMs: 30_000 });
      expect(lease.token).toBe(3);
      await pg.commitBatch(
        batch('snow', { actions: [planned('after', 'snow', 'snow:9', { type: 'assign', group: 'G' })], quarantine: [{ sourceId: 'snow', nativeId: 'x', version: '1', error: 'e', raw: {} }] }),
      );
      await pg.recordPass(pass('snow', 9));
      const entries = await pg.outbox.list({ limit: 100 });
      const after = entries.find((e) => e.id === 'after');
      expect(after?.seq).toBeGreaterThan(Math.max(...entries.filter((e) => e.id !== 'after').map((e) => e.seq)));
      expect(Math.max(...(await pg.quarantineList()).map((e) => e.id))).toBe(4);
      expect((await pg.recentPasses({ limit: 1 }))[0]?.id).toBe(4);
      await lease.release();
    } finally {
      await pg.close();
    }
  });

  it('copies the PostgreSQL state back to a new SQLite file equal to the original (round trip)', async () => {
    const back = join(dir, 'back.db');
    const summary = await migrateState(pgUrl, back);
    expect(summary.differences).toEqual([]);
    const store = openSqliteStore(back);
    try {
      expect(await readBack(store)).toEqual(expected);
      const lease = await store.leases.acquire({ ttlMs: 30_000 });
      expect(lease.token).toBe(3);
      // The similarity index answers as before on the restored file, also for a ticket indexed after.
      await store.history.index(doc('snow', 30));
      expect(await store.history.indexedCount()).toBe(25);
      await lease.release();
    } finally {
      await store.close();
    }
  });

  it('also copies SQLite to SQLite and PostgreSQL to PostgreSQL (a new server, a new disk), and refuses to copy a state onto itself', async () => {
    const copy = join(dir, 'copy.db');
    expect((await migrateState(original, copy)).differences).toEqual([]);
    const sqlite = openSqliteStore(copy);
    try {
      expect(await readBack(sqlite)).toEqual(expected);
    } finally {
      await sqlite.close();
    }
    const other = await newDatabase();
    expect((await migrateState(pgUrl, other)).differences).toEqual([]);
    const pg = await openPostgresStore(other, { max: 2 });
    try {
      expect(await readBack(pg)).toEqual(expected);
    } finally {
      await pg.close();
    }
    await expect(migrateState(original, join(dir, '.', 'state.db'))).rejects.toThrow(/--from and --to are the same state/);
  });

  it('refuses a target that holds rows, naming the table, and writes nothing', async () => {
    const error = await migrateState(original, pgUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrateRefusedError);
    expect((error as Error).message).toMatch(/is not empty: table \w+ holds \d+ rows?\. Migrate into an empty database/);
    const file = join(dir, 'state.db');
    const again = await migrateState(pgUrl, file).catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/is not empty: .*a path that does not exist yet/);
  });

  it('refuses a source a live daemon holds, unless --force (then the copy records the lease released)', async () => {
    const busy = join(dir, 'busy.db');
    const daemon = openSqliteStore(busy);
    const lease = await daemon.leases.acquire({ ttlMs: 60_000 });
    await daemon.commitBatch(batch('snow', { watermark: '2026-11-20T09:00:00Z' }));
    try {
      const target = await newDatabase();
      const error = await migrateState(busy, target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrateRefusedError);
      expect((error as Error).message).toContain(`held by a running daemon (lease state: pid ${process.pid} on host ${thisProcess().host}`);
      expect((error as Error).message).toContain('--force');

      // Refused before anything was written: the same target takes the forced copy.
      const summary = await migrateState(busy, target, { force: true });
      expect(summary.differences).toEqual([]);
      const pg = await openPostgresStore(target, { max: 1 });
      try {
        expect((await pg.leases.current())?.releasedAt).toBeDefined();
        expect((await pg.leases.acquire({ ttlMs: 1000 })).token).toBe(lease.token + 1);
      } finally {
        await pg.close();
      }
    } finally {
      await lease.release();
      await daemon.close();
    }
  });

  it('fails part-way with the table named and leaves the target empty, so the command can run again', async () => {
    // PostgreSQL text cannot hold U+0000; SQLite can: the quarantine table fails after the earlier tables were written.
    const nul = join(dir, 'nul.db');
    const store = openSqliteStore(nul);
    await store.commitBatch(
      batch('snow', {
        watermark: '2026-11-20T09:00:00Z',
        tickets: [ticket('snow', 1)],
        quarantine: [{ sourceId: 'snow', nativeId: 'z', version: '1', error: 'field contains \u0000 byte', raw: {} }],
      }),
    );
    await store.close();
    const target = await newDatabase();
    const error = await migrateState(nul, target).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(MigrateRefusedError);
    expect((error as Error).message).toMatch(/^copying table quarantine failed: .*Nothing was committed to the target .*run the command again$/);
    // The watermark and ticket copied before the failure were rolled back with it: the target is still empty.
    expect((await migrateState(original, target)).differences).toEqual([]);
  });

  it('runs as `deskbridge state migrate`: per-table counts, verified, no password printed', async () => {
    const target = await newDatabase();
    expect(new URL(target).password).not.toBe('');
    const run = await finished(spawnNode([BIN, 'state', 'migrate', '--from', original, '--to', target], { timeoutMs: 30_000 }));
    expect(run.stderr).not.toContain(`:${new URL(target).password}@`);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/^ {2}outbox +8$/m);
    expect(run.stdout).toMatch(/^ {2}escalation_links +1$/m);
    expect(run.stdout).toMatch(/^ {2}similarity_docs +24$/m);
    expect(run.stdout).toContain('verified: counts and audit heads equal');
    expect(run.output).not.toContain(`:${new URL(target).password}@`);

    // Again into the same database: refused (exit 2), still without the password.
    const refused = await finished(spawnNode([BIN, 'state', 'migrate', '--from', original, '--to', target, '--json'], { timeoutMs: 30_000 }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused: the target postgres://deskbridge:***@');
    expect(refused.output).not.toContain(`:${new URL(target).password}@`);
  }, 30_000);
});
