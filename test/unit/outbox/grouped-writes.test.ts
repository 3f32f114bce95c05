import { expect, it } from 'vitest';
import { PlatformError } from '../../../src/http/errors.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { drainOutbox } from '../../../src/outbox/executor.js';
import { compilePlatformMappings } from '../../../src/mapping/mapper.js';
import { createConnectorWriter, type ActionWriter } from '../../../src/outbox/writer.js';
import type { Connector, CurrentRecord, WriteRequest, WriteResult } from '../../../src/platforms/types.js';
import type { OutboxEntry, StateStore } from '../../../src/state/types.js';
import { describeEachStore, type StoreKit } from '../../helpers/stores.js';

function planned(id: string, ticketKey: string, action: PlannedAction['action'], version = '1', ruleId = 'r'): PlannedAction {
  return { id, sourceId: 's', ruleId, target: { ticketKey, nativeId: ticketKey, number: ticketKey, version }, action, explanation: '' };
}

const assign = (id: string, ticket: string, version = '1') => planned(id, ticket, { type: 'assign', group: 'G' }, version);
const note = (id: string, ticket: string, version = '1') => planned(id, ticket, { type: 'comment', visibility: 'internal', body: 'Routed' }, version);

const refused = () => new PlatformError('bad-request', { platform: 'test', sourceId: 's', code: 'bad-request', retryable: false, status: 400 });
const serverError = () => new PlatformError('server', { platform: 'test', sourceId: 's', code: 'server', retryable: true, status: 503 });

type GroupAnswer = 'one-by-one' | Error | ((entries: readonly OutboxEntry[]) => WriteResult[]);

interface Recorder {
  singles: { id: string; firstAttempt: boolean; current: CurrentRecord | undefined }[];
  groups: { ids: string[]; firstAttempts: boolean[]; current: CurrentRecord | undefined }[];
  reads: string[][];
}

/** A writer that can combine assign + comment, answers groups as scripted, and records what it was asked. */
function groupingWriter(options: { groups?: GroupAnswer[]; versions?: (ids: readonly string[]) => Map<string, CurrentRecord> | Error } = {}): ActionWriter & Recorder {
  const recorder: Recorder = { singles: [], groups: [], reads: [] };
  const answers = [...(options.groups ?? [])];
  return {
    ...recorder,
    dryRun: false,
    async write(entry, _signal, current) {
      recorder.singles.push({ id: entry.id, firstAttempt: entry.attempts === 0, current });
      return { outcome: entry.planned.action.type === 'comment' ? 'created' : 'updated', ref: entry.planned.target.nativeId };
    },
    async writeGroup(entries, _signal, current) {
      recorder.groups.push({ ids: entries.map((e) => e.id), firstAttempts: entries.map((e) => e.attempts === 0), current });
      const answer = answers.shift() ?? ((es) => es.map((e) => ({ outcome: e.planned.action.type === 'comment' ? 'created' : 'updated', ref: e.planned.target.nativeId })));
      if (answer === 'one-by-one') return undefined;
      if (answer instanceof Error) throw answer;
      return answer(entries);
    },
    groupable: (type) => type === 'assign' || type === 'comment' || type === 'set-field',
    async readVersions(ids) {
      recorder.reads.push([...ids]);
      const answer = options.versions?.(ids) ?? new Map(ids.map((id) => [id, { version: '1', updatedBy: 'someone', raw: { id } }]));
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

async function setupOn(kit: StoreKit, actions: PlannedAction[]) {
  const now = new Date('2026-12-05T10:00:00Z');
  const store = await kit.open({ clock: () => now });
  await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });
  return store;
}

const base = { sourceId: 's', logger: silentLogger, concurrency: 2, maxAttempts: 3 };

async function outcomes(store: StateStore): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await store.outbox.list({ limit: 100 })).map((e) => [e.id, e.status === 'done' ? e.outcome : e.status]));
}

