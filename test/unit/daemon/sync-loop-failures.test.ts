import { expect, it } from 'vitest';
import type { Source } from '../../../src/config/schema.js';
import { BatchState } from '../../../src/engine/batch-state.js';
import { SourceSync } from '../../../src/daemon/sync-loop.js';
import { evaluateDuplicatesOnly } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { EvaluationCancelledError } from '../../../src/mapping/expression.js';
import { runCancellable } from '../../../src/mapping/limits.js';
import { compilePlatformMappings } from '../../../src/mapping/mapper.js';
import { DedupRule } from '../../../src/engine/dedup/schema.js';
import { SlaRule } from '../../../src/engine/sla/schema.js';
import { type Rule } from '../../../src/engine/kinds.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Capabilities, Connector, InitResult, PulledRecord, PullPage, TransportStatus } from '../../../src/platforms/types.js';
import type { BatchCommit, StateStore } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

/** A platform in memory: every pull returns every record; `onGet` runs before each single read. */
class FakeConnector implements Connector {
  readonly platform = 'servicenow';
  readonly sourceId = 'snow-test';
  readonly capabilities = {} as Capabilities;
  readonly records = new Map<string, PulledRecord>();
  onGet: (() => void) | undefined;

  put(ticket: Ticket): void {
    const { key: _key, raw: _raw, ...fields } = ticket;
    this.records.set(ticket.source.nativeId, { nativeId: ticket.source.nativeId, version: ticket.version, updatedAt: ticket.updatedAt, updatedBy: 'someone', raw: fields });
  }
  async init(): Promise<InitResult> {
    return { integrationUser: 'deskbridge' };
  }
  async *pull(): AsyncIterable<PullPage> {
    yield { records: [...this.records.values()], unreadable: [] };
  }
  async get(ref: string): Promise<PulledRecord | null> {
    this.onGet?.();
    return this.records.get(ref) ?? null;
  }
  apply(): never {
    throw new Error('no writes in these tests');
  }
  async problemStates(): ReturnType<Connector['problemStates']> {
    return new Map();
  }
  requestCount(): number {
    return 0;
  }
  transportStatus(): TransportStatus {
    return { requests: 0, circuit: 'closed' };
  }
  async close(): Promise<void> {}
}

const SOURCE = { id: 'snow-test', platform: 'servicenow', overlapSeconds: 120, actFrom: '2026-01-01T00:00:00Z', rateLimit: { requestsPerMinute: 600, concurrency: 4 } } as unknown as Source;
const MAPPINGS = compilePlatformMappings('servicenow', '$', '{}');

function sync(store: StateStore, connector: Connector, rules: Rule[], options: { source?: Partial<Source>; ruleNow?: Date; actFrom?: string } = {}): SourceSync {
  const ruleSet = compileRuleSet(rules);
  return new SourceSync({
    source: { ...SOURCE, ...options.source } as Source,
    connector,
    store,
    writer: { dryRun: false, write: async () => ({ outcome: 'created' as const, ref: 'x' }) },
    logger: silentLogger,
    rules: () => ruleSet,
    mappings: () => MAPPINGS,
    outbox: { concurrency: 1, maxAttempts: 3 },
    ...(options.ruleNow ? { ruleNow: () => options.ruleNow as Date } : {}),
    ...(options.actFrom ? { actFrom: options.actFrom } : {}),
  });
}

/** Makes the store's next batch commit fail (a lost lease, a full disk). */
function failNextCommit(store: StateStore): void {
  const real = store.commitBatch.bind(store);
  let armed = true;
  store.commitBatch = async (batch: BatchCommit) => {
    if (armed) {
      armed = false;
      throw new Error('lease lost');
    }
    return real(batch);
  };
}

const vpn = (id: string, createdAt: string, extra: Partial<Ticket> = {}) =>
  makeTicket({ id, createdAt, updatedAt: createdAt, title: 'VPN client disconnects every few minutes', description: 'AnyConnect drops the tunnel', ...extra });

/** A record that was quarantined (its version is in the ledger) and that an admin sent back to retry. */
async function quarantinedForRetry(store: StateStore, connector: FakeConnector): Promise<Ticket> {
  const ticket = vpn('q1', '2026-11-20T09:00:00Z');
  connector.put(ticket);
  await store.commitBatch({
    sourceId: SOURCE.id,
    watermark: '2026-11-20T09:00:00Z',
    ledger: [{ nativeId: 'q1', version: '0', updatedAt: ticket.updatedAt }],
    tickets: [],
    roundRobin: new Map(),
    actions: [],
    quarantine: [{ sourceId: SOURCE.id, nativeId: 'q1', version: '0', error: 'mapping failed', raw: {} }],
  });
  expect(await store.quarantineRetry({ sourceId: SOURCE.id })).toBe(1);
  return ticket;
}

describeEachStore('a quarantine retry that fails before its commit loses nothing', (kit) => {
  it('the entries stay to retry when the batch commit fails, and are resolved with the batch that maps them', async () => {
    const store = await kit.open();
    const connector = new FakeConnector();
    const ticket = await quarantinedForRetry(store, connector);
    const loop = sync(store, connector, []);
    failNextCommit(store);
    await expect(loop.runPass()).rejects.toThrow('lease lost');
    expect((await store.quarantineList({ status: 'retry' })).map((e) => e.nativeId)).toEqual(['q1']);

    await loop.runPass();
    expect(await store.quarantineList({ status: 'retry' })).toEqual([]);
    expect((await store.quarantineList({ status: 'resolved' })).map((e) => e.nativeId)).toEqual(['q1']);
    expect((await store.getTickets([ticket.key])).get(ticket.key)?.version).toBe('0');
  });

  it('shutdown during the retry is not quarantined as a mapping failure: the entries stay to retry', async () => {
    const store = await kit.open();
    const connector = new FakeConnector();
    await quarantinedForRetry(store, connector);
    const stopping = new AbortController();
    stopping.abort();
    await expect(runCancellable(stopping.signal, () => sync(store, connector, []).runPass())).rejects.toBeInstanceOf(EvaluationCancelledError);
    expect((await store.quarantineList()).map((e) => [e.nativeId, e.status, e.error])).toEqual([['q1', 'retry', 'mapping failed']]);
  });
});

