import { tokenise } from '../../similarity/normalise.js';
import { SurfaceForms } from '../../similarity/surface.js';
import type { PatternEvent, PatternProblem } from '../types.js';

/** How many members a problem description lists one by one before summarising the rest. */
const LISTED_MEMBERS = 100;

/**
 * What a pattern's problem record says: everything a problem manager needs to judge it without
 * opening each incident. Problem title/description templates are evaluated over this object.
 */
export interface PatternEvidence {
  rule: { id: string; description: string };
  /** The group's values joined, e.g. "Configuration Item 12" or "Category 26 / Subcategory 174". */
  key: string;
  values: string[];
  count: number;
  members: { number: string; createdAt: string; title: string; details: Record<string, string> }[];
  firstSeen: string;
  lastSeen: string;
  /** Per detail field (ci, location, group…): value → number of members. */
  counts: Record<string, Record<string, number>>;
  /** Terms most members' titles share, most common first, each as people wrote it (not stemmed). */
  sharedTerms: string[];
  /** The departure from normal that opened the problem, in words. */
  trigger: string;
  generation: number;
  /** Ready-made text blocks for templates that do not want to format lists themselves. */
  text: { members: string; counts: string };
}

export function buildEvidence(problem: PatternProblem, members: readonly PatternEvent[], rule: { id: string; description?: string | undefined }): PatternEvidence {
  const sorted = [...members].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.number.localeCompare(b.number));
  const counts: Record<string, Record<string, number>> = {};
  for (const member of sorted) {
    for (const [field, value] of Object.entries(member.details)) {
      const perValue = (counts[field] ??= {});
      perValue[value] = (perValue[value] ?? 0) + 1;
    }
  }
  const listed = sorted.slice(-LISTED_MEMBERS);
  const memberLines = listed.map((m) => `- ${m.number} (${m.createdAt.slice(0, 16).replace('T', ' ')} UTC) ${m.title}`);
  if (sorted.length > listed.length) memberLines.unshift(`- … ${sorted.length - listed.length} earlier incidents not listed`);
  const countLines = Object.entries(counts).map(
    ([field, perValue]) =>
      `${field}: ${Object.entries(perValue)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(([value, n]) => `${value} (${n})`)
        .join(', ')}`,
  );
  return {
    rule: { id: rule.id, description: rule.description ?? '' },
    key: problem.groupValues.join(' / '),
    values: problem.groupValues,
    count: sorted.length,
    members: sorted.map((m) => ({ number: m.number, createdAt: m.createdAt, title: m.title, details: m.details })),
    firstSeen: sorted[0]?.createdAt ?? problem.openedAt,
    lastSeen: sorted[sorted.length - 1]?.createdAt ?? problem.openedAt,
    counts,
    sharedTerms: sharedTerms(sorted.map((m) => m.title)),
    trigger: problem.trigger,
    generation: problem.generation,
    text: { members: memberLines.join('\n'), counts: countLines.join('\n') },
  };
}

/**
 * Terms that at least half the titles contain (and at least two), most common first. Shared is
 * decided on the index terms (stems); each is shown as the word most often written for it in the
 * titles ("minutes", not "minut").
 */
export function sharedTerms(titles: readonly string[]): string[] {
  if (titles.length < 2) return [];
  const documentFrequency = new Map<string, number>();
  const forms = new SurfaceForms();
  for (const title of titles) {
    for (const term of new Set(tokenise(title))) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    forms.add(title);
  }
  const floor = Math.max(2, Math.ceil(titles.length / 2));
  return [...documentFrequency.entries()]
    .filter(([term, n]) => n >= floor && !term.startsWith('__'))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([term]) => forms.show(term));
}

/** Used when an admin's description template fails: the problem still carries its evidence. */
export function plainDescription(evidence: PatternEvidence): string {
  return [
    `Recurring pattern detected by deskbridge rule ${evidence.rule.id}: ${evidence.key}.`,
    evidence.trigger,
    `${evidence.count} incidents from ${evidence.firstSeen} to ${evidence.lastSeen}.`,
    evidence.sharedTerms.length > 0 ? `Shared terms: ${evidence.sharedTerms.join(', ')}.` : '',
    '',
    evidence.text.counts,
    '',
    evidence.text.members,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
