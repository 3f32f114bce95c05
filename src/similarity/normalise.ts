import { domainToASCII, domainToUnicode } from 'node:url';
import { alnumKind, DESK_TICKET_PREFIXES, isTrailing, scanShape, type HostNames } from './chunk-shapes.js';
import { lightStem } from './stem.js';
import { STOP_WORDS } from './stopwords.js';

/**
 * What to do with an id-like token (ticket numbers, hex/GUID/long numeric ids, host names,
 * e-mail addresses, IPs, URLs). `mask` replaces it with a placeholder token such as `__url__`,
 * `keep` keeps it as one token (see the token shapes below), `drop` removes it.
 */
export type IdPolicy = 'mask' | 'keep' | 'drop';

export interface NormaliseOptions {
  /**
   * Issue references: ticket numbers (INC0012345, HADOOP-1234, hbase-1234 in free text), CVE ids,
   * "Bug 752376", "issue #123", "#12345" (not "issue 404 page" nor "Office bug 2019 edition": see REF_WORDS). Kept by default, as `#` + the reference: two reports
   * citing the same issue is a real signal.
   */
  readonly tickets: IdPolicy;
  /** Long hex / GUID / 5+ digit numbers: unique per occurrence, so masked by default. */
  readonly numericIds: IdPolicy;
  /**
   * E-mail addresses (local@domain.tld only: root@db01 and npm@7.13.0 are words and a version), IPs
   * (four parts of 0–255, not after a version label: "version 2.7.3.1" is a version), and the path
   * and query of URLs (their host is a domain).
   */
  readonly addresses: IdPolicy;
  /**
   * Host names (bare, with a port, or the host of a URL). Kept by default as `@` + the
   * registered domain (`@leo.org` for dict.leo.org, `@bbc.co.uk` for www.bbc.co.uk): "dict.leo.org
   * renders blank" is about that site, and the site that fails is what such reports share. An
   * internationalised name is read in its punycode form (bücher.de → `@xn--bcher-kva.de`), so the
   * name as written and as pasted from an address bar meet.
   */
  readonly domains: IdPolicy;
  /** Keep version numbers such as 0.20.2 as single tokens. */
  readonly versions: boolean;
  /** Also emit a version's major.minor line (9.4 for 9.4.48). */
  readonly versionLines: boolean;
  /** Split dotted and camelCase identifiers into their parts (keeping the whole identifier too). */
  readonly splitIdentifiers: boolean;
  /** Apply {@link lightStem}. */
  readonly stem: boolean;
  /** Drop the English stop words in {@link STOP_WORDS}. */
  readonly stopWords: boolean;
}

export const DEFAULT_NORMALISE_OPTIONS: NormaliseOptions = {
  tickets: 'keep',
  numericIds: 'mask',
  addresses: 'mask',
  domains: 'keep',
  versions: true,
  versionLines: false,
  splitIdentifiers: true,
  stem: true,
  stopWords: true,
};

// Top-level domains a bare dotted name must end in to be read as a host (lower-case, as people
// write domains; "failed.It works" is a missing space). Left out: country codes that are also
// file extensions (.py .sh .md .rs .pl .pm .so .cc .ps .mk .ml .am .ac .in) or everyday words
// (.is .as .do .so .my .id), and the newer generic TLDs that are also the last word of config
// keys and calls (mapreduce.job.name, user.home, log.info, foo.app): "main.rs" and
// "log.info" are code, not sites. A URL's host needs none of this: the scheme says it is a host.
const TLDS = [
  'com|net|org|edu|gov|mil',
  'local|localdomain|corp|internal|lan|intra|intranet',
  'ad|ae|af|ag|ai|al|ar|at|au|az|ba|bd|be|bg|bh|br|by|bz|ca|ch|cl|cn|co|cr|cu|cx|cy|cz|de|dk|dz|ec|ee|eg|es|eu|fi|fj|fm|fr|ge|gg|gh|gr|hk|hr|hu|ie|il|io|iq|ir|it|jp|ke|kg|kh|kr|kw|kz|la|lb|li|lk|lt|lu|lv|ly|ma|me|mn|mo|mt|mu|mx|na|ng|ni|nl|no|np|nu|nz|om|pa|pe|ph|pk|pt|qa|ro|ru|rw|sa|se|sg|si|sk|sn|su|sv|th|tj|tn|to|tr|tt|tv|tw|tz|ua|ug|uk|us|uy|uz|ve|vn|ws|za|zm|zw',
].join('|');

// Second-level labels under which a country registers names (bbc.co.uk, abc.net.au, nic.or.jp):
// the registered domain of such a host has three labels, not two.
const GENERIC_SLDS = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'nic', 'mil', 'ltd', 'plc', 'sch', 'nhs', 'police', 'govt', 'gen', 'biz', 'info']);

// Dotted names starting with these are Java/Kotlin packages (org.apache.hadoop.io,
// java.net), not hosts, even when they end in a top-level domain.
const PACKAGE_ROOTS = 'org|com|net|java|javax|jdk|sun|android|androidx|kotlin|kotlinx|scala|io';

// The same lists as sets, for the hand scans of chunk-shapes.ts.
const TLD_SET: ReadonlySet<string> = new Set(TLDS.split('|'));
const PACKAGE_ROOT_SET: ReadonlySet<string> = new Set(PACKAGE_ROOTS.split('|'));
const HOST_NAMES: HostNames = { isTld: (label) => TLD_SET.has(label), isPackageRoot: (label) => PACKAGE_ROOT_SET.has(label) };

