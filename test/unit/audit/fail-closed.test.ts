import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgeBreak } from '../../../src/audit/acknowledge.js';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { entryHash, type ChainHead } from '../../../src/audit/chain.js';
import { AuditLogError } from '../../../src/audit/errors.js';
import { createAuditKey } from '../../../src/audit/hmac.js';
import { readAuditLog } from '../../../src/audit/read.js';
import { formatVerifyResult, verifyAuditLog } from '../../../src/audit/verify.js';
import { qaEvents, qaVerdict, readLinesOf, tempDirs, writeLinesTo } from './fixtures.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const DAY1 = 'qa-2026-11-23.jsonl';
const KEY = createAuditKey('k'.repeat(40));
const OTHER_KEY = createAuditKey('x'.repeat(40));

interface Line {
  seq: number;
  at: string;
  id: string;
  prev: string;
  hash: string;
  mac?: string;
  data: Record<string, unknown>;
}

function parse(line: string | undefined): Line {
  if (line === undefined) throw new Error('no such line');
  return JSON.parse(line) as Line;
}

/** A correctly chained entry after `last`, as anyone with the file (but not the state file or key) can write. */
function forgeAfter(last: Line, id: string): string {
  const entry = { seq: last.seq + 1, at: '2026-11-23T18:00:00.000Z', id, prev: last.hash, data: qaVerdict({ passed: true }) as unknown as Record<string, unknown> };
  return JSON.stringify({ ...entry, hash: entryHash(entry.prev, entry) });
}

function log5(options: { key?: boolean } = {}): { dir: string; file: string; head: ChainHead } {
  const dir = dirs.make();
  const { head } = new AuditLog(dir, 'qa', options.key ? { hmacKey: KEY } : {}).append(qaEvents(5));
  return { dir, file: join(dir, DAY1), head };
}

describe('verify fails closed on what the chain alone cannot show', () => {
  it('fails on a correctly chained entry forged after the recorded head, naming file:line', () => {
    const { dir, file, head } = log5();
    appendFileSync(file, `${forgeAfter(parse(readLinesOf(file)[4]), 'forged-1')}\n`);

    const result = verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true });

    expect(result).toMatchObject({ ok: false, problem: { kind: 'beyond-head', file, line: 6, seq: 6 } });
    expect(result.problem?.message).toContain(`${DAY1}:6`);
    expect(formatVerifyResult(result)).toMatch(/^qa: FAILED \(beyond-head\)/);
  });

  it('fails when the state file has no head for a log that has entries (audit_heads row deleted)', () => {
    const { dir, file } = log5();

    const result = verifyAuditLog(dir, 'qa', { headRequired: true });

    expect(result).toMatchObject({ ok: false, problem: { kind: 'missing-head', file, line: 5 } });
    // Without a state file to compare with, the chain is all there is to check.
    expect(verifyAuditLog(dir, 'qa').ok).toBe(true);
  });

  it('fails on a deleted day file in the middle (missing-file) and at the end (truncated), and the writer sees both', () => {
    const dir = dirs.make();
    const log = new AuditLog(dir, 'qa');
    log.append(qaEvents(3, { from: '2026-11-23T10:00:00.000Z' }));
    log.append(qaEvents(3, { start: 4, from: '2026-11-24T10:00:00.000Z' }));
    const { head } = log.append(qaEvents(3, { start: 7, from: '2026-11-25T10:00:00.000Z' }));
    rmSync(join(dir, 'qa-2026-11-24.jsonl'));

    expect(verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true }).problem).toMatchObject({ kind: 'missing-file', file: join(dir, 'qa-2026-11-25.jsonl'), line: 1 });
    expect(new AuditLog(dir, 'qa').inspect().problem).toMatchObject({ kind: 'missing-file', file: join(dir, 'qa-2026-11-25.jsonl'), line: 1 });

    rmSync(join(dir, 'qa-2026-11-25.jsonl'));
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true }).problem).toMatchObject({ kind: 'truncated' });
  });

  it('refuses to append onto a tail that is not the expected head, and leaves the files untouched', () => {
    const { dir, file, head } = log5();
    writeLinesTo(file, readLinesOf(file).slice(0, 3));
    const before = readLinesOf(file);

    expect(() => new AuditLog(dir, 'qa').append(qaEvents(1, { start: 9 }), { expectedHead: head })).toThrow(AuditLogError);
    expect(readLinesOf(file)).toEqual(before);
  });
});

