import { describe, expect, it } from 'vitest';
import { DEFAULT_NORMALISE_OPTIONS, registeredDomain, tokenise } from '../../../src/similarity/normalise.js';
import { lightStem } from '../../../src/similarity/stem.js';

describe('tokenise', () => {
  it('lower-cases, drops punctuation and English stop words', () => {
    expect(tokenise('The VPN is BROKEN, for everyone!!')).toEqual(['vpn', 'broken', 'everyon']);
  });

  it.each([
    ['mail john.doe@example.com now', '__email__'],
    ['ping 10.0.0.12:8080 fails', '__ip__'],
    ['Outlook asks for the password of jane.smith@contoso.onmicrosoft.com again', '__email__'],
    ['request id 3f2a9c8d7e6b failed', '__id__'],
    ['guid 123e4567-e89b-12d3-a456-426614174000', '__id__'],
    ['Correlation ID: 5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b', '__id__'],
    ['order 12345678 missing', '__id__'],
  ])('masks what differs in every report: %s', (text, placeholder) => {
    expect(tokenise(text)).toContain(placeholder);
  });

  describe('host names (the site a report is about)', () => {
    it('keeps the registered domain of a "page X does not load" report', () => {
      // Firefox Bugzilla style: what the duplicates share is the site.
      expect(tokenise('dict.leo.org renders blank')).toEqual(['@leo.org', 'render', 'blank']);
      expect(tokenise('http://dict.leo.org/ende?search=haus shows nothing')).toEqual(['@leo.org', '__url__', 'show', 'noth']);
    });

    it('keeps only the domain of a URL: its path and query become __url__', () => {
      const tokens = tokenise('Video does not play on https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s since update');
      expect(tokens).toEqual(['video', 'play', '@youtube.com', '__url__', 'sinc', 'updat']);
    });

    it('drops www. and the path, so a bare host and a link to the same site meet', () => {
      expect(tokenise('www.ebay.de shows a blank page')).toContain('@ebay.de');
      expect(tokenise('http://ebay.de/itm/1234 shows a blank page')).toContain('@ebay.de');
    });

    it('reads a co.uk-style name as a three-label registered domain', () => {
      expect(tokenise('Layout broken on news.bbc.co.uk in Firefox 12')).toEqual(['layout', 'broken', '@bbc.co.uk', 'firefox']);
      expect(registeredDomain('www.abc.net.au')).toBe('abc.net.au');
      expect(registeredDomain('dict.leo.org')).toBe('leo.org');
    });

    it('reads a host with a port as the host', () => {
      expect(tokenise('JDBC connection to db01.corp.local:5432 times out')).toEqual(['jdbc', 'connection', '@corp.local', 'time']);
    });

    it('keeps the word of a one-label name with a port (namenode:8020 is about the namenode)', () => {
      expect(tokenise('connect to namenode:8020 refused')).toEqual(['connect', 'namenod', 'refus']);
    });

    it('does not read Java packages or source files as hosts', () => {
      expect(tokenise('org.apache.hadoop.io.Text').some((t) => t.startsWith('@'))).toBe(false);
      expect(tokenise('ClassNotFoundException: org.apache.hadoop.net.NetUtils in java.net').some((t) => t.startsWith('@'))).toBe(false);
      expect(tokenise('python setup.py install fails, see main.rs and README.md').some((t) => t.startsWith('@'))).toBe(false);
      expect(tokenise('mapreduce.job.name is ignored; log.info prints user.home and job.id').some((t) => t.startsWith('@'))).toBe(false);
    });

    it('reads a host written in Unicode and its punycode form as the same registered domain', () => {
      expect(tokenise('Online-Shop bücher.de lädt seit dem Update nicht mehr')).toContain('@xn--bcher-kva.de');
      expect(tokenise('xn--bcher-kva.de returns 502 since the update')).toContain('@xn--bcher-kva.de');
      expect(tokenise('Checkout on https://www.bücher.de/warenkorb?id=7 hangs')).toEqual(['checkout', '@xn--bcher-kva.de', '__url__', 'hang']);
      expect(tokenise('Portal www.münchen.de unreachable from the VPN')).toEqual(['portal', '@xn--mnchen-3ya.de', 'unreachabl', 'vpn']);
      expect(tokenise('Checkout on https://www.BÜCHER.DE/x hangs')).toContain('@xn--bcher-kva.de');
      expect(tokenise('www.Bücher.DE/x is down')).toContain('@xn--bcher-kva.de');
    });

    it('applies the top-level-domain rule to non-ASCII names too: a missing space after a full stop is no host', () => {
      expect(tokenise('Die Größe.Die Datei straße.txt fehlt').some((t) => t.startsWith('@'))).toBe(false);
      expect(tokenise('Mail to info@bücher.de bounces')).toEqual(['mail', '__email__', 'bounc']);
    });

    it('masks hosts as __host__ when asked', () => {
      expect(tokenise('dict.leo.org renders blank', { ...DEFAULT_NORMALISE_OPTIONS, domains: 'mask' })).toEqual(['__host__', 'render', 'blank']);
    });
  });

  describe('stack frames (source positions, not hosts)', () => {
    it('reads a .NET frame as file:line, the shape of a Java frame', () => {
      const trace = 'System.NullReferenceException: Object reference not set to an instance of an object.\r\n   at MyApp.Program.Main(String[] args) in C:\\src\\MyApp\\Program.cs:line 12';
      const tokens = tokenise(trace);
      expect(tokens).toContain('program.cs:12');
      expect(tokens).toEqual(expect.arrayContaining(['myapp.program.main', 'program', 'main', 'src']));
      expect(tokens).not.toContain('line');
      expect(tokenise('at Billing.Invoice.Post() in /home/build/src/Billing/Invoice.vb:line 7')).toEqual([
        'billing.invoice.post',
        'bill',
        'invoic',
        'post',
        'home',
        'build',
        'src',
        'bill',
        'invoice.vb:7',
      ]);
      expect(tokenise('Foo.vb:line 7')).toEqual(['foo.vb:7']);
      expect(tokenise('at MyApp.Form1.InitializeComponent() in C:\\src\\MyApp\\Form1.Designer.cs:line 33')).toContain('form1.designer.cs:33');
    });

    it('reads ":line" without a line number after it as words', () => {
      expect(tokenise('The error is on Program.cs:line twelve')).toEqual(['error', 'program', 'cs', 'line', 'twelv']);
    });

    it('reads Java frames as file:line and keeps the class and method names', () => {
      const tokens = tokenise('java.io.IOException: Filesystem closed\n\tat org.apache.hadoop.fs.FileSystem.get(FileSystem.java:123)');
      expect(tokens).toContain('filesystem.java:123');
      expect(tokens).toEqual(expect.arrayContaining(['org.apache.hadoop.fs.filesystem.get', 'filesystem', 'file', 'system']));
      expect(tokens.some((t) => t.startsWith('@') || t === '__host__')).toBe(false);
    });

    it('reads a Python traceback frame as file:line', () => {
      const tokens = tokenise('Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/foo.py", line 12, in bar\n    baz()');
      expect(tokens).toContain('foo.py:12');
      expect(tokens).toEqual(expect.arrayContaining(['usr', 'lib', 'python3', 'foo', 'bar']));
    });

    it('reads a frame whose extension is a country code as file:line in a path or after at, in or (', () => {
      expect(tokenise('CUDA error at kernel.cu:45 illegal address')).toEqual(['cuda', 'error', 'kernel.cu:45', 'illegal', 'address']);
      expect(tokenise('Unhandled exception at src/main.cr:12:3')).toEqual(['unhandl', 'exception', 'src', 'main.cr:12']);
      expect(tokenise('failed (/opt/app/kernel.cu:45:7)')).toEqual(['fail', 'opt', 'app', 'kernel.cu:45']);
      expect(tokenise('Error in Codeunit.al:120')).toEqual(['error', 'codeunit.al:120']);
    });

    it('keeps hosts with a port as hosts next to such frames', () => {
      expect(tokenise('at db01.corp.local:5432 and at api.example.com:8443')).toEqual(['@corp.local', '@example.com']);
      expect(tokenise('proxy to foo.io:12 refused')).toEqual(['proxy', '@foo.io', 'refus']);
      expect(tokenise('see http://host.de:8080/a/kernel.cu:45')).toEqual(['see', '@host.de', '__url__']);
    });

    it('drops the column of a JavaScript frame', () => {
      expect(tokenise('TypeError: x is undefined @ resource://gre/modules/Foo.jsm and at render (app.js:12:5)')).toContain('app.js:12');
    });
  });

  describe('issue references (kept whole, as #reference)', () => {
    it.each([
      ['Crash in nsFrame::Paint, see Bug 752376', '#752376'],
      ['Same as bug #12345 on trunk', '#12345'],
      ['Probably a dup of #12345', '#12345'],
      ['Regression from HBASE-1234 in 0.94', '#hbase-1234'],
      ['regression from hbase-1234, the fix for scans', '#hbase-1234'],
      ['Same as INC0012345 from last week', '#inc0012345'],
      ['Upgrade Jackson for CVE-2022-42889', '#cve-2022-42889'],
      ['https://bugzilla.mozilla.org/show_bug.cgi?id=752376', '#752376'],
      ['https://issues.apache.org/jira/browse/HADOOP-15185?focusedCommentId=1', '#hadoop-15185'],
    ])('%s', (text, ref) => {
      expect(tokenise(text)).toContain(ref);
    });

    it('writes the same bug the same way whichever shape cites it', () => {
      const a = tokenise('Bug 752376').filter((t) => t.startsWith('#'));
      expect(tokenise('bug #752376').filter((t) => t.startsWith('#'))).toEqual(a);
      expect(tokenise('see #752376').filter((t) => t.startsWith('#'))).toEqual(a);
      expect(tokenise('HBASE-1234').filter((t) => t.startsWith('#'))).toEqual(tokenise('hbase-1234').filter((t) => t.startsWith('#')));
    });

    it('reads a tracker word and a short number, a date or a version as prose, not a reference', () => {
      expect(tokenise('in case 500 errors appear, retry the upload')).toEqual(['case', 'error', 'appear', 'retry', 'upload']);
      expect(tokenise('users get the issue 404 page after login')).toEqual(['user', 'get', 'issu', 'page', 'login']);
      expect(tokenise('since the incident 2024-01-05 outage the VPN drops')).toEqual(['sinc', 'incident', 'outag', 'vpn', 'drop']);
      expect(tokenise('the bug 2.4.1 introduced')).toEqual(['bug', '2.4.1', 'introduc']);
    });

    it('reads a tracker word before a year (1900–2099) as prose, not a reference', () => {
      expect(tokenise('Office bug 2019 edition crashes on save')).toEqual(['offic', 'bug', 'edition', 'crash', 'save']);
      expect(tokenise('Licence issue 2024 renewal not applied')).toEqual(['licenc', 'issu', 'renewal', 'apply']);
      expect(tokenise('ticket 1999 archive missing')).toEqual(['ticket', 'archiv', 'miss']);
    });

    it('keeps a tracker word with a number that is no year, or with a #, as a reference', () => {
      expect(tokenise('Same as bug #2019, reopened')).toContain('#2019');
      expect(tokenise('Crash in nsFrame::Paint, see Bug 752376')).toContain('#752376');
      expect(tokenise('ticket 2100 reopened')).toEqual(['#2100', 'reopen']);
      expect(tokenise('ticket 1899 reopened')).toEqual(['#1899', 'reopen']);
    });

    it('reads a tracker word with a 4+ digit number, or with # and 3+ digits, as a reference', () => {
      expect(tokenise('Same crash as ticket 4711 last week')).toEqual(['crash', '#4711', 'last', 'week']);
      expect(tokenise('see bug #123 for the workaround')).toEqual(['see', '#123', 'workaround']);
    });

    it('reads HTML colour codes as numbers, not references', () => {
      expect(tokenise('<span style="color:#000000">Printer offline</span>')).toEqual(['span', 'styl', 'color', '__id__', 'printer', 'offlin', 'span']);
      expect(tokenise('<font color=#333333>Outlook</font>')).toEqual(['font', 'color', '__id__', 'outlook', 'font']);
      expect(tokenise('<td bgcolor="#336699">VPN down</td>')).toEqual(['td', 'bgcolor', '__id__', 'vpn', 'td']);
      expect(tokenise("<td bgcolor='#336699'>VPN down</td>")).toEqual(tokenise('<td bgcolor="#336699">VPN down</td>'));
    });

    it('reads a # glued to a tracker word or a repository path as the reference', () => {
      expect(tokenise('Crash again, Bug#752376 came back')).toEqual(tokenise('Crash again, Bug #752376 came back'));
      expect(tokenise('Crash again, Bug#752376 came back')).toContain('#752376');
      expect(tokenise('see issue#1234 and GH#1234')).toEqual(['see', '#1234', '#1234']);
      expect(tokenise('fixed upstream in apache/hadoop#1234')).toEqual(['fix', 'upstream', 'apach', 'hadoop', '#1234']);
    });

    it('keeps ordinary hyphenated words and HTML entities out of references', () => {
      expect(tokenise('the file is utf-8 encoded')).toEqual(['file', 'utf', 'encod']);
      expect(tokenise('&#12345; shows as a box')).not.toContain('#12345');
      expect(tokenise('step 2 of 3')).toEqual(['step']);
    });

    it('masks or drops references when asked', () => {
      expect(tokenise('dup of INC0012345', { ...DEFAULT_NORMALISE_OPTIONS, tickets: 'mask' })).toEqual(['dup', '__ticket__']);
      expect(tokenise('dup of INC0012345', { ...DEFAULT_NORMALISE_OPTIONS, tickets: 'drop' })).toEqual(['dup']);
    });
  });

  describe('four-part version numbers (not IP addresses)', () => {
    it.each([
      ['Blue screen after Windows 10.0.19041.1288 update', '10.0.19041.1288'],
      ['Crash since version 2.7.3.1 of the client', '2.7.3.1'],
      ['VPN client v4.2.0.1 drops the tunnel', '4.2.0.1'],
      ['Fails on build 6.1.7601.2 only', '6.1.7601.2'],
      ['Printer firmware 1.0.2.3 jams on duplex', '1.0.2.3'],
      ['Agent Version: 3.1.0.4 stops reporting', '3.1.0.4'],
      ['Agent Version:3.1.0.4 stops reporting', '3.1.0.4'],
      ['RELEASE 5.0.1.2 breaks SSO', '5.0.1.2'],
      ['<version>0.10.0.0</version>', '0.10.0.0'],
      ['Java crash with IBM Semeru 8.0.332.0', '8.0.332.0'],
    ])('%s: %s', (text, version) => {
      const tokens = tokenise(text);
      expect(tokens).toContain(version);
      expect(tokens).not.toContain('__ip__');
    });

    it('reads a four-part version after a version label as a three-part one is read', () => {
      expect(tokenise('version 2.7.3.1-beta')).toEqual(['version', '2.7.3.1-beta']);
      expect(tokenise('version 2.7.3-beta')).toEqual(['version', '2.7.3-beta']);
    });

    it('still masks a dotted quad of parts 0–255 as an IP when no version label stands right before it', () => {
      expect(tokenise('after the version upgrade, 10.0.0.5 is unreachable')).toEqual(['version', 'upgrad', '__ip__', 'unreachabl']);
      expect(tokenise('Server 10.20.30.40 refuses the build agent')).toContain('__ip__');
      expect(tokenise('ping 255.255.255.0 and 010.001.000.001')).toEqual(['ping', '__ip__', '__ip__']);
    });
  });

  describe('user@host (shell prompts, package versions): only local@domain.tld is an e-mail address', () => {
    it('reads a user at a host without a dot as its words', () => {
      expect(tokenise('[root@db01 ~]# systemctl restart postgresql fails')).toEqual(['root', 'db01', 'systemctl', 'restart', 'postgresql', 'fail']);
      expect(tokenise('admin@nas01:~$ df -h shows the share full')).toEqual(['admin', 'nas01', 'df', 'show', 'shar', 'full']);
    });

    it('reads a package at a version as the package and the version', () => {
      expect(tokenise('npm@7.13.0 install fails behind the proxy')).toEqual(['npm', '7.13.0', 'install', 'fail', 'behind', 'proxy']);
    });

    it('masks addresses whose domain ends in a top-level domain', () => {
      expect(tokenise('Outlook rejects root@db01.corp.local and jane.doe@contoso.co.uk')).toEqual(['outlook', 'reject', '__email__', '__email__']);
    });
  });

  it('keeps version numbers whole and drops short plain numbers', () => {
    expect(tokenise('broken in 0.20.2 since step 3')).toEqual(['broken', '0.20.2', 'sinc', 'step']);
    expect(tokenise('jetty v9.4.48')).toEqual(['jetty', '9.4.48']);
  });

  it('splits dotted Java identifiers and camelCase into parts, keeping the whole name', () => {
    const tokens = tokenise('NPE in org.apache.hadoop.fs.FileSystem');
    expect(tokens).toEqual(expect.arrayContaining(['org.apache.hadoop.fs.filesystem', 'hadoop', 'fs', 'filesystem', 'file', 'system']));
    expect(tokenise('getFileStatus')).toEqual(['getfilestatus', 'get', 'file', 'status']);
    expect(tokenise('HTTPServer2 start_http_server')).toEqual(['httpserver2', 'http', 'server2', 'start_http_server', 'start', 'http', 'server']);
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

  it('is pure: the same input gives the same tokens, with or without the word cache warm', () => {
    const text = 'Printer on floor 3 jams again; user bob@example.com';
    expect(tokenise(text)).toEqual(tokenise(text));
    expect(tokenise('Printer printer PRINTER')).toEqual(['printer', 'printer', 'printer']);
    expect(tokenise('Printer', { ...DEFAULT_NORMALISE_OPTIONS, stem: false })).toEqual(['printer']);
  });
});
