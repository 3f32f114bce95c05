import { describe, expect, it } from 'vitest';
import { planActions } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { DedupRule } from '../../../src/engine/dedup/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { HistoryDesk } from '../../helpers/history-desk.js';
import { makeTicket } from '../../helpers/tickets.js';

const rule = (overrides: Record<string, unknown> = {}) => DedupRule.parse({ id: 'dups', kind: 'dedup', when: 'true', suggest: { threshold: 0.3 }, link: { threshold: 0.8 }, ...overrides });

const vpn = (id: string, createdAt: string, extra: Partial<Ticket> = {}) =>
  makeTicket({ id, createdAt, updatedAt: createdAt, title: 'VPN client disconnects every few minutes', description: 'Cisco AnyConnect drops the tunnel on the office wifi', ...extra });

describe('dedup rules', () => {
  it('links a near-identical later report to the earlier one, with a note on both tickets', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    expect(await desk.see(vpn('a', '2026-11-01T09:00:00Z'))).toEqual([]);
    const decisions = await desk.see(vpn('b', '2026-11-02T09:00:00Z'));
    expect(decisions.map((d) => d.action.type)).toEqual(['link-duplicate', 'comment', 'comment']);
    expect(decisions[0]?.action).toEqual({ type: 'link-duplicate', original: { nativeId: 'a', number: 'INCa' } });
    expect(decisions[1]?.target).toBeUndefined();
    expect(decisions[2]?.target).toMatchObject({ ticketKey: 'servicenow:snow-test:a', number: 'INCa' });
    expect(decisions[1]?.action).toMatchObject({ visibility: 'internal', body: expect.stringContaining('duplicate of INCa') });
  });

  it('only suggests candidates scoring between the suggest and link thresholds, listing why', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule({ suggest: { threshold: 0.01 }, link: { threshold: 0.99 } })]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z'));
    const decisions = await desk.see(makeTicket({ id: 'b', createdAt: '2026-11-03T09:00:00Z', title: 'VPN client disconnects', description: 'since this morning' }));
    expect(decisions).toHaveLength(1);
    const note = decisions[0]?.action;
    expect(note).toMatchObject({ type: 'comment', visibility: 'internal' });
    expect(note && 'body' in note ? note.body : '').toMatch(/1\. INCa "VPN client disconnects every few minutes" — score 0\.\d\d; shared terms: .*VPN, .*disconnects/);
  });

  it('never treats a later ticket as the original, nor a ticket as its own duplicate', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    // The later-created ticket is seen first (edited earlier): it must not become the original.
    expect(await desk.see(vpn('late', '2026-11-05T09:00:00Z'))).toEqual([]);
    expect(await desk.see(vpn('early', '2026-11-01T09:00:00Z'))).toEqual([]);
    // And evaluating a ticket again finds nothing in itself.
    const again = await desk.see({ ...vpn('solo', '2026-11-06T09:00:00Z'), title: 'Unrelated keyboard order', description: 'new keyboard please' });
    expect(again).toEqual([]);
  });

  it('links a duplicate of a duplicate to the root, never building a chain', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    await desk.see(vpn('root', '2026-11-01T09:00:00Z'));
    await desk.see(vpn('second', '2026-11-02T09:00:00Z'));
    const third = await desk.see(vpn('third', '2026-11-03T09:00:00Z'));
    expect(third[0]?.action).toEqual({ type: 'link-duplicate', original: { nativeId: 'root', number: 'INCroot' } });
  });

  it('does not link a ticket that others are already linked to (it stays their root)', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    await desk.see(vpn('root', '2026-11-02T09:00:00Z', { version: '1' }));
    expect((await desk.see(vpn('child', '2026-11-03T09:00:00Z')))[0]?.action).toMatchObject({ type: 'link-duplicate', original: { nativeId: 'root' } });
    // An earlier report turns up late (first synced now); the root must not become its duplicate.
    await desk.see(vpn('early', '2026-11-01T09:00:00Z'));
    const decisions = await desk.see(vpn('root', '2026-11-02T09:00:00Z', { version: '2', updatedAt: '2026-11-04T09:00:00Z' }));
    expect(decisions.map((d) => d.action.type)).toEqual(['comment']);
    expect(decisions[0]?.action).toMatchObject({ body: expect.stringContaining('INCearly') });
  });

  it('acts once per ticket: a new version is not suggested or linked again', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z'));
    expect(await desk.see(vpn('b', '2026-11-02T09:00:00Z', { version: '1' }))).toHaveLength(3);
    expect(await desk.see(vpn('b', '2026-11-02T09:00:00Z', { version: '2', updatedAt: '2026-11-02T10:00:00Z' }))).toEqual([]);
  });

  it('looks back only as far as the rule says', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule({ lookBack: { days: 30 } })]));
    await desk.see(vpn('old', '2026-01-01T09:00:00Z'));
    expect(await desk.see(vpn('new', '2026-11-02T09:00:00Z'))).toEqual([]);
  });

  it('requires equal fields when the rule names them (a missing value never matches)', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule({ equalFields: ['requester'] })]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z', { requester: 'Ann' }));
    await desk.see(vpn('b', '2026-11-01T10:00:00Z'));
    expect(await desk.see(vpn('c', '2026-11-02T09:00:00Z', { requester: 'Bob' }))).toEqual([]);
    const same = await desk.see(vpn('d', '2026-11-02T09:00:00Z', { requester: 'Ann' }));
    expect(same[0]?.action).toEqual({ type: 'link-duplicate', original: { nativeId: 'a', number: 'INCa' } });
  });

  it('leaves resolved tickets alone and only resolves duplicates when the rule asks', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule({ link: { threshold: 0.8, resolve: { state: '6', close_code: 'Duplicate' } } })]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z'));
    expect(await desk.see(vpn('closed', '2026-11-02T09:00:00Z', { status: 'resolved' }))).toEqual([]);
    const decisions = await desk.see(vpn('b', '2026-11-02T09:00:00Z'));
    expect(decisions.filter((d) => d.action.type === 'set-field').map((d) => d.action)).toEqual([
      { type: 'set-field', field: 'state', value: '6' },
      { type: 'set-field', field: 'close_code', value: 'Duplicate' },
    ]);
  });

  it('plans the note on the original against the original ticket, with its own idempotency key', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z'));
    const b = vpn('b', '2026-11-02T09:00:00Z');
    const planned = planActions(b, await desk.see(b), 'snow-test');
    expect(planned.map((p) => p.target.nativeId)).toEqual(['b', 'b', 'a']);
    expect(new Set(planned.map((p) => p.id)).size).toBe(3);
  });
});

