import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TicketState } from '../../../src/model/ticket-state.js';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit } from '../../../src/state/types.js';

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

describe('what rules remember per ticket, in the SQLite store (issue 20)', () => {
  it('keeps the rules whose `when` held and the rules that wrote, with the ticket row', async () => {
    const store = openSqliteStore(':memory:');
    await store.commitBatch(batch([{ ...row, triggered: ['p1-to-mit'], applied: ['new-to-desk', 'p1-to-mit'] }]));
    expect((await store.getTickets([row.key])).get(row.key)).toMatchObject({ triggered: ['p1-to-mit'], applied: ['new-to-desk', 'p1-to-mit'] });

    // An empty set (judged: nothing true) is not "never judged".
    await store.commitBatch(batch([{ ...row, version: '4', triggered: [], applied: ['p1-to-mit'] }]));
    expect((await store.getTickets([row.key])).get(row.key)).toMatchObject({ version: '4', triggered: [], applied: ['p1-to-mit'] });

    await store.commitBatch(batch([{ ...row, key: 'servicenow:snow:2', nativeId: '2' }]));
    const fresh = (await store.getTickets(['servicenow:snow:2'])).get('servicenow:snow:2');
    expect(fresh?.triggered).toBeUndefined();
    expect(fresh?.applied).toBeUndefined();
    await store.close();
  });

  it('migrates a state file of the previous version: its ticket rows have no memory yet', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-migrate-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    const db = new Database(file);
    for (const [index, sql] of migrations.slice(0, -1).entries()) {
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
