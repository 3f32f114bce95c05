import type { DuplicateCandidate, ResolvedRecord } from '../../model/history.js';
import type { Ticket } from '../../model/ticket.js';
import { stripMarkup } from '../../similarity/normalise.js';

/** An earlier look-alike that was resolved, with how. */
export type ResolvedLookalike = DuplicateCandidate & { resolved: ResolvedRecord };

export interface ResolvedOptions {
  threshold: number;
  limit: number;
  maxChars: number;
}

/**
 * The candidates (best first) worth showing a technician for their fix: scoring at least the
 * threshold, resolved with a code or notes, and resolved before this ticket was reported — a fix
 * found later is not what this ticket's reporter ran into, and a reopened ticket has no fix (its
 * record is dropped when it is indexed open again). `passedOver` says why look-alikes above the
 * threshold were not listed, for `explain` and `test` traces.
 */
export function resolvedLookalikes(candidates: readonly DuplicateCandidate[], ticket: Ticket, options: ResolvedOptions): { listed: ResolvedLookalike[]; passedOver: string[] } {
  const reported = Date.parse(ticket.createdAt);
  const qualifying: ResolvedLookalike[] = [];
  const passedOver: string[] = [];
  for (const c of candidates) {
    if (c.score < options.threshold) continue;
    const { resolved } = c;
    if (resolved === undefined) passedOver.push(`${c.number} has no recorded resolution`);
    else if (!(Date.parse(resolved.resolvedAt) < reported)) passedOver.push(`${c.number} was resolved after this ticket was reported`);
    else qualifying.push({ ...c, resolved });
  }
  const listed = qualifying.slice(0, options.limit);
  if (qualifying.length > listed.length) passedOver.push(`${qualifying.length - listed.length} more beyond the limit of ${options.limit}`);
  return { listed, passedOver };
}

/**
 * The note's section on resolved look-alikes: number, title, score, resolution date, code and an
 * excerpt of the notes. A ticket the note already lists as a likely original (`shown`) is named
 * by its number only.
 */
export function resolvedSection(listed: readonly ResolvedLookalike[], maxChars: number, shown: ReadonlySet<string> = new Set()): string[] {
  const lines = listed.map((c, i) => {
    const { resolved } = c;
    const code = resolved.code !== undefined ? ` as "${plainText(resolved.code, 60)}"` : '';
    const notes = resolved.notes !== undefined ? `: "${plainText(resolved.notes, maxChars)}"` : '';
    const which = shown.has(c.key) ? `${c.number} (above)` : `${c.number} "${c.title}" — score ${c.score.toFixed(2)};`;
    return `${i + 1}. ${which} resolved ${resolved.resolvedAt.slice(0, 10)}${code}${notes}`;
  });
  return [`deskbridge found earlier tickets like this one that were resolved; how they were fixed may apply here:`, ...lines];
}

/** One trace line per listed look-alike. */
export function resolvedTrace(listed: readonly ResolvedLookalike[]): string {
  return listed.map((c) => `${c.number} (${c.score.toFixed(2)}, resolved ${c.resolved.resolvedAt.slice(0, 10)}${c.resolved.code !== undefined ? ` ${c.resolved.code}` : ''})`).join(', ');
}

// Jira wiki links and mentions ([~user] notifies the person), image embeds (!pic.png!) and HTML
// tags would become markup in the note; the quote keeps their words only.
const HTML_TAG = /<\/?[a-z][^>]*>/gi;
const WIKI_IMAGE = /!([^\s!]+)!/g;
const MENTION = /\[~[^\]]*\]/g;

/**
 * Resolution text as one plain line to quote: markup and control characters out, whitespace
 * collapsed, double quotes made single (the quote stays unambiguous), cut at a word boundary.
 */
export function plainText(text: string, maxChars: number): string {
  const flat = stripMarkup(text)
    .replace(HTML_TAG, ' ')
    .replace(MENTION, ' ')
    .replace(WIKI_IMAGE, '$1')
    .replace(/[[]/g, '(')
    .replace(/[\]]/g, ')')
    .replace(/[{}<>]/g, ' ')
    .replace(/"/g, "'")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
