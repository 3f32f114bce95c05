import { describe, expect, it } from 'vitest';
import { heldFirstPassLine } from '../../../src/cli/run.js';
import { describeVolume, judgeFirstLivePass, summariseVolume, type FirstLivePassFacts } from '../../../src/daemon/go-live.js';

const facts = (over: Partial<FirstLivePassFacts> = {}): FirstLivePassFacts => ({
  sourceId: 'snow-prod',
  ticketsRead: 5200,
  historyTickets: 0,
  pending: { writes: { assign: 5000, comment: 5000 }, total: 10000 },
  startPoint: { actFrom: '2026-01-01T00:00:00.000Z', origin: 'config' },
  maxWrites: 500,
  ...over,
});

describe('first live pass: what it says and when it holds', () => {
  it('counts writes by kind, customer-visible comments apart, over every status row', () => {
    const volume = summariseVolume([
      { sourceId: 's', kind: 'assign', status: 'pending', n: 3, first: '2026-12-01T10:00:00Z', last: '2026-12-01T11:00:00Z' },
      { sourceId: 's', kind: 'comment', status: 'pending', n: 2, first: '2026-12-01T09:00:00Z', last: '2026-12-01T10:30:00Z' },
      { sourceId: 's', kind: 'comment:public', status: 'done', n: 1, first: '2026-12-01T12:00:00Z', last: '2026-12-01T12:00:00Z' },
    ]);

    expect(volume).toEqual({ writes: { assign: 3, comment: 2, 'comment:public': 1 }, total: 6, first: '2026-12-01T09:00:00Z', last: '2026-12-01T12:00:00Z' });
    expect(describeVolume(volume.writes)).toBe('3 assignments, 2 internal notes, 1 customer-visible comment');
  });

  it('says "no writes" for an empty volume and names kinds it does not know', () => {
    expect(describeVolume({})).toBe('no writes');
    expect(describeVolume({ 'create-problem': 1, 'some-new-kind': 2 })).toBe('1 problem opened, 2 some-new-kind writes');
  });

  it('holds a backlog above maxWrites and says how to release or drop it', () => {
    const verdict = judgeFirstLivePass(facts());

    expect(verdict.held).toBe(true);
    expect(verdict.summary).toContain('First live pass of snow-prod: read 5,200 tickets, about to make 10,000 writes (5,000 assignments, 5,000 internal notes)');
    expect(verdict.summary).toContain('acts on versions updated since 2026-01-01T00:00:00.000Z (actFrom in the config)');
    expect(verdict.summary).toContain('no startFrom');
    expect(verdict.hint).toContain('raise firstLivePass.maxWrites of source snow-prod to at least 10000');
    expect(verdict.hint).toContain('deskbridge outbox list --live');
    expect(verdict.hint).toContain('deskbridge outbox discard --source snow-prod');
  });

  it('lets a pass at or under the limit through, and any pass when the catch is off', () => {
    expect(judgeFirstLivePass(facts({ pending: { writes: { assign: 500 }, total: 500 } })).held).toBe(false);
    const off = judgeFirstLivePass(facts({ maxWrites: 'off' }));
    expect(off.held).toBe(false);
    // Without a catch nothing waits: the warning reports what the pass planned and sent as it went.
    expect(off.summary).toContain('planned 10,000 writes (5,000 assignments, 5,000 internal notes), sent as it went (firstLivePass.maxWrites: off)');
  });

  it('quotes the dry run as the volume to expect, and what a first sync leaves alone', () => {
    const { summary } = judgeFirstLivePass(
      facts({
        historyTickets: 5100,
        startPoint: { actFrom: '2026-12-05T12:00:00.000Z', origin: 'first-sync' },
        startFrom: '2026-11-01T00:00:00Z',
        pending: { writes: { assign: 4 }, total: 4 },
        dryRun: { path: '/var/lib/deskbridge/state.dry-run.db', writes: { assign: 40, comment: 40 }, total: 80, first: '2026-12-01T08:00:00Z', last: '2026-12-04T17:00:00Z' },
      }),
    );

    expect(summary).toContain('(5,100 of them updated before the start point: learned from, not acted on)');
    expect(summary).toContain('this first sync: what was updated before it is history');
    expect(summary).toContain('reads records updated since 2026-11-01T00:00:00Z (startFrom)');
    expect(summary).toContain('a dry run (/var/lib/deskbridge/state.dry-run.db) planned 80 writes between 2026-12-01T08:00:00Z and 2026-12-04T17:00:00Z (40 assignments, 40 internal notes)');
  });

  it('tells a run --once caller why it exits 1 when the pass was held', () => {
    expect(heldFirstPassLine('snow-prod', { writes: { assign: 600, comment: 600 }, total: 1200, maxWrites: 500 })).toBe(
      'snow-prod: first live pass held — 1200 writes (600 assignments, 600 internal notes) is more than firstLivePass.maxWrites (500); nothing was sent. ' +
        'Review: deskbridge outbox list --live. Send: raise firstLivePass.maxWrites and run again. Drop: deskbridge outbox discard --source snow-prod.',
    );
  });
});