describe('HMAC over each entry hash', () => {
  it('signs every entry, verifies with the key, and says it did not check without it', () => {
    const { dir, head } = log5({ key: true });

    const withKey = verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true, hmacKey: KEY });
    expect(withKey).toMatchObject({ ok: true, hmac: { checked: true, signed: 5, unsigned: 0 } });
    expect(formatVerifyResult(withKey)).toContain('HMAC valid on 5 entries');
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head, hmacKey: OTHER_KEY }).problem).toMatchObject({ kind: 'mac', line: 1 });
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head })).toMatchObject({ ok: true, hmac: { checked: false, signed: 5 } });
  });

  it('catches a rewrite of the log and the recorded head together, which the chain alone cannot', () => {
    const { dir, file } = log5({ key: true });
    // The forger rewrites entry 5 and recomputes its hash; without the key the old mac no longer fits.
    const lines = readLinesOf(file);
    const last = parse(lines[4]);
    const data = { ...last.data, passed: true };
    const hash = entryHash(last.prev, { seq: last.seq, at: last.at, id: last.id, data });
    lines[4] = JSON.stringify({ ...last, hash, data });
    writeLinesTo(file, lines);
    const rewrittenHead = { seq: 5, hash };

    expect(verifyAuditLog(dir, 'qa', { expectedHead: rewrittenHead, headRequired: true }).ok).toBe(true);
    expect(verifyAuditLog(dir, 'qa', { expectedHead: rewrittenHead, headRequired: true, hmacKey: KEY }).problem).toMatchObject({ kind: 'mac', line: 5, seq: 5 });
  });

  it('fails on an unsigned entry after signed ones, and on a log with no signature at all while the key is set', () => {
    const { dir, file } = log5({ key: true });
    appendFileSync(file, `${forgeAfter(parse(readLinesOf(file)[4]), 'forged-1')}\n`);
    expect(verifyAuditLog(dir, 'qa', { hmacKey: KEY }).problem).toMatchObject({ kind: 'mac', line: 6 });

    const unsigned = log5();
    expect(verifyAuditLog(unsigned.dir, 'qa', { expectedHead: unsigned.head, hmacKey: KEY }).problem).toMatchObject({ kind: 'mac' });
  });

  it('never shows the key: not in errors about it, not when the key object is logged', () => {
    const secret = 'short-secret-value';
    expect(() => createAuditKey(secret)).toThrow(/too short \(18 characters\)/);
    try {
      createAuditKey(secret);
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
    expect(JSON.stringify({ key: KEY })).not.toContain('kkkk');
    expect(inspect(KEY)).not.toContain('kkkk');
  });
});

