import { lightStem } from './stem.js';
import { STOP_WORDS } from './stopwords.js';

/**
 * What to do with an id-like token (ticket numbers, hex/GUID/long numeric ids, host names,
 * e-mail addresses, IPs, URLs). `mask` replaces it with a placeholder token such as `__url__`,
 * `keep` keeps its lower-cased text as one token, `drop` removes it.
 */
export type IdPolicy = 'mask' | 'keep' | 'drop';

export interface NormaliseOptions {
  /** Ticket numbers (INC0012345, HADOOP-1234). Kept by default: two reports citing the same issue is a real signal. */
  readonly tickets: IdPolicy;
  /** Long hex / GUID / 5+ digit numbers: unique per occurrence, so masked by default. */
  readonly numericIds: IdPolicy;
  /** Host names, e-mail addresses, IPs and URLs. */
  readonly addresses: IdPolicy;
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
  versions: true,
  versionLines: false,
  splitIdentifiers: true,
  stem: true,
  stopWords: true,
};

// One master pattern; alternatives are tried in this order at each position, so the more
// specific shapes (a URL contains dots and slashes, an IP looks like a version) come first.
// Each alternative is one capturing group (inner groups are non-capturing), in the order of
// TOKEN_KINDS: the kind of a match is the index of its defined group (cheaper than named groups).
const TOKEN_KINDS = ['url', 'email', 'ip', 'ticket', 'guid', 'hex', 'version', 'longnum', 'host', 'ident', 'word', 'num'] as const;
const TOKEN_PATTERN = new RegExp(
  [
    String.raw`(\b(?:https?|ftp|file|hdfs|s3a?|wasbs?|abfss?|gs|webhdfs|jdbc:[a-z]+):\/\/[^\s<>"'()\]\[{}]+|\bwww\.[^\s<>"'()]+)`,
    String.raw`(\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)`,
    String.raw`(\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b)`,
    String.raw`(\b(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,15}-\d{1,7}|(?:INC|RITM|REQ|CHG|PRB|TASK|SCTASK|KB|PTASK)\d{5,})\b)`,
    String.raw`(\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)`,
    String.raw`(\b(?:0x)?(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)`,
    String.raw`(\bv?\d+(?:\.\d+){1,3}(?:-[A-Za-z]+\d*)?\b)`,
    String.raw`(\b\d{5,}\b)`,
    // host:port, or a dotted name ending in a common TLD that is not followed by more of a Java
    // identifier (org.apache.hadoop.io.Text must not become a host because "io" is a TLD).
    String.raw`(\b[A-Za-z][\w-]*(?:\.[\w-]+)*:\d{2,5}\b|\b(?:[A-Za-z0-9-]+\.)+(?:com|net|org|local|corp|internal|lan|intra|edu|gov|io|co|uk|de|fr|nl|ro|ch)\b(?![\w-]|\.\w))`,
    String.raw`(\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)`,
    String.raw`([A-Za-z][A-Za-z0-9_]*)`,
    String.raw`(\d+)`,
  ].join('|'),
  'g',
);

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

/**
 * Turns free text into index terms: lower-cased, punctuation and stop words removed, ids masked
 * (see {@link NormaliseOptions}), versions kept whole, identifiers split, lightly stemmed.
 * Pure; the same text and options always give the same tokens in text order.
 */
export function tokenise(text: string, options: NormaliseOptions = DEFAULT_NORMALISE_OPTIONS): string[] {
  const out: string[] = [];
  const pattern = TOKEN_PATTERN;
  pattern.lastIndex = 0;
  const stripped = stripMarkup(text);
  for (let match = pattern.exec(stripped); match !== null; match = pattern.exec(stripped)) {
    let g = 1;
    while (g <= TOKEN_KINDS.length && match[g] === undefined) g++;
    const kind = TOKEN_KINDS[g - 1];
    const raw = match[0];
    switch (kind) {
      case 'url':
      case 'email':
      case 'ip':
      case 'host':
        idToken(out, raw, kind, options.addresses);
        break;
      case 'ticket':
        idToken(out, raw, kind, options.tickets);
        break;
      case 'guid':
      case 'hex':
      case 'longnum':
        idToken(out, raw, kind, options.numericIds);
        break;
      case 'version':
        if (options.versions) versionTokens(out, raw.toLowerCase().replace(/^v/, ''), options);
        break;
      case 'ident':
        identifierTokens(out, raw, options);
        break;
      case 'word':
        wordTokens(out, raw, options);
        break;
      default:
        // Short plain numbers (line numbers, counts, "step 2") are noise for matching.
        break;
    }
  }
  return out;
}

// Jira wiki markup ({code:java}, {noformat}, h4. headings, {{monospace}}) and Markdown fences
// would otherwise add "code", "java", "noformat", "h4" to every ticket that pastes a log.
const MARKUP = /\{(?:code|noformat|quote|panel|color)(?::[^}]*)?\}|^h[1-6]\.\s|\{\{|\}\}|```\w*/gm;

export function stripMarkup(text: string): string {
  return text.replace(MARKUP, ' ');
}

/** "9.4.48" → 9.4.48 and, optionally, its release line 9.4 (so 9.4.43 and 9.4.48 meet). */
function versionTokens(out: string[], version: string, options: NormaliseOptions): void {
  out.push(version);
  if (options.versionLines) {
    const line = /^\d+\.\d+/.exec(version)?.[0];
    if (line && line !== version) out.push(line);
  }
}

function idToken(out: string[], raw: string, kind: string, policy: IdPolicy): void {
  if (policy === 'drop') return;
  out.push(policy === 'mask' ? (PLACEHOLDER[kind] ?? '__id__') : raw.toLowerCase());
}

/** org.apache.hadoop.fs.FileSystem → the whole name, then org, apache, hadoop, fs, filesystem, file, system. */
function identifierTokens(out: string[], raw: string, options: NormaliseOptions): void {
  const parts = raw.split('.').filter((p) => p.length > 0);
  // "e.g", "i.e" and words glued by a missing space after a full stop are not identifiers.
  if (parts.every((p) => p.length <= 2)) return;
  if (!options.splitIdentifiers) {
    out.push(raw.toLowerCase());
    return;
  }
  if (parts.length >= 3) out.push(raw.toLowerCase());
  for (const part of parts) wordTokens(out, part, options);
}

/** A word; camelCase (getFileStatus, HTTPServer2) also yields its pieces. */
function wordTokens(out: string[], raw: string, options: NormaliseOptions): void {
  const lower = raw.toLowerCase();
  addWord(out, lower, options);
  // "CVEs", "APIs": a plural acronym, not camelCase.
  if (!options.splitIdentifiers || !CAMEL_OR_SNAKE.test(raw) || /^[A-Z]+s$/.test(raw)) return;
  const pieces = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_]+/)
    .filter((p) => p.length > 0);
  if (pieces.length < 2) return;
  for (const piece of pieces) addWord(out, piece.toLowerCase(), options);
}

// camelCase and snake_case splits need an upper-case letter or "_" after the first character.
const CAMEL_OR_SNAKE = /^.[^]*[A-Z_]/;

function addWord(out: string[], word: string, options: NormaliseOptions): void {
  const w = word.charCodeAt(0) === 95 || word.charCodeAt(word.length - 1) === 95 ? word.replace(/^_+|_+$/g, '') : word;
  if (w.length < 2) return;
  if (options.stopWords && STOP_WORDS.has(w)) return;
  if (/^\d+$/.test(w)) return;
  out.push(options.stem ? lightStem(w) : w);
}
