import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket, finishBatch, planActions, planBatchActions } from '../../../src/engine/index.js';
import { correlationKey } from '../../../src/engine/patterns/index.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { similarityDoc } from '../../../src/engine/similarity-doc.js';
import { DedupRule } from '../../../src/engine/dedup/schema.js';
import { indexPulled, newPassMemory, planBatch } from '../../../src/engine/plan-batch.js';
import { takeSnapshot } from '../../../src/engine/snapshot.js';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import { PlatformError } from '../../../src/http/errors.js';
import type { PlannedAction } from '../../../src/model/action.js';
import type { CandidateQuery, HistoryChanges, PatternEvent, PatternProblem } from '../../../src/model/history.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { drainOutbox } from '../../../src/outbox/executor.js';
import type { ActionWriter } from '../../../src/outbox/writer.js';
import { StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import { PostgresHistoryStore, type PostgresIndexHooks } from '../../../src/state/postgres/history.js';
import { transaction } from '../../../src/state/postgres/pool.js';
import { openPostgresStore, type PostgresStateStore } from '../../../src/state/postgres/store.js';
import { openSqliteStore, type SqliteStateStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, StateStore } from '../../../src/state/types.js';
import { makeTicket } from '../../helpers/tickets.js';
import { testPostgresUrl, useMigratedTestDatabase } from '../../helpers/postgres.js';

/**
 * Dedup and pattern history in the PostgreSQL store (src/state/postgres/history.ts) against a real
 * server: the behaviours of the SQLite history's tests (test/unit/engine/patterns.test.ts, test/integration/engine/plans-and-lanes.test.ts)
 * and the similarity index's (index, candidates, indexed, indexedCount, cluster, duplicate roots), mostly
 * by running the same steps against a SQLite store and a PostgreSQL one and comparing their answers (resolutions and rule memory: the store
 * tests of test/unit/state, which run against both stores). Each test file works in a database of its own, created here and dropped after (as
 * test/integration/state/postgres-store.test.ts does).
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL history tests');

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const TTL = { ttlMs: 30_000 };

function proc(pid: number, options: { host?: string } = {}): ProcessIdentity {
  return { pid, host: options.host ?? 'h', pidNamespace: 'pid:[1]', pidAlive: () => true };
}

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

function changes(partial: Partial<HistoryChanges>): HistoryChanges {
  return { marks: [], duplicates: [], patternEvents: [], problems: [], members: [], ...partial };
}

function event(ticketKey: string, createdAt: string, extra: Partial<PatternEvent> = {}): PatternEvent {
  return {
    ruleId: 'by-ci',
    sourceId: 's',
    groupKey: '["s","mail-01"]',
    ticketKey,
    nativeId: ticketKey,
    number: `INC${ticketKey}`,
    version: '1',
    createdAt,
    title: `Mail down (${ticketKey})`,
    details: { ci: 'mail-01', location: 'Lisbon' },
    ...extra,
  };
}

function problem(key: string, extra: Partial<PatternProblem> = {}): PatternProblem {
  return {
    correlationKey: key,
    ruleId: 'by-ci',
    sourceId: 's',
    groupKey: '["s","mail-01"]',
    groupValues: ['mail-01'],
    generation: 1,
    status: 'open',
    openedAt: '2026-11-20T10:00:00.000Z',
    trigger: '3 incidents in 24 h',
    ...extra,
  };
}

function planned(id: string, ticketKey: string, action: PlannedAction['action'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey, nativeId: ticketKey, number: ticketKey, version: '1' }, action, explanation: '', ...extra };
}

const badRequest = () => new PlatformError('400 rejected', { platform: 'servicenow', sourceId: 'snow-test', status: 400, code: 'bad-request', retryable: false });

describe.skipIf(!ADMIN_URL)('PostgreSQL history store', () => {
  const database = useMigratedTestDatabase(ADMIN_URL);
  const closers: (() => Promise<void>)[] = [];
  let now = T0;
  const clock = (): Date => new Date(now);

  const openPg = async (identity: ProcessIdentity = proc(process.pid)): Promise<PostgresStateStore> => {
    const store = await openPostgresStore(database.url(), { max: 4, clock, identity });
    closers.push(() => store.close());
    return store;
  };
  const openLite = (): SqliteStateStore => {
    const store = openSqliteStore(':memory:', clock, proc(process.pid));
    closers.push(() => store.close());
    return store;
  };
  /** A SQLite store and a PostgreSQL store, to run the same steps against. */
  const both = async (): Promise<{ lite: SqliteStateStore; pg: PostgresStateStore; stores: StateStore[] }> => {
    const lite = openLite();
    const pgStore = await openPg();
    return { lite, pg: pgStore, stores: [lite, pgStore] };
  };
  /** The answers of both stores to one question: equal, and returned for further checks. */
  const same = async <T>(stores: StateStore[], ask: (store: StateStore) => Promise<T>): Promise<T> => {
    const [a, b] = await Promise.all(stores.map(ask));
    expect(b).toEqual(a);
    return a as T;
  };

  beforeEach(async () => {
    now = T0;
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  describe('pattern history, as the SQLite store keeps it', () => {
    it('counts each ticket once per rule, in its group, and answers windows [from, to) oldest first with byte-ordered ISO times', async () => {
      const { stores } = await both();
      const events = [
        event('c', '2026-11-20T09:00:00Z'),
        event('a', '2026-11-20T09:00:00Z'),
        // "…00.000Z" sorts before "…00Z" in byte order ('.' < 'Z'), as in SQLite.
        event('b', '2026-11-20T09:00:00.000Z'),
        event('d', '2026-11-20T10:00:00Z', { details: { location: 'Porto', ci: 'mail-01', z: 'last' } }),
        event('e', '2026-11-21T10:00:00Z', { groupKey: '["s","mail-02"]' }),
        event('a', '2026-11-19T08:00:00Z', { ruleId: 'by-location', groupKey: '["s","Lisbon"]' }),
      ];
      for (const store of stores) await store.commitBatch(batch({ history: changes({ patternEvents: events }) }));
      // A new version of a counted ticket is not counted again: the first count stands.
      for (const store of stores) await store.commitBatch(batch({ history: changes({ patternEvents: [event('a', '2026-11-25T00:00:00Z', { version: '9', title: 'changed' })] }) }));

      const group = '["s","mail-01"]';
      const window = await same(stores, (s) => s.history.patternEvents('by-ci', group, '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'));
      expect(window.map((e) => e.ticketKey)).toEqual(['b', 'a', 'c', 'd']);
      expect(window[1]).toEqual(event('a', '2026-11-20T09:00:00Z'));
      // Evidence fields come back in the order the rule wrote them.
      expect(Object.keys(window[3]?.details ?? {})).toEqual(['location', 'ci', 'z']);
      // from inclusive, to exclusive.
      expect((await same(stores, (s) => s.history.patternEvents('by-ci', group, '2026-11-20T09:00:00Z', '2026-11-20T10:00:00Z'))).map((e) => e.ticketKey)).toEqual(['a', 'c']);
      await same(stores, (s) => s.history.countPatternEvents('by-ci', group, '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'));
      expect(await stores[1]?.history.countPatternEvents('by-ci', group, '2026-11-20T00:00:00.000Z', '2026-11-20T10:00:00Z')).toBe(3);
      expect(await same(stores, (s) => s.history.countPatternEvents('by-ci', '["s","nothing"]', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toBe(0);
      expect(await same(stores, (s) => s.history.firstPatternEventAt('by-ci'))).toBe('2026-11-20T09:00:00.000Z');
      expect(await same(stores, (s) => s.history.firstPatternEventAt('by-location'))).toBe('2026-11-19T08:00:00Z');
      expect(await same(stores, (s) => s.history.firstPatternEventAt('never'))).toBeUndefined();
      expect(await same(stores, (s) => s.history.patternEvent('by-location', 'a'))).toMatchObject({ groupKey: '["s","Lisbon"]' });
      expect(await same(stores, (s) => s.history.patternEvent('by-ci', 'zz'))).toBeUndefined();
    });

    it('keeps problems by generation, their members oldest first, open problems per source, and status changes', async () => {
      const { stores } = await both();
      const first = problem('p1');
      const openedTogether = [
        problem('zz-other-group', { groupKey: '["s","db-01"]', groupValues: ['db-01'], openedAt: '2026-11-22T10:00:00.000Z' }),
        problem('aa-third-group', { groupKey: '["s","web-01"]', groupValues: ['web-01'], openedAt: '2026-11-22T10:00:00.000Z' }),
      ];
      for (const store of stores) {
        await store.commitBatch(
          batch({
            history: changes({
              patternEvents: [event('b', '2026-11-20T09:00:00Z'), event('a', '2026-11-20T09:00:00Z'), event('c', '2026-11-20T08:00:00Z')],
              problems: [first, ...openedTogether, problem('elsewhere', { sourceId: 'other', groupKey: '["other","mail-01"]' })],
              members: ['a', 'b', 'c', 'a'].map((ticketKey) => ({ correlationKey: 'p1', ruleId: 'by-ci', ticketKey })),
            }),
          }),
        );
      }
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', '["s","mail-01"]'))).toEqual(first);
      expect((await same(stores, (s) => s.history.members('p1'))).map((e) => e.ticketKey)).toEqual(['c', 'a', 'b']);
      expect(await same(stores, (s) => s.history.members('nothing'))).toEqual([]);
      expect((await same(stores, (s) => s.history.openProblems('s'))).map((p) => p.correlationKey)).toEqual(['p1', 'zz-other-group', 'aa-third-group']);

      // People closed it: a new generation may open; an upsert of a known problem changes only its status.
      await same(stores, (s) => s.history.setProblemStatus('p1', 'closed'));
      expect((await same(stores, (s) => s.history.openProblems('s'))).map((p) => p.correlationKey)).toEqual(['zz-other-group', 'aa-third-group']);
      for (const store of stores) {
        await store.commitBatch(
          batch({
            history: changes({
              problems: [problem('p2', { generation: 2, openedAt: '2026-12-01T00:00:00Z' }), problem('p1', { status: 'open', trigger: 'rewritten', openedAt: '2030-01-01T00:00:00Z' })],
            }),
          }),
        );
      }
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', '["s","mail-01"]'))).toMatchObject({ correlationKey: 'p2', generation: 2 });
      expect((await same(stores, (s) => s.history.openProblems('s'))).find((p) => p.correlationKey === 'p1')).toEqual(first);
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', '["other","mail-01"]'))).toMatchObject({ correlationKey: 'elsewhere', sourceId: 'other' });
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', '["s","nothing"]'))).toBeUndefined();
      expect((await same(stores, (s) => s.history.openProblems('other'))).map((p) => p.correlationKey)).toEqual(['elsewhere']);
      // An unknown problem: nothing to change.
      await same(stores, (s) => s.history.setProblemStatus('unknown', 'closed'));
    });
  });

  describe('rule marks and committed tickets', () => {
    it('answers hasMark and markedBy as SQLite does (the first mark asked for that is set; of several rules, the least id)', async () => {
      const { stores } = await both();
      for (const store of stores) {
        await store.commitBatch(
          batch({
            history: changes({
              marks: [
                { ruleId: 'dups-v2', key: 'k1', mark: 'suggested', plan: 'k1@1' },
                { ruleId: 'dups', key: 'k1', mark: 'suggested', plan: 'k1@1' },
                { ruleId: 'Dups', key: 'k1', mark: 'linked', plan: undefined },
                { ruleId: 'dups', key: 'k1', mark: 'suggested', plan: 'k1@2' },
              ],
            }),
          }),
        );
      }
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k1', 'suggested'))).toBe(true);
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k1', 'linked'))).toBe(false);
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k2', 'suggested'))).toBe(false);
      expect(await same(stores, (s) => s.history.markedBy('k1', ['suggested', 'linked']))).toBe('dups');
      expect(await same(stores, (s) => s.history.markedBy('k1', ['linked', 'suggested']))).toBe('Dups');
      expect(await same(stores, (s) => s.history.markedBy('k1', ['qa@x']))).toBeUndefined();
      expect(await same(stores, (s) => s.history.markedBy('k1', []))).toBeUndefined();
    });

    it('knows only the tickets a committed batch has seen', async () => {
      const { stores } = await both();
      const ticket = {
        key: 'servicenow:snow:1',
        sourceId: 's',
        nativeId: '1',
        number: 'INC1',
        version: '1',
        status: 'open' as const,
        group: undefined,
        assignee: undefined,
        updatedAt: '2026-11-20T10:00:00Z',
      };
      for (const store of stores) await store.commitBatch(batch({ tickets: [ticket, { ...ticket, key: 'servicenow:snow:2', nativeId: '2' }] }));
      const known = await same(stores, (s) => s.history.committedTickets(['servicenow:snow:2', 'nope', 'servicenow:snow:1', 'servicenow:snow:2']));
      expect([...known]).toEqual(['servicenow:snow:2', 'servicenow:snow:1']);
      expect(await same(stores, (s) => s.history.committedTickets([]))).toEqual(new Set());
    });
  });

  describe('plans whose writes did not happen release what they recorded (test/integration/engine/plans-and-lanes.test.ts)', () => {
    it("a superseded write releases its plan's marks but not QA verdicts nor other plans' marks", async () => {
      const { stores } = await both();
      const action = planned('a1', 'k1', { type: 'comment', visibility: 'internal', body: 'looks like k0' });
      for (const store of stores) {
        await store.commitBatch(
          batch({
            actions: [action],
            history: changes({
              marks: [
                { ruleId: 'dups', key: 'k1', mark: 'suggested', plan: 'k1@1' },
                { ruleId: 'qa', key: 'k1', mark: 'qa@v1', plan: 'k1@1' },
                { ruleId: 'qa', key: 'k1', mark: 'QA@v2', plan: 'k1@1' },
                { ruleId: 'dups', key: 'k2', mark: 'suggested', plan: 'k2@1' },
                { ruleId: 'dups', key: 'k3', mark: 'suggested', plan: undefined },
              ],
            }),
          }),
        );
        await store.outbox.markDone('a1', { outcome: 'superseded', ref: 'k1' });
      }
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k1', 'suggested'))).toBe(false);
      expect(await same(stores, (s) => s.history.hasMark('qa', 'k1', 'qa@v1'))).toBe(true);
      expect(await same(stores, (s) => s.history.hasMark('qa', 'k1', 'QA@v2'))).toBe(true);
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k2', 'suggested'))).toBe(true);
      expect(await same(stores, (s) => s.history.hasMark('dups', 'k3', 'suggested'))).toBe(true);
    });

    it('a problem that could not be created is closed, and its plan released, when its write dies', async () => {
      const { stores } = await both();
      const create = planned('c1', 'problem:p1', { type: 'create-problem', correlationKey: 'p1', title: 'Recurring', description: 'd' }, { plan: 'batch@p1' });
      for (const store of stores) {
        await store.commitBatch(
          batch({
            actions: [create],
            history: changes({ problems: [problem('p1')], marks: [{ ruleId: 'by-ci', key: 'k1', mark: 'linked', plan: 'batch@p1' }] }),
          }),
        );
        await store.outbox.markDead('c1', 'HTTP 400');
      }
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', '["s","mail-01"]'))).toMatchObject({ correlationKey: 'p1', status: 'closed' });
      expect(await same(stores, (s) => s.history.openProblems('s'))).toEqual([]);
      expect(await same(stores, (s) => s.history.hasMark('by-ci', 'k1', 'linked'))).toBe(false);
    });
  });

  describe('pattern rules run by the engine on each store (test/unit/engine/patterns.test.ts)', () => {
    const rule = (overrides: Record<string, unknown> = {}) =>
      PatternRule.parse({
        id: 'by-ci',
        kind: 'pattern',
        when: "kind = 'incident'",
        groupBy: ['ci'],
        window: { hours: 24 },
        baseline: { days: 28 },
        trigger: { minCount: 3, factor: 3, maxPValue: 0.01 },
        problem: { title: 'Recurring incidents on {{ key }}', description: '{{ count }} incidents. {{ trigger }}\n{{ text.members }}\n{{ text.counts }}' },
        ...overrides,
      });

    /** The sync loop's steps without the similarity index: evaluate each ticket, summarise the batch, commit it with its history. */
    const desk = (store: StateStore, rules = [rule()]) => {
      const ruleSet = compileRuleSet(rules);
      return {
        async batch(tickets: Ticket[]): Promise<PlannedAction[]> {
          const state = new BatchState(new Map(), new Map(), store.history, { committedOnly: true });
          const actions: PlannedAction[] = [];
          for (const ticket of tickets) {
            state.history.beginPlan(`${ticket.key}@${ticket.version}`);
            const evaluation = await evaluateTicket(ticket, ruleSet, state, { sourceId: 'snow-test', now: new Date(ticket.updatedAt) });
            actions.push(...planActions(ticket, evaluation.decisions, 'snow-test'));
          }
          state.history.beginPlan(undefined);
          actions.push(...planBatchActions(await finishBatch(ruleSet, state), 'snow-test'));
          const tickets_ = tickets.map((t) => ({
            key: t.key,
            sourceId: 'snow-test',
            nativeId: t.source.nativeId,
            number: t.source.number,
            version: t.version,
            status: t.status,
            group: t.group,
            assignee: t.assignee,
            updatedAt: t.updatedAt,
          }));
          await store.commitBatch({ ...batch({ sourceId: 'snow-test', actions, tickets: tickets_ }), history: state.history.changes });
          return actions;
        },
        drain(write: ActionWriter['write']) {
          const writer: ActionWriter = { dryRun: false, write: (entry) => write(entry) };
          return drainOutbox({ store, sourceId: 'snow-test', writer, logger: silentLogger, concurrency: 1, maxAttempts: 3 });
        },
      };
    };
    const incident = (id: string, ci: string | undefined, createdAt: string) =>
      makeTicket({ id, createdAt, updatedAt: createdAt, title: `Mail server ${ci ?? ''} not responding`, ...(ci ? { ci } : {}), location: 'Lisbon' });
    const quiet = (prefix: string): Ticket[] => {
      const out: Ticket[] = [];
      for (let day = 40; day >= 5; day -= 7) out.push(incident(`${prefix}${day}`, 'mail-01', new Date(Date.parse('2026-11-20T09:00:00Z') - day * 86_400_000).toISOString()));
      return out;
    };
    const summary = (actions: PlannedAction[]) => actions.map((a) => ({ type: a.action.type, on: a.target.number, lane: a.lane, plan: a.plan }));
    const group = JSON.stringify(['snow-test', 'mail-01']);

    it('opens one problem on a spike, adds later incidents to it, and plans the same writes on SQLite and PostgreSQL', async () => {
      const { stores } = await both();
      const desks = stores.map((s) => desk(s));
      const run = (tickets: Ticket[]) => same(stores, async (s) => summary(await desks[stores.indexOf(s)]!.batch(tickets)));
      expect(await run(quiet('q'))).toEqual([]);
      expect(await run([incident('s1', 'mail-01', '2026-11-20T08:00:00Z'), incident('s2', 'mail-01', '2026-11-20T09:00:00Z')])).toEqual([]);
      const spike = await run([incident('s3', 'mail-01', '2026-11-20T10:00:00Z')]);
      expect(spike.map((a) => a.type)).toEqual(['create-problem', 'link-problem', 'link-problem', 'link-problem']);
      const key = correlationKey('by-ci', group, 1);
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', group))).toMatchObject({ correlationKey: key, generation: 1, status: 'open' });
      expect((await same(stores, (s) => s.history.members(key))).map((e) => e.number)).toEqual(['INCs1', 'INCs2', 'INCs3']);
      // The same ticket again is not counted twice.
      await run([{ ...incident('s3', 'mail-01', '2026-11-20T10:00:00Z'), version: '5', updatedAt: '2026-11-20T10:30:00Z' }]);
      expect(await same(stores, (s) => s.history.countPatternEvents('by-ci', group, '2026-11-19T00:00:00Z', '2026-11-21T00:00:00Z'))).toBe(3);
      const late = await run([incident('l1', 'mail-01', '2026-11-22T08:00:00Z'), incident('l2', 'mail-01', '2026-11-22T09:00:00Z')]);
      expect(late.map((a) => a.type)).toEqual(['link-problem', 'link-problem', 'update-problem']);
      expect(await same(stores, (s) => s.history.openProblems('snow-test'))).toHaveLength(1);
    });

    it('after people close the problem, the next spike opens generation 2; with onClosed: reopen, the next incident reopens it', async () => {
      const { stores } = await both();
      for (const [rules, expected] of [
        [[rule()], 'new-generation'],
        [[rule({ id: 'reopening', onClosed: 'reopen' })], 'reopen'],
      ] as const) {
        const ruleId = rules[0].id;
        const desks = stores.map((s) => desk(s, [...rules]));
        const run = (tickets: Ticket[]) => same(stores, async (s) => summary(await desks[stores.indexOf(s)]!.batch(tickets)));
        for (const t of quiet(`${ruleId}-q`)) await run([t]);
        await run(['08', '09', '10'].map((h) => incident(`${ruleId}-a${h}`, 'mail-01', `2026-11-20T${h}:00:00Z`)));
        const first = correlationKey(ruleId, group, 1);
        for (const store of stores) await store.history.setProblemStatus(first, 'closed');
        const next = await run([incident(`${ruleId}-n`, 'mail-01', '2026-11-25T08:00:00Z')]);
        if (expected === 'reopen') {
          expect(next.map((a) => a.type)).toEqual(['link-problem', 'update-problem']);
          expect(await same(stores, (s) => s.history.latestProblem(ruleId, group))).toMatchObject({ correlationKey: first, status: 'open' });
        } else {
          expect(next).toEqual([]);
          const again = await run(['08', '09', '10'].map((h) => incident(`${ruleId}-b${h}`, 'mail-01', `2026-12-10T${h}:00:00Z`)));
          expect(again[0]?.type).toBe('create-problem');
          expect(await same(stores, (s) => s.history.latestProblem(ruleId, group))).toMatchObject({ correlationKey: correlationKey(ruleId, group, 2), generation: 2, status: 'open' });
        }
        await same(stores, (s) => s.history.openProblems('snow-test'));
      }
    });

    it('a problem that could not be created dead-letters its links with it, and the group opens generation 2', async () => {
      const { stores } = await both();
      const pattern = rule({ when: 'true', trigger: { minCount: 3, factor: 3, absoluteCount: 3 }, problem: { title: 'Recurring: {{ key }}', description: '{{ text.members }}' } });
      const desks = stores.map((s) => desk(s, [pattern]));
      const run = (tickets: Ticket[]) => same(stores, async (s) => summary(await desks[stores.indexOf(s)]!.batch(tickets)));
      await run(['08', '09', '10'].map((h, i) => makeTicket({ id: `p${i}`, ci: 'mail-01', createdAt: `2026-11-20T${h}:00:00Z`, updatedAt: `2026-11-20T${h}:00:00Z` })));
      for (const d of desks) {
        await d.drain(async (e) => {
          if (e.planned.action.type === 'create-problem') throw badRequest();
          return { outcome: 'created' as const, ref: 'ok' };
        });
      }
      expect(await same(stores, async (s) => (await s.outbox.list({ limit: 100 })).map((e) => [e.planned.action.type, e.status]))).toEqual([
        ['link-problem', 'dead'],
        ['link-problem', 'dead'],
        ['link-problem', 'dead'],
        ['create-problem', 'dead'],
      ]);
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', group))).toMatchObject({ status: 'closed' });
      const next = await run(['11', '12', '13'].map((h, i) => makeTicket({ id: `q${i}`, ci: 'mail-01', createdAt: `2026-11-21T${h}:00:00Z`, updatedAt: `2026-11-21T${h}:00:00Z` })));
      expect(next[0]).toMatchObject({ type: 'create-problem' });
      expect(await same(stores, (s) => s.history.latestProblem('by-ci', group))).toMatchObject({ correlationKey: correlationKey('by-ci', group, 2), status: 'open' });
    });
  });

  describe('duplicate families and the similarity index hooks', () => {
    it('keeps links and roots, calls the index for each, and releases them with their plan', async () => {
      const lite = openLite();
      const pgStore = await openPg();
      const calls: string[] = [];
      const hooks: PostgresIndexHooks = {
        async setRoot(_sql, key, rootKey) {
          calls.push(`set ${key} -> ${rootKey}`);
        },
        async clearRoot(_sql, key) {
          calls.push(`clear ${key}`);
        },
      };
      const history = new PostgresHistoryStore(pgStore.pool, clock, (fn) => transaction(pgStore.pool, fn), hooks);
      const links = changes({
        duplicates: [
          { key: 'b', rootKey: 'a', ruleId: 'dups', plan: 'b@1' },
          { key: 'c', rootKey: 'a', ruleId: 'dups', plan: 'c@1' },
          // A link once made stays: the first root is kept.
          { key: 'b', rootKey: 'z', ruleId: 'dups', plan: 'b@2' },
        ],
      });
      // SQLite sets the root on the indexed doc only; index the tickets there so both stores do the same.
      for (const id of ['a', 'b', 'c']) await lite.history.index(similarityDoc(makeTicket({ id })));
      lite.history.apply(links);
      await transaction(pgStore.pool, (sql) => history.apply(sql, links));
      expect(calls).toEqual(['set b -> a', 'set c -> a', 'set b -> z']);
      for (const key of ['a', 'b', 'c', 'z']) {
        expect(await history.duplicateRoot(key)).toEqual(await lite.history.duplicateRoot(key));
        expect(await history.hasDuplicates(key)).toEqual(await lite.history.hasDuplicates(key));
      }
      expect(await history.duplicateRoot('b')).toBe('a');
      expect(await history.hasDuplicates('a')).toBe(true);

      calls.length = 0;
      lite.history.releasePlan('b@1');
      await transaction(pgStore.pool, (sql) => history.releasePlan(sql, 'b@1'));
      expect(calls).toEqual(['clear b']);
      expect(await history.duplicateRoot('b')).toBeUndefined();
      expect(await lite.history.duplicateRoot('b')).toBeUndefined();
      expect(await history.hasDuplicates('a')).toBe(true);
      await transaction(pgStore.pool, (sql) => history.releasePlan(sql, 'c@1'));
      expect(await history.hasDuplicates('a')).toBe(false);
    });

    it('commits a batch that links a duplicate: the root is kept on the indexed doc, and survives a new version', async () => {
      const { pg: pgStore, stores } = await both();
      const a = similarityDoc(makeTicket({ id: 'a', title: 'Outlook cannot connect to Exchange', createdAt: '2026-11-20T09:00:00Z' }));
      const b = similarityDoc(makeTicket({ id: 'b', title: 'Outlook will not connect to Exchange server', createdAt: '2026-11-20T10:00:00Z' }));
      for (const store of stores) for (const doc of [a, b]) await store.history.index(doc);
      const history = changes({ duplicates: [{ key: b.key, rootKey: a.key, ruleId: 'dups', plan: `${b.key}@0` }], patternEvents: [event('b', '2026-11-20T09:00:00Z')] });
      for (const store of stores) await store.commitBatch(batch({ watermark: '2026-12-01T00:00:00Z', history }));
      expect(await same(stores, (s) => s.getWatermark('s'))).toBe('2026-12-01T00:00:00Z');
      expect(await same(stores, (s) => s.history.duplicateRoot(b.key))).toBe(a.key);
      expect(await same(stores, (s) => s.history.hasDuplicates(a.key))).toBe(true);
      expect(await same(stores, (s) => s.history.hasDuplicates(b.key))).toBe(false);
      expect(await same(stores, (s) => s.history.patternEvent('by-ci', 'b'))).toMatchObject({ ticketKey: 'b' });
      // Kept on the indexed doc, as SQLite keeps it on sim_docs.root_key.
      const rootOnDoc = async () => (await pgStore.pool.query<{ root_key: string | null }>('SELECT root_key FROM similarity_docs WHERE key = $1', [b.key])).rows[0]?.root_key;
      expect(await rootOnDoc()).toBe(a.key);
      // A new version of the duplicate is indexed again: its root stays.
      for (const store of stores) await store.history.index({ ...b, version: '2', title: 'Outlook still will not connect to Exchange' });
      expect(await rootOnDoc()).toBe(a.key);
      expect(await same(stores, (s) => s.history.duplicateRoot(b.key))).toBe(a.key);
      expect(await same(stores, (s) => s.history.indexed(b.key))).toMatchObject({ version: '2', title: 'Outlook still will not connect to Exchange' });
      // A link to a ticket not indexed commits too (the index leaves it alone).
      for (const store of stores) await store.commitBatch(batch({ history: changes({ duplicates: [{ key: 'servicenow:snow-test:zz', rootKey: a.key, ruleId: 'dups', plan: undefined }] }) }));
      expect(await same(stores, (s) => s.history.duplicateRoot('servicenow:snow-test:zz'))).toBe(a.key);
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(2);
    });
  });

  describe('the similarity index (src/similarity/postgres-index.ts), as the SQLite store keeps it', () => {
    const desk = (id: string, extra: Partial<Ticket>): Ticket => makeTicket({ id, status: 'new', ...extra });
    const tickets: Ticket[] = [
      desk('p1', {
        title: 'Printer on floor 3 jams every morning',
        description: 'The HP LaserJet near the kitchen jams with paper from tray 2.',
        category: 'hardware',
        location: 'Lisbon',
        createdAt: '2026-11-01T09:00:00Z',
      }),
      desk('v1', {
        title: 'VPN disconnects every 10 minutes',
        description: 'GlobalProtect drops the tunnel when on hotel wifi.',
        category: 'network',
        location: 'Porto',
        createdAt: '2026-11-02T09:00:00Z',
      }),
      desk('p2', {
        title: 'Paper jam in the floor 3 printer',
        description: 'LaserJet tray 2 jams again, paper stuck at the fuser.',
        category: 'hardware',
        location: 'Lisbon',
        status: 'resolved',
        version: '3',
        createdAt: '2026-11-03T09:00:00Z',
        updatedAt: '2026-11-04T09:00:00Z',
        resolvedAt: '2026-11-04T08:00:00Z',
        resolution: { code: 'Solved (Permanently)', notes: 'Replaced the tray 2 pickup roller' },
      }),
      desk('m1', {
        title: 'Outlook cannot connect to Exchange',
        description: 'Outlook shows disconnected since the password change.',
        category: 'software',
        location: 'Lisbon',
        createdAt: '2026-11-04T09:00:00Z',
      }),
      desk('v2', {
        title: 'GlobalProtect VPN keeps dropping',
        description: 'The VPN tunnel drops on wifi, reconnecting works for a few minutes.',
        category: 'network',
        location: 'Lisbon',
        createdAt: '2026-11-05T09:00:00Z',
      }),
      desk('p3', { title: 'Printer jams', description: 'Floor 3 printer jams on tray 2 paper.', category: 'hardware', location: 'Porto', createdAt: '2026-11-06T09:00:00Z' }),
    ];
    const newPrinter = similarityDoc(
      desk('new', { title: 'Floor 3 LaserJet printer jams paper', description: 'Tray 2 jams, paper stuck.', category: 'hardware', location: 'Lisbon', createdAt: '2026-11-10T09:00:00Z' }),
    );

    it('gives the same candidates, indexed tickets and count, with filters, titles and resolutions', async () => {
      const { stores } = await both();
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(0);
      for (const store of stores) for (const t of tickets) await store.history.index(similarityDoc(t));
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(tickets.length);

      // The SQLite index's scores differ from the memory index's (which PostgreSQL's match bit for bit) from the 3rd digit.
      const sameCandidates = async (q: CandidateQuery) => {
        const [a, b] = await Promise.all(stores.map((s) => s.history.candidates(q)));
        expect(b).toEqual(a?.map((c) => ({ ...c, score: expect.closeTo(c.score, 2), textScore: expect.closeTo(c.textScore, 2) })));
        return a ?? [];
      };
      const ask = (extra: Partial<CandidateQuery> = {}) => sameCandidates({ doc: newPrinter, createdBefore: newPrinter.createdAt, limit: 5, ...extra });
      const all = await ask();
      expect(all.map((c) => c.number).slice(0, 3)).toEqual(expect.arrayContaining(['INCp1', 'INCp2', 'INCp3']));
      expect(all.find((c) => c.number === 'INCp2')).toMatchObject({
        title: 'Paper jam in the floor 3 printer',
        resolved: { code: 'Solved (Permanently)', notes: 'Replaced the tray 2 pickup roller' },
      });
      expect(all[0]?.sharedTerms.length).toBeGreaterThan(0);
      expect((await ask({ equalFields: ['location'] })).map((c) => c.number)).not.toContain('INCp3');
      expect((await ask({ fieldWeights: { location: 0.5, category: 0.3 } }))[0]?.matchedFields.length).toBeGreaterThan(0);
      expect((await ask({ createdAfter: '2026-11-02T12:00:00Z' })).map((c) => c.number)).not.toContain('INCp1');
      expect((await ask({ createdBefore: '2026-11-03T09:00:00Z' })).map((c) => c.number)).not.toContain('INCp2');
      expect(await ask({ sourceIds: ['elsewhere'] })).toEqual([]);
      expect(await ask({ limit: 1 })).toHaveLength(1);
      await ask({ recency: { weight: 0, halfLifeDays: 90 }, mask: ['ids'] });
      // An indexed ticket is never its own candidate.
      const p3 = similarityDoc(tickets[5] as Ticket);
      expect((await sameCandidates({ doc: p3, createdBefore: '2027-01-01T00:00:00Z', limit: 10 })).map((c) => c.key)).not.toContain(p3.key);

      expect(await same(stores, (s) => s.history.indexed(similarityDoc(tickets[2] as Ticket).key))).toMatchObject({ number: 'INCp2', version: '3', resolved: { code: 'Solved (Permanently)' } });
      expect(await same(stores, (s) => s.history.indexed('servicenow:snow-test:nope'))).toBeUndefined();
      // A new version: replaced, not added; a reopened ticket's resolution goes.
      const reopened = similarityDoc({ ...(tickets[2] as Ticket), status: 'in_progress', version: '4', title: 'Paper jam in the floor 3 printer (again)' });
      for (const store of stores) await store.history.index(reopened);
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(tickets.length);
      const again = await same(stores, (s) => s.history.indexed(reopened.key));
      expect(again).toMatchObject({ version: '4', title: 'Paper jam in the floor 3 printer (again)' });
      expect(again?.resolved).toBeUndefined();
      // PostgreSQL scores as the memory index does, bit for bit; SQLite's index drifts a little after a replaced version
      // (0.8849 for 0.8836 here), hence closeTo(…, 2) against SQLite.
      const memory = new MemoryCandidateIndex();
      for (const t of tickets) memory.upsert(similarityDoc(t));
      memory.upsert(reopened);
      const q = { doc: newPrinter, createdBefore: newPrinter.createdAt, limit: 5 };
      expect((await stores[1]?.history.candidates(q))?.map((c) => [c.key, c.score, c.textScore])).toEqual(memory.query(q).map((c) => [c.key, c.score, c.textScore]));
      await ask();
    });

    it('assigns the same text clusters (leaders) across tickets, keeps an assigned cluster, and honours the threshold', async () => {
      const { stores } = await both();
      const run = async (threshold: number, createdAfter = '2026-10-01T00:00:00Z') => {
        const out: { key: string; number: string }[] = [];
        for (const t of tickets) out.push(await same(stores, (s) => s.history.cluster(similarityDoc(t), { threshold, createdAfter })));
        return out;
      };
      const clusters = await run(0.3);
      const leader = (id: string) => clusters[tickets.findIndex((t) => t.source.nativeId === id)]?.number;
      expect(leader('p1')).toBe('INCp1');
      expect(leader('v1')).toBe('INCv1');
      expect(leader('m1')).toBe('INCm1');
      expect(new Set(clusters.map((c) => c.number)).size).toBeLessThan(tickets.length);
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(tickets.length);
      // Assigned once: asking again (even with another threshold) keeps the cluster.
      expect(await run(0.99)).toEqual(clusters);
      for (const t of tickets) expect(await same(stores, (s) => s.history.indexed(t.key))).toMatchObject({ title: t.title });
    });

    it('with a threshold nothing reaches, or a look-back that excludes the earlier tickets, each ticket leads its own cluster', async () => {
      const { stores } = await both();
      for (const t of tickets.slice(0, 3)) {
        expect(await same(stores, (s) => s.history.cluster(similarityDoc(t), { threshold: 1.01, createdAfter: '2026-10-01T00:00:00Z' }))).toEqual({ key: t.key, number: t.source.number });
      }
      const p3 = tickets[5] as Ticket;
      expect(await same(stores, (s) => s.history.cluster(similarityDoc(p3), { threshold: 0.1, createdAfter: '2026-11-05T00:00:00Z' }))).toEqual({ key: p3.key, number: p3.source.number });
    });

    it('refuses index and cluster writes of a former holder that lost its lease', async () => {
      const paused = await openPg(proc(101, { host: 'other' }));
      await paused.leases.acquire(TTL);
      await paused.history.index(similarityDoc(tickets[0] as Ticket));
      now = T0 + 45_000;
      const successor = await openPg(proc(202));
      await successor.leases.acquire(TTL);
      await expect(paused.history.index(similarityDoc(tickets[1] as Ticket))).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.history.cluster(similarityDoc(tickets[2] as Ticket), { threshold: 0.3, createdAfter: '2026-10-01T00:00:00Z' })).rejects.toBeInstanceOf(StateLeaseLostError);
      expect(await successor.history.indexedCount()).toBe(1);
      expect(await successor.history.indexed(tickets[1]?.key ?? '')).toBeUndefined();
    });
  });

  describe("a dedup rule run by the sync loop's steps on each store (indexPulled, planBatch, commitBatch)", () => {
    const dedup = DedupRule.parse({ id: 'likely-duplicates', kind: 'dedup', when: 'true', lookBack: { days: 3650 }, suggest: { threshold: 0.35, limit: 3 }, link: { threshold: 0.6 } });
    const ruleSet = compileRuleSet([dedup]);
    /** One page as SyncLoop.processPage runs it, after indexPulled. */
    const page = async (store: StateStore, tickets: Ticket[], pass = newPassMemory()) => {
      await indexPulled(tickets, ruleSet, store, pass);
      const snapshot = await takeSnapshot(
        store,
        'snow-test',
        tickets.map((t) => t.key),
        { otherLoads: false },
      );
      const plan = await planBatch({ tickets: tickets.map((ticket) => ({ ticket, ownWrite: false })), ruleSet, context: { sourceId: 'snow-test', now: new Date(T0) }, pass }, snapshot);
      await store.commitBatch({ ...batch({ sourceId: 'snow-test' }), tickets: plan.tickets, roundRobin: plan.roundRobin, actions: plan.actions, history: plan.history, audit: plan.audit });
      return plan.actions.map((a) => ({ type: a.action.type, on: a.target.number, rule: a.ruleId }));
    };

    it('links a later duplicate to its original, and a third report to the same root, as on SQLite', async () => {
      const { stores } = await both();
      const original = makeTicket({
        id: 'o1',
        title: 'Outlook cannot connect to Exchange after password change',
        description: 'Outlook shows disconnected since this morning.',
        createdAt: '2026-11-20T09:00:00Z',
        updatedAt: '2026-11-20T09:00:00Z',
      });
      const dup = makeTicket({
        id: 'd1',
        title: 'Outlook cannot connect to Exchange after password change',
        description: 'Outlook disconnected since this morning.',
        createdAt: '2026-11-21T09:00:00Z',
        updatedAt: '2026-11-21T09:00:00Z',
      });
      const third = makeTicket({
        id: 'd2',
        title: 'Outlook cannot connect to Exchange after the password change',
        description: 'Disconnected since this morning.',
        createdAt: '2026-11-22T09:00:00Z',
        updatedAt: '2026-11-22T09:00:00Z',
      });
      const other = makeTicket({
        id: 'x1',
        title: 'Badge reader at the main door broken',
        description: 'The reader beeps red for everyone.',
        createdAt: '2026-11-21T10:00:00Z',
        updatedAt: '2026-11-21T10:00:00Z',
      });
      await same(stores, (s) => page(s, [original]));
      const second = await same(stores, (s) => page(s, [dup, other]));
      expect(second).toContainEqual({ type: 'link-duplicate', on: 'INCd1', rule: 'likely-duplicates' });
      expect(second.some((a) => a.on === 'INCx1')).toBe(false);
      expect(await same(stores, (s) => s.history.duplicateRoot(dup.key))).toBe(original.key);
      expect(await same(stores, (s) => s.history.hasDuplicates(original.key))).toBe(true);
      await same(stores, (s) => page(s, [third]));
      expect(await same(stores, (s) => s.history.duplicateRoot(third.key))).toBe(original.key);
      expect(await same(stores, (s) => s.history.indexedCount())).toBe(4);
    });
  });

  describe('lease fencing', () => {
    it('refuses history writes of a former holder that lost its lease, changing nothing', async () => {
      const paused = await openPg(proc(101, { host: 'other' }));
      await paused.leases.acquire(TTL);
      await paused.commitBatch(batch({ history: changes({ problems: [problem('p1')], patternEvents: [event('a', '2026-11-20T09:00:00Z')] }) }));
      now = T0 + 45_000;
      const successor = await openPg(proc(202));
      await successor.leases.acquire(TTL);

      await expect(paused.history.setProblemStatus('p1', 'closed')).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(
        paused.commitBatch(batch({ history: changes({ patternEvents: [event('b', '2026-11-20T10:00:00Z')], marks: [{ ruleId: 'd', key: 'b', mark: 'suggested', plan: undefined }] }) })),
      ).rejects.toBeInstanceOf(StateLeaseLostError);
      expect(await successor.history.latestProblem('by-ci', '["s","mail-01"]')).toMatchObject({ status: 'open' });
      expect(await successor.history.patternEvent('by-ci', 'b')).toBeUndefined();
      expect(await successor.history.hasMark('d', 'b', 'suggested')).toBe(false);
      // Reads need no lease.
      expect(await paused.history.countPatternEvents('by-ci', '["s","mail-01"]', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z')).toBe(1);
      await successor.history.setProblemStatus('p1', 'closed');
      expect(await paused.history.openProblems('s')).toEqual([]);
    });
  });
});
