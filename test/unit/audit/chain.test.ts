import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/audit/canonical.js';
import { GENESIS_HASH, entryHash } from '../../../src/audit/chain.js';
import { AuditEnvelope, QaVerdict, WriteRecord } from '../../../src/audit/schema.js';
import { qaVerdict, writeRecord } from './fixtures.js';

describe('canonical JSON', () => {
  it('sorts object keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, so upper case comes before lower case', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it('leaves out undefined members and keeps array order', () => {
    expect(canonicalJson({ a: undefined, b: [2, 1] })).toBe('{"b":[2,1]}');
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    const text = 'quote " backslash \\ tab \t nl \n ctrl \u0001 slash / é 😀 \u2028';

    expect(canonicalJson(text)).toBe(JSON.stringify(text));
    expect(canonicalJson(text)).toContain('\\u0001');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a Date', new Date(0)],
    ['a function', () => 1],
  ])('rejects %s rather than coercing it', (_, value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });
});

describe('entry hash', () => {
  it('is sha256 over prev, a newline and the canonical JSON of seq, at, id and data', () => {
    const fields = { seq: 1, at: '2026-11-23T15:00:00.000Z', id: 'ev-1', data: { kind: 'x', b: 2, a: 1 } };
    const preimage = `${GENESIS_HASH}\n{"at":"2026-11-23T15:00:00.000Z","data":{"a":1,"b":2,"kind":"x"},"id":"ev-1","seq":1}`;

    expect(entryHash(GENESIS_HASH, fields)).toBe(createHash('sha256').update(preimage).digest('hex'));
  });

  it('changes when any covered field or the previous hash changes', () => {
    const fields = { seq: 1, at: '2026-11-23T15:00:00.000Z', id: 'ev-1', data: { n: 1 } };
    const base = entryHash(GENESIS_HASH, fields);

    expect(entryHash('1'.repeat(64), fields)).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, seq: 2 })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, id: 'ev-2' })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, data: { n: 2 } })).not.toBe(base);
  });
});

describe('audit schemas', () => {
  it('accept the payloads the lead writes and keep unknown extra fields', () => {
    const verdict = QaVerdict.parse({ ...qaVerdict(), extra: 'kept' });

    expect(verdict.extra).toBe('kept');
    expect(WriteRecord.parse(writeRecord({ outcome: 'failed', error: 'HTTP 500' })).outcome).toBe('failed');
    expect(QaVerdict.safeParse(qaVerdict({ group: undefined, assignee: undefined, resolvedAt: undefined })).success).toBe(true);
  });

  it.each([
    ['passed as a string', { ...qaVerdict(), passed: 'no' }],
    ['a check without severity', { ...qaVerdict(), checks: [{ id: 'x', passed: true, message: '' }] }],
    ['a numeric ticket number', { ...qaVerdict(), ticket: { key: 'k', source: 's', number: 12 } }],
    ['group as null', { ...qaVerdict(), group: null }],
  ])('reject a QA verdict with %s', (_, value) => {
    expect(QaVerdict.safeParse(value).success).toBe(false);
  });

  it('rejects an unknown write outcome and a fractional attempt', () => {
    expect(WriteRecord.safeParse({ ...writeRecord(), outcome: 'maybe' }).success).toBe(false);
    expect(WriteRecord.safeParse({ ...writeRecord(), attempt: 1.5 }).success).toBe(false);
  });

  it('rejects envelope fields the hash does not cover', () => {
    const envelope = { seq: 1, at: '2026-11-23T15:00:00.000Z', id: 'e', prev: GENESIS_HASH, hash: GENESIS_HASH, data: {} };

    expect(AuditEnvelope.safeParse(envelope).success).toBe(true);
    expect(AuditEnvelope.safeParse({ ...envelope, note: 'sneaky' }).success).toBe(false);
    expect(AuditEnvelope.safeParse({ ...envelope, at: '2026-11-23 15:00' }).success).toBe(false);
  });
});
