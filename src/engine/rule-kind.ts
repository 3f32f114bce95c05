import type { z } from 'zod';
import { compileExpression, EvaluationCancelledError, isTruthy, type CompiledExpression } from '../mapping/expression.js';
import type { RuleScope } from '../model/rule.js';
import type { Ticket } from '../model/ticket.js';
import { emptyMemoryChange, type RuleMemoryChange } from './rule-memory.js';
import type { Decision, EngineState, EvaluationContext, QaVerdict, RuleTrace } from './types.js';

/**
 * A rule kind is a handler: its schema, how a rule of it is compiled, how one rule judges one
 * ticket, and what it needs from the rest of the system. Everything the kinds share — scope,
 * `when`, trace entries, cancellation — is written once here ({@link defineRuleKind}), so a kind's
 * folder holds only what is particular to it. Kinds are listed in src/engine/kinds.ts.
 */

/** The fields every rule has, whatever its kind (`RuleBase` in src/model/rule.ts, plus `kind`). */
export interface RuleCommon {
  kind: string;
  id: string;
  description?: string | undefined;
  enabled: boolean;
  when: string;
  scope?: RuleScope | undefined;
}

/** A rule compiled once: its kind, the parsed rule and its `when`, plus what its kind adds. */
export interface CompiledRuleCommon<R extends RuleCommon = RuleCommon> {
  kind: R['kind'];
  rule: R;
  when: CompiledExpression;
}

/** What one kind's rules decided about one ticket. */
export interface KindOutcome {
  decisions: Decision[];
  trace: RuleTrace[];
  /** Verdicts reached (audit records, not writes): QA rules'. */
  verdicts: QaVerdict[];
  /** The earliest moment a clock-driven rule wants this ticket judged again (ISO), if any. */
  dueAt: string | undefined;
  /** What rules of a kind that remembers its trigger (see `RuleKindDefinition.repeat`) learned. */
  memory: RuleMemoryChange;
}

/** How a rule re-applies to a ticket it judged before (see `RuleKindDefinition.repeat`). */
export interface RepeatPolicy {
  /** Acts only when `when` newly becomes true for the ticket (routing's `override`). */
  newlyTrueOnly: boolean;
  /** Acts at most once per ticket, ever (`once: true`). */
  once: boolean;
}

/** Why a rule that remembers its trigger was held back. */
export type HoldReason = 'once' | 'same-trigger';

/** The trace reasons of a held-back rule, for kinds that have nothing more particular to say. */
export const HELD_BACK: Record<HoldReason, string> = {
  once: 'once: applied to this ticket before — never again',
  'same-trigger': 'applied before for this trigger; a person has changed the ticket since — not reverting',
};

/**
 * What a kind's rules need beyond the ticket in hand; the engine answers the daemon's questions
 * (`needsSimilarityIndex`, `needsSlaSweep`, …) from these, so nothing outside a kind names it.
 */
export interface RuleKindNeeds<C extends CompiledRuleCommon = CompiledRuleCommon> {
  /** Rules compare a ticket with earlier ones: every pulled ticket is indexed before any is judged. */
  similarityIndex?: boolean;
  /**
   * Rules act on the clock, not only on edits: open tickets are judged again (by these kinds only,
   * `evaluateSlaOnly`) when their `dueAt` comes, without the platform changing them.
   */
  clock?: boolean;
  /** Rules open problem records whose state (resolved, closed) must be read again before each pass. */
  problemStates?: boolean;
  /**
   * A ticket judged before an earlier-created ticket arrived is judged again by these kinds only
   * (`evaluateDuplicatesOnly`) when it does; gives, per rule, which later tickets to look at.
   */
  lateOriginals?: (compiled: C) => LateOriginalSearch;
}

/** Which tickets reported after a newly arrived one a rule may have judged without it. */
export interface LateOriginalSearch {
  ruleId: string;
  /** Reported at most this long after the newcomer. */
  lookBackMs: number;
  equalFields: readonly string[];
  fieldWeights: Readonly<Record<string, number>>;
  /** Only candidates scoring at least this are worth judging again. */
  threshold: number;
  /** A ticket carrying any of these marks was acted on already and is not judged again. */
  actedMarks: readonly string[];
}

/** What a rule asks of the platform it writes to (`deskbridge validate` warns where a source lacks it). */
export interface PlatformNeed {
  capability: 'internalComments' | 'problemRecords';
  /** The rule's key the warning points at. */
  key: string;
  what: string;
  lacking: string;
  hint: string;
}

/** What to do about an internal note on a source that cannot post one (shared by the kinds that write notes). */
export const INTERNAL_NOTE_HINT = 'scope the rule to other sources, make the note public, or (Jira) enable serviceDesk for a JSM project';

/** Compiling helpers: expressions and templates are compiled by the kind, raw fields declared by it. */
export interface CompileTools {
  /** Declares that this JSONata source reads the ticket, so the connector asks for its `raw.<field>`s. */
  readsTicket(source: string): void;
}

