import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { TicketState } from '../../../src/model/ticket-state.js';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, StateStore } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const row: TicketState = {
  key: 'servicenow:snow:1',
  sourceId: 's',
  nativeId: '1',
  number: 'INC1',
  version: '3',
  status: 'open',
  group: 'Service Desk',
  assignee: undefined,
  updatedAt: '2026-11-20T10:00:00Z',
};

function batch(tickets: TicketState[]): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets, roundRobin: new Map(), actions: [], quarantine: [] };
}

describeEachStore('what rules remember per ticket (issue 20)', (kit) => {
  it('keeps the rules whose `when` held and the rules that wrote, with the ticket row', async () => {
    const store = await kit.open();
    await store.commitBatch(batch([{ ...row, triggered: ['p1-to-mit'], applied: ['new-to-desk', 'p1-to-mit'] }]));
    expect((await store.getTickets([row.key])).get(row.key)).toMatchObject({ triggered: ['p1-to-mit'], applied: ['new-to-desk', 'p1-to-mit'] });

    // An empty set (judged: nothing true) is not "never judged".
    await store.commitBatch(batch([{ ...row, version: '4', triggered: [], applied: ['p1-to-mit'] }]));
    expect((await store.getTickets([row.key])).get(row.key)).toMatchObject({ version: '4', triggered: [], applied: ['p1-to-mit'] });

    await store.commitBatch(batch([{ ...row, key: 'servicenow:snow:2', nativeId: '2' }]));
    const fresh = (await store.getTickets(['servicenow:snow:2'])).get('servicenow:snow:2');
    expect(fresh?.triggered).toBeUndefined();
    expect(fresh?.applied).toBeUndefined();
  });
});

// SQLite only: a state file of an older release, migrated by user_version.
describe('what rules remember per ticket, in an upgraded SQLite state file (issue 20)', () => {
  it('migrates a state file of the previous version: its ticket rows have no memory yet', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-migrate-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    const db = new Database(file);
    for (const [index, sql] of migrations
      .slice(
        0,
        migrations.findIndex((m) => m.includes('rules_triggered')),
      )
      .entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }
    db.prepare("INSERT INTO tickets (key, source_id, native_id, number, version, status, is_open, grp, updated_at) VALUES (?, 's', '1', 'INC1', '3', 'open', 1, 'Service Desk', ?)").run(
      row.key,
      row.updatedAt,
    );
    db.close();

    const store = openSqliteStore(file);
    const migrated = (await store.getTickets([row.key])).get(row.key);
    expect(migrated).toMatchObject({ key: row.key, group: 'Service Desk', triggered: undefined, applied: undefined });
    await store.commitBatch(batch([{ ...row, triggered: ['p1-to-mit'], applied: [] }]));
    expect((await store.getTickets([row.key])).get(row.key)?.triggered).toEqual(['p1-to-mit']);
    await store.close();
  });
});

describeEachStore('rule memory and writes that never reach the platform (issue 20)', (kit) => {
  const planned = (id: string, type: 'assign' | 'comment', version = '3'): PlannedAction => ({
    id,
    sourceId: 's',
    ruleId: 'p1-once',
    target: { ticketKey: row.key, nativeId: '1', number: 'INC1', version },
    action: type === 'assign' ? { type: 'assign', group: 'Major Incident Team' } : { type: 'comment', visibility: 'internal', body: 'P1: routed.' },
    explanation: 'test',
  });
  const judged = (version: string, actions: PlannedAction[]): BatchCommit => ({
    ...batch([{ ...row, version, triggered: ['p1-once', 'other'], applied: ['other', 'p1-once'] }]),
    actions,
  });
  const memory = async (store: StateStore) => (await store.getTickets([row.key])).get(row.key);

  it('a rule whose writes all died has not applied; outbox retry puts its marks back with the write', async () => {
    const store = await kit.open();
    await store.commitBatch(judged('3', [planned('a1', 'assign'), planned('n1', 'comment')]));

    await store.outbox.markDead('a1', 'refused', () => 'builds on it');

    expect(await memory(store)).toMatchObject({ triggered: ['other'], applied: ['other'] });
    // A typed prefix is no pattern: `_` matches no id.
    expect(await store.outbox.retry({ id: '_1' })).toBe(0);
    expect(await store.outbox.retry({ id: 'a1' })).toBe(2);
    expect(await memory(store)).toMatchObject({ triggered: ['other', 'p1-once'], applied: ['other', 'p1-once'] });
  });

  it('keeps the marks when another write of the rule to the ticket landed or is on its way', async () => {
    const store = await kit.open();
    await store.commitBatch(judged('3', [planned('a1', 'assign'), planned('n1', 'comment')]));
    await store.outbox.markDone('a1', { outcome: 'updated', ref: '1' });

    await store.outbox.markDead('n1', 'refused');

    expect(await memory(store)).toMatchObject({ triggered: ['other', 'p1-once'], applied: ['other', 'p1-once'] });
  });

  it("a new write of the rule to the ticket replaces its dead ones, so outbox retry cannot send the rule's writes twice", async () => {
    const store = await kit.open();
    await store.commitBatch(judged('3', [planned('a1', 'assign'), planned('n1', 'comment')]));
    await store.outbox.markDead('a1', 'refused', () => 'builds on it');

    await store.commitBatch(judged('5', [planned('a2', 'assign', '5'), planned('n2', 'comment', '5')]));

    for (const id of ['a1', 'n1'])
      expect((await store.outbox.find(id))[0]).toMatchObject({ status: 'done', outcome: 'superseded', lastError: expect.stringMatching(/^replaced by a later write of rule p1-once \(a2\)/) });
    expect(await store.outbox.retry({})).toBe(0);
    expect(await store.outbox.counts()).toMatchObject({ pending: 2, dead: 0 });
  });
});