describeEachStore('shutdown during a duplicate recheck', (kit) => {
  const dedup = DedupRule.parse({ id: 'dups', kind: 'dedup', when: 'true', suggest: { threshold: 0.3 } });

  it('a dedup rule cut short by shutdown is not a rule error: the re-judgement throws instead of finding nothing', async () => {
    const store = await kit.open();
    const stopping = new AbortController();
    stopping.abort();
    const state = new BatchState(new Map(), new Map(), store.history, { committedOnly: true });
    await expect(
      runCancellable(stopping.signal, () => evaluateDuplicatesOnly(vpn('b', '2026-11-02T09:00:00Z'), compileRuleSet([dedup]), state, { sourceId: SOURCE.id, now: new Date('2026-11-03T00:00:00Z') })),
    ).rejects.toBeInstanceOf(EvaluationCancelledError);
  });

  it('the pass stops with the cancellation instead of committing an empty re-judgement', async () => {
    const store = await kit.open();
    const connector = new FakeConnector();
    // The duplicate first, alone: nothing to find.
    connector.put(vpn('b', '2026-11-02T09:00:00Z'));
    await sync(store, connector, [dedup]).runPass();
    // Its original, created earlier, arrives later: the duplicate is read again — and shutdown begins.
    connector.put(vpn('a', '2026-11-01T09:00:00Z'));
    const stopping = new AbortController();
    connector.onGet = () => stopping.abort();
    const commits: BatchCommit[] = [];
    const real = store.commitBatch.bind(store);
    store.commitBatch = async (batch: BatchCommit) => {
      commits.push(batch);
      return real(batch);
    };
    await expect(runCancellable(stopping.signal, () => sync(store, connector, [dedup]).runPass())).rejects.toBeInstanceOf(EvaluationCancelledError);
    // Only the original's page was committed, no re-judgement of the duplicate.
    expect(commits.map((c) => c.tickets.map((t) => t.number))).toEqual([['INCa']]);
  });
});

describeEachStore('run --from: a rewind is kept until a pass has read that history again', (kit) => {
  it('a failed rewind pass leaves the previous start point recorded, and the next pass (or run) rewinds again', async () => {
    const store = await kit.open();
    const connector = new FakeConnector();
    connector.put(vpn('h', '2026-11-10T09:00:00Z'));
    const noConfig = { actFrom: undefined };
    // First run: everything before 2026-11-15 is history.
    await sync(store, connector, [], { source: noConfig, actFrom: '2026-11-15T00:00:00Z' }).runPass();
    expect(await store.getStartPoint(SOURCE.id)).toBe('2026-11-15T00:00:00.000Z');

    const rewound = sync(store, connector, [], { source: noConfig, actFrom: '2026-11-01T00:00:00Z' });
    failNextCommit(store);
    await expect(rewound.runPass()).rejects.toThrow('lease lost');
    expect(await store.getStartPoint(SOURCE.id)).toBe('2026-11-15T00:00:00.000Z');
    // A restart with the same --from still rewinds.
    const again = sync(store, connector, [], { source: noConfig, actFrom: '2026-11-01T00:00:00Z' });
    failNextCommit(store);
    await expect(again.runPass()).rejects.toThrow('lease lost');

    // The same run's next pass reads that history again (judged as new), then records the start point.
    const pass = await again.runPass();
    expect(pass.evaluated).toBe(1);
    expect(await store.getStartPoint(SOURCE.id)).toBe('2026-11-01T00:00:00.000Z');
    expect((await again.runPass()).evaluated).toBe(0);
  });
});

describeEachStore('SLA steps of history tickets', (kit) => {
  it('a step with an assignment leaves the ticket row with the group and person the platform says', async () => {
    const sla = SlaRule.parse({
      id: 'sla',
      kind: 'sla',
      when: 'true',
      targets: [{ priority: 3, response: { hours: 4 }, resolution: { hours: 72 } }],
      escalations: [{ id: 'response-overdue', at: { percent: 100, of: 'response' }, assign: { group: 'Tier 2', assignee: 'bob' } }],
    });
    const store = await kit.open();
    const connector = new FakeConnector();
    const ticket = makeTicket({ id: 's1', priority: 3, group: 'Service Desk', assignee: 'alice', createdAt: '2026-11-20T08:00:00Z', updatedAt: '2026-11-20T08:00:00Z' });
    connector.put(ticket);
    // Updated before the start point: history. The step fell due at 12:00, an hour ago (not stale).
    await sync(store, connector, [sla], { source: { actFrom: '2026-11-20T10:00:00Z' } as Partial<Source>, ruleNow: new Date('2026-11-20T13:00:00Z') }).runPass();
    expect((await store.getTickets([ticket.key])).get(ticket.key)).toMatchObject({ group: 'Service Desk', assignee: 'alice' });
    expect(await store.outbox.list({ limit: 10 })).toEqual([]);
  });
});
