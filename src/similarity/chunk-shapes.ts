/**
 * Hand scans for the common shapes of chunks that are not plain words (see normalise.ts `scan`):
 * ids (LT011883, INC0012345, 0x8007a130), Jira keys and CVE ids, words joined by punctuation
 * (spark-shell, throttling/retry), numbers, IPs and versions (10.209.30.253, 3.3.5), ISO times,
 * hosts (ber-srv468.corp.local), stack frames (FileSystem.java:123) and dotted names
 * (spark.yarn.jars). Each scan finds exactly the matches the master pattern would find in such a
 * chunk; a chunk of another shape, or near a case where the pattern's alternatives compete (a
 * GUID, "www.", a first label that reads as a ticket), is left to the pattern (about 1 chunk in 5
 * that are not plain words, on the bench pool). The pattern tries 15 alternatives at every
 * position; these scans read each character about once. A change to the pattern's alternatives
 * must be mirrored here: compare the tokens before and after over real texts.
 */

/** The match kinds of normalise.ts's master pattern that the scans below can produce. */
export type ShapeKind = 'ip' | 'ticket' | 'hex' | 'version' | 'longnum' | 'host' | 'code' | 'ident' | 'word';

/** What tells a host from a dotted identifier (normalise.ts's lists). */
export interface HostNames {
  isTld(label: string): boolean;
  isPackageRoot(label: string): boolean;
}

/**
 * Matches found in one chunk, in text order: the first `count` entries of `kinds` and `raws`
 * (reused between calls, not reallocated: read them before the next scan).
 */
export interface ShapeMatches {
  count: number;
  readonly kinds: ShapeKind[];
  readonly raws: string[];
}

const found: ShapeMatches = { count: 0, kinds: [], raws: [] };

/**
 * The pattern's matches in `chunk`, or undefined when the chunk must go to the pattern. `ips`
 * false: the chunk follows a version label ("version 2.7.3.1"), its dotted quads are versions.
 */
export function scanShape(chunk: string, names: HostNames, ips = true): ShapeMatches | undefined {
  found.count = 0;
  const bodyEnd = trailingStart(chunk);
  const first = chunk.charCodeAt(0);
  if (isLetter(first)) {
    const runEnd = alnumRunEnd(chunk, 0);
    if (runEnd === bodyEnd) return alnumWord(chunk.slice(0, bodyEnd)) ? found : undefined;
    const next = chunk.charCodeAt(runEnd);
    if (next === DASH && first <= 90 && JIRA_KEY.test(chunk.slice(0, bodyEnd))) {
      add('ticket', chunk.slice(0, bodyEnd));
      return found;
    }
    if (next === DOT || next === DASH) {
      const dotted = dottedName(chunk, runEnd, bodyEnd, names);
      if (dotted !== NOT_DOTTED) return dotted ? found : undefined;
    }
  } else if (first === 48 && chunk.charCodeAt(1) === 120) {
    return hexLiteral(chunk, bodyEnd) ? found : undefined;
  } else if (isDigit(first) && isoTimestamp(chunk, bodyEnd)) {
    return found;
  }
  const has = contents(chunk, bodyEnd);
  if ((has & (HAS_DIGIT | HAS_AT_OR_HASH | HAS_INNER_DOT | HAS_URL_OR_GUID)) === 0) return punctuatedWords(chunk, bodyEnd) ? found : undefined;
  if ((has & (HAS_LETTER | HAS_AT_OR_HASH | HAS_UNDERSCORE | HAS_URL_OR_GUID)) === 0) return numbers(chunk, ips) ? found : undefined;
  return undefined;
}

function add(kind: ShapeKind, raw: string): void {
  found.kinds[found.count] = kind;
  found.raws[found.count] = raw;
  found.count++;
}

const DOT = 46;
const COLON = 58;
const DASH = 45;
const UNDERSCORE = 95;

