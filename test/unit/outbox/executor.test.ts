import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/http/errors.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { EvaluationCancelledError } from '../../../src/mapping/expression.js';
import { runCancellable } from '../../../src/mapping/limits.js';
import { compilePlatformMappings, mapOutbound, MappingError } from '../../../src/mapping/mapper.js';
import { drainOutbox, SourceStoppedError } from '../../../src/outbox/executor.js';
import { createConnectorWriter, type ActionWriter } from '../../../src/outbox/writer.js';
import type { Connector } from '../../../src/platforms/types.js';
import type { WriteOutcome } from '../../../src/platforms/types.js';
import type { OutboxEntry } from '../../../src/state/types.js';
import { describeEachStore, type StoreKit } from '../../helpers/stores.js';

function planned(id: string, ticketKey: string, action: PlannedAction['action'], version = '1'): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey, nativeId: ticketKey, number: ticketKey, version }, action, explanation: '' };
}

const assign = (id: string, ticket: string, version = '1') => planned(id, ticket, { type: 'assign', group: 'G' }, version);
const note = (id: string, ticket: string, version = '1') => planned(id, ticket, { type: 'comment', visibility: 'internal', body: 'Routed' }, version);

function platformError(code: PlatformError['details']['code'], extra: Partial<PlatformError['details']> = {}): PlatformError {
  return new PlatformError(code, { platform: 'test', sourceId: 's', code, retryable: code !== 'bad-request' && code !== 'auth', ...extra });
}

/** A writer whose answers the test scripts per entry id; records what it was asked and with what `firstAttempt`. */
function scriptedWriter(script: Record<string, (WriteOutcome | Error)[]> = {}): ActionWriter & { calls: { id: string; firstAttempt: boolean }[] } {
  const calls: { id: string; firstAttempt: boolean }[] = [];
  return {
    dryRun: false,
    calls,
    async write(entry: OutboxEntry) {
      calls.push({ id: entry.id, firstAttempt: entry.attempts === 0 });
      const next = script[entry.id]?.shift() ?? 'updated';
      if (next instanceof Error) throw next;
      return { outcome: next, ref: entry.planned.target.nativeId };
    },
  };
}

async function setupOn(kit: StoreKit, actions: PlannedAction[], now = new Date('2026-11-23T10:00:00Z')) {
  const store = await kit.open({ clock: () => now });
  await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });
  return store;
}

const base = { sourceId: 's', logger: silentLogger, concurrency: 4, maxAttempts: 3 };