describe('dedup rules that mask kinds of terms', () => {
  // Two "page X does not load" reports: the site is all they share.
  const site = (id: string, createdAt: string, title: string, description: string) => makeTicket({ id, createdAt, updatedAt: createdAt, title, description });
  const first = (): Ticket => site('a', '2026-11-01T09:00:00Z', 'dict.leo.org renders blank', 'Firefox 12 on Windows 7');
  const second = (): Ticket => site('b', '2026-11-02T09:00:00Z', 'http://dict.leo.org/ende?search=haus shows nothing', 'since this morning');

  it('counts the site both reports name unless the rule masks domains', async () => {
    const open = new HistoryDesk(compileRuleSet([rule({ suggest: { threshold: 0.01 }, link: { threshold: 0.99 } })]));
    await open.see(first());
    const found = await open.see(second());
    expect(found.map((d) => d.action.type)).toEqual(['comment']);
    expect(found[0]?.action).toMatchObject({ body: expect.stringContaining('dict.leo.org') });

    const masked = new HistoryDesk(compileRuleSet([rule({ suggest: { threshold: 0.01 }, link: { threshold: 0.99 }, mask: ['domains'] })]));
    await masked.see(first());
    expect(await masked.see(second())).toEqual([]);
  });

  it('masks nothing by default and refuses kinds it does not know', () => {
    expect(rule().mask).toEqual([]);
    expect(() => rule({ mask: ['hosts'] })).toThrow();
  });
});

describe('dedup rules with tickets created in the same instant', () => {
  it('takes the lower number as the original, and never links the pair both ways', async () => {
    const desk = new HistoryDesk(compileRuleSet([rule()]));
    await desk.see(vpn('11', '2026-11-01T09:00:00Z', { source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', nativeId: '11', number: 'INC11' } }));
    const later = await desk.see(vpn('14', '2026-11-01T09:00:00Z', { source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', nativeId: '14', number: 'INC14' } }));
    expect(later[0]?.action).toEqual({ type: 'link-duplicate', original: { nativeId: '11', number: 'INC11' } });
    const again = await desk.see(
      vpn('11', '2026-11-01T09:00:00Z', { version: '2', source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', nativeId: '11', number: 'INC11' } }),
    );
    expect(again).toEqual([]);
  });
});

describe('several dedup rules', () => {
  it('lets only the first rule that finds something act on a ticket, on this version and later ones', async () => {
    const strict = rule({ id: 'strict', equalFields: ['requester'], suggest: { threshold: 0.5 }, link: { threshold: 0.9 } });
    const broad = rule({ id: 'broad', link: undefined });
    const desk = new HistoryDesk(compileRuleSet([strict, broad]));
    await desk.see(vpn('a', '2026-11-01T09:00:00Z', { requester: 'Ann' }));
    const linked = await desk.see(vpn('b', '2026-11-02T09:00:00Z', { requester: 'Ann' }));
    expect(new Set(linked.map((d) => d.ruleId))).toEqual(new Set(['strict']));
    // Another caller: the strict rule finds nothing, the broad one suggests — once.
    const suggested = await desk.see(vpn('c', '2026-11-03T09:00:00Z', { requester: 'Bob' }));
    expect(suggested.map((d) => [d.ruleId, d.action.type])).toEqual([['broad', 'comment']]);
    expect(await desk.see(vpn('c', '2026-11-03T09:00:00Z', { requester: 'Ann', version: '2' }))).toEqual([]);
  });
});
