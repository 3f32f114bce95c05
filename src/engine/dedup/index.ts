import { durationMs } from '../../model/rule.js';
import { isOpen, type Ticket } from '../../model/ticket.js';
import { defineRuleKind, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type RuleRun } from '../rule-kind.js';
import type { Decision, DuplicateCandidate, EngineState, EvaluationContext, IndexedTicket } from '../types.js';
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
        threshold: rule.suggest.threshold,
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
  if (suggested.length === 0) {
    const best = candidates[0];
    run.trace('no-match', best ? `best candidate ${best.number} scores ${best.score.toFixed(2)}, below the suggest threshold ${rule.suggest.threshold}` : 'no earlier ticket shares enough with it');
    return;
  }

  const top = suggested[0] as DuplicateCandidate;
  const link = rule.link;
  const linkable = link !== undefined && top.score >= link.threshold && top.sourceId === context.sourceId;
  // A ticket others are already linked to stays their root: linking it too would build a chain.
  if (linkable && !(await history.hasDuplicates(ticket.key))) {
    decisions.push(...linkDecisions(ticket, top, compiled));
    history.recordDuplicate(ticket.key, top.key, rule.id);
    history.setMark(rule.id, ticket.key, LINKED);
    run.trace('matched', `linked as duplicate of ${top.number} (score ${top.score.toFixed(2)} ≥ ${link.threshold})`);
    return;
  }
  const listed = suggested.slice(0, rule.suggest.limit);
  decisions.push({
    ruleId: rule.id,
    action: { type: 'comment', visibility: 'internal', body: suggestionNote(listed, rule.id) },
    explanation: `Rule ${rule.id} found ${listed.length} likely original${listed.length === 1 ? '' : 's'} (best ${top.number}, score ${top.score.toFixed(2)})`,
  });
  history.setMark(rule.id, ticket.key, SUGGESTED);
  run.trace('matched', `suggested ${listed.map((c) => `${c.number} (${c.score.toFixed(2)})`).join(', ')}`);
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
    limit: Math.max(10, rule.suggest.limit * 3),
  });
  const byRoot = new Map<string, DuplicateCandidate>();
  for (const candidate of raw) {
    let chosen: DuplicateCandidate = candidate;
    const rootKey = await history.rootOf(candidate.key);
    if (rootKey !== undefined) {
      const root: IndexedTicket | undefined = await history.indexed(rootKey);
      if (root === undefined) continue;
      chosen = { ...candidate, ...root, matchedFields: candidate.matchedFields, sharedTerms: candidate.sharedTerms };
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

function suggestionNote(candidates: readonly DuplicateCandidate[], ruleId: string): string {
  const lines = candidates.map((c, i) => `${i + 1}. ${c.number} "${c.title}" — score ${c.score.toFixed(2)}; ${reasonText(c)}`);
  return [`deskbridge found earlier tickets that may describe the same issue:`, ...lines, `If one is the same issue, link this ticket to it. Rule: ${ruleId}.`].join('\n');
}

/** Why two tickets look alike, in words: the shared terms that weighed most and the equal fields. */
export function reasonText(candidate: Pick<DuplicateCandidate, 'sharedTerms' | 'matchedFields'>): string {
  const parts: string[] = [];
  if (candidate.sharedTerms.length > 0) parts.push(`shared terms: ${candidate.sharedTerms.slice(0, 6).join(', ')}`);
  if (candidate.matchedFields.length > 0) parts.push(`same ${candidate.matchedFields.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'similar text';
}
