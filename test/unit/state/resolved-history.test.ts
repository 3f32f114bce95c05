import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { similarityDoc } from '../../../src/engine/similarity-doc.js';
import type { HistoryStore } from '../../../src/model/history.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import { describeEachStore } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const vpn = (extra: Partial<Ticket> & { id?: string } = {}): Ticket =>
  makeTicket({
    id: 'a',
    createdAt: '2026-11-01T09:00:00Z',
    updatedAt: '2026-11-01T09:00:00Z',
    title: 'VPN client disconnects every few minutes',
    description: 'AnyConnect drops the tunnel',
    ...extra,
  });
const fixed = (extra: Partial<Ticket> = {}): Ticket =>
  vpn({
    status: 'resolved',
    version: '2',
    updatedAt: '2026-11-02T10:00:00Z',
    resolvedAt: '2026-11-02T09:30:00Z',
    resolution: { code: 'Solved (Permanently)', notes: 'Rolled the client back to 4.10' },
    ...extra,
  });
const query = (store: HistoryStore) =>
  store.candidates({ doc: similarityDoc(vpn({ id: 'b', createdAt: '2026-11-05T09:00:00Z' })), createdBefore: '2026-11-05T09:00:00Z', limit: 5 }).then((c) => c.map((x) => x.resolved));

/** The same tests for the in-memory history and for each store's. */
function resolutionTests(open: () => Promise<{ history: HistoryStore; close: () => Promise<void> }>): void {
  it('keeps how a resolved ticket was fixed, for candidates and indexed()', async () => {
    const { history, close } = await open();
    await history.index(similarityDoc(fixed()));
    const expected = { resolvedAt: '2026-11-02T09:30:00Z', code: 'Solved (Permanently)', notes: 'Rolled the client back to 4.10' };
    expect(await query(history)).toEqual([expected]);
    expect((await history.indexed('servicenow:snow-test:a'))?.resolved).toEqual(expected);
    await close();
  });

  it('drops the resolution when the ticket is indexed open again (reopened)', async () => {
    const { history, close } = await open();
    await history.index(similarityDoc(fixed()));
    await history.index(similarityDoc(vpn({ status: 'in_progress', version: '3', updatedAt: '2026-11-03T09:00:00Z', resolution: { code: 'Solved (Permanently)' } })));
    expect(await query(history)).toEqual([undefined]);
    await close();
  });

  it('updates the resolution when the ticket is resolved again', async () => {
    const { history, close } = await open();
    await history.index(similarityDoc(fixed()));
    await history.index(similarityDoc(fixed({ version: '4', resolvedAt: '2026-11-04T08:00:00Z', resolution: { code: 'Workaround' } })));
    expect(await query(history)).toEqual([{ resolvedAt: '2026-11-04T08:00:00Z', code: 'Workaround' }]);
    await close();
  });

  it('keeps notes cut to 1,000 characters, resolved at the update time when the platform gave none', async () => {
    const { history, close } = await open();
    await history.index(similarityDoc(fixed({ resolvedAt: undefined, resolution: { notes: 'x'.repeat(5000) } })));
    expect((await history.indexed('servicenow:snow-test:a'))?.resolved).toEqual({ resolvedAt: '2026-11-02T10:00:00Z', notes: 'x'.repeat(1000) });
    await close();
  });

  it('keeps nothing for cancelled tickets or resolutions without code or notes', async () => {
    const { history, close } = await open();
    await history.index(similarityDoc(fixed({ status: 'cancelled' })));
    expect(await query(history)).toEqual([undefined]);
    await history.index(similarityDoc(fixed({ resolution: { notes: '   ' } })));
    expect(await query(history)).toEqual([undefined]);
    await close();
  });
}

describe('resolutions in the memory history (resolved look-alikes)', () => resolutionTests(async () => ({ history: new MemoryHistoryStore(), close: async () => {} })));

describeEachStore('resolutions in the history (resolved look-alikes)', (kit) =>
  resolutionTests(async () => {
    const store = await kit.open();
    return { history: store.history, close: () => store.close() };
  }),
);

describe('what history keeps of a resolution', () => {
  it('cuts notes to 1,000 characters and stands in the update time when the platform gives no resolution time', () => {
    const doc = similarityDoc(fixed({ resolvedAt: undefined, resolution: { notes: 'x'.repeat(5000) } }));
    expect(doc.resolved?.notes).toHaveLength(1000);
    expect(doc.resolved?.resolvedAt).toBe('2026-11-02T10:00:00Z');
  });
});

// SQLite only: a state file of an older release, migrated by user_version.
describe('what an upgraded SQLite state file keeps of a resolution', () => {
  it('migrates a state file of the previous version: nothing resolved is known until tickets are indexed again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-migrate-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    const db = new Database(file);
    const before = migrations.findIndex((m) => m.includes('CREATE TABLE resolved_tickets'));
    for (const [index, sql] of migrations.slice(0, before).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }
    db.close();

    const store = openSqliteStore(file);
    await store.history.index(similarityDoc(fixed()));
    expect(await query(store.history)).toEqual([expect.objectContaining({ code: 'Solved (Permanently)' })]);
    await store.close();
    const reopened = openSqliteStore(file);
    expect((await reopened.history.indexed('servicenow:snow-test:a'))?.resolved?.notes).toBe('Rolled the client back to 4.10');
    await reopened.close();
  });
});