/** One ticket's pass over the rules of one kind, as a kind's `evaluate` sees it. */
export interface RuleRun<S> {
  ticket: Ticket;
  state: EngineState;
  context: EvaluationContext;
  /** The kind's own per-ticket scratch (see `start`), shared by its rules in file order. */
  pass: S;
  /** Decisions, trace, verdicts and `dueAt` of the kind so far (earlier rules included). */
  outcome: KindOutcome;
  /** Adds a trace entry for the rule being judged. */
  readonly trace: (outcome: RuleTrace['outcome'], reason: string) => void;
  /** No later rule of this kind judges the ticket (routing: the first match wins). */
  stop(): void;
}

/** A rule kind's zod schema: a strict object with `kind: z.literal(<kind>)` and the common fields. */
export type RuleSchema = z.ZodType<RuleCommon> & z.core.$ZodTypeDiscriminable;

/** A kind as its folder writes it; {@link defineRuleKind} turns it into a registry entry. */
export interface RuleKindDefinition<Z extends RuleSchema, C extends CompiledRuleCommon<z.output<Z>>, S = undefined, R extends z.output<Z> = z.output<Z>> {
  kind: R['kind'];
  /** The rule's schema; part of the `Rule` union of the rules file. */
  schema: Z;
  needs: RuleKindNeeds<C>;
  /** The kind's compiled parts (expressions, templates); `kind`, `rule` and `when` are added. */
  compile(rule: R, tools: CompileTools): Omit<C, keyof CompiledRuleCommon>;
  /** Per-ticket scratch shared by the kind's rules (routing: the assignment so far). */
  start?(ticket: Ticket, context: EvaluationContext): S;
  /** Why no rule of this kind applies to the ticket now (checked after scope, before `when`), or undefined. */
  notApplicable?(ticket: Ticket, context: EvaluationContext): string | undefined;
  /**
   * Rules of this kind remember, per ticket, whether their `when` held and whether they wrote, and
   * this says how that limits a rule: a rule is held back (`heldBack`, not `evaluate`) when it is
   * `once` and applied before, or `newlyTrueOnly` and its `when` was already true at the ticket's
   * previous judgement — so people who change what the rule did are not overruled for the same
   * trigger. Left out by the kinds that keep their own once-marks (dedup, patterns, QA, SLA).
   */
  repeat?(rule: R, pass: S): RepeatPolicy;
  /** A rule held back by `repeat`: its trace, and what it means for later rules (routing: it stops them, as a match). */
  heldBack?(compiled: C, run: RuleRun<S>, why: HoldReason): void;
  /** The trace reason when `when` fails (default `when failed: <message>`). */
  whenFailed?(message: string): string;
  /** Judges one rule whose scope and `when` hold, writing decisions and trace into `run.outcome`. */
  evaluate(compiled: C, run: RuleRun<S>): Promise<void>;
  /** Decisions summarising a whole batch (a problem's evidence rewritten once, not per incident). */
  finishBatch?(rules: readonly C[], state: EngineState): Promise<Decision[]>;
  /** What the rule asks of the platforms it writes to. */
  platformNeeds?(rule: R): PlatformNeed[];
  /** Groups of the team file the rule names, for `deskbridge validate`. */
  teamReferences?(rule: R): TeamReference[];
}

/** A group of the team file a rule names, and what it means when the team file lacks it. */
export interface TeamReference {
  group: string;
  /** Path of the key inside the rule, for the diagnostic's position. */
  path: (string | number)[];
  severity: 'error' | 'warning';
  /** The problem in words; `known` says what the team file has (": the team file has A, B"). */
  message(known: string): string;
  hint: string;
}

/** A registry entry: the same handler with its types erased, so kinds can be listed together. */
export interface RuleKind<Z extends RuleSchema = RuleSchema> {
  readonly kind: string;
  readonly schema: Z;
  readonly needs: RuleKindNeeds;
  readonly hasBatchFinish: boolean;
  compile(rule: RuleCommon, rawFields: Set<string>): CompiledRuleCommon;
  /** Judges one ticket with this kind's rules (in file order), through the shared scope/`when`/trace wrapper. */
  evaluate(ticket: Ticket, rules: readonly CompiledRuleCommon[], state: EngineState, context: EvaluationContext): Promise<KindOutcome>;
  finishBatch(rules: readonly CompiledRuleCommon[], state: EngineState): Promise<Decision[]>;
  platformNeeds(rule: RuleCommon): PlatformNeed[];
  teamReferences(rule: RuleCommon): TeamReference[];
}

/**
 * Wraps a kind's definition with the parts every kind shares. For each rule, in file order:
 * out of scope (source, group) → `not-applicable`; the kind's `notApplicable` → `not-applicable`;
 * `when` throws → `error` (an evaluation limit included: one rule's failure never stops the
 * others); `when` false → `no-match`; held back by what the ticket's row remembers (kinds with
 * `repeat`: `once`, or `when` already true at the previous judgement) → the kind's `heldBack`;
 * otherwise the kind judges it. Shutdown is not a rule error: it propagates, so a
 * judgement the rule never made is never committed.
 */
