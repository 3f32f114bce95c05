import { describe, expect, it } from 'vitest';
import { DEFAULT_NORMALISE_OPTIONS, tokenise } from '../../../src/similarity/normalise.js';
import { lightStem } from '../../../src/similarity/stem.js';

describe('tokenise', () => {
  it('lower-cases, drops punctuation and English stop words', () => {
    expect(tokenise('The VPN is BROKEN, for everyone!!')).toEqual(['vpn', 'broken', 'everyon']);
  });

  it.each([
    ['mail john.doe@example.com now', '__email__'],
    ['ping 10.0.0.12:8080 fails', '__ip__'],
    ['see https://issues.apache.org/jira/browse/X?y=1', '__url__'],
    ['host db01.corp.example.com is slow', '__host__'],
    ['connect to namenode:8020', '__host__'],
    ['request id 3f2a9c8d7e6b failed', '__id__'],
    ['guid 123e4567-e89b-12d3-a456-426614174000', '__id__'],
    ['order 12345678 missing', '__id__'],
  ])('masks ids and addresses: %s', (text, placeholder) => {
    expect(tokenise(text)).toContain(placeholder);
  });

  it('keeps ticket numbers and CVE ids as single tokens by default', () => {
    expect(tokenise('Same as HADOOP-1234 and INC0012345, see CVE-2022-42889')).toEqual(expect.arrayContaining(['hadoop-1234', 'inc0012345', 'cve-2022-42889']));
  });

  it('masks or drops ticket numbers when asked', () => {
    expect(tokenise('dup of INC0012345', { ...DEFAULT_NORMALISE_OPTIONS, tickets: 'mask' })).toEqual(['dup', '__ticket__']);
    expect(tokenise('dup of INC0012345', { ...DEFAULT_NORMALISE_OPTIONS, tickets: 'drop' })).toEqual(['dup']);
  });

  it('keeps version numbers whole and drops short plain numbers', () => {
    expect(tokenise('broken in 0.20.2 since step 3')).toEqual(['broken', '0.20.2', 'sinc', 'step']);
    expect(tokenise('jetty v9.4.48')).toEqual(['jetty', '9.4.48']);
  });

  it('splits dotted Java identifiers and camelCase into parts, keeping the whole name', () => {
    const tokens = tokenise('NPE in org.apache.hadoop.fs.FileSystem');
    expect(tokens).toEqual(expect.arrayContaining(['org.apache.hadoop.fs.filesystem', 'hadoop', 'fs', 'filesystem', 'file', 'system']));
    expect(tokenise('getFileStatus')).toEqual(['getfilestatus', 'get', 'file', 'status']);
  });

  it('does not treat a Java package ending in a TLD-like segment as a host', () => {
    expect(tokenise('org.apache.hadoop.io.Text')).not.toContain('__host__');
  });

  it('does not split plural acronyms', () => {
    expect(tokenise('APIs')).toEqual(['apis']);
  });

  it('ignores Jira markup', () => {
    expect(tokenise('h4. Error\n{code:java}throw x{code}')).toEqual(['error', 'throw']);
  });

  it('stems lightly so inflections meet', () => {
    expect(tokenise('failed failing fails')).toEqual(['fail', 'fail', 'fail']);
    expect(lightStem('configured')).toBe(lightStem('configure'));
    expect(lightStem('queries')).toBe('query');
    expect(lightStem('running')).toBe('run');
    expect(lightStem('access')).toBe('access');
  });

  it('is pure: the same input gives the same tokens', () => {
    const text = 'Printer on floor 3 jams again; user bob@example.com';
    expect(tokenise(text)).toEqual(tokenise(text));
  });
});