describeEachStore('outbox executor', (kit) => {
  const setup = (actions: PlannedAction[], now?: Date) => setupOn(kit, actions, now);

  it("writes each ticket's entries in plan order and marks them done", async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), assign('b1', 't2')]);
    const writer = scriptedWriter();

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary.sent).toBe(3);
    const order = writer.calls.map((c) => c.id);
    expect(order.indexOf('a1')).toBeLessThan(order.indexOf('a2'));
    expect((await store.outbox.counts()).done).toBe(3);
  });

  it("holds a ticket's note back while its assignment waits for a retry", async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1')]);
    const writer = scriptedWriter({ a1: [platformError('server', { status: 500 })] });

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary.failed).toBe(1);
    expect(writer.calls.map((c) => c.id)).toEqual(['a1']);
    expect((await store.outbox.counts()).pending).toBe(2);
  });

  it('skips the rest of a plan once the platform says the ticket changed since it was planned', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), assign('a3', 't1', '2')]);
    const writer = scriptedWriter({ a1: ['superseded'] });

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary.superseded).toBe(2);
    expect(writer.calls.map((c) => c.id)).toEqual(['a1', 'a3']);
  });

  it('tells the writer whether an earlier attempt may have reached the platform', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await setup([note('a1', 't1')], now);
    const writer = scriptedWriter({ a1: [platformError('timeout')] });
    await drainOutbox({ ...base, store, writer, now: () => now });

    await drainOutbox({ ...base, store, writer, now: () => new Date(now.getTime() + 60_000) });

    expect(writer.calls).toEqual([
      { id: 'a1', firstAttempt: true },
      { id: 'a1', firstAttempt: false },
    ]);
  });

  it('does not count a 429 as an attempt, waits as long as Retry-After asks, and stops the drain', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await setup([note('a1', 't1'), note('b1', 't2')], now);
    const writer = scriptedWriter({ a1: [platformError('rate-limited', { status: 429, retryAfterSeconds: 600 })], b1: [platformError('rate-limited', { status: 429, retryAfterSeconds: 600 })] });

    await drainOutbox({ ...base, store, writer, concurrency: 1, now: () => now });

    const waiting = (await store.outbox.list({ status: 'pending' })).find((e) => e.lastError !== undefined);
    expect(writer.calls).toHaveLength(1);
    expect(waiting?.attempts).toBe(0);
    expect(Date.parse(waiting?.nextAttemptAt ?? '')).toBe(now.getTime() + 600_000);
  });

  it('dead-letters a write the platform refuses as invalid, and after too many attempts', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await setup([assign('a1', 't1'), assign('b1', 't2')], now);
    const writer = scriptedWriter({ a1: [platformError('bad-request', { status: 400 })], b1: [platformError('server'), platformError('server'), platformError('server')] });

    for (let minute = 0; minute < 30; minute += 5) await drainOutbox({ ...base, store, writer, now: () => new Date(now.getTime() + minute * 60_000) });

    const dead = await store.outbox.list({ status: 'dead' });
    expect(dead.map((e) => [e.id, e.attempts]).sort()).toEqual([
      ['a1', 1],
      ['b1', 3],
    ]);
  });

  it('records a skipped write as done with its reason, in the outbox and the action log, and goes on with the plan', async () => {
    const store = await setup([planned('a1', 't1', { type: 'link-problem', correlationKey: 'k' }), note('a2', 't1')]);
    const reason = 'problem_id already points to PRB0000007, not k; deskbridge does not replace a link someone set';
    const writer: ActionWriter = {
      dryRun: false,
      async write(entry) {
        return entry.id === 'a1' ? { outcome: 'skipped', ref: 't1', reason } : { outcome: 'created', ref: 't1' };
      },
    };

    const summary = await drainOutbox({ ...base, store, writer });

    expect(summary).toMatchObject({ sent: 1, unchanged: 1, dead: 0 });
    const done = await store.outbox.list({ status: 'done' });
    expect(done.find((e) => e.id === 'a1')).toMatchObject({ outcome: 'skipped', lastError: reason });
    const logged = (await store.audit.pending(10)).map((e) => e.data as { actionId: string; outcome: string; error?: string });
    expect(logged).toContainEqual(expect.objectContaining({ actionId: 'a1', outcome: 'skipped', error: reason }));
  });

  it('stops the source when the platform refuses the credentials', async () => {
    const store = await setup([assign('a1', 't1'), assign('b1', 't2')]);
    const writer = scriptedWriter({ a1: [platformError('auth', { status: 401 })], b1: [platformError('auth', { status: 401 })] });

    await expect(drainOutbox({ ...base, store, writer, concurrency: 1 })).rejects.toBeInstanceOf(SourceStoppedError);
    expect((await store.outbox.counts()).dead).toBe(0);
  });
});

describeEachStore('outbox executor: a drain cancelled by shutdown', (kit) => {
  const setup = (actions: PlannedAction[], now?: Date) => setupOn(kit, actions, now);

  it('leaves a write whose outbound mapping was cancelled pending, unattempted, and dead-letters nothing', async () => {
    const store = await setup([assign('a1', 't1'), note('a2', 't1'), assign('b1', 't2')]);
    const applied: string[] = [];
    const connector = {
      async apply(request: { planned: PlannedAction }) {
        applied.push(request.planned.id);
        return { outcome: 'updated', ref: request.planned.target.nativeId };
      },
    } as unknown as Connector;
    const writer = createConnectorWriter(connector, () => compilePlatformMappings('test', '{}', '{ "group": action.group }'));
    const stopping = new AbortController();
    stopping.abort();

    const summary = await runCancellable(stopping.signal, () => drainOutbox({ ...base, store, writer }));

    expect(summary).toMatchObject({ sent: 0, dead: 0 });
    expect(applied).toEqual([]);
    const counts = await store.outbox.counts();
    expect(counts.dead ?? 0).toBe(0);
    expect(counts.pending).toBe(3);
    const a1 = (await store.outbox.list({ status: 'pending' })).find((e) => e.id === 'a1');
    expect(a1?.attempts).toBe(0);

    // After the restart the same entries go out, in order.
    await drainOutbox({ ...base, store, writer });
    expect(applied.indexOf('a1')).toBeLessThan(applied.indexOf('a2'));
    expect((await store.outbox.counts()).done).toBe(3);
  });
});

describe('outbox mapping cancelled by shutdown', () => {
  it('mapOutbound rethrows the cancellation itself, not a MappingError', async () => {
    const stopping = new AbortController();
    stopping.abort();
    const mappings = compilePlatformMappings('test', '{}', '{ "group": action.group }');
    const target = { ticketKey: 't1', nativeId: 't1', number: 't1', version: '1' };

    const mapped = runCancellable(stopping.signal, () => mapOutbound(mappings, { action: { type: 'assign', group: 'G' }, target, marker: 'm' }));

    await expect(mapped).rejects.toBeInstanceOf(EvaluationCancelledError);
    await expect(mapped).rejects.not.toBeInstanceOf(MappingError);
  });
});
