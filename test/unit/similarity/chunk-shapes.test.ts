import { describe, expect, it } from 'vitest';
import { tokenise } from '../../../src/similarity/normalise.js';

// The hand scans of chunk-shapes.ts must give the tokens the master pattern gave for these shapes
// (checked against the previous tokeniser over the Hadoop, help-desk and bench-pool texts).
describe('chunks scanned by hand give the master pattern’s tokens', () => {
  it('reads a host with dashed labels and a port as its registered domain, an IP as __ip__', () => {
    expect(tokenise('Application on ber-srv468.corp.local:8080 (10.209.30.253)')).toEqual(['application', '@corp.local', '__ip__']);
  });

  it('keeps only the hour word of an ISO time, as the pattern did', () => {
    expect(tokenise('at 2024-04-06T02:40:26.342Z')).toEqual(['t02']);
  });

  it('masks a 0x hex id of 8+ digits and reads a shorter or letterless one as the word after 0', () => {
    expect(tokenise('Error 0x8007a130, then 0x80072007')).toEqual(['error', '__id__', 'x80072007']);
  });

  it('keeps Jira keys and CVE ids as references', () => {
    expect(tokenise('HADOOP-17728, CVE-2019-20330.')).toEqual(['#hadoop-17728', '#cve-2019-20330']);
  });

  it('tells asset tags (words) from desk ticket numbers and hex ids', () => {
    expect(tokenise('Asset tag LT011883 and INC0012345 and deadbeef42')).toEqual(['asset', 'tag', 'lt011883', '#inc0012345', '__id__']);
  });

  it('splits words joined by punctuation and keeps snake_case whole with its pieces', () => {
    expect(tokenise('spark-shell throttling/retry snake_case')).toEqual(['spark', 'shell', 'throttl', 'retry', 'snake_case', 'snak', 'case']);
  });

  it('keeps stack frames without the column, and splits dotted identifiers', () => {
    expect(tokenise('at DatabaseDescriptor.java:288 and app.js:12:5; spark.yarn.jars')).toEqual(['databasedescriptor.java:288', 'app.js:12', 'spark.yarn.jars', 'spark', 'yarn', 'jar']);
  });

  it('reads versions, the first four parts of a five-part dotted number as an IP, and long numbers as ids', () => {
    expect(tokenise('jetty 9.4.48 on 1.2.3.4.5 id 139810402694976')).toEqual(['jetty', '9.4.48', '__ip__', 'id', '__id__']);
  });

  it('reads a dotted quad with a part above 255 as a version, whether the chunk is scanned by hand or by the pattern', () => {
    expect(tokenise('IBM Semeru 8.0.332.0 crash')).toEqual(['ibm', 'semeru', '8.0.332.0', 'crash']);
    expect(tokenise('java=8.0.332.0 crash')).toEqual(['java', '8.0.332.0', 'crash']);
  });

  it('reads a dotted quad after a version label as a version, whether the chunk is scanned by hand or by the pattern', () => {
    expect(tokenise('firmware 10.0.0.1')).toEqual(['firmwar', '10.0.0.1']);
    expect(tokenise('Firmware:10.0.0.1')).toEqual(['firmwar', '10.0.0.1']);
    expect(tokenise('(10.0.0.1) and host=10.0.0.1')).toEqual(['__ip__', 'host', '__ip__']);
  });

  it('reads a package ending in a top-level domain as an identifier, a name.tld:port as a host', () => {
    expect(tokenise('org.apache.io and foo.io:12')).toEqual(['org.apache.io', 'org', 'apach', 'io', '@foo.io']);
  });
});