// A part of an IPv4 address, 0–255 (leading zeros allowed, as \d{1,3} did: 010.001.000.001).
const IP_PART = String.raw`(?:25[0-5]|2[0-4]\d|[01]?\d?\d)`;

// Words a "#123" may be glued to (Bug#752376), in either case: the master pattern has no i flag.
const GLUED_REF_WORDS = `(?:${['bug', 'issue', 'ticket', 'case', 'defect', 'incident', 'pr', 'mr', 'gh'].map((word) => word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)).join('|')})`;

// One master pattern (alternatives joined by |), run on the chunks of text that are not plain words
// and not of a shape chunk-shapes.ts scans by hand (it mirrors these alternatives: change both);
// alternatives are tried in this order at each position, so the more specific shapes (a URL
// contains dots and slashes, an IP looks like a version) come first. Each alternative is one
// capturing group (inner groups are non-capturing), in the order of TOKEN_KINDS: the kind of a
// match is the index of its defined group (cheaper than named groups).
const TOKEN_KINDS = ['url', 'email', 'ip', 'ticket', 'guid', 'hex', 'version', 'longnum', 'host', 'code', 'ident', 'ref', 'lticket', 'word', 'num'] as const;
type TokenKind = (typeof TOKEN_KINDS)[number];
const TOKEN_ALTERNATIVES = [
  String.raw`(\b(?:https?|ftp|file|hdfs|s3a?|wasbs?|abfss?|gs|webhdfs|jdbc:[a-z]+):\/\/[^\s<>"'()\]\[{}]+|\bwww\.[^\s<>"'()]+)`,
  // local@domain.tld: the last label letters only (or punycode), as top-level domains are; root@db01
  // (a shell prompt), npm@7.13.0 (a package at a version) and user@10.0.0.1 are no addresses.
  String.raw`(\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-]))`,
  // Four parts of 0–255: 2.7.300.1 is a version (and so is 2.7.3.1 after "version", see NO_IP).
  String.raw`(\b${IP_PART}(?:\.${IP_PART}){3}(?::\d{1,5})?\b)`,
  String.raw`(\b(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,15}-\d{1,7}|(?:${DESK_TICKET_PREFIXES})\d{5,})\b)`,
  String.raw`(\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)`,
  String.raw`(\b(?:0x)?(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)`,
  String.raw`(\bv?\d+(?:\.\d+){1,3}(?:-[A-Za-z]+\d*)?\b)`,
  String.raw`(\b\d{5,}\b)`,
  // A dotted name ending in a top-level domain, not followed by more of an identifier
  // (org.apache.hadoop.io.Text is a class) and not a package, optionally with a port.
  String.raw`(\b(?!(?:${PACKAGE_ROOTS})\.)(?:[A-Za-z0-9-]+\.)+(?:${TLDS})\b(?!-|\.\w)(?::\d{1,5}\b)?)`,
  // A source position: FileSystem.java:123, app.js:12:5, log4j.properties:7 (any extension
  // that is not a top-level domain; those were hosts with a port just above).
  String.raw`(\b[\w$-]+\.[A-Za-z][A-Za-z0-9]{0,9}:\d{1,6}(?::\d{1,6})?\b)`,
  String.raw`(\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)`,
  // "#12345", also glued to a tracker word or a repository path (Bug#752376, GH#1234,
  // apache/hadoop#1234); not an HTML entity (&#12345;) nor a colour code after ":" or "="
  // (color:#000000, bgcolor=#336699; after a quote, see scan).
  String.raw`((?:\b${GLUED_REF_WORDS}|(?<![\w&#:=])|(?<=\w\/[\w.-]{1,100}))#\d{3,9}\b)`,
  // A Jira key written in lower case in free text (hbase-1234): 3+ digits, so utf-8 stays a word.
  String.raw`(\b[a-z][a-z0-9]{1,15}-\d{3,7}\b(?![.-]\w))`,
  String.raw`([A-Za-z][A-Za-z0-9_]*)`,
  String.raw`(\d+)`,
];

// What a chunk holds, for choosing the alternatives worth trying (see patternFor).
const HAS_AT = 1;
const HAS_COLON = 2;
const HAS_DOT = 4;
const HAS_DASH = 8;
const HAS_HASH = 16;
// Not a character: the chunk follows a version label ("version 2.7.3.1", "build:6.1.7601.2"), so a
// dotted quad in it is a version, not an IP (the IP alternative is left out; the version one reads it).
const NO_IP = 32;

/**
 * Characters each alternative cannot match without (in TOKEN_KINDS order; url: a colon or a dot,
 * see patternFor). An alternative a chunk cannot match is replaced by a group that never matches,
 * so group numbers stay those of TOKEN_KINDS, and an e-mail or host alternative does not rescan
 * every run of word characters of a chunk that has no "@" or ".".
 */
const NEEDS: readonly number[] = [0, HAS_AT | HAS_DOT, HAS_DOT, 0, HAS_DASH, 0, HAS_DOT, 0, HAS_DOT, HAS_DOT | HAS_COLON, HAS_DOT, HAS_HASH, HAS_DASH, 0, 0];
const PATTERNS: (RegExp | undefined)[] = [];
const IP_ALTERNATIVE = TOKEN_KINDS.indexOf('ip');

function patternFor(has: number): RegExp {
  let pattern = PATTERNS[has];
  if (pattern === undefined) {
    const alternatives = TOKEN_ALTERNATIVES.map((alternative, i) => {
      const needs = NEEDS[i] ?? 0;
      const possible = i === 0 ? (has & (HAS_COLON | HAS_DOT)) !== 0 : i === IP_ALTERNATIVE && (has & NO_IP) !== 0 ? false : (has & needs) === needs;
      return possible ? alternative : '((?!))';
    });
    pattern = new RegExp(alternatives.join('|'), 'g');
    PATTERNS[has] = pattern;
  }
  return pattern;
}