function isLetter(c: number): boolean {
  return (c | 32) >= 97 && (c | 32) <= 122;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// . , ; : ! ? after a token: part of no token shape (the tokeniser's chunks end the same way).
export function isTrailing(c: number): boolean {
  return c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63;
}

/** Where the chunk's trailing punctuation begins (its length when there is none). */
function trailingStart(chunk: string): number {
  let end = chunk.length;
  while (end > 0 && isTrailing(chunk.charCodeAt(end - 1))) end--;
  return end;
}

/** End of the run of letters, digits and underscores from `from`. */
function alnumRunEnd(chunk: string, from: number): number {
  let j = from;
  for (; j < chunk.length; j++) {
    const c = chunk.charCodeAt(j);
    if (!isLetter(c) && !isDigit(c) && c !== UNDERSCORE) break;
  }
  return j;
}

// Ticket numbers of ServiceNow-style desks: a fixed prefix and 5+ digits (the pattern's ticket alternative).
/** ServiceNow-style record numbers: a table prefix and 5+ digits (INC0012345). */
export const DESK_TICKET_PREFIXES = 'INC|RITM|REQ|CHG|PRB|TASK|SCTASK|KB|PTASK';
const DESK_TICKET = new RegExp(`^(?:${DESK_TICKET_PREFIXES})\\d{5,}$`);

/** A letter, then letters, digits and underscores: a desk ticket number, a hex id, else a word. */
function alnumWord(body: string): boolean {
  const kind = alnumKind(body);
  // "www" before a full stop starts a URL.
  if (body === 'www') return false;
  add(kind, body);
  return true;
}

/** How the master pattern reads a chunk of letters, digits and underscores that starts with a letter. */
export function alnumKind(body: string): 'ticket' | 'hex' | 'word' {
  // Desk ticket prefixes start with one of C I K P R S T.
  const first = body.charCodeAt(0);
  if ((first === 67 || first === 73 || first === 75 || first === 80 || first === 82 || first === 83 || first === 84) && DESK_TICKET.test(body)) return 'ticket';
  return isHexId(body) ? 'hex' : 'word';
}

/** 8+ hex digits with at least one digit and one letter (the pattern's hex alternative, whole). */
function isHexId(s: string): boolean {
  if (s.length < 8) return false;
  let digit = false;
  let letter = false;
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (isDigit(c)) digit = true;
    else if ((c | 32) >= 97 && (c | 32) <= 102) letter = true;
    else return false;
  }
  return digit && letter;
}

// A Jira key (HADOOP-17728) or a CVE id, whole: the pattern's ticket alternative.
const JIRA_KEY = /^(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,15}-\d{1,7})$/;

const NOT_DOTTED = 2;

/**
 * Labels of letters, digits and dashes joined by dots, from a letter: a host (ber-srv468.corp.local,
 * dict.leo.org:8080: the last label a top-level domain, the first no package root), an identifier
 * (spark.yarn.jars) or a source position (FileSystem.java:123); those two with labels of letters
 * and digits only. NOT_DOTTED for a single label. Left to the pattern (false): a first label that
 * reads as an id, a ticket, a version or "www", and anything else after the name.
 */
function dottedName(chunk: string, runEnd: number, bodyEnd: number, names: HostNames): boolean | typeof NOT_DOTTED {
  let labels = 0;
  let firstEnd = 0;
  let lastStart: number;
  let plainLabels = true;
  let j = 0;
  for (;;) {
    const start = j;
    while (j < bodyEnd && isHostChar(chunk.charCodeAt(j))) j++;
    if (j === start) return false;
    if (!isLetter(chunk.charCodeAt(start)) || !isWordRun(chunk, start, j)) plainLabels = false;
    labels++;
    if (labels === 1) firstEnd = j;
    lastStart = start;
    if (j >= bodyEnd || chunk.charCodeAt(j) !== DOT) break;
    j++;
  }
  if (labels < 2) return NOT_DOTTED;
  const firstRun = chunk.slice(0, runEnd);
  const next = chunk.charCodeAt(runEnd);
  // The pattern's URL (www.), ticket (INC12345, HADOOP-1 in a first label), hex id and version (v1.2) alternatives come first.
  if (firstRun === 'www' || alnumKind(firstRun) !== 'word' || (next === DASH && isDigit(chunk.charCodeAt(runEnd + 1)))) return false;
  if (firstRun.charCodeAt(0) === 118 && isDigit(firstRun.charCodeAt(1))) return false;
  const nameEnd = j;
  if (names.isTld(chunk.slice(lastStart, nameEnd)) && !names.isPackageRoot(chunk.slice(0, firstEnd))) return hostName(chunk, nameEnd, bodyEnd);
  if (!plainLabels) return false;
  if (nameEnd === bodyEnd) {
    add('ident', chunk.slice(0, nameEnd));
    return true;
  }
  return sourcePosition(chunk, labels, lastStart, nameEnd, bodyEnd);
}

