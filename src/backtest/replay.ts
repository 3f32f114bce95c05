import { MemoryState } from '../engine/memory-state.js';
import { newPassMemory } from '../engine/plan-batch.js';
import { planOneTicket } from '../engine/plan-one.js';
import type { CompiledRuleSet } from '../engine/rule-set.js';
import type { Decision, QaVerdict } from '../engine/types.js';
import { teamCalendars, type Team } from '../team/index.js';
import type { Ticket } from '../model/ticket.js';
import type { ReportBuilder } from './report.js';

/** Where the simulation put a ticket, in place of what history shows, until a person moves it. */
interface Overlay {
  group: string;
  assignee: string | undefined;
}

/**
 * Replays versions of tickets through the rules like the daemon would see them.
 *
 * The model, kept deliberately simple:
 * - Each version is planned once, in time order, as a change made by a person (history holds
 *   no deskbridge writes, so nothing is skipped as an own write), with the daemon's own
 *   `planBatch` on a {@link MemoryState} — a batch of one version, committed before the next —
 *   so the backtest decides what the daemon would. A batch per version, not per pass: each
 *   version is judged at its own time (shifts, SLA clocks), and the overlay below needs the
 *   decisions of one version before the next is shown to the rules. A version seen before (same
 *   ticket, same version) is skipped, as the daemon's ledger would.
 * - When a rule assigns a ticket, the simulated write "lands": later versions of that ticket
 *   are shown to the rules with the simulated group and person (an overlay), as the daemon
 *   would pull them back from the platform.
 * - When history later shows the ticket's group changing, a person reassigned it: the overlay
 *   is dropped and the ticket is taken as history has it from then on. A change of person
 *   alone, within a group, keeps the overlay (it was a person picking up the history group's
 *   ticket, which in the simulation sits elsewhere).
 * - Round-robin positions, open tickets per person and history (similarity index, marks,
 *   pattern events) carry over across the whole replay in the state, as the daemon's store
 *   carries them between passes; loads follow each ticket's effective person (overlay or
 *   history) while it is open, as the committed rows say.
 */
export class Replayer {
  readonly state = new MemoryState();
  /** One pass over the whole history: every version is indexed (when rules need it) before it is judged. */
  private readonly pass = newPassMemory();
  private readonly overlays = new Map<string, Overlay>();
  private readonly historyGroups = new Map<string, string | undefined>();
  private readonly seenVersions = new Set<string>();

  constructor(
    private readonly ruleSet: CompiledRuleSet,
    private readonly sourceId: string,
    private readonly report: ReportBuilder,
    private readonly onDecision?: (ticket: Ticket, decision: Decision) => void,
    private readonly onVerdict?: (ticket: Ticket, verdict: QaVerdict) => void,
    /** The team file beside the rules: team-aware routing and business-hours SLA calendars. */
    private readonly team?: Team,
    /** The source's `skip:` condition: a version it holds for is judged by no rule, as in the daemon. */
    private readonly skip?: string,
  ) {
    this.calendars = teamCalendars(team);
  }

  private readonly calendars: ReturnType<typeof teamCalendars>;

  /** Evaluates one version; false when it was a duplicate and skipped. */
  async replay(ticket: Ticket): Promise<boolean> {
    const versionKey = `${ticket.key}@${ticket.version}`;
    if (this.seenVersions.has(versionKey)) return false;
    this.seenVersions.add(versionKey);

    const first = !this.historyGroups.has(ticket.key);
    const previousGroup = this.historyGroups.get(ticket.key);
    this.historyGroups.set(ticket.key, ticket.group);
    this.report.version(ticket.key, ticket.group);

    let overlay = this.overlays.get(ticket.key);
    if (overlay && !first && ticket.group !== previousGroup) {
      this.overlays.delete(ticket.key);
      if (ticket.group !== overlay.group) this.report.reassignedByPerson(ticket.key);
      overlay = undefined;
    }
    const seen: Ticket = overlay ? withOverlay(ticket, overlay) : ticket;

    // The version's own time is the rules' clock; no start point: every version is acted on.
    const context = { sourceId: this.sourceId, now: new Date(seen.updatedAt), calendars: this.calendars, skip: this.skip, ...(this.team ? { team: this.team } : {}) };
    const { plan, judged, skipped } = await planOneTicket(this.state, { ticket: seen, ruleSet: this.ruleSet, context, pass: this.pass, index: true });
    this.state.commit(this.sourceId, plan);
    if (skipped !== undefined) this.report.skipped(ticket.key, skipped.error);
    if (judged === undefined) return true;

    for (const verdict of judged.verdicts) {
      this.report.verdict(verdict);
      this.onVerdict?.(seen, verdict);
    }
    for (const trace of judged.trace) {
      if (trace.outcome === 'error') this.report.ruleError(trace.ruleId, seen, trace.reason);
    }
    for (const decision of judged.decisions) {
      this.onDecision?.(seen, decision);
      this.report.decision(seen.key, decision.ruleId, decision.action);
      if (decision.action.type === 'assign') {
        this.overlays.set(seen.key, { group: decision.action.group, assignee: decision.action.assignee });
      }
    }
    return true;
  }
}

function withOverlay(ticket: Ticket, overlay: Overlay): Ticket {
  const { assignee: _historyAssignee, ...rest } = ticket;
  return overlay.assignee === undefined ? { ...rest, group: overlay.group } : { ...rest, group: overlay.group, assignee: overlay.assignee };
}