function chunkHas(chunk: string): number {
  let has = 0;
  for (let j = 0; j < chunk.length; j++) {
    const c = chunk.charCodeAt(j);
    if (c === 64) has |= HAS_AT;
    else if (c === 58) has |= HAS_COLON;
    else if (c === 46) has |= HAS_DOT;
    else if (c === 45) has |= HAS_DASH;
    else if (c === 35) has |= HAS_HASH;
  }
  return has;
}

const PLACEHOLDER: Record<string, string> = {
  url: '__url__',
  email: '__email__',
  ip: '__ip__',
  host: '__host__',
  ticket: '__ticket__',
  guid: '__id__',
  hex: '__id__',
  longnum: '__id__',
};

// "Bug 752376", "ticket 4711", "bug #123": a reference whose word is a tracker's word. Without a
// "#" the number must have 4+ digits and be no date, year or version: "in case 500 errors appear",
// "issue 404 page", "the incident 2024-01-05 outage", "Office bug 2019 edition" and "issue 2024
// renewal" are prose (word and number read as usual; a year 1900–2099 after the word is a year).
const REF_WORDS = new Set(['bug', 'bugs', 'issue', 'issues', 'ticket', 'tickets', 'case', 'defect', 'incident', 'pr', 'mr']);
const WORD_REF = /[A-Za-z]+(?:\s{0,2}#\s?(\d{3,9})\b|\s{1,3}(?!(?:19|20)\d\d\b)(\d{4,9})\b(?![-/.]\d))/y;

// Labels after which a dotted quad is a version ("version 2.7.3.1", "Build: 6.1.7601.2", "v 4.2.0.1"),
// in either case, with a space or a colon between: see NO_IP.
const VERSION_LABELS = new Set(['v', 'ver', 'version', 'build', 'release', 'firmware']);
// The same glued to the number by a colon, in one chunk ("Version:2.7.3.1").
const VERSION_LABEL_PREFIX = /^(?:v|ver|version|build|release|firmware):\d/i;
// A Python traceback frame: File "/usr/lib/python3/foo.py", line 12, in bar.
const PY_FRAME = /File "(?:[^"\n]{0,300}[\\/])?([^"\n\\/]{1,100})", line (\d{1,6})\b/y;

/**
 * Turns free text into index terms: lower-cased, punctuation and stop words removed, ids masked
 * (see {@link NormaliseOptions}), versions kept whole, identifiers split, lightly stemmed.
 * Pure; the same text and options always give the same tokens in text order.
 *
 * Token shapes (so that {@link termKind} can tell them from words by their first character):
 * - words, identifiers (`org.apache.hadoop.fs.filesystem`), versions (`0.20.2`): plain;
 * - hosts: their registered domain, `@leo.org` for dict.leo.org:8080 (subdomain and port dropped),
 *   `@xn--bcher-kva.de` for bücher.de and xn--bcher-kva.de;
 * - issue references: `#hadoop-1234`, `#inc0012345`, `#cve-2022-42889`, `#752376`;
 * - source positions: `filesystem.java:123`, `foo.py:12`, `program.cs:12` (.NET's
 *   `Program.cs:line 12`) (the only terms with a `:`);
 * - placeholders: `__url__` (a URL's path and query), `__email__`, `__ip__`, `__id__`.
 */
export function tokenise(text: string, options: NormaliseOptions = DEFAULT_NORMALISE_OPTIONS): string[] {
  const out: string[] = [];
  scan(stripMarkup(text), options, out, undefined);
  return out;
}

/**
 * {@link tokenise}, and beside each term the text it stands for: the word before stemming
 * (lower-cased), or for a host, reference or source position the text as written. For display.
 */
export function tokeniseWithForms(text: string, options: NormaliseOptions = DEFAULT_NORMALISE_OPTIONS): { terms: string[]; forms: string[] } {
  const terms: string[] = [];
  const forms: string[] = [];
  scan(stripMarkup(text), options, terms, forms);
  return { terms, forms };
}

/**
 * Most chunks are plain words (perhaps with a trailing comma or full stop): those skip the master
 * pattern, whose many alternatives would each be tried at the word's start. The rest are scanned
 * with it. Same tokens as running the master pattern over the whole text, several times faster.
 * Chunks are found by hand (a character table), not by a regular expression: no match objects.
 */
function scan(text: string, options: NormaliseOptions, out: string[], forms: string[] | undefined): void {
  const n = text.length;
  const table = WORD_TABLES[(options.stem ? 1 : 0) + (options.stopWords ? 2 : 0)] as WordTable;
  let i = 0;
  // The chunk before this one (for "at kernel.cu:45").
  let prevStart = 0;
  let prevEnd = 0;
  // Where the last version label ("version", "build:") ended: a chunk starting right after it reads no IP.
  let versionLabelEnd = -1;
  while (i < n) {
    if (isSeparator(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    // Letters (then digits too) from the start, hashed lower-cased as they go; then, for a plain
    // word, nothing but trailing punctuation. `split`: a camelCase boundary (aB, 2B or ABc).
    let lettersEnd = -1;
    let plain = true;
    let digits = false;
    let uppers = 0;
    let upRun = 0;
    let split = false;
    let hash = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? (CHAR_CLASS[c] as number) : isSeparator(c) ? SEPARATOR : OTHER;
      if (lettersEnd < 0) {
        if (k === LOWER) {
          if (upRun >= 2) split = true;
          upRun = 0;
          hash = (Math.imul(hash, 31) + c) | 0;
          continue;
        }
        if (k === UPPER) {
          if (upRun === 0 && i > start) split = true;
          upRun++;
          uppers++;
          hash = (Math.imul(hash, 31) + (c | 32)) | 0;
          continue;
        }
        if (k === DIGIT && i > start) {
          digits = true;
          upRun = 0;
          hash = (Math.imul(hash, 31) + c) | 0;
          continue;
        }
        lettersEnd = i;
      }
      if (k === SEPARATOR) break;
      if (k !== TRAILING) plain = false;
    }
    const end = i;
    const beforeStart = prevStart;
    const beforeEnd = prevEnd;
    prevStart = start;
    prevEnd = end;
    if (lettersEnd < 0) lettersEnd = end;
    if (!plain || lettersEnd === start) {
      // A quoted "#336699" is an HTML colour (bgcolor="#336699"), not a reference: read without its "#".
      const from = text.charCodeAt(start) === 35 && start > 0 && (text.charCodeAt(start - 1) === 34 || text.charCodeAt(start - 1) === 39) ? start + 1 : start;
      if (sourcePositionWithTld(text, from, end, beforeStart, beforeEnd, options, out, forms)) continue;
      const frameEnd = dotnetFrame(text, from, end, options, out, forms);
      if (frameEnd > 0) {
        i = frameEnd;
        continue;
      }
      if (mayHoldTokens(text, from, end)) {
        const chunk = text.slice(from, end);
        patternTokens(hasNonAscii(chunk) ? asciiHostNames(chunk) : chunk, options, out, forms, versionLabelEnd === beforeEnd);
      }
      continue;
    }
    // A word with digits of 7+ characters may be a ticket number (KB12345) or a hex id; most are
    // asset tags and the like (LT011883), seldom seen twice: not worth a place in the word table.
    if (digits && lettersEnd - start > 6) {
      idLikeWord(text.slice(start, lettersEnd), split || uppers > 0, split, options, out, forms);
      continue;
    }
    if (split) {
      wordTokens(out, forms, text.slice(start, lettersEnd), options);
      continue;
    }
    const slot = table.find(text, start, lettersEnd, hash, options);
    const flags = table.flags[slot] as number;
    if (flags !== 0) {
      if ((flags & VERSION_LABEL) !== 0 && (lettersEnd === end || (lettersEnd + 1 === end && text.charCodeAt(lettersEnd) === 58))) versionLabelEnd = end;
      if ((flags & FILE_WORD) !== 0 && uppers === 1 && text.charCodeAt(start) === 70) pythonFrame(text, start, out, forms);
      else if ((flags & REF_WORD) !== 0 && lettersEnd === end) {
        WORD_REF.lastIndex = start;
        const ref = WORD_REF.exec(text);
        if (ref !== null) {
          emit(out, forms, options.tickets, 'ticket', `#${ref[1] ?? ref[2]}`, ref[0]);
          i = WORD_REF.lastIndex;
          continue;
        }
      }
    }
    const term = table.terms[slot] as string;
    if (term !== '') {
      out.push(term);
      forms?.push(table.keys[slot] as string);
    }
  }
}

// A path's last part or a lone name, a two-letter extension, a line and maybe a column: kernel.cu:45,
// src/main.cr:12:3 (a country's domain to the master pattern, which reads them as host:port).
const TLD_POSITION = /^(.*[/\\])?([\w$-]+\.([A-Za-z]{2}):\d{1,6}(?::\d{1,6})?)[.,;:!?]*$/;

/**
 * A source file whose extension is a country code (.cu CUDA, .cr Crystal, .al AL) at a line, where
 * the context says code: inside a path, after "at" or "in", or after "(" (stack frames). Elsewhere
 * "foo.io:12" stays a host with a port; multi-label hosts (db01.corp.local:5432) never match.
 * Emits the path's tokens, then the position; false when the chunk is no such frame.
 */
function sourcePositionWithTld(text: string, start: number, end: number, prevStart: number, prevEnd: number, options: NormaliseOptions, out: string[], forms: string[] | undefined): boolean {
  // Cheap tests first: the chunk ends in digits (before trailing punctuation) and holds a colon.
  let last = end - 1;
  while (last > start && isTrailing(text.charCodeAt(last))) last--;
  const c = text.charCodeAt(last);
  if (c < 48 || c > 57) return false;
  let colon = false;
  for (let j = start; j < last && !colon; j++) colon = text.charCodeAt(j) === 58;
  if (!colon) return false;
  const chunk = text.slice(start, end);
  const m = TLD_POSITION.exec(chunk);
  if (m === null || !TLD_SET.has((m[3] as string).toLowerCase())) return false;
  const path = m[1];
  // A URL's path (http://host.de/a/kernel.cu:45) stays one URL.
  if (path?.includes('://')) return false;
  if (path === undefined && !(start > 0 && text.charCodeAt(start - 1) === 40) && !isAtOrIn(text, prevStart, prevEnd)) return false;
  if (path !== undefined && mayHoldTokens(path, 0, path.length)) patternTokens(path, options, out, forms);
  matchTokens('code', m[2] as string, options, out, forms);
  return true;
}

function isAtOrIn(text: string, start: number, end: number): boolean {
  if (end - start !== 2) return false;
  const a = text.charCodeAt(start) | 32;
  const b = text.charCodeAt(start + 1) | 32;
  return (a === 97 && b === 116) || (a === 105 && b === 110);
}

/**
 * A word of letters and digits (from a letter, 7+ characters): a desk ticket number or hex id as
 * the master pattern reads them, else a word. A word with a digit is no stop word and the stemmer
 * leaves it, so without camelCase pieces its term is the word lower-cased.
 */
function idLikeWord(raw: string, hasUpper: boolean, split: boolean, options: NormaliseOptions, out: string[], forms: string[] | undefined): void {
  const kind = alnumKind(raw);
  if (kind !== 'word' || split) {
    matchTokens(kind, raw, options, out, forms);
    return;
  }
  const word = hasUpper ? raw.toLowerCase() : raw;
  out.push(word);
  forms?.push(word);
}

const REF_WORD = 1;
const FILE_WORD = 2;
const VERSION_LABEL = 4;

/**
 * Word → term ("" when dropped) for plain words, looked up by a hash computed while scanning, so
 * a word seen before costs no string slice, no lower-casing and no stemming. Open addressing;
 * cleared when 60% full (a cache: the terms are those {@link wordTerm} gives).
 */
class WordTable {
  private readonly mask: number;
  readonly keys: (string | undefined)[];
  readonly terms: string[];
  readonly flags: Uint8Array;
  private readonly hashes: Int32Array;
  private used = 0;

  constructor(bits: number) {
    const size = 1 << bits;
    this.mask = size - 1;
    this.keys = new Array<string | undefined>(size).fill(undefined);
    this.terms = new Array<string>(size).fill('');
    this.flags = new Uint8Array(size);
    this.hashes = new Int32Array(size);
  }

  /** The slot of text[start, end) lower-cased (hashed as `hash`), filled in if new. */
  find(text: string, start: number, end: number, hash: number, options: NormaliseOptions): number {
    const len = end - start;
    let slot = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) & this.mask;
    for (;;) {
      const key = this.keys[slot];
      if (key === undefined) break;
      if (this.hashes[slot] === hash && key.length === len && sameLowerCase(text, start, key)) return slot;
      slot = (slot + 1) & this.mask;
    }
    if (this.used * 5 > this.mask * 3) {
      this.keys.fill(undefined);
      this.used = 0;
      slot = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) & this.mask;
    }
    const word = text.slice(start, end).toLowerCase();
    this.keys[slot] = word;
    this.hashes[slot] = hash;
    this.terms[slot] = wordTerm(word, options);
    this.flags[slot] = (REF_WORDS.has(word) ? REF_WORD : 0) | (word === 'file' ? FILE_WORD : 0) | (VERSION_LABELS.has(word) ? VERSION_LABEL : 0);
    this.used++;
    return slot;
  }
}

function sameLowerCase(text: string, start: number, key: string): boolean {
  for (let j = 0; j < key.length; j++) if ((text.charCodeAt(start + j) | 32) !== key.charCodeAt(j)) return false;
  return true;
}

const WORD_TABLES = [new WordTable(16), new WordTable(16), new WordTable(16), new WordTable(17)];

/**
 * False for chunks the master pattern would find nothing in: no ASCII letter or digit ("*", "--",
 * "|"), or a short plain number ("12", "3.", the numbers of a list). Spares a pattern run.
 */
function mayHoldTokens(text: string, start: number, end: number): boolean {
  let digits = 0;
  let alnum = false;
  for (let j = start; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c >= 48 && c <= 57) {
      if (digits === j - start) digits++;
      alnum = true;
    } else if (((c | 32) >= 97 && (c | 32) <= 122) || c === 95) return true;
    else if (digits === j - start && !isTrailing(c)) digits = -1;
  }
  if (!alnum) return false;
  // Digits then trailing punctuation only: a number of 5+ digits is an id, shorter ones are noise.
  return digits < 0 || digits >= 5 || !onlyTrailing(text, start + digits, end);
}