/** A host name ending at `nameEnd`, with an optional port of 1–5 digits. */
function hostName(chunk: string, nameEnd: number, bodyEnd: number): boolean {
  let end = nameEnd;
  if (end < bodyEnd) {
    if (chunk.charCodeAt(end) !== COLON) return false;
    end = digitRunEnd(chunk, end + 1);
    if (end !== bodyEnd || end - nameEnd - 1 > 5) return false;
  }
  add('host', chunk.slice(0, end));
  return true;
}

/** Name.ext:line(:column), the extension at most 10 characters, line and column at most 6 digits. */
function sourcePosition(chunk: string, labels: number, lastStart: number, nameEnd: number, bodyEnd: number): boolean {
  if (labels !== 2 || nameEnd - lastStart > 10 || chunk.charCodeAt(nameEnd) !== COLON) return false;
  let end = digitRunEnd(chunk, nameEnd + 1);
  if (end - nameEnd - 1 < 1 || end - nameEnd - 1 > 6) return false;
  if (end < bodyEnd) {
    if (chunk.charCodeAt(end) !== COLON) return false;
    const columnEnd = digitRunEnd(chunk, end + 1);
    if (columnEnd !== bodyEnd || columnEnd - end - 1 > 6) return false;
    end = columnEnd;
  }
  add('code', chunk.slice(0, end));
  return true;
}

function isHostChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === DASH;
}

/** Letters and digits only. */
function isWordRun(chunk: string, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (chunk.charCodeAt(j) === DASH) return false;
  return true;
}

/**
 * 0x8007a130: a hex id when 8+ hex digits with a letter and a digit follow "0x"; otherwise the
 * pattern finds the number 0 and the word x80072007.
 */
function hexLiteral(chunk: string, bodyEnd: number): boolean {
  if (bodyEnd < 3) return false;
  for (let j = 2; j < bodyEnd; j++) if (!isHexDigit(chunk.charCodeAt(j))) return false;
  const digits = chunk.slice(2, bodyEnd);
  add(isHexId(digits) ? 'hex' : 'word', isHexId(digits) ? chunk.slice(0, bodyEnd) : chunk.slice(1, bodyEnd));
  return true;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102);
}

const ISO_SHAPE = '0000-00-00T00:00:00';

/**
 * 2024-04-06T02:40:26.342Z (an ISO time in UTC): the pattern finds numbers, the word "T02" (the
 * hour) and the one-letter word "Z", which gives no token.
 */
function isoTimestamp(chunk: string, bodyEnd: number): boolean {
  if (bodyEnd < ISO_SHAPE.length + 1 || chunk.charCodeAt(bodyEnd - 1) !== 90) return false;
  for (let j = 0; j < ISO_SHAPE.length; j++) {
    const shape = ISO_SHAPE.charCodeAt(j);
    const c = chunk.charCodeAt(j);
    if (shape === 48 ? !isDigit(c) : c !== shape) return false;
  }
  let end = ISO_SHAPE.length;
  if (end < bodyEnd - 1) {
    if (chunk.charCodeAt(end) !== DOT) return false;
    end = digitRunEnd(chunk, end + 1);
    if (end !== bodyEnd - 1 || end - ISO_SHAPE.length - 1 > 9 || end === ISO_SHAPE.length + 1) return false;
  }
  add('word', chunk.slice(10, 13));
  return true;
}

function digitRunEnd(chunk: string, from: number): number {
  let j = from;
  while (j < chunk.length && isDigit(chunk.charCodeAt(j))) j++;
  return j;
}

