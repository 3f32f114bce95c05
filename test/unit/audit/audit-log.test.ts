import { appendFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, readHead } from '../../../src/audit/audit-log.js';
import { GENESIS_HASH, entryHash } from '../../../src/audit/chain.js';
import { AuditLogError } from '../../../src/audit/errors.js';
import { readAuditLog } from '../../../src/audit/read.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { qaEvents, qaVerdict, readLinesOf, tempDirs, writeRecord } from './fixtures.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('AuditLog.append', () => {
  it('chains entries from seq 1 with prev of 64 zeros into a file named by the UTC day', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa');

    const result = log.append(qaEvents(3));

    const lines = readLinesOf(join(dir, 'qa-2026-11-23.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(lines[0]?.prev).toBe(GENESIS_HASH);
    expect(lines[1]?.prev).toBe(lines[0]?.hash);
    expect(Object.keys(lines[0] ?? {})).toEqual(['seq', 'at', 'id', 'prev', 'hash', 'data']);
    expect(lines[0]?.hash).toBe(entryHash(GENESIS_HASH, { seq: 1, at: String(lines[0]?.at), id: 'ev-1', data: lines[0]?.data }));
    expect(result).toMatchObject({ appended: 3, skipped: [], head: { seq: 3, hash: lines[2]?.hash } });
  });

  it('starts a new file when the UTC day changes and keeps seq going', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa');

    log.append(qaEvents(3, { from: '2026-11-23T23:58:30.000Z' }));

    expect(readdirSync(dir).sort()).toEqual(['qa-2026-11-23.jsonl', 'qa-2026-11-24.jsonl']);
    expect(readLinesOf(join(dir, 'qa-2026-11-24.jsonl')).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([3]);
    expect(verifyAuditLog(dir, 'qa')).toMatchObject({ ok: true, entries: 3 });
  });

  it('never goes back to an earlier day file when `at` moves backwards', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa');

    log.append(qaEvents(1, { from: '2026-11-24T00:00:05.000Z' }));
    log.append(qaEvents(1, { start: 2, from: '2026-11-23T23:59:59.000Z' }));

    expect(readdirSync(dir)).toEqual(['qa-2026-11-24.jsonl']);
    expect(verifyAuditLog(dir, 'qa')).toMatchObject({ ok: true, entries: 2 });
  });

  it('rotates to numbered files when a file would exceed maxBytes, seq continuing across them', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa', { maxBytes: 1500 });

    log.append(qaEvents(5));
    log.append(qaEvents(5, { start: 6, from: '2026-11-23T16:00:00.000Z' }));

    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(files).toContain('qa-2026-11-23.1.jsonl');
    for (const file of files) expect(statSync(join(dir, file)).size).toBeLessThanOrEqual(1500);
    expect([...readAuditLog(dir, 'qa')].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(verifyAuditLog(dir, 'qa')).toMatchObject({ ok: true, entries: 10, files: expect.any(Array) });
  });

  it('puts an entry larger than maxBytes alone in its own file', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa', { maxBytes: 100 });

    log.append(qaEvents(2));

    expect(readdirSync(dir).sort()).toEqual(['qa-2026-11-23.1.jsonl', 'qa-2026-11-23.jsonl']);
  });

  it('recovers the head from disk in a new instance and continues the chain', () => {
    const dir = dirs.make();
    const first = new AuditLog(dir, 'actions').append([{ id: 'w1', at: '2026-11-23T15:00:00.000Z', data: writeRecord() }]);

    const second = new AuditLog(dir, 'actions');
    const result = second.append([{ id: 'w2', at: '2026-11-23T15:01:00.000Z', data: writeRecord({ outcome: 'dry-run' }) }]);

    expect(second.head.seq).toBe(2);
    expect(readHead(dir, 'actions')).toEqual(result.head);
    expect(verifyAuditLog(dir, 'actions', { expectedHead: result.head })).toMatchObject({ ok: true, entries: 2 });
    expect(first.head.seq).toBe(1);
  });

  it('keeps two instances on one directory consistent', () => {
    const dir = dirs.make();
    const a = new AuditLog(dir, 'qa');
    const b = new AuditLog(dir, 'qa');

    a.append(qaEvents(2));
    b.append(qaEvents(2, { start: 3 }));
    a.append(qaEvents(2, { start: 3 }));

    expect(verifyAuditLog(dir, 'qa')).toMatchObject({ ok: true, entries: 4 });
  });

  it('rejects a batch with an invalid event before writing any of it', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa');
    const good = qaEvents(1)[0];
    if (!good) throw new Error('fixture');

    const wrongKind = () => log.append([good, { id: 'x', at: good.at, data: writeRecord() as never }]);
    const badTime = () => log.append([{ ...good, at: '23/11/2026' }]);
    const badType = () => log.append([{ ...good, data: { ...qaVerdict(), passed: 'yes' as never } }]);

    for (const call of [wrongKind, badTime, badType]) expect(call).toThrow(AuditLogError);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('AuditLog crash recovery', () => {
  it('skips ids already written when a batch is appended again after a crash', () => {
    const dir = dirs.make();
    const batch = qaEvents(5);
    new AuditLog(dir, 'qa').append(batch);

    // Restart: the queue never marked the batch, so it comes again, followed by new events.
    const result = new AuditLog(dir, 'qa').append([...batch, ...qaEvents(2, { start: 6 })]);

    expect(result.appended).toBe(2);
    expect(result.skipped).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5']);
    expect([...readAuditLog(dir, 'qa')].map((e) => e.id)).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5', 'ev-6', 'ev-7']);
    expect(verifyAuditLog(dir, 'qa', { expectedHead: result.head })).toMatchObject({ ok: true, entries: 7 });
  });

  it('skips re-appended ids even when the first attempt spanned a rotation', () => {
    const dir = dirs.make();
    const batch = qaEvents(4, { from: '2026-11-23T23:58:00.000Z' });
    new AuditLog(dir, 'qa', { maxBytes: 1200 }).append(batch);

    const result = new AuditLog(dir, 'qa', { maxBytes: 1200 }).append(batch);

    expect(result).toMatchObject({ appended: 0, head: { seq: 4 } });
    expect(result.skipped).toHaveLength(4);
  });

  it('skips an id repeated within one batch', () => {
    const dir = dirs.make();
    const [event] = qaEvents(1);
    if (!event) throw new Error('fixture');

    const result = new AuditLog(dir, 'qa').append([event, event]);

    expect(result).toMatchObject({ appended: 1, skipped: ['ev-1'] });
  });

  it('cuts off a half-written last line left by a crash and continues the chain', () => {
    const dir = dirs.make();
    new AuditLog(dir, 'qa').append(qaEvents(2));
    const file = join(dir, 'qa-2026-11-23.jsonl');
    appendFileSync(file, '{"seq":3,"at":"2026-11-23T15:02:00.000Z","id":"ev-3","pr');

    expect(readHead(dir, 'qa').seq).toBe(2);
    const result = new AuditLog(dir, 'qa').append(qaEvents(2, { start: 3 }));

    expect(result.head.seq).toBe(4);
    expect(verifyAuditLog(dir, 'qa', { expectedHead: result.head })).toMatchObject({ ok: true, entries: 4 });
  });

  it('refuses to append when the last complete line cannot be read', () => {
    const dir = dirs.make();
    new AuditLog(dir, 'qa').append(qaEvents(2));
    appendFileSync(join(dir, 'qa-2026-11-23.jsonl'), 'garbage\n');

    expect(() => new AuditLog(dir, 'qa').append(qaEvents(1, { start: 3 }))).toThrow(/cannot be read/);
  });
});

describe('readHead', () => {
  it('is seq 0 with the genesis hash for a log with no files', () => {
    expect(readHead(dirs.make(), 'qa')).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('looks past an empty newest file', () => {
    const dir = dirs.make();
    const { head } = new AuditLog(dir, 'qa').append(qaEvents(2));
    writeFileSync(join(dir, 'qa-2026-11-24.jsonl'), '');

    expect(readHead(dir, 'qa')).toEqual(head);
  });
});