function onlyTrailing(text: string, from: number, end: number): boolean {
  for (let j = from; j < end; j++) if (!isTrailing(text.charCodeAt(j))) return false;
  return true;
}

// ASCII character classes for the scan. Separators: white space and the brackets and quotes a
// URL cannot contain (where chunks end). Trailing: . , ; : ! ? (see isTrailing).
const OTHER = 0;
const SEPARATOR = 1;
const LOWER = 2;
const UPPER = 3;
const DIGIT = 4;
const TRAILING = 5;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CHAR_CLASS[c] = ' \t\n\r\v\f<>"\'()[]{}'.includes(ch) ? SEPARATOR : c >= 97 && c <= 122 ? LOWER : c >= 65 && c <= 90 ? UPPER : c >= 48 && c <= 57 ? DIGIT : isTrailing(c) ? TRAILING : OTHER;
}

function isSeparator(c: number): boolean {
  if (c < 128) return CHAR_CLASS[c] === SEPARATOR;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** File "/usr/lib/python3/foo.py", line 12 → foo.py:12 (the frame's words follow as usual). */
function pythonFrame(text: string, start: number, out: string[], forms: string[] | undefined): void {
  PY_FRAME.lastIndex = start;
  const frame = PY_FRAME.exec(text);
  if (frame === null) return;
  out.push(`${frame[1]}:${frame[2]}`.toLowerCase());
  forms?.push(`${frame[1]}:${frame[2]}`);
}

/**
 * The tokens of a chunk that is not a plain word: its common shapes are scanned by hand (see
 * chunk-shapes.ts, same matches), the rest with the master pattern. `afterVersionLabel`: the chunk
 * follows "version", "build:" and the like, so a dotted quad in it is a version, not an IP.
 */
function patternTokens(chunk: string, options: NormaliseOptions, out: string[], forms: string[] | undefined, afterVersionLabel = false): void {
  const ips = !afterVersionLabel && !hasVersionLabel(chunk);
  const shape = scanShape(chunk, HOST_NAMES, ips);
  if (shape !== undefined) {
    for (let j = 0; j < shape.count; j++) matchTokens(shape.kinds[j] as TokenKind, shape.raws[j] as string, options, out, forms);
    return;
  }
  if (!ips) {
    // Rare, and its tokens depend on the chunk before: not cached.
    const pattern = patternFor(chunkHas(chunk) | NO_IP);
    pattern.lastIndex = 0;
    for (let match = pattern.exec(chunk); match !== null; match = pattern.exec(chunk)) matchTokens(matchKind(match), match[0], options, out, forms);
    return;
  }
  const cache = patternCache(options);
  let cached = cache.get(chunk);
  if (cached === undefined) {
    cached = { terms: [], forms: [] };
    const pattern = patternFor(chunkHas(chunk));
    pattern.lastIndex = 0;
    for (let match = pattern.exec(chunk); match !== null; match = pattern.exec(chunk)) matchTokens(matchKind(match), match[0], options, cached.terms, cached.forms);
    if (cache.size >= PATTERN_CACHE_MAX) cache.clear();
    cache.set(detached(chunk), { terms: cached.terms.map(detached), forms: cached.forms.map(detached) });
  }
  for (let j = 0; j < cached.terms.length; j++) {
    out.push(cached.terms[j] as string);
    forms?.push(cached.forms[j] as string);
  }
}

/** The kind of a match of the master pattern: the index of its defined group. */
function matchKind(match: RegExpExecArray): TokenKind {
  let g = 1;
  while (g <= TOKEN_KINDS.length && match[g] === undefined) g++;
  return TOKEN_KINDS[g - 1] as TokenKind;
}

/** "Version:2.7.3.1", "build:6.1.7601.2": a version label glued to its number by a colon. */
function hasVersionLabel(chunk: string): boolean {
  const c = chunk.charCodeAt(0) | 32;
  // v, b, r, f: the first letters of VERSION_LABELS.
  return (c === 118 || c === 98 || c === 114 || c === 102) && VERSION_LABEL_PREFIX.test(chunk);
}

// A dotted name with a label of non-ASCII letters (bücher.de, www.münchen.de): a host when its last
// label is a top-level domain as written (the same rule as for ASCII names).
const UNICODE_NAME = /[\p{L}\p{N}\p{M}-]+(?:\.[\p{L}\p{N}\p{M}-]+)+/gu;
const NON_ASCII = /[^\0-\x7f]/;

/**
 * The chunk with each internationalised host name in its punycode form (bücher.de →
 * xn--bcher-kva.de, by node:url's domainToASCII, the WHATWG URL host rules): reports that write
 * the name and reports that paste it from a browser's address bar meet on one registered domain.
 * The pattern then reads the chunk as ASCII; the rest of the chunk is unchanged.
 */
function hasNonAscii(chunk: string): boolean {
  for (let j = 0; j < chunk.length; j++) if (chunk.charCodeAt(j) >= 128) return true;
  return false;
}

function asciiHostNames(chunk: string): string {
  return chunk.replace(UNICODE_NAME, (name) => {
    if (!NON_ASCII.test(name) || !TLD_SET.has(name.slice(name.lastIndexOf('.') + 1).toLowerCase())) return name;
    const ascii = domainToASCII(name);
    return ascii === '' ? name : ascii;
  });
}

// A .NET stack frame's file and line: "in C:\src\MyApp\Program.cs:line 12", "Foo.vb:line 7".
const DOTNET_FILE = /^[\w$-]+(?:\.[\w$-]+)*\.[A-Za-z][A-Za-z0-9]{0,9}$/;
const LINE_MARK = ':line';

/**
 * A .NET frame's source position (`at MyApp.Program.Main(String[] args) in
 * C:\src\MyApp\Program.cs:line 12`): the chunk ends in ":line" and the next holds the line. Emits
 * the path's tokens, then `program.cs:12` (the shape of a Java frame's `filesystem.java:123`), and
 * returns where the line number ends; 0 when the chunk is no such frame.
 */
function dotnetFrame(text: string, start: number, end: number, options: NormaliseOptions, out: string[], forms: string[] | undefined): number {
  // Cheap tests first: "e" last, a space and a digit after the chunk.
  const markStart = end - LINE_MARK.length;
  if (markStart - start < 3 || text.charCodeAt(end - 1) !== 101 || text.charCodeAt(end) !== 32 || !isAsciiDigit(text.charCodeAt(end + 1))) return 0;
  if (!text.startsWith(LINE_MARK, markStart)) return 0;
  let lineEnd = end + 1;
  while (lineEnd < text.length && isAsciiDigit(text.charCodeAt(lineEnd))) lineEnd++;
  const after = text.charCodeAt(lineEnd);
  if (lineEnd - end - 1 > 6 || (lineEnd < text.length && !isSeparator(after) && !isTrailing(after))) return 0;
  let fileStart = markStart;
  while (fileStart > start && text.charCodeAt(fileStart - 1) !== 47 && text.charCodeAt(fileStart - 1) !== 92) fileStart--;
  const file = text.slice(fileStart, markStart);
  if (!DOTNET_FILE.test(file)) return 0;
  if (fileStart > start && mayHoldTokens(text, start, fileStart)) patternTokens(text.slice(start, fileStart), options, out, forms);
  const line = text.slice(end + 1, lineEnd);
  out.push(`${file.toLowerCase()}:${line}`);
  forms?.push(`${file}:line ${line}`);
  return lineEnd;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Tokens of the chunks the master pattern reads (URLs, table rows, file names: a pattern run costs
 * microseconds), per options object: pasted logs and links recur across a desk's tickets. The
 * tokens of a chunk depend on nothing but the chunk and the options. Bounded: cleared when full.
 */
interface PatternTokens {
  readonly terms: string[];
  readonly forms: string[];
}
const PATTERN_CACHES = new WeakMap<NormaliseOptions, Map<string, PatternTokens>>();
const PATTERN_CACHE_MAX = 50_000;

/**
 * A copy of `s` that does not keep alive the text it was cut from: V8 makes a slice of 13+
 * characters a view into its parent, and a cached chunk must not pin a whole ticket (or log).
 */
function detached(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

function patternCache(options: NormaliseOptions): Map<string, PatternTokens> {
  let cache = PATTERN_CACHES.get(options);
  if (cache === undefined) {
    cache = new Map();
    PATTERN_CACHES.set(options, cache);
  }
  return cache;
}

/** The tokens of one match of the master pattern, by its kind. */
function matchTokens(kind: TokenKind, raw: string, options: NormaliseOptions, out: string[], forms: string[] | undefined): void {
  switch (kind) {
    case 'url':
      urlTokens(out, forms, raw, options);
      break;
    case 'email':
    case 'ip':
      emit(out, forms, options.addresses, kind, raw.toLowerCase(), raw);
      break;
    case 'host':
      hostTokens(out, forms, raw.replace(/:\d+$/, ''), options.domains);
      break;
    case 'ticket':
    case 'ref':
      emit(out, forms, options.tickets, 'ticket', kind === 'ref' ? raw.slice(raw.indexOf('#')) : `#${raw.toLowerCase()}`, raw);
      break;
    case 'lticket':
      emit(out, forms, options.tickets, 'ticket', `#${raw}`, raw);
      // The project key is a word too (hbase-1234 is about HBase), and sha-256 keeps its "sha".
      addWord(out, forms, raw.slice(0, raw.indexOf('-')), options);
      break;
    case 'code': {
      // The column (app.js:12:5) varies with formatting; file and line identify the frame.
      const position = raw.replace(/(:\d+):\d+$/, '$1');
      out.push(position.toLowerCase());
      forms?.push(position);
      break;
    }
    case 'guid':
    case 'hex':
    case 'longnum':
      emit(out, forms, options.numericIds, kind, raw.toLowerCase(), raw);
      break;
    case 'version':
      if (options.versions) versionTokens(out, forms, raw.toLowerCase().replace(/^v/, ''), options);
      break;
    case 'ident':
      identifierTokens(out, forms, raw, options);
      break;
    case 'word':
      wordTokens(out, forms, raw, options);
      break;
    default:
      // Short plain numbers (line numbers, counts, "step 2") are noise for matching.
      break;
  }
}

// Jira wiki markup ({code:java}, {noformat}, h4. headings, {{monospace}}) and Markdown fences
// would otherwise add "code", "java", "noformat", "h4" to every ticket that pastes a log.
const HEADING = /^h[1-6]\.\s/m;
const MARKUP = /\{(?:code|noformat|quote|panel|color)(?::[^}]*)?\}|^h[1-6]\.\s|\{\{|\}\}|```\w*/gm;

export function stripMarkup(text: string): string {
  // Most texts hold none: a few indexOf calls are cheaper than the pattern's scan.
  if (text.indexOf('{') < 0 && text.indexOf('}') < 0 && text.indexOf('`') < 0 && !HEADING.test(text)) return text;
  return text.replace(MARKUP, ' ');
}

/** "9.4.48" → 9.4.48 and, optionally, its release line 9.4 (so 9.4.43 and 9.4.48 meet). */
function versionTokens(out: string[], forms: string[] | undefined, version: string, options: NormaliseOptions): void {
  out.push(version);
  forms?.push(version);
  if (options.versionLines) {
    const line = /^\d+\.\d+/.exec(version)?.[0];
    if (line && line !== version) {
      out.push(line);
      forms?.push(line);
    }
  }
}

/** One id-like token under its policy: `kept` as is, its kind's placeholder, or nothing. */
function emit(out: string[], forms: string[] | undefined, policy: IdPolicy, kind: string, kept: string, raw: string): void {
  if (policy === 'drop') return;
  out.push(policy === 'mask' ? (PLACEHOLDER[kind] ?? '__id__') : kept);
  forms?.push(raw);
}

/**
 * https://dict.leo.org/ende/?search=x → the host's domain (`@leo.org`), the
 * issue it points at if its path names one (Jira /browse/KEY-1, Bugzilla ?id=N, /issues/N,
 * /pull/N), and `__url__` for the rest of the path and query: they vary per report.
 */
function urlTokens(out: string[], forms: string[] | undefined, raw: string, options: NormaliseOptions): void {
  if (options.addresses === 'keep') {
    emit(out, forms, 'keep', 'url', raw.toLowerCase(), raw);
    return;
  }
  const slashes = raw.indexOf('//');
  const rest = slashes >= 0 ? raw.slice(slashes + 2) : raw;
  const hostEnd = rest.search(/[/?#]/);
  const authority = hostEnd < 0 ? rest : rest.slice(0, hostEnd);
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  const path = hostEnd < 0 ? '' : rest.slice(hostEnd);
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) emit(out, forms, options.addresses, 'ip', host, host);
  else if (/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) hostTokens(out, forms, host, options.domains);
  const issue = /\/browse\/([A-Z][A-Z0-9]{1,15}-\d{1,7})\b|[?&]id=(\d{3,9})\b|\/(?:issues|pull|bugs?)\/(\d{1,9})\b/.exec(path);
  if (issue !== null) {
    const ref = issue[1] ?? issue[2] ?? issue[3] ?? '';
    emit(out, forms, options.tickets, 'ticket', `#${ref.toLowerCase()}`, issue[1] ?? `#${ref}`);
  }
  if (path.length > 1) emit(out, forms, options.addresses, 'url', raw.toLowerCase(), raw);
}

/**
 * dict.leo.org → @leo.org; www.bbc.co.uk, news.bbc.co.uk → @bbc.co.uk. One token, the registered
 * domain: subdomains vary between reports of one site (www., m., en., mirrors), and a second token
 * per host (the full name) measured worse on the Hadoop duplicates (link-heavy reports grew longer
 * and further from their duplicates: recall@1 .62 vs .64).
 */
function hostTokens(out: string[], forms: string[] | undefined, raw: string, policy: IdPolicy): void {
  if (policy !== 'keep') {
    emit(out, forms, policy, 'host', '', raw);
    return;
  }
  const host = raw
    .toLowerCase()
    .replace(/^www\d?\./, '')
    .replace(/\.$/, '');
  if (host === '') return;
  const domain = registeredDomain(host);
  out.push(`@${domain}`);
  // An internationalised name is shown as people write it (xn--bcher-kva.de → bücher.de).
  forms?.push(domain.includes('xn--') ? domainToUnicode(domain) : domain);
}

/** The name a site registered: the last two labels, three under a country's generic second level (co.uk, com.au). */
export function registeredDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const tld = labels[labels.length - 1] ?? '';
  const sld = labels[labels.length - 2] ?? '';
  const keep = tld.length === 2 && GENERIC_SLDS.has(sld) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** org.apache.hadoop.fs.FileSystem → the whole name, then org, apache, hadoop, fs, filesystem, file, system. */
function identifierTokens(out: string[], forms: string[] | undefined, raw: string, options: NormaliseOptions): void {
  const parts = raw.split('.').filter((p) => p.length > 0);
  // "e.g", "i.e" and words glued by a missing space after a full stop are not identifiers.
  if (parts.every((p) => p.length <= 2)) return;
  if (!options.splitIdentifiers) {
    out.push(raw.toLowerCase());
    forms?.push(raw);
    return;
  }
  if (parts.length >= 3) {
    out.push(raw.toLowerCase());
    forms?.push(raw);
  }
  for (const part of parts) wordTokens(out, forms, part, options);
}

/** A word; camelCase (getFileStatus, HTTPServer2) and snake_case also yield their pieces. */
function wordTokens(out: string[], forms: string[] | undefined, raw: string, options: NormaliseOptions): void {
  addWord(out, forms, raw.toLowerCase(), options);
  if (!options.splitIdentifiers) return;
  const pieces = camelPieces(raw);
  // "CVEs", "APIs": a plural acronym, not camelCase.
  if (pieces.length < 2 || /^[A-Z]+s$/.test(raw)) return;
  for (const piece of pieces) addWord(out, forms, piece.toLowerCase(), options);
}

/**
 * getFileStatus → get, File, Status; HTTPServer2 → HTTP, Server2; snake_case → snake, case. A
 * piece starts at an upper-case letter after a lower-case letter or digit, or at the last
 * upper-case letter of a run followed by a lower-case one; underscores separate pieces.
 */
function camelPieces(raw: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (let j = 0; j < raw.length; j++) {
    const c = raw.charCodeAt(j);
    if (c === 95) {
      if (j > from) pieces.push(raw.slice(from, j));
      from = j + 1;
      continue;
    }
    if (j === 0 || c < 65 || c > 90) continue;
    const prev = raw.charCodeAt(j - 1);
    const next = j + 1 < raw.length ? raw.charCodeAt(j + 1) : 0;
    const prevLowerOrDigit = (prev >= 97 && prev <= 122) || (prev >= 48 && prev <= 57);
    const runEnd = prev >= 65 && prev <= 90 && next >= 97 && next <= 122;
    if ((prevLowerOrDigit || runEnd) && j > from) {
      pieces.push(raw.slice(from, j));
      from = j;
    }
  }
  if (raw.length > from) pieces.push(raw.slice(from));
  return pieces;
}

// Word → its term ("" when dropped), per combination of the stem and stop-word options. Most
// words of a desk recur constantly; the cache spares the stemmer's tests. Bounded: cleared
// when full.
const WORD_CACHE = [new Map<string, string>(), new Map<string, string>(), new Map<string, string>(), new Map<string, string>()];
const WORD_CACHE_MAX = 200_000;

function addWord(out: string[], forms: string[] | undefined, word: string, options: NormaliseOptions): void {
  const cache = WORD_CACHE[(options.stem ? 1 : 0) + (options.stopWords ? 2 : 0)] as Map<string, string>;
  let term = cache.get(word);
  if (term === undefined) {
    term = wordTerm(word, options);
    if (cache.size >= WORD_CACHE_MAX) cache.clear();
    cache.set(word, term);
  }
  if (term === '') return;
  out.push(term);
  forms?.push(word);
}

function wordTerm(word: string, options: NormaliseOptions): string {
  const w = word.charCodeAt(0) === 95 || word.charCodeAt(word.length - 1) === 95 ? word.replace(/^_+|_+$/g, '') : word;
  if (w.length < 2) return '';
  if (options.stopWords && STOP_WORDS.has(w)) return '';
  if (/^\d+$/.test(w)) return '';
  return options.stem ? lightStem(w) : w;
}
