import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { GENESIS_HASH, entryHash, type ChainHead } from '../../../src/audit/chain.js';
import { formatVerifyResult, verifyAll, verifyAuditLog } from '../../../src/audit/verify.js';
import { qaEvents, readLinesOf, tempDirs, writeLinesTo, writeRecord } from './fixtures.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const DAY1 = 'qa-2026-11-23.jsonl';

interface Line {
  seq: number;
  at: string;
  id: string;
  prev: string;
  hash: string;
  data: Record<string, unknown>;
}

/** A log of `count` QA entries in one file; returns the directory, file path and stored head. */
function singleFileLog(count = 8): { dir: string; file: string; head: ChainHead } {
  const dir = dirs.make();
  const { head } = new AuditLog(dir, 'qa').append(qaEvents(count));
  return { dir, file: join(dir, DAY1), head };
}

/** Three day files of three entries each. */
function threeFileLog(): { dir: string; head: ChainHead; files: string[] } {
  const dir = dirs.make();
  const log = new AuditLog(dir, 'qa');
  log.append(qaEvents(3, { from: '2026-11-23T10:00:00.000Z' }));
  log.append(qaEvents(3, { start: 4, from: '2026-11-24T10:00:00.000Z' }));
  const { head } = log.append(qaEvents(3, { start: 7, from: '2026-11-25T10:00:00.000Z' }));
  const files = ['qa-2026-11-23.jsonl', 'qa-2026-11-24.jsonl', 'qa-2026-11-25.jsonl'].map((f) => join(dir, f));
  return { dir, head, files };
}

function parse(line: string | undefined): Line {
  if (line === undefined) throw new Error('no such line');
  return JSON.parse(line) as Line;
}

/** What a forger with the file (but not the state database) can produce: a line with a valid own hash. */
function forge(entry: Omit<Line, 'hash'>): string {
  const hash = entryHash(entry.prev, entry);
  return JSON.stringify({ ...entry, hash });
}

function edit(file: string, change: (lines: string[]) => string[]): void {
  writeLinesTo(file, change(readLinesOf(file)));
}

