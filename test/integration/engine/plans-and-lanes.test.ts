import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/http/errors.js';
import { correlationKey } from '../../../src/engine/patterns/index.js';
import { DedupRule } from '../../../src/engine/dedup/schema.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { SlaRule } from '../../../src/engine/sla/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { Desk } from '../../helpers/desk.js';
import { describeEachStore } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

const dedup = (id = 'dups') => DedupRule.parse({ id, kind: 'dedup', when: 'true', suggest: { threshold: 0.3 }, link: { threshold: 0.8 } });
const pattern = PatternRule.parse({
  id: 'by-ci',
  kind: 'pattern',
  when: 'true',
  groupBy: ['ci'],
  window: { hours: 24 },
  baseline: { days: 28 },
  trigger: { minCount: 3, factor: 3, absoluteCount: 3 },
  problem: { title: 'Recurring: {{ key }}', description: '{{ text.members }}' },
});
const route = RoutingRule.parse({ id: 'route', kind: 'routing', when: 'true', assign: { group: 'Service Desk' } });

const vpn = (id: string, createdAt: string, extra: Partial<Ticket> = {}) =>
  makeTicket({ id, createdAt, updatedAt: createdAt, title: 'VPN client disconnects every few minutes', description: 'AnyConnect drops the tunnel', ...extra });
const ok = async () => ({ outcome: 'created' as const, ref: 'ok' });
const badRequest = () => new PlatformError('400 rejected', { platform: 'servicenow', sourceId: 'snow-test', status: 400, code: 'bad-request', retryable: false });

describeEachStore('plans: a superseded or dead write holds back the rest of its plan, and releases what it recorded', (kit) => {
  it('a duplicate link skipped because someone edited the ticket posts no notes, and the next version links again', async () => {
    const desk = new Desk([dedup()], 'snow-test', await kit.open());
    await desk.batch([vpn('a', '2026-11-01T09:00:00Z')]);
    await desk.batch([vpn('b', '2026-11-02T09:00:00Z', { version: '1' })]);
    await desk.drain(async (e) => (e.planned.action.type === 'link-duplicate' ? { outcome: 'superseded' as const, ref: 'b' } : ok()));
    expect(await desk.outbox()).toEqual([
      { type: 'link-duplicate', on: 'INCb', status: 'done', outcome: 'superseded' },
      { type: 'comment', on: 'INCb', status: 'done', outcome: 'superseded' },
      { type: 'comment', on: 'INCa', status: 'done', outcome: 'superseded' },
    ]);
    // The person's newer version is judged afresh, and this time the link lands.
    const again = await desk.batch([vpn('b', '2026-11-02T09:00:00Z', { version: '2', updatedAt: '2026-11-02T10:00:00Z' })]);
    expect(again.map((a) => a.action.type)).toEqual(['link-duplicate', 'comment', 'comment']);
  });

  it("another ticket's note on an original is not held back by the original's own failed plan", async () => {
    const desk = new Desk([route, dedup()], 'snow-test', await kit.open());
    await desk.batch([vpn('a', '2026-11-01T09:00:00Z')]);
    await desk.drain(async (e) => {
      if (e.planned.action.type === 'assign') throw badRequest();
      return ok();
    });
    await desk.batch([vpn('b', '2026-11-02T09:00:00Z', { group: 'Service Desk' })]);
    await desk.drain(ok);
    const rows = await desk.outbox();
    expect(rows.find((r) => r.type === 'assign' && r.on === 'INCa')?.status).toBe('dead');
    expect(rows.filter((r) => r.on === 'INCa' && r.type === 'comment')).toEqual([{ type: 'comment', on: 'INCa', status: 'done', outcome: 'created' }]);
  });

  it('a problem that could not be created dead-letters its links with it, and the group may open a new problem', async () => {
    const desk = new Desk([pattern], 'snow-test', await kit.open());
    await desk.batch(['08', '09', '10'].map((h, i) => makeTicket({ id: `p${i}`, ci: 'mail-01', createdAt: `2026-11-20T${h}:00:00Z`, updatedAt: `2026-11-20T${h}:00:00Z` })));
    await desk.drain(async (e) => {
      if (e.planned.action.type === 'create-problem') throw badRequest();
      return ok();
    });
    const rows = await desk.outbox();
    expect(rows.map((r) => [r.type, r.status])).toEqual([
      ['create-problem', 'dead'],
      ['link-problem', 'dead'],
      ['link-problem', 'dead'],
      ['link-problem', 'dead'],
    ]);
    const key = JSON.stringify(['snow-test', 'mail-01']);
    expect((await desk.store.history.latestProblem('by-ci', key))?.status).toBe('closed');
    // The next spike opens generation 2 instead of linking to a problem that does not exist.
    const next = await desk.batch(['11', '12', '13'].map((h, i) => makeTicket({ id: `q${i}`, ci: 'mail-01', createdAt: `2026-11-21T${h}:00:00Z`, updatedAt: `2026-11-21T${h}:00:00Z` })));
    expect(next[0]?.action).toMatchObject({ type: 'create-problem', correlationKey: correlationKey('by-ci', key, 2) });
  });
});