export function defineRuleKind<Z extends RuleSchema, C extends CompiledRuleCommon<z.output<Z>>, S = undefined>(definition: RuleKindDefinition<Z, C, S>): RuleKind<Z> {
  type R = z.output<Z>;
  // The registry hands each kind only rules its own schema parsed and its own `compile` built.
  const own = (rule: RuleCommon): R => rule as R;
  const ownCompiled = (rules: readonly CompiledRuleCommon[]): readonly C[] => rules as readonly C[];
  const { lateOriginals } = definition.needs;
  return {
    kind: definition.kind,
    schema: definition.schema,
    needs: { ...definition.needs, lateOriginals: lateOriginals && ((compiled) => lateOriginals(ownCompiled([compiled])[0] as C)) },
    hasBatchFinish: definition.finishBatch !== undefined,
    compile(rule, rawFields) {
      const when = compileExpression(rule.when);
      const tools: CompileTools = { readsTicket: (source) => collectRawFields(source, rawFields) };
      tools.readsTicket(rule.when);
      const parts = definition.compile(own(rule), tools);
      return { kind: rule.kind, rule, when, ...parts };
    },
    async evaluate(ticket, rules, state, context) {
      const outcome: KindOutcome = { decisions: [], trace: [], verdicts: [], dueAt: undefined, memory: emptyMemoryChange() };
      const pass = definition.start ? definition.start(ticket, context) : (undefined as S);
      for (const compiled of ownCompiled(rules)) {
        const { rule } = compiled;
        let stopped = false;
        const run: RuleRun<S> = {
          ticket,
          state,
          context,
          pass,
          outcome,
          trace: (result, reason) => outcome.trace.push({ ruleId: rule.id, kind: definition.kind, outcome: result, reason }),
          stop: () => {
            stopped = true;
          },
        };
        const outOfScope = scopeExcludes(rule.scope, ticket, state, context);
        if (outOfScope !== undefined) {
          run.trace('not-applicable', outOfScope);
          continue;
        }
        const notApplicable = definition.notApplicable?.(ticket, context);
        if (notApplicable !== undefined) {
          run.trace('not-applicable', notApplicable);
          continue;
        }
        let matched: boolean;
        try {
          matched = isTruthy(await compiled.when.evaluate(ticket));
        } catch (error) {
          if (error instanceof EvaluationCancelledError) throw error;
          const message = error instanceof Error ? error.message : String(error);
          run.trace('error', definition.whenFailed ? definition.whenFailed(message) : `when failed: ${message}`);
          continue;
        }
        const repeat = definition.repeat?.(own(rule), pass);
        if (!matched) {
          if (repeat) outcome.memory.whenFalse.push(rule.id);
          run.trace('no-match', `when is false: ${rule.when}`);
          continue;
        }
        if (repeat) {
          outcome.memory.whenTrue.push(rule.id);
          const held = holdReason(rule.id, repeat, context);
          if (held !== undefined) {
            if (definition.heldBack) definition.heldBack(compiled, run, held);
            else run.trace('not-applicable', HELD_BACK[held]);
            if (stopped) break;
            continue;
          }
        }
        const before = outcome.decisions.length;
        await definition.evaluate(compiled, run);
        if (repeat && outcome.decisions.slice(before).some((d) => d.ruleId === rule.id)) outcome.memory.applied.push(rule.id);
        if (stopped) break;
      }
      return outcome;
    },
    async finishBatch(rules, state) {
      return definition.finishBatch ? definition.finishBatch(ownCompiled(rules), state) : [];
    },
    platformNeeds: (rule) => definition.platformNeeds?.(own(rule)) ?? [],
    teamReferences: (rule) => definition.teamReferences?.(own(rule)) ?? [],
  };
}

/**
 * Why a rule's scope leaves this ticket out, or undefined when the rule applies to it. Groups are
 * matched against the ticket's group now: the one an earlier rule of this judgement gave, else
 * the platform's.
 */
function scopeExcludes(scope: RuleScope | undefined, ticket: Ticket, state: EngineState, context: EvaluationContext): string | undefined {
  if (scope?.sources && !scope.sources.includes(context.sourceId)) return `scoped to ${scope.sources.join(', ')}`;
  if (scope?.groups) {
    const group = state.plannedGroup?.(ticket.key) ?? ticket.group;
    if (group === undefined || !scope.groups.includes(group)) return `scoped to group ${scope.groups.join(', ')}; the ticket is in ${group ?? 'no group'}`;
  }
  return undefined;
}

/** Whether what the ticket's state row remembers holds this rule back (its `when` being true now). */
function holdReason(ruleId: string, repeat: RepeatPolicy, context: EvaluationContext): HoldReason | undefined {
  const memory = context.memory;
  if (!memory) return undefined;
  if (repeat.once && memory.applied.has(ruleId)) return 'once';
  if (repeat.newlyTrueOnly && memory.triggered.has(ruleId)) return 'same-trigger';
  return undefined;
}

/** Rules (and a source's `skip`) reach custom native fields through `raw.<field>`; the connector must ask for them. */
export function collectRawFields(source: string, into: Set<string>): void {
  for (const match of source.matchAll(/\braw\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (match[1]) into.add(match[1]);
  }
}