describe('verifyAuditLog on an intact log', () => {
  it('passes and reports entries, files and head', () => {
    const { dir, head } = threeFileLog();

    const result = verifyAuditLog(dir, 'qa', { expectedHead: head });

    expect(result).toMatchObject({ ok: true, log: 'qa', entries: 9, head });
    expect(result.files).toHaveLength(3);
    expect(formatVerifyResult(result)).toMatch(/^qa: OK, 9 entries in 3 files, head seq 9/);
  });

  it('passes for a log with no files and reports an empty head', () => {
    expect(verifyAuditLog(dirs.make(), 'actions')).toMatchObject({ ok: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it('accepts entries after the stored head only when they are exactly events still queued in the state file (a crash before the head was recorded)', () => {
    const { dir } = singleFileLog(5);
    const queued = qaEvents(5).slice(3);

    const result = verifyAuditLog(dir, 'qa', { expectedHead: { seq: 3, hash: parse(readLinesOf(join(dir, DAY1))[2]).hash }, queued });

    expect(result).toMatchObject({ ok: true, queuedBeyondHead: 2 });
    expect(formatVerifyResult(result)).toContain('2 appended but not yet recorded as the head');
  });
});

describe('verifyAuditLog catches tampering', () => {
  it('reports a changed field as "changed" at its line', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => lines.map((l, i) => (i === 3 ? l.replace('"passed":false', '"passed":true') : l)));

    const result = verifyAuditLog(dir, 'qa');

    expect(result).toMatchObject({ ok: false, entries: 3, problem: { kind: 'changed', file, line: 4, seq: 4 } });
    expect(result.problem?.message).toContain('qa-2026-11-23.jsonl:4');
    expect(formatVerifyResult(result)).toMatch(/^qa: FAILED \(changed\)/);
  });

  it('reports a changed entry whose own hash was recomputed at that entry', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const entry = parse(lines[3]);
      const { hash: _, ...rest } = { ...entry, data: { ...entry.data, assignee: 'Someone Else' } };
      return lines.map((l, i) => (i === 3 ? forge(rest) : l));
    });

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'changed', line: 4, seq: 4 });
  });

  it('reports a changed hash field as "changed"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const entry = parse(lines[2]);
      const flipped = `${entry.hash.startsWith('0') ? '1' : '0'}${entry.hash.slice(1)}`;
      return lines.map((l, i) => (i === 2 ? JSON.stringify({ ...entry, hash: flipped }) : l));
    });

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'changed', line: 3, seq: 3 });
  });

  it.each([
    ['the first entry', 0, { kind: 'removed', line: 1, seq: 2 }],
    ['a middle entry', 4, { kind: 'removed', line: 5, seq: 6 }],
  ])('reports removing %s as "removed"', (_, index, expected) => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => lines.filter((__, i) => i !== index));

    const result = verifyAuditLog(dir, 'qa');

    expect(result.problem).toMatchObject(expected);
    expect(result.problem?.message).toMatch(/entry seq \d+ is missing/);
  });

  it('reports removing the last entry as "truncated" when the stored head is given', () => {
    const { dir, file, head } = singleFileLog();
    edit(file, (lines) => lines.slice(0, -1));

    // The limit of a bare hash chain: without the stored head, a cut-off ending looks complete.
    expect(verifyAuditLog(dir, 'qa').ok).toBe(true);
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head })).toMatchObject({
      ok: false,
      problem: { kind: 'truncated', file, line: 7 },
    });
  });

  it('reports an inserted entry that links to its predecessor as "inserted"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const before = parse(lines[3]);
      const fake = forge({ seq: 5, at: before.at, id: 'fake', prev: before.hash, data: before.data });
      return [...lines.slice(0, 4), fake, ...lines.slice(4)];
    });

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'inserted', line: 5, seq: 5 });
  });

  it('reports a copy of an earlier entry inserted later as "inserted"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => [...lines.slice(0, 6), lines[1] ?? '', ...lines.slice(6)]);

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'inserted', line: 7, seq: 2 });
  });

  it('reports a hand-written extra line with a wrong hash as "inserted"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const fake = { ...parse(lines[2]), id: 'fake', seq: 42 };
      return [...lines.slice(0, 3), JSON.stringify(fake), ...lines.slice(3)];
    });

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'inserted', line: 4, seq: 42 });
  });

  it('reports an entry appended after the last one with a duplicate seq as "inserted"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const last = parse(lines.at(-1));
      return [...lines, forge({ seq: last.seq, at: last.at, id: 'fake', prev: last.hash, data: last.data })];
    });

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'inserted', line: 9 });
  });

  it('reports two swapped entries as "reordered"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => {
      const copy = [...lines];
      [copy[3], copy[4]] = [lines[4] ?? '', lines[3] ?? ''];
      return copy;
    });

    const result = verifyAuditLog(dir, 'qa');

    expect(result.problem).toMatchObject({ kind: 'reordered', line: 4, seq: 5 });
    expect(result.problem?.message).toContain('seq 4');
    expect(result.problem?.message).toContain('qa-2026-11-23.jsonl:5');
  });

  it('reports an entry moved further down as "reordered"', () => {
    const { dir, file } = singleFileLog();
    edit(file, (lines) => [...lines.slice(0, 2), ...lines.slice(3, 6), lines[2] ?? '', ...lines.slice(6)]);

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'reordered', line: 3, seq: 4 });
  });

  it.each([
    ['cut in half', (l: string) => l.slice(0, Math.floor(l.length / 2)), /not valid JSON/],
    ['garbled', () => 'this is not json', /not valid JSON/],
    ['given a wrong type', (l: string) => l.replace('"sampled":true', '"sampled":"yes"'), /sampled/],
    ['given an extra envelope field', (l: string) => l.replace('{"seq"', '{"note":"x","seq"'), /note/],
    ['blanked', () => '', /blank line/],
  ])('reports a line %s as "malformed"', (_, change, reason) => {
    const { dir, file } = singleFileLog();
    const lines = readLinesOf(file);
    writeLinesTo(file, lines.map((l, i) => (i === 2 ? change(l) : l)));

    const result = verifyAuditLog(dir, 'qa');

    expect(result.problem).toMatchObject({ kind: 'malformed', file, line: 3 });
    expect(result.problem?.message).toMatch(reason);
  });

  it('reports a last line cut without its newline as an incomplete line', () => {
    const { dir, file } = singleFileLog();
    const lines = readLinesOf(file);
    const last = lines.pop() ?? '';
    writeLinesTo(file, lines);
    appendFileSync(file, last.slice(0, 40));

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'malformed', line: 8, message: expect.stringMatching(/incomplete last line/) });
  });

  it('reports a deleted middle file as "missing-file" naming the files around the gap', () => {
    const { dir, files } = threeFileLog();
    rmSync(files[1] ?? '');

    const result = verifyAuditLog(dir, 'qa');

    expect(result.problem).toMatchObject({ kind: 'missing-file', file: files[2], line: 1, seq: 7 });
    expect(result.problem?.message).toContain('seq 4–6');
    expect(result.problem?.message).toContain('qa-2026-11-23.jsonl');
  });

  it('reports a deleted first file as "removed"', () => {
    const { dir, files } = threeFileLog();
    rmSync(files[0] ?? '');

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'removed', file: files[1], line: 1, seq: 4 });
  });

  it('reports a deleted last file as "truncated" when the stored head is given', () => {
    const { dir, files, head } = threeFileLog();
    rmSync(files[2] ?? '');

    expect(verifyAuditLog(dir, 'qa').ok).toBe(true);
    const result = verifyAuditLog(dir, 'qa', { expectedHead: head });
    expect(result.problem).toMatchObject({ kind: 'truncated', file: files[1], line: 3 });
    expect(result.problem?.message).toContain('recorded seq 9');
  });

  it('catches a whole-log rewrite with recomputed hashes only through the stored head', () => {
    const { dir, file, head } = singleFileLog();
    edit(file, (lines) => {
      let prev = GENESIS_HASH;
      return lines.map((l, i) => {
        const entry = parse(l);
        const data = i === 2 ? { ...entry.data, passed: true } : entry.data;
        const line = forge({ seq: entry.seq, at: entry.at, id: entry.id, prev, data });
        prev = parse(line).hash;
        return line;
      });
    });

    // A forger who recomputes every hash produces a valid chain: the log alone cannot tell.
    expect(verifyAuditLog(dir, 'qa').ok).toBe(true);
    expect(verifyAuditLog(dir, 'qa', { expectedHead: head }).problem).toMatchObject({ kind: 'changed', line: 8, seq: 8 });
  });
});

describe('verifyAll', () => {
  it('checks both logs against their stored heads', () => {
    const dir = dirs.make();
    const qa = new AuditLog(dir, 'qa').append(qaEvents(2));
    const actions = new AuditLog(dir, 'actions').append([{ id: 'w1', at: '2026-11-23T15:00:00.000Z', data: writeRecord() }]);

    expect(verifyAll(dir, { qa: qa.head, actions: actions.head }).ok).toBe(true);
    const cut = verifyAll(dir, { qa: qa.head, actions: { seq: 2, hash: actions.head.hash } });
    expect(cut.ok).toBe(false);
    expect(cut.results.map((r) => [r.log, r.ok])).toEqual([
      ['qa', true],
      ['actions', false],
    ]);
  });

  it('treats a write record in the qa log as malformed', () => {
    const dir = dirs.make();
    new AuditLog(dir, 'actions').append([{ id: 'w1', at: '2026-11-23T15:00:00.000Z', data: writeRecord() }]);
    writeLinesTo(join(dir, DAY1), readLinesOf(join(dir, 'actions-2026-11-23.jsonl')));

    expect(verifyAuditLog(dir, 'qa').problem).toMatchObject({ kind: 'malformed', message: expect.stringMatching(/qa payload/) });
  });
});