const HAS_LETTER = 1;
const HAS_DIGIT = 2;
// An e-mail address or a "#123" reference.
const HAS_AT_OR_HASH = 4;
// A full stop before the trailing punctuation: hosts, identifiers.
const HAS_INNER_DOT = 8;
// A word character: no word boundary before the digits that follow it.
const HAS_UNDERSCORE = 16;
// ":/" (a URL's scheme) or a dash after 8 digits (may be a GUID).
const HAS_URL_OR_GUID = 32;

/** What a chunk holds, for choosing the scan (non-ASCII characters are no word characters to the pattern). */
function contents(chunk: string, bodyEnd: number): number {
  let has = 0;
  for (let j = 0; j < chunk.length; j++) {
    const c = chunk.charCodeAt(j);
    if (isLetter(c)) has |= HAS_LETTER;
    else if (isDigit(c)) has |= HAS_DIGIT;
    else if (c === 64 || c === 35) has |= HAS_AT_OR_HASH;
    else if (c === DOT) has |= j < bodyEnd ? HAS_INNER_DOT : 0;
    else if (c === UNDERSCORE) has |= HAS_UNDERSCORE;
    else if (c === COLON && chunk.charCodeAt(j + 1) === 47) has |= HAS_URL_OR_GUID;
    else if (c === DASH && j >= 8 && digitRunEnd(chunk, j - 8) >= j) has |= HAS_URL_OR_GUID;
  }
  return has;
}

/**
 * Letters and punctuation, no digits, no full stop but trailing ones (spark-shell, -pl,
 * throttling/retry, snake_case): only the pattern's word alternative can match, at each letter.
 * Left to the pattern: 36+ characters with a dash (an all-letter GUID) and "www" before a full stop.
 */
function punctuatedWords(chunk: string, bodyEnd: number): boolean {
  if (chunk.length >= 36 && chunk.includes('-')) return false;
  if (bodyEnd < chunk.length && chunk.includes('www')) return false;
  let j = 0;
  while (j < bodyEnd) {
    if (!isLetter(chunk.charCodeAt(j))) {
      j++;
      continue;
    }
    const end = alnumRunEnd(chunk, j);
    add('word', chunk.slice(j, end));
    j = end;
  }
  return true;
}

/**
 * Digits and punctuation, no letters (10.209.30.253:80, 3.3.5, 2022-07-15, 139810402694976): at
 * each run of digits the pattern's IP (unless `ips` is false), version, long-number or number
 * alternative, in that order.
 */
function numbers(chunk: string, ips: boolean): boolean {
  let j = 0;
  while (j < chunk.length) {
    if (!isDigit(chunk.charCodeAt(j))) {
      j++;
      continue;
    }
    const ipEnd = ips ? ipAt(chunk, j) : 0;
    if (ipEnd > 0) {
      add('ip', chunk.slice(j, ipEnd));
      j = ipEnd;
      continue;
    }
    const runEnd = digitRunEnd(chunk, j);
    let end = runEnd;
    // Up to three ".digits" parts.
    for (let parts = 0; parts < 3 && chunk.charCodeAt(end) === DOT && isDigit(chunk.charCodeAt(end + 1)); parts++) end = digitRunEnd(chunk, end + 1);
    if (end > runEnd) add('version', chunk.slice(j, end));
    else if (runEnd - j >= 5) add('longnum', chunk.slice(j, runEnd));
    j = end;
  }
  return true;
}

/**
 * End of the IP address (four runs of 1–3 digits, each 0–255, an optional port of 1–5) at `from`,
 * or 0: 2.7.300.1 is a version.
 */
function ipAt(chunk: string, from: number): number {
  let end = from;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (chunk.charCodeAt(end) !== DOT) return 0;
      end++;
    }
    const runEnd = digitRunEnd(chunk, end);
    if (runEnd === end || runEnd - end > 3 || Number(chunk.slice(end, runEnd)) > 255) return 0;
    end = runEnd;
  }
  if (chunk.charCodeAt(end) === COLON) {
    const portEnd = digitRunEnd(chunk, end + 1);
    if (portEnd > end + 1 && portEnd - end - 1 <= 5) end = portEnd;
  }
  return end;
}