describeEachStore('patterns whatever order incidents are synced in', (kit) => {
  const ci = (id: string, createdAt: string, updatedAt = createdAt) => makeTicket({ id, ci: 'db-01', createdAt, updatedAt });

  it('finds a spike when the incidents arrive in a different order from their creation', async () => {
    const desk = new Desk([pattern], 'snow-test', await kit.open());
    // a was edited before the first pull, so it arrives last.
    const planned = await desk.batch([ci('b', '2026-11-20T09:01:00Z'), ci('c', '2026-11-20T09:02:00Z'), ci('a', '2026-11-20T09:00:00Z', '2026-11-20T09:05:00Z')]);
    expect(planned.filter((p) => p.action.type === 'create-problem')).toHaveLength(1);
    expect(
      planned
        .filter((p) => p.action.type === 'link-problem')
        .map((p) => p.target.number)
        .sort(),
    ).toEqual(['INCa', 'INCb', 'INCc']);
  });

  it('links an incident of the spike that was counted before the problem existed', async () => {
    const desk = new Desk([pattern], 'snow-test', await kit.open());
    await desk.batch([ci('d', '2026-11-20T09:03:00Z')]);
    const planned = await desk.batch([ci('a', '2026-11-20T09:00:00Z'), ci('b', '2026-11-20T09:01:00Z'), ci('c', '2026-11-20T09:02:00Z')]);
    expect(
      planned
        .filter((p) => p.action.type === 'link-problem')
        .map((p) => p.target.number)
        .sort(),
    ).toEqual(['INCa', 'INCb', 'INCc', 'INCd']);
  });
});

describeEachStore('rules renamed or replaced', (kit) => {
  it('a dedup rule renamed does not suggest again on tickets it already handled', async () => {
    const desk = new Desk([DedupRule.parse({ id: 'dups', kind: 'dedup', when: 'true', suggest: { threshold: 0.05 } })], 'snow-test', await kit.open());
    await desk.batch([vpn('a', '2026-11-01T09:00:00Z')]);
    expect(await desk.batch([vpn('b', '2026-11-02T09:00:00Z', { title: 'VPN drops', version: '1' })])).toHaveLength(1);
    desk.setRules([DedupRule.parse({ id: 'dups-v2', kind: 'dedup', when: 'true', suggest: { threshold: 0.05 } })]);
    expect(await desk.batch([vpn('b', '2026-11-02T09:00:00Z', { title: 'VPN drops', version: '2' })])).toEqual([]);
  });
});

describe('correlation keys of renamed rules', () => {
  it('long rule ids keep distinct correlation keys per group and generation', () => {
    const id = 'x'.repeat(90);
    expect(correlationKey(id, '["s","a"]', 1)).not.toBe(correlationKey(id, '["s","a"]', 2));
    expect(correlationKey(id, '["s","a"]', 1)).not.toBe(correlationKey(id, '["s","b"]', 1));
    expect(correlationKey(id, '["s","a"]', 1).length).toBeLessThanOrEqual(100);
  });
});

describeEachStore('SLA steps are plans of their own', (kit) => {
  const sla = SlaRule.parse({
    id: 'sla',
    kind: 'sla',
    when: 'true',
    targets: [{ priority: 3, response: { hours: 4 }, resolution: { hours: 72 } }],
    escalations: [
      { id: 'response-overdue', at: { percent: 100, of: 'response' }, note: { template: 'nobody responded' } },
      { id: 'resolution-75', at: { percent: 75, of: 'resolution' }, note: { template: '75% used' } },
    ],
  });

  it('a later step superseded by a person does not make an earlier, delivered step fire again', async () => {
    const desk = new Desk([sla], 'snow-test', await kit.open());
    const t = makeTicket({ id: 's1', priority: 3, createdAt: '2026-11-20T08:00:00Z', updatedAt: '2026-11-20T08:00:00Z' });
    // 4 h in: the response step fires and is delivered.
    desk.setNow(new Date('2026-11-20T12:30:00Z'));
    await desk.batch([t]);
    await desk.drain(ok);
    // 54 h in, same version: the 75% step fires, but a person edited the ticket meanwhile.
    desk.setNow(new Date('2026-11-22T14:30:00Z'));
    await desk.batch([t]);
    await desk.drain(async (e) => (e.planned.action.type === 'comment' && e.planned.action.body === '75% used' ? { outcome: 'superseded' as const, ref: 's1' } : ok()));
    // The person's version: the 75% step is judged again, the response step is not repeated.
    const again = await desk.batch([{ ...t, version: '2', updatedAt: '2026-11-22T14:00:00Z' }]);
    expect(again.map((a) => (a.action.type === 'comment' ? a.action.body : a.action.type))).toEqual(['75% used']);
  });
});
