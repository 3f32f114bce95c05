import { durationMs } from '../../model/rule.js';
import { isOpen, type Ticket } from '../../model/ticket.js';
import { defineRuleKind, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type RuleRun } from '../rule-kind.js';
import type { Decision, DuplicateCandidate, EngineState, EvaluationContext, IndexedTicket } from '../types.js';
import { resolvedLookalikes, resolvedSection, resolvedTrace, type ResolvedLookalike } from './resolved.js';
import { DedupRule } from './schema.js';
import { showTerms } from '../../similarity/surface.js';

export type CompiledDedupRule = CompiledRuleCommon<DedupRule> & { kind: 'dedup' };

/** Marks that make each dedup rule act on a ticket once: suggested or linked, never both, never again. */
export const SUGGESTED = 'suggested';
export const LINKED = 'linked';

/**
 * Duplicate detection for one ticket: the earlier tickets most like it, resolved to the root of
 * their duplicate family. Above the rule's link threshold the ticket is linked to that root (with
 * a note on both); above the suggest threshold a person gets a note listing the candidates.
 * One rule acts on a ticket, once (the first in file order that finds something), so edits never
 * repeat the note and two rules never write two notes.
 *
 * With `resolved`, the note also lists earlier look-alikes resolved before the ticket was reported,
 * with their resolution, under the candidates; if only those qualify, the note is just that list.
 * It is the same note with the same mark (`suggested`), so it too is written once. A linked ticket
 * gets no such list: it is handled through its original, whose own history shows its fix.
 */
export const dedupKind = defineRuleKind<typeof DedupRule, CompiledDedupRule>({
  kind: 'dedup',
  schema: DedupRule,
  needs: {
    similarityIndex: true,
    lateOriginals: (compiled) => {
      const { rule } = compiled;
      return {
        ruleId: rule.id,
        lookBackMs: durationMs(rule.lookBack),
        equalFields: rule.equalFields,
        fieldWeights: rule.fieldWeights,
        // A late original may be a resolved look-alike worth listing, not only a likely original.
        threshold: Math.min(rule.suggest.threshold, rule.resolved?.threshold ?? 1),
        actedMarks: [LINKED, SUGGESTED],
      };
    },
  },
  compile: () => ({}),
  notApplicable: (ticket) => (isOpen(ticket.status) ? undefined : `ticket is ${ticket.status}; duplicates are looked for while a ticket is open`),
  evaluate: evaluateDedupRule,
  platformNeeds: () => [{ capability: 'internalComments', key: 'suggest', what: 'writes internal notes about duplicates', lacking: 'cannot post internal comments', hint: INTERNAL_NOTE_HINT }],
});

