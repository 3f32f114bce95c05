import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlannedAction } from '../../../src/model/action.js';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import { describeEachStore } from '../../helpers/stores.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function planned(id: string, action: PlannedAction['action'], ticket = 't1'): PlannedAction {
  return PlannedAction.parse({
    id,
    sourceId: 's',
    ruleId: 'route',
    target: { ticketKey: `servicenow:s:${ticket}`, nativeId: ticket, number: `INC${ticket}`, version: '1' },
    action,
    explanation: 'test',
  });
}

describeEachStore('what going live needs from the state (issue 20)', (kit) => {
  it('has no completed pass for a new source, then keeps the first and moves the last', async () => {
    let now = new Date('2026-12-05T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    expect(await store.passRecord('s')).toBeNull();
    await store.recordPassCompleted('s');
    now = new Date('2026-12-05T10:05:00Z');
    await store.recordPassCompleted('s');
    expect(await store.passRecord('s')).toEqual({ firstCompletedAt: '2026-12-05T10:00:00.000Z', lastCompletedAt: '2026-12-05T10:05:00.000Z' });
    expect(await store.passRecord('other')).toBeNull();
  });

  it('records a start point and replaces it', async () => {
    const store = await kit.open();
    expect(await store.getStartPoint('s')).toBeNull();
    await store.setStartPoint('s', '2026-12-01T00:00:00.000Z');
    await store.setStartPoint('s', '2026-12-02T00:00:00.000Z');
    expect(await store.getStartPoint('s')).toBe('2026-12-02T00:00:00.000Z');
    expect(await store.getStartPoint('other')).toBeNull();
  });

  it('counts writes by kind, customer-visible comments apart; discards pending ones unsent, and a plain retry leaves them dead', async () => {
    const now = new Date('2026-12-05T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    const actions = [
      planned('a1', { type: 'assign', group: 'Network' }),
      planned('c1', { type: 'comment', visibility: 'internal', body: 'Routed.' }),
      planned('c2', { type: 'comment', visibility: 'public', body: 'We are on it.' }, 't2'),
    ];
    await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });

    const volume = await store.outbox.volume({ sourceId: 's', status: 'pending' });
    expect(volume.map((r) => [r.kind, r.n])).toEqual([
      ['assign', 1],
      ['comment', 1],
      ['comment:public', 1],
    ]);
    expect(volume[0]).toMatchObject({ sourceId: 's', status: 'pending', first: now.toISOString(), last: now.toISOString() });

    expect(await store.outbox.discard('s', 'not wanted')).toBe(3);
    expect(await store.outbox.counts('s')).toEqual({ pending: 0, done: 0, dead: 3 });
    expect(await store.outbox.discardedCount('s')).toBe(3);
    expect(await store.outbox.discardedCount('other')).toBe(0);
    expect((await store.outbox.list({ sourceId: 's' })).map((e) => e.outcome)).toEqual(['discarded', 'discarded', 'discarded']);
    expect(await store.outbox.retry({})).toBe(0);
    // Asked for by id, one comes back.
    expect(await store.outbox.retry({ id: 'a1' })).toBe(1);
    // Each outcome is queued for the action log.
    expect((await store.audit.pending(10)).map((r) => [r.log, r.data['actionId'], r.data['outcome']])).toEqual([
      ['actions', 'a1', 'dead'],
      ['actions', 'c1', 'dead'],
      ['actions', 'c2', 'dead'],
    ]);
  });
});

// SQLite only: a state file of an older release, migrated by user_version.
describe('what going live needs from an upgraded SQLite state file (issue 20)', () => {
  it('treats a state that synced before go-live tracking as live already (no catch on an upgrade)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-golive-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    const db = new Database(file);
    for (const [index, sql] of migrations
      .slice(
        0,
        migrations.findIndex((m) => m.includes('CREATE TABLE source_passes')),
      )
      .entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }
    db.prepare("INSERT INTO watermarks (source_id, updated_at) VALUES ('snow-prod', '2026-12-01T09:00:00.000Z')").run();
    db.close();

    const store = openSqliteStore(file);
    expect(await store.passRecord('snow-prod')).toEqual({ firstCompletedAt: '2026-12-01T09:00:00.000Z', lastCompletedAt: '2026-12-01T09:00:00.000Z' });
    expect(await store.passRecord('never-synced')).toBeNull();
    await store.close();
  });
});
