import { expect, it } from 'vitest';
import type { Source } from '../../../src/config/schema.js';
import { SourceSync } from '../../../src/daemon/sync-loop.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { compilePlatformMappings } from '../../../src/mapping/mapper.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Capabilities, Connector, InitResult, PulledRecord, PullPage, TransportStatus, WriteResult } from '../../../src/platforms/types.js';
import type { StateStore } from '../../../src/state/types.js';
import type { ActionWriter } from '../../../src/outbox/writer.js';
import { describeEachStore } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

/**
 * A platform whose records never say who changed them last (like Freshservice): every record's
 * envelope names nobody, and a write answers the version it left the record at.
 */
class AnonymousPlatform implements Connector {
  readonly platform = 'servicenow';
  readonly sourceId = 'anon';
  readonly capabilities = {} as Capabilities;
  readonly records = new Map<string, PulledRecord>();
  private revision = 1;

  put(ticket: Ticket): void {
    const { key: _key, raw: _raw, ...fields } = ticket;
    this.records.set(ticket.source.nativeId, { nativeId: ticket.source.nativeId, version: ticket.version, updatedAt: ticket.updatedAt, updatedBy: undefined, raw: fields });
  }
  /** A change by anyone: a new version, a later time. */
  touch(nativeId: string, change: Partial<Ticket>): string {
    const record = this.records.get(nativeId);
    if (!record) throw new Error(`no record ${nativeId}`);
    const version = `v${++this.revision}`;
    const updatedAt = new Date(Date.parse('2026-11-20T10:00:00Z') + this.revision * 60_000).toISOString().replace('.000Z', 'Z');
    this.records.set(nativeId, { ...record, version, updatedAt, raw: { ...record.raw, ...change, version, updatedAt } });
    return version;
  }
  async init(): Promise<InitResult> {
    return { integrationUser: 'deskbridge' };
  }
  async *pull(): AsyncIterable<PullPage> {
    yield { records: [...this.records.values()], unreadable: [] };
  }
  async get(ref: string): Promise<PulledRecord | null> {
    return this.records.get(ref) ?? null;
  }
  apply(): never {
    throw new Error('writes go through the writer');
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

const SOURCE = {
  id: 'anon',
  platform: 'servicenow',
  overlapSeconds: 120,
  actFrom: '2026-01-01T00:00:00Z',
  firstLivePass: { maxWrites: 'off' },
  rateLimit: { requestsPerMinute: 600, concurrency: 4 },
} as unknown as Source;
const MAPPINGS = compilePlatformMappings('servicenow', '$', '{}');
// Would write again if our own change were judged as someone else's.
const RULES = compileRuleSet([RoutingRule.parse({ id: 'to-network', kind: 'routing', when: "group != 'Network'", override: true, assign: { group: 'Network' } })]);

function daemon(store: StateStore, platform: AnonymousPlatform, written: string[]): SourceSync {
  const writer: ActionWriter = {
    dryRun: false,
    write: async (entry): Promise<WriteResult> => {
      written.push(entry.planned.target.nativeId);
      const ownVersion = platform.touch(entry.planned.target.nativeId, { group: 'Network' });
      return { outcome: 'updated', ref: entry.planned.target.nativeId, ownVersion };
    },
  };
  return new SourceSync({ source: SOURCE, connector: platform, store, writer, logger: silentLogger, rules: () => RULES, mappings: () => MAPPINGS, outbox: { concurrency: 1, maxAttempts: 3 } });
}

describeEachStore('own writes on a platform that does not name the last editor', (kit) => {
  it('a record pulled at the version our write left it at is an own write, also after a restart; a later edit by a person is judged', async () => {
    const store = await kit.open();
    const platform = new AnonymousPlatform();
    platform.put(makeTicket({ id: '7', version: 'v1', group: 'Service Desk', updatedAt: '2026-11-20T10:00:00Z', updatedBy: undefined }));
    const written: string[] = [];

    const first = await daemon(store, platform, written).runPass();
    expect(first.evaluated).toBe(1);
    expect(written).toEqual(['7']);

    // A new process: what it knows of its own writes comes from the state store.
    const restarted = daemon(store, platform, written);
    const second = await restarted.runPass();
    expect(second).toMatchObject({ evaluated: 0, ownWrites: 1 });
    expect(written).toEqual(['7']);

    platform.touch('7', { group: 'Hardware' });
    const third = await restarted.runPass();
    expect(third).toMatchObject({ evaluated: 1, ownWrites: 0 });
    // Judged, and the person wins: the rule's condition did not newly become true.
    expect(written).toEqual(['7']);
    await store.close();
  });
});