/** One dedup rule whose `when` matched an open ticket: link, suggest, or say why not. */
async function evaluateDedupRule(compiled: CompiledDedupRule, run: RuleRun<undefined>): Promise<void> {
  const { rule } = compiled;
  const { ticket, state, context } = run;
  const { decisions } = run.outcome;
  const { history } = state;
  // One dedup rule acts on a ticket, once: the first in file order (put the strictest first).
  // Any rule's mark counts, so renaming or replacing a rule does not repeat its notes.
  const actedBy = await history.markedBy(ticket.key, [LINKED, SUGGESTED]);
  if (actedBy !== undefined) {
    run.trace('not-applicable', actedBy === rule.id ? 'already acted on this ticket' : `rule ${actedBy} already acted on this ticket`);
    return;
  }
  const root = await history.rootOf(ticket.key);
  if (root !== undefined) {
    run.trace('not-applicable', `already linked as a duplicate of ${root}`);
    return;
  }

  const candidates = await rootCandidates(ticket, compiled, state, context);
  const suggested = candidates.filter((c) => c.score >= rule.suggest.threshold);
  const resolved = rule.resolved ? resolvedLookalikes(candidates, ticket, rule.resolved) : undefined;
  const fixes = resolved?.listed ?? [];
  if (suggested.length === 0 && fixes.length === 0) {
    const best = candidates[0];
    const why = best ? `best candidate ${best.number} scores ${best.score.toFixed(2)}, below the suggest threshold ${rule.suggest.threshold}` : 'no earlier ticket shares enough with it';
    run.trace('no-match', `${why}${resolvedWhy(rule, resolved)}`);
    return;
  }

  const top = suggested[0];
  const link = rule.link;
  const linkable = top !== undefined && link !== undefined && top.score >= link.threshold && top.sourceId === context.sourceId;
  // A ticket others are already linked to stays their root: linking it too would build a chain.
  if (linkable && !(await history.hasDuplicates(ticket.key))) {
    decisions.push(...linkDecisions(ticket, top, compiled));
    history.recordDuplicate(ticket.key, top.key, rule.id);
    history.setMark(rule.id, ticket.key, LINKED);
    run.trace(
      'matched',
      `linked as duplicate of ${top.number} (score ${top.score.toFixed(2)} ≥ ${link.threshold})${fixes.length > 0 ? '; resolved look-alikes not listed (a linked ticket follows its original)' : ''}`,
    );
    return;
  }
  const listed = suggested.slice(0, rule.suggest.limit);
  const found = [
    ...(top ? [`${listed.length} likely original${listed.length === 1 ? '' : 's'} (best ${top.number}, score ${top.score.toFixed(2)})`] : []),
    ...(fixes.length > 0 ? [`${fixes.length} resolved look-alike${fixes.length === 1 ? '' : 's'}`] : []),
  ];
  decisions.push({
    ruleId: rule.id,
    action: { type: 'comment', visibility: 'internal', body: duplicateNote(listed, fixes, rule) },
    explanation: `Rule ${rule.id} found ${found.join(' and ')}`,
  });
  history.setMark(rule.id, ticket.key, SUGGESTED);
  const parts = [
    ...(listed.length > 0 ? [`suggested ${listed.map((c) => `${c.number} (${c.score.toFixed(2)})`).join(', ')}`] : []),
    ...(fixes.length > 0 ? [`listed resolved look-alikes ${resolvedTrace(fixes)} (score ≥ ${rule.resolved?.threshold}, resolved before this ticket was reported)`] : []),
  ];
  run.trace('matched', `${parts.join('; ')}${fixes.length === 0 ? resolvedWhy(rule, resolved) : resolved && resolved.passedOver.length > 0 ? ` (not listed: ${resolved.passedOver.join('; ')})` : ''}`);
}

/** Why a rule with `resolved` listed no resolved look-alike, for the trace ('' without the option). */
function resolvedWhy(rule: DedupRule, resolved: { passedOver: string[] } | undefined): string {
  if (!rule.resolved || !resolved) return '';
  if (resolved.passedOver.length === 0) return `; no resolved look-alike scores ≥ ${rule.resolved.threshold}`;
  return `; no resolved look-alike listed: ${resolved.passedOver.join('; ')}`;
}

/**
 * Candidates with every duplicate replaced by its root (the best score of the family kept), the
 * ticket itself and anything created after it removed. Best first.
 */
async function rootCandidates(ticket: Ticket, compiled: CompiledDedupRule, state: EngineState, context: EvaluationContext): Promise<DuplicateCandidate[]> {
  const { rule } = compiled;
  const { history } = state;
  // Tickets created in the same instant (platforms with one-second clocks) are ordered by
  // number below, so the bound includes that instant.
  const createdBefore = new Date(Date.parse(ticket.createdAt) + 1).toISOString();
  const createdAfter = new Date(Date.parse(ticket.createdAt) - durationMs(rule.lookBack)).toISOString();
  const raw = await history.candidates({
    ticket,
    sourceIds: [context.sourceId, ...rule.alsoSources],
    createdAfter,
    createdBefore,
    equalFields: rule.equalFields,
    fieldWeights: rule.fieldWeights,
    mask: rule.mask,
    // Extra room: several candidates may collapse into one root.
    limit: Math.max(10, rule.suggest.limit * 3, (rule.resolved?.limit ?? 0) * 3),
  });
  const byRoot = new Map<string, DuplicateCandidate>();
  for (const candidate of raw) {
    let chosen: DuplicateCandidate = candidate;
    const rootKey = await history.rootOf(candidate.key);
    if (rootKey !== undefined) {
      const root: IndexedTicket | undefined = await history.indexed(rootKey);
      if (root === undefined) continue;
      // The family's fix is the root's: a duplicate's own resolution mostly says "duplicate".
      const { resolved: _duplicateFix, ...scored } = candidate;
      chosen = { ...scored, ...root, matchedFields: candidate.matchedFields, sharedTerms: candidate.sharedTerms };
    }
    if (chosen.key === ticket.key || !reportedBefore(chosen, ticket)) continue;
    // Notes quote the shared terms: as the words the two tickets use, not their stems.
    chosen = { ...chosen, sharedTerms: showTerms(chosen.sharedTerms, [ticket.title, candidate.title, ticket.description]) };
    const existing = byRoot.get(chosen.key);
    if (!existing || existing.score < chosen.score) byRoot.set(chosen.key, chosen);
  }
  return [...byRoot.values()].sort((a, b) => b.score - a.score || a.createdAt.localeCompare(b.createdAt));
}