describe('acknowledged breaks', () => {
  it('starts a linked segment that records a truncation; verify reports it as acknowledged and checks both segments', () => {
    const { dir, file, head } = log5({ key: true });
    writeLinesTo(file, readLinesOf(file).slice(0, 3));
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head, headRequired: true, hmacKey: KEY }).problem).toMatchObject({ kind: 'truncated' });

    const ack = acknowledgeBreak(dir, 'qa', { recordedHead: head, hmacKey: KEY, by: 'auditor', reason: 'restored disk lost the last two verdicts', now: () => new Date('2026-11-23T20:00:00.000Z') });
    if (!ack.acknowledged) throw new Error('not acknowledged');
    expect(ack.problem.kind).toBe('truncated');
    expect(ack.file).toBe(join(dir, 'qa-2026-11-23.1.jsonl'));
    // Linked to the recorded head (seq 5), not to what was left on disk (seq 3).
    expect(ack.head.seq).toBe(6);
    const breakLine = parse(readLinesOf(ack.file)[0]);
    expect(breakLine).toMatchObject({ prev: head.hash, data: { kind: 'audit-break', recordedHead: head, foundHead: { seq: 3 }, found: { kind: 'truncated', file: DAY1, line: 3 }, by: 'auditor' } });
    expect(ack.after.ok).toBe(true);

    // Writing resumes in the new segment.
    const { head: newHead } = new AuditLog(dir, 'qa', { hmacKey: KEY }).append(qaEvents(2, { start: 20, from: '2026-11-23T21:00:00.000Z' }), { expectedHead: ack.head });
    const result = verifyAuditLog(dir, 'qa', { expectedHead: newHead, headRequired: true, hmacKey: KEY });
    expect(result).toMatchObject({ ok: true, head: newHead });
    expect(result.segments).toHaveLength(2);
    expect(result.segments[0]).toMatchObject({ index: 1, entries: 3, acknowledged: { kind: 'truncated' } });
    expect(result.segments[1]).toMatchObject({ index: 2, entries: 3, opened: { by: 'auditor', reason: 'restored disk lost the last two verdicts', at: '2026-11-23T20:00:00.000Z' } });
    const text = formatVerifyResult(result);
    expect(text).toMatch(/^qa: OK with 1 acknowledged break/);
    expect(text).toContain('ACKNOWLEDGED break: truncated');
    expect(text).toContain('acknowledged by auditor');
    // Readers of verdicts do not see the break record.
    expect([...readAuditLog(dir, 'qa')].map((e) => e.id)).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-20', 'ev-21']);
  });

  it('acknowledges forged entries past the head and a deleted head row', () => {
    const { dir, file, head } = log5();
    appendFileSync(file, `${forgeAfter(parse(readLinesOf(file)[4]), 'forged-1')}\n`);
    const forged = acknowledgeBreak(dir, 'qa', { recordedHead: head, by: 'auditor', reason: 'test entry added by hand' });
    expect(forged).toMatchObject({ acknowledged: true, problem: { kind: 'beyond-head', line: 6 }, after: { ok: true } });

    const other = log5();
    const noHead = acknowledgeBreak(other.dir, 'qa', { recordedHead: undefined, by: 'auditor', reason: 'state file rebuilt' });
    expect(noHead).toMatchObject({ acknowledged: true, problem: { kind: 'missing-head' }, linkedTo: other.head, after: { ok: true } });
  });

  it('refuses to acknowledge an intact log', () => {
    const { dir, head } = log5();
    expect(acknowledgeBreak(dir, 'qa', { recordedHead: head, by: 'auditor', reason: 'just because' })).toMatchObject({ acknowledged: false, why: 'intact' });
    expect(readdirSync(dir)).toEqual([DAY1]);
  });

  it('fails again when the acknowledged segment is changed after the acknowledgment', () => {
    const { dir, file, head } = log5();
    writeLinesTo(file, readLinesOf(file).slice(0, 4));
    const ack = acknowledgeBreak(dir, 'qa', { recordedHead: head, by: 'auditor', reason: 'lost one entry' });
    if (!ack.acknowledged) throw new Error('not acknowledged');
    // Someone now also edits entry 2 of the old segment.
    const lines = readLinesOf(file);
    lines[1] = (lines[1] ?? '').replace('"passed":false', '"passed":true');
    writeLinesTo(file, lines);

    const result = verifyAuditLog(dir, 'qa', { expectedHead: ack.head, headRequired: true });

    expect(result).toMatchObject({ ok: false, problemBeforeBreak: true, problem: { kind: 'changed', line: 2 } });
    expect(result.problem?.message).toContain('not the problem acknowledged');
    expect(acknowledgeBreak(dir, 'qa', { recordedHead: ack.head, by: 'auditor', reason: 'again' })).toMatchObject({ acknowledged: false, why: 'changed-after-acknowledgment' });
  });
});
