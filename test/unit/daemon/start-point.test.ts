import { describe, expect, it } from 'vitest';
import { emptyHistoryReport, formatHistoryReport, recordWouldHave } from '../../../src/engine/history-report.js';
import { parseFrom, resolveStartPoint, rewindDone } from '../../../src/daemon/start-point.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { describeEachStore } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const source = { id: 'snow-prod', actFrom: undefined, overlapSeconds: 120 };

describeEachStore('start point for acting', (kit) => {
  it('defaults to the moment of the first sync, recorded so that every later run keeps it', async () => {
    const store = await kit.open();
    expect(await resolveStartPoint(store, source, { now: NOW })).toEqual({ actFrom: NOW.toISOString(), origin: 'first-sync' });
    const later = new Date('2026-12-10T00:00:00Z');
    expect(await resolveStartPoint(store, source, { now: later })).toEqual({ actFrom: NOW.toISOString(), origin: 'recorded' });
  });

  it('a state synced before start points existed acts on everything after what it processed', async () => {
    const store = await kit.open();
    await store.commitBatch({ sourceId: 'snow-prod', watermark: '2026-12-01T00:00:00Z', ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [] });
    expect((await resolveStartPoint(store, source, { now: NOW })).actFrom).toBe('2026-11-30T23:58:00.000Z');
  });

  it('the config actFrom wins over the recorded one; --from wins over both, is recorded, and reads history again when it moves back (recorded only once that pass is done)', async () => {
    const store = await kit.open();
    await resolveStartPoint(store, source, { now: NOW });
    expect(await resolveStartPoint(store, { ...source, actFrom: '2026-01-01T00:00:00Z' }, { now: NOW })).toEqual({ actFrom: '2026-01-01T00:00:00.000Z', origin: 'config' });
    // No watermark yet: nothing was processed as history, so nothing to read again.
    expect(await resolveStartPoint(store, source, { now: NOW, override: '2026-06-01T00:00:00.000Z' })).toEqual({ actFrom: '2026-06-01T00:00:00.000Z', origin: 'flag' });
    await store.commitBatch({ sourceId: 'snow-prod', watermark: '2026-12-04T11:00:00Z', ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [] });
    expect(await resolveStartPoint(store, source, { now: NOW, override: '2026-05-01T00:00:00.000Z' })).toEqual({
      actFrom: '2026-05-01T00:00:00.000Z',
      origin: 'flag',
      rewind: { previous: '2026-06-01T00:00:00.000Z' },
    });
    // Recorded once a pass has read that history again (not before: a failed pass must rewind again).
    expect(await resolveStartPoint(store, source, { now: NOW })).toEqual({ actFrom: '2026-06-01T00:00:00.000Z', origin: 'recorded' });
    expect(await resolveStartPoint(store, source, { now: NOW, override: '2026-05-01T00:00:00.000Z' })).toEqual({
      actFrom: '2026-05-01T00:00:00.000Z',
      origin: 'flag',
      rewind: { previous: '2026-06-01T00:00:00.000Z' },
    });
    expect(await rewindDone(store, 'snow-prod', { actFrom: '2026-05-01T00:00:00.000Z', origin: 'flag', rewind: { previous: '2026-06-01T00:00:00.000Z' } })).toEqual({
      actFrom: '2026-05-01T00:00:00.000Z',
      origin: 'flag',
    });
    expect(await resolveStartPoint(store, source, { now: NOW })).toEqual({ actFrom: '2026-05-01T00:00:00.000Z', origin: 'recorded' });
  });
});

describe('deskbridge run --from', () => {
  it('takes an ISO date, a date-time, or a duration back from now', () => {
    expect(parseFrom('2026-03-01', NOW)).toBe('2026-03-01T00:00:00.000Z');
    expect(parseFrom('2026-03-01T08:30:00Z', NOW)).toBe('2026-03-01T08:30:00.000Z');
    expect(parseFrom('2026-03-01T08:30:00', NOW)).toBe('2026-03-01T08:30:00.000Z');
    expect(parseFrom('2026-03-01T08:30:00+02:00', NOW)).toBe('2026-03-01T06:30:00.000Z');
    expect(parseFrom('7d', NOW)).toBe('2026-11-27T12:00:00.000Z');
    expect(parseFrom('12h', NOW)).toBe('2026-12-04T00:00:00.000Z');
    expect(parseFrom('90m', NOW)).toBe('2026-12-04T10:30:00.000Z');
    expect(parseFrom('2w', NOW)).toBe('2026-11-20T12:00:00.000Z');
  });

  it('refuses anything else with a message that says what it accepts, and a date in the future', () => {
    expect(() => parseFrom('last tuesday', NOW)).toThrow(/is not an ISO date \(2026-03-01, 2026-03-01T08:00:00Z\) or a duration back from now \(90m, 12h, 7d, 2w\)/);
    expect(() => parseFrom('2026-13-45', NOW)).toThrow(/is not an ISO date/);
    expect(() => parseFrom('2027-01-01', NOW)).toThrow(/in the future/);
  });
});

describe('history report', () => {
  const ruleSet = compileRuleSet([
    RoutingRule.parse({ id: 'to-desk', kind: 'routing', when: 'true', assign: { group: 'Service Desk' } }),
    PatternRule.parse({ id: 'by-ci', kind: 'pattern', when: 'true', groupBy: ['ci'], window: { hours: 24 }, baseline: { days: 28 }, problem: { title: 't', description: 'd' } }),
  ]);

  it('counts what acting on history would have done per rule kind, keeps a few examples and tells the admin how to opt in', () => {
    const report = emptyHistoryReport('2026-12-04T12:00:00.000Z');
    const a = makeTicket({ id: '0000001' });
    const b = makeTicket({ id: '0000002' });
    recordWouldHave(report, a, [{ ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, explanation: '' }], [], ruleSet);
    recordWouldHave(
      report,
      b,
      [
        { ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, explanation: '' },
        { ruleId: 'by-ci', action: { type: 'create-problem', correlationKey: 'k', title: 'Recurring incidents on mail-01', description: '' }, explanation: '' },
        { ruleId: 'by-ci', action: { type: 'link-problem', correlationKey: 'k' }, explanation: '' },
      ],
      [],
      ruleSet,
    );
    recordWouldHave(report, makeTicket({ id: 'c' }), [], [], ruleSet);
    expect(report).toMatchObject({ tickets: 3, problems: 1, wouldHave: { routing: { tickets: 2, writes: 2 }, pattern: { tickets: 1, writes: 2 } } });
    const text = formatHistoryReport('snow-prod', report).join('\n');
    expect(text).toContain('snow-prod: 3 ticket versions updated before the start point 2026-12-04T12:00:00.000Z were learned from as history (no writes).');
    expect(text).toContain('routing: 2 writes on 2 tickets; pattern: 1 problem opened, 1 other writes on 1 tickets');
    expect(text).toContain('e.g. INC0000001: assign to Service Desk [rule to-desk]');
    expect(text).toContain('e.g. INC0000002: create problem "Recurring incidents on mail-01" [rule by-ci]');
    expect(text).toContain('--from <ISO date|duration>');
  });

  it('says so when acting on history would have written nothing', () => {
    const report = emptyHistoryReport('2026-12-04T12:00:00.000Z');
    recordWouldHave(report, makeTicket({ id: 'a' }), [], [], ruleSet);
    expect(formatHistoryReport('snow-prod', report)).toEqual([
      'snow-prod: 1 ticket version updated before the start point 2026-12-04T12:00:00.000Z was learned from as history (no writes).',
      '  Acting on that history would have written nothing.',
    ]);
  });
});