/** The original is the earlier report; for the same instant, the lower ticket number. */
function reportedBefore(candidate: Pick<DuplicateCandidate, 'createdAt' | 'number'>, ticket: Ticket): boolean {
  const a = Date.parse(candidate.createdAt);
  const b = Date.parse(ticket.createdAt);
  return a < b || (a === b && candidate.number.localeCompare(ticket.source.number, 'en', { numeric: true }) < 0);
}

function linkDecisions(ticket: Ticket, original: DuplicateCandidate, compiled: CompiledDedupRule): Decision[] {
  const { rule } = compiled;
  const why = reasonText(original);
  const originalTarget = { ticketKey: original.key, nativeId: original.nativeId, number: original.number, version: original.version };
  const decisions: Decision[] = [
    {
      ruleId: rule.id,
      action: { type: 'link-duplicate', original: { nativeId: original.nativeId, number: original.number } },
      explanation: `Rule ${rule.id}: duplicate of ${original.number} (score ${original.score.toFixed(2)}; ${why})`,
    },
    {
      ruleId: rule.id,
      action: {
        type: 'comment',
        visibility: 'internal',
        body: `deskbridge linked this ticket as a duplicate of ${original.number} "${original.title}" (score ${original.score.toFixed(2)}; ${why}). Rule: ${rule.id}.`,
      },
      explanation: `Note on the duplicate, rule ${rule.id}`,
    },
    {
      ruleId: rule.id,
      action: {
        type: 'comment',
        visibility: 'internal',
        body: `deskbridge linked ${ticket.source.number} "${ticket.title}" to this ticket as a duplicate (score ${original.score.toFixed(2)}; ${why}). Rule: ${rule.id}.`,
      },
      explanation: `Note on the original ${original.number}, rule ${rule.id}`,
      target: originalTarget,
      // After the link, in the duplicate's lane and plan: if the link is not made, neither is the note.
      lane: ticket.key,
    },
  ];
  for (const [field, value] of Object.entries(rule.link?.resolve ?? {})) {
    decisions.push({ ruleId: rule.id, action: { type: 'set-field', field, value }, explanation: `Resolve as duplicate of ${original.number}, rule ${rule.id}` });
  }
  return decisions;
}

/** The rule's one note: likely originals (if any), then resolved look-alikes with their fix (if any). */
function duplicateNote(candidates: readonly DuplicateCandidate[], fixes: readonly ResolvedLookalike[], rule: DedupRule): string {
  const lines: string[] = [];
  if (candidates.length > 0) {
    lines.push(`deskbridge found earlier tickets that may describe the same issue:`);
    lines.push(...candidates.map((c, i) => `${i + 1}. ${c.number} "${c.title}" — score ${c.score.toFixed(2)}; ${reasonText(c)}`));
    lines.push(`If one is the same issue, link this ticket to it.`);
  }
  if (fixes.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(...resolvedSection(fixes, rule.resolved?.maxChars ?? 300, new Set(candidates.map((c) => c.key))));
  }
  lines[lines.length - 1] += ` Rule: ${rule.id}.`;
  return lines.join('\n');
}

/** Why two tickets look alike, in words: the shared terms that weighed most and the equal fields. */
export function reasonText(candidate: Pick<DuplicateCandidate, 'sharedTerms' | 'matchedFields'>): string {
  const parts: string[] = [];
  if (candidate.sharedTerms.length > 0) parts.push(`shared terms: ${candidate.sharedTerms.slice(0, 6).join(', ')}`);
  if (candidate.matchedFields.length > 0) parts.push(`same ${candidate.matchedFields.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'similar text';
}
