import { expect, it } from 'vitest';
import { PlatformError } from '../../../src/http/errors.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { drainOutbox } from '../../../src/outbox/executor.js';
import type { ActionWriter } from '../../../src/outbox/writer.js';
import type { OutboxEntry } from '../../../src/state/types.js';
import { describeEachStore, type StoreKit } from '../../helpers/stores.js';

/**
 * A dead-lettered write must not leave the rest of its plan pending forever (every later
 * `run --once` then exited 1): writes that build on it are dead-lettered with it, saying why;
 * writes that do not are sent.
 */
const NOW = new Date('2026-11-23T10:00:00Z');

function planned(id: string, ruleId: string, action: PlannedAction['action'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { id, sourceId: 's', ruleId, target: { ticketKey: 't1', nativeId: 't1', number: 'INC1', version: '3' }, action, explanation: '', ...extra };
}
const assign = (id: string, ruleId = 'route') => planned(id, ruleId, { type: 'assign', group: 'Network' });
const note = (id: string, ruleId = 'route') => planned(id, ruleId, { type: 'comment', visibility: 'internal', body: `note ${id}` });

const refused = new PlatformError('ServiceNow refused PATCH /api/now/table/incident/t1 (403): Data Policy Exception: Close notes is mandatory', {
  platform: 'servicenow',
  sourceId: 's',
  code: 'forbidden',
  status: 403,
  retryable: false,
});

/** Refuses the listed ids, accepts the rest; records what was sent. */
function writer(refuse: readonly string[]): ActionWriter & { sent: string[] } {
  const sent: string[] = [];
  return {
    dryRun: false,
    sent,
    async write(entry: OutboxEntry) {
      if (refuse.includes(entry.id)) throw refused;
      sent.push(entry.id);
      return { outcome: 'updated', ref: 't1' };
    },
  };
}

async function drain(kit: StoreKit, actions: PlannedAction[], refuse: readonly string[]) {
  const store = await kit.open({ clock: () => NOW });
  await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });
  const w = writer(refuse);
  const summary = await drainOutbox({ store, sourceId: 's', writer: w, logger: silentLogger, concurrency: 2, maxAttempts: 3, now: () => NOW });
  const all = await store.outbox.list({});
  const byId = new Map(all.map((e) => [e.id, e]));
  return { store, summary, sent: w.sent, byId };
}

describeEachStore('dead-lettering a write of a plan', (kit) => {
  it('dead-letters the note describing an assignment that was refused, saying which write it depended on, and leaves nothing pending', async () => {
    const { store, summary, sent, byId } = await drain(kit, [assign('a1'), note('a2')], ['a1']);

    expect(sent).toEqual([]);
    expect(summary.dead).toBe(2);
    expect(byId.get('a2')).toMatchObject({ status: 'dead' });
    expect(byId.get('a2')?.lastError).toMatch(/^Not sent: it builds on assign a1 \(rule route\), which was dead-lettered: .*Data Policy Exception/);
    expect((await store.outbox.counts()).pending).toBe(0);
  });

  it('still sends the writes of other rules in the same plan (an SLA note does not depend on the routing)', async () => {
    const { store, sent, byId } = await drain(kit, [assign('a1'), note('a2'), note('b1', 'sla-warning')], ['a1']);

    expect(sent).toEqual(['b1']);
    expect(byId.get('b1')).toMatchObject({ status: 'done', outcome: 'updated' });
    expect((await store.outbox.counts()).pending).toBe(0);
  });

  it('sends the rest of the plan after a refused note: nothing builds on a comment', async () => {
    const { store, sent } = await drain(kit, [note('a1'), assign('a2'), note('a3')], ['a1']);

    expect(sent).toEqual(['a2', 'a3']);
    expect((await store.outbox.counts()).pending).toBe(0);
  });

  it('dead-letters the links and updates of a problem that could not be created, and nothing else', async () => {
    const key = 'pattern:vpn';
    const lane = `problem:${key}`;
    const actions = [
      planned('p1', 'vpn', { type: 'create-problem', correlationKey: key, title: 'VPN', description: '' }, { lane }),
      planned('p2', 'vpn', { type: 'link-problem', correlationKey: key }, { lane }),
      planned('p3', 'vpn', { type: 'update-problem', correlationKey: key, title: 'VPN', description: '', reopen: false }, { lane }),
      note('n1', 'sla-warning'),
    ];
    const { store, sent, byId } = await drain(kit, actions, ['p1']);

    expect(sent).toEqual(['n1']);
    expect(byId.get('p2')?.lastError).toMatch(/create-problem p1/);
    expect(byId.get('p3')).toMatchObject({ status: 'dead' });
    expect((await store.outbox.counts()).pending).toBe(0);
  });

  it('does not post "linked as a duplicate" notes when the link was skipped because a person set another parent', async () => {
    const store = await kit.open({ clock: () => NOW });
    const link = planned('d1', 'dedup', { type: 'link-duplicate', original: { nativeId: 'o1', number: 'INC0' } });
    await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [link, note('d2', 'dedup'), note('s1', 'sla-warning')], quarantine: [] });
    const sent: string[] = [];
    const w: ActionWriter = {
      dryRun: false,
      async write(entry) {
        sent.push(entry.id);
        return entry.id === 'd1' ? { outcome: 'skipped', ref: 't1', reason: 'parent_incident already points to INC9' } : { outcome: 'created', ref: 't1' };
      },
    };

    await drainOutbox({ store, sourceId: 's', writer: w, logger: silentLogger, concurrency: 1, maxAttempts: 3, now: () => NOW });

    expect(sent).toEqual(['d1', 's1']);
    const d2 = (await store.outbox.list({})).find((e) => e.id === 'd2');
    expect(d2).toMatchObject({ status: 'done', outcome: 'skipped' });
    expect(d2?.lastError).toContain('link-duplicate d1 (rule dedup), which was skipped: parent_incident already points to INC9');
  });

  it('queues the writes dead-lettered with it again when an admin retries the refused write', async () => {
    const { store } = await drain(kit, [assign('a1'), note('a2')], ['a1']);

    expect(await store.outbox.retry({ id: 'a1' })).toBe(2);
    expect((await store.outbox.counts()).pending).toBe(2);
  });
});
