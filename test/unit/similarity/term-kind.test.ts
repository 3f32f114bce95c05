import { describe, expect, it } from 'vitest';
import { DEFAULT_NORMALISE_OPTIONS, tokenise } from '../../../src/similarity/normalise.js';
import { MASKABLE_TERM_KINDS, termKind } from '../../../src/similarity/term-kind.js';

const kinds = (text: string, options = DEFAULT_NORMALISE_OPTIONS): [string, string | undefined][] => tokenise(text, options).map((t) => [t, termKind(t)]);

describe('termKind', () => {
  it.each([
    ['dict.leo.org renders blank', '@leo.org', 'domains'],
    ['see https://www.youtube.com/watch?v=x', '__url__', 'urls'],
    ['mail bob@example.com', '__email__', 'emails'],
    ['ping 10.0.0.12', '__ip__', 'ips'],
    ['dup of HBASE-1234', '#hbase-1234', 'issueRefs'],
    ['See Bug 752376', '#752376', 'issueRefs'],
    ['Same as INC0012345', '#inc0012345', 'issueRefs'],
    ['order 12345678 missing', '__id__', 'ids'],
    ['at org.apache.hadoop.fs.FileSystem.get(FileSystem.java:123)', 'filesystem.java:123', 'codeRefs'],
    ['File "/usr/lib/python3/foo.py", line 12, in bar', 'foo.py:12', 'codeRefs'],
    ['at MyApp.Program.Main(String[] args) in C:\\src\\MyApp\\Program.cs:line 12', 'program.cs:12', 'codeRefs'],
    ['at Billing.Invoice.Post() in Invoice.vb:line 7', 'invoice.vb:7', 'codeRefs'],
    ['Online-Shop bücher.de lädt nicht', '@xn--bcher-kva.de', 'domains'],
  ])('%s: %s is %s', (text, term, kind) => {
    expect(kinds(text)).toContainEqual([term, kind]);
  });

  it('gives the kind of the placeholders the tokeniser masks with', () => {
    expect(termKind('__host__')).toBe('domains');
    expect(termKind('__ticket__')).toBe('issueRefs');
    expect(kinds('dict.leo.org', { ...DEFAULT_NORMALISE_OPTIONS, domains: 'mask' })).toEqual([['__host__', 'domains']]);
  });

  it('gives the kind of addresses kept whole', () => {
    const keep = { ...DEFAULT_NORMALISE_OPTIONS, addresses: 'keep' as const };
    expect(kinds('see https://x.org/a?b=1 and bob@example.com on 10.0.0.1', keep).map(([, k]) => k)).toEqual([undefined, 'urls', 'emails', 'ips']);
  });

  it('never gives a kind to words, identifiers, camelCase pieces or versions', () => {
    const text = [
      'NullPointerException in org.apache.hadoop.hdfs.DFSClient.getFileInfo after upgrade to 3.3.6',
      'Outlook keeps asking for password; VPN (GlobalProtect 5.2.13) drops every 10 minutes',
      'utf-8 sha-256 x86_64 _private __init__ e.g. i.e. log4j.properties v2.17.1 $HOME C:\\Temp',
      'Blue screen after Windows 10.0.19041.1288, IBM Semeru 8.0.332.0; [root@db01 ~]# npm@7.13.0; Office bug 2019 edition',
    ].join('\n');
    const plain = kinds(text).filter(([t]) => !t.includes(':') && !t.startsWith('@') && !t.startsWith('#') && !t.startsWith('__'));
    expect(plain.length).toBeGreaterThan(20);
    expect(plain.filter(([, kind]) => kind !== undefined)).toEqual([]);
  });

  it('only gives kinds from the maskable list', () => {
    const all = kinds('x@y.com 1.2.3.4 https://a.org/b HBASE-1 dict.leo.org Foo.java:1 deadbeef01').map(([, k]) => k);
    for (const kind of all) if (kind !== undefined) expect(MASKABLE_TERM_KINDS).toContain(kind);
  });
});