describeEachStore('grouped writes: one request per ticket where the platform takes a plan together', (kit) => {
  const setup = (actions: PlannedAction[]) => setupOn(kit, actions);

  it("sends a ticket's assignment and its note as one request, records each write's own outcome, and reads the version once for the batch", async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), assign('b1', 't2'), note('b2', 't2')]);
    const writer = groupingWriter();

    const summary = await drainOutbox({ ...base, store, writer });

    expect(writer.groups.map((g) => g.ids)).toEqual(
      expect.arrayContaining([
        ['a1', 'a2'],
        ['b1', 'b2'],
      ]),
    );
    expect(writer.singles).toEqual([]);
    expect(writer.reads).toEqual([['t1', 't2']]);
    expect(writer.groups.every((g) => g.firstAttempts.every(Boolean))).toBe(true);
    expect(summary.sent).toBe(4);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'created', b1: 'updated', b2: 'created' });
  });

  it('hands the batched read of a ticket to its first write only', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), assign('a3', 't1', '2')]);
    const writer = groupingWriter();

    await drainOutbox({ ...base, store, writer });

    expect(writer.groups).toEqual([{ ids: ['a1', 'a2'], firstAttempts: [true, true], current: { version: '1', updatedBy: 'someone', raw: { id: 't1' } } }]);
    // A later plan (version 2) of the same ticket goes alone, after our own write: the read is stale for it.
    expect(writer.singles).toEqual([{ id: 'a3', firstAttempt: true, current: undefined }]);
  });

  it('reads versions a chunk of tickets at a time, just before writing that chunk', async () => {
    const actions = Array.from({ length: 7 }, (_, i) => assign(`a${i}`, `t${i}`));
    const store = await setup(actions);
    const writer = groupingWriter();

    await drainOutbox({ ...base, store, writer, versionReadChunk: 3 });

    expect(writer.reads).toEqual([['t0', 't1', 't2'], ['t3', 't4', 't5'], ['t6']]);
    // Two tickets are written at a time: whichever starts first, each write gets its own ticket's read.
    expect(writer.singles.map((s) => ({ id: s.id, raw: s.current?.raw })).sort((x, y) => x.id.localeCompare(y.id))).toEqual(actions.map((a) => ({ id: a.id, raw: { id: a.target.nativeId } })));
  });

  it('writes without the batched read when it fails (each write checks its ticket itself)', async () => {
    const store = await setup([assign('a1', 't1')]);
    const writer = groupingWriter({ versions: () => serverError() });

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary.sent).toBe(1);
    expect(writer.singles).toEqual([{ id: 'a1', firstAttempt: true, current: undefined }]);
  });

  it('sends the writes one by one, still as first attempts, when the platform cannot take them together', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1')]);
    const writer = groupingWriter({ groups: ['one-by-one'] });

    await drainOutbox({ ...base, store, writer });

    expect(writer.singles.map((s) => [s.id, s.firstAttempt])).toEqual([
      ['a1', true],
      ['a2', true],
    ]);
    // The read goes with the first write sent.
    expect(writer.singles[0]?.current).toBeDefined();
    expect(writer.singles[1]?.current).toBeUndefined();
    expect((await store.outbox.list({ limit: 10 })).map((e) => e.attempts)).toEqual([1, 1]);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'created' });
  });

  it('sends the writes one by one, each looking for an earlier attempt, when the platform refuses them together', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1')]);
    const writer = groupingWriter({ groups: [refused()] });

    await drainOutbox({ ...base, store, writer });

    expect(writer.singles.map((s) => [s.id, s.firstAttempt])).toEqual([
      ['a1', false],
      ['a2', false],
    ]);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'created' });
  });

  it('keeps the whole group for a retry when the request failed, and sends it again as a retry (not a first attempt)', async () => {
    let now = new Date('2026-12-05T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [assign('a1', 't1'), note('a2', 't1')], quarantine: [] });
    const writer = groupingWriter({ groups: [serverError()] });

    const first = await drainOutbox({ ...base, store, writer, now: () => now });
    expect(first.failed).toBe(2);
    expect(await outcomes(store)).toEqual({ a1: 'pending', a2: 'pending' });

    now = new Date(now.getTime() + 60_000);
    await drainOutbox({ ...base, store, writer, now: () => now });
    expect(writer.groups.map((g) => g.firstAttempts)).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'created' });
  });

  it('gives every write of a failed group one retry time, so a slow store cannot make the assignment due before its note and split the retry in two', async () => {
    // A clock that moves on at every reading, as a loaded machine does between two store writes.
    let ms = Date.parse('2026-12-05T10:00:00Z');
    const ticking = () => new Date((ms += 7));
    const store = await kit.open({ clock: ticking });
    await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [assign('a1', 't1'), note('a2', 't1')], quarantine: [] });
    const writer = groupingWriter({ groups: [serverError()] });

    await drainOutbox({ ...base, store, writer, now: ticking });
    const waiting = await store.outbox.list({ limit: 10 });
    expect(new Set(waiting.map((e) => e.nextAttemptAt)).size).toBe(1);

    // Due again: both come back together and go as one request.
    ms = Date.parse(waiting[0]?.nextAttemptAt ?? '') - 1;
    await drainOutbox({ ...base, store, writer, now: ticking });
    expect(writer.singles).toEqual([]);
    expect(writer.groups.map((g) => g.ids)).toEqual([
      ['a1', 'a2'],
      ['a1', 'a2'],
    ]);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'created' });
  });

  it('keeps a plan whole when a batch of due writes ends in its middle', async () => {
    // 1 + 2 × 250 = 501 writes: the 500th is the last ticket's assignment, its note the 501st.
    const actions = [note('n0', 't0'), ...Array.from({ length: 250 }, (_, i) => [assign(`a${i + 1}`, `t${i + 1}`), note(`b${i + 1}`, `t${i + 1}`)]).flat()];
    const store = await setup(actions);
    const writer = groupingWriter();

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary.sent).toBe(501);
    expect(writer.singles.map((w) => w.id)).toEqual(['n0']);
    expect(writer.groups).toHaveLength(250);
    expect(writer.groups.every((g) => g.ids.length === 2)).toBe(true);
  });

  it('marks the whole plan superseded when the platform says the ticket changed since it was planned', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), planned('a3', 't1', { type: 'set-field', field: 'u_x', value: 'y' }, '1', 'other')]);
    const writer = groupingWriter({ groups: [(es) => es.map((e) => ({ outcome: 'superseded', ref: e.planned.target.nativeId }))] });

    const summary = await drainOutbox({ ...base, store, writer });

    expect(writer.groups.map((g) => g.ids)).toEqual([['a1', 'a2', 'a3']]);
    expect(summary.superseded).toBe(3);
    expect(await outcomes(store)).toEqual({ a1: 'superseded', a2: 'superseded', a3: 'superseded' });
  });

  it('never groups writes of different plans, or kinds the platform cannot combine', async () => {
    const store = await setup([assign('a1', 't1'), assign('a2', 't1', '2'), planned('p1', 't2', { type: 'link-duplicate', original: { nativeId: 't9', number: 't9' } }), note('p2', 't2')]);
    const writer = groupingWriter();

    await drainOutbox({ ...base, store, writer });

    expect(writer.groups).toEqual([]);
    expect(writer.singles.map((s) => s.id).sort()).toEqual(['a1', 'a2', 'p1', 'p2']);
  });

  it('sends the writes alone when one of them cannot be mapped, so only that one fails', async () => {
    const store = await setup([assign('a1', 't1'), planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'Routed' }, '1', 'other-rule')]);
    const applied: string[] = [];
    const groups: string[][] = [];
    const connector = {
      apply: async (request: WriteRequest) => {
        applied.push(request.planned.id);
        return { outcome: 'updated', ref: 't1' };
      },
      applyGroup: async (requests: readonly WriteRequest[]) => {
        groups.push(requests.map((r) => r.planned.id));
        return requests.map(() => ({ outcome: 'updated', ref: 't1' }));
      },
      groupableActions: new Set(['assign', 'comment']),
    } as unknown as Connector;
    // The comment branch fails at run time ($error), as a broken outbound mapping would.
    const writer = createConnectorWriter(connector, () => compilePlatformMappings('test', '{}', 'action.type = "comment" ? $error("no comment template") : { "group": action.group }'));

    await drainOutbox({ ...base, store, writer });

    expect(groups).toEqual([]);
    expect(applied).toEqual(['a1']);
    expect(await outcomes(store)).toEqual({ a1: 'updated', a2: 'dead' });
  });

  it("keeps the ticket's later writes back while a write of a failed group waits for its retry, even when another write of it died", async () => {
    // a2 (another rule's note) does not build on a1.
    const store = await setup([assign('a1', 't1'), planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'SLA' }, '1', 'other-rule'), assign('b1', 't1', '2')]);
    // a1 has used up its attempts but one; a2 not.
    await store.outbox.markAttempts(['a1', 'a1']);
    const writer = groupingWriter({ groups: [serverError()] });

    await drainOutbox({ ...base, store, writer });

    const state = await outcomes(store);
    expect(state.a1).toBe('dead');
    expect(state.a2).toBe('pending');
    expect(state.b1).toBe('pending');
    expect(writer.singles.map((w) => w.id)).not.toContain('b1');
  });

  it('sends the writes after a group refused as a whole as retries, so each looks for that attempt first', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), planned('a3', 't1', { type: 'set-field', field: 'u_x', value: 'y' })]);
    const writer = groupingWriter({ groups: [refused()] });

    await drainOutbox({ ...base, store, writer });

    // a1 alone, then a2 + a3 together again: all as retries of the refused request.
    expect(writer.singles.map((s) => [s.id, s.firstAttempt])).toEqual([['a1', false]]);
    expect(writer.groups.map((g) => g.firstAttempts)).toEqual([
      [true, true, true],
      [false, false],
    ]);
  });
});
