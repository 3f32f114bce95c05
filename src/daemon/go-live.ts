import type { OutboxVolumeRow } from '../state/types.js';
import type { StartPoint } from './start-point.js';

/**
 * Going live: a source's first live pass (its live state has never completed a pass) is planned in
 * full before anything is sent, then announced in one warning — tickets read, writes by kind, what
 * bounds it, what a dry run planned — and held when it would write more than
 * `firstLivePass.maxWrites`. Held writes stay pending in the outbox, so nothing is lost or sent
 * twice: raising the limit sends them as any pending write is sent. With `maxWrites: off` there is
 * no catch and nothing to hold: the pass writes as it goes and the warning reports what it planned.
 * Pure: the sync loop gathers.
 */

/** Writes per kind: the action type, `comment:public` for customer-visible comments. */
export type WriteVolume = Readonly<Record<string, number>>;

/** Writes of some kind, counted, and when the first and last were planned. */
export interface VolumeSummary {
  writes: WriteVolume;
  total: number;
  first?: string | undefined;
  last?: string | undefined;
}

const KIND_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  assign: ['assignment', 'assignments'],
  comment: ['internal note', 'internal notes'],
  'comment:public': ['customer-visible comment', 'customer-visible comments'],
  'create-problem': ['problem opened', 'problems opened'],
  'update-problem': ['problem update', 'problem updates'],
  'link-problem': ['link to a problem', 'links to problems'],
  'link-duplicate': ['duplicate link', 'duplicate links'],
  'create-task': ['task opened', 'tasks opened'],
  'set-field': ['field update', 'field updates'],
};

/** Order kinds are listed in: what people notice first. */
const KIND_ORDER = Object.keys(KIND_WORDS);

/** Sums volume rows (of one source, already filtered by status as the caller needs). */
export function summariseVolume(rows: readonly OutboxVolumeRow[]): VolumeSummary {
  const writes: Record<string, number> = {};
  let total = 0;
  let first: string | undefined;
  let last: string | undefined;
  for (const row of rows) {
    writes[row.kind] = (writes[row.kind] ?? 0) + row.n;
    total += row.n;
    if (first === undefined || row.first < first) first = row.first;
    if (last === undefined || row.last > last) last = row.last;
  }
  return { writes, total, ...(first !== undefined ? { first, last } : {}) };
}

/** "12 assignments, 1 internal note, 2 problems opened"; "no writes" when empty. */
export function describeVolume(writes: WriteVolume): string {
  const kinds = Object.keys(writes)
    .filter((k) => (writes[k] ?? 0) > 0)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (kinds.length === 0) return 'no writes';
  return kinds
    .map((kind) => {
      const n = writes[kind] ?? 0;
      const words = KIND_WORDS[kind];
      return `${n.toLocaleString('en')} ${words ? words[n === 1 ? 0 : 1] : `${kind} write${n === 1 ? '' : 's'}`}`;
    })
    .join(', ');
}

function rank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

export interface FirstLivePassFacts {
  sourceId: string;
  /** Records the pass read from the platform. */
  ticketsRead: number;
  /** Tickets older than the start point: learned from, not acted on. */
  historyTickets: number;
  /** Writes waiting in the outbox now: everything the pass is about to send (with the catch off: what it planned, sent as it went). */
  pending: VolumeSummary;
  startPoint: Pick<StartPoint, 'actFrom' | 'origin'>;
  /** The source's `startFrom` (what is read at all), when set. */
  startFrom?: string | undefined;
  /** What a dry run of this source planned (its state file beside the live one), when there is one. */
  dryRun?: (VolumeSummary & { path: string }) | undefined;
  maxWrites: number | 'off';
}

export interface FirstLivePassVerdict {
  /** True: send nothing, keep the writes pending; the pass is not the first completed one. */
  held: boolean;
  /** The warning's one sentence (several clauses) for the admin. */
  summary: string;
  /** Set when held: what to do next. */
  hint?: string;
}

const ORIGIN: Record<StartPoint['origin'], string> = {
  flag: 'deskbridge run --from',
  config: 'actFrom in the config',
  recorded: 'the start point recorded in the state',
  'first-sync': 'this first sync: what was updated before it is history, learned from and not acted on',
};

/** Decides whether a first live pass is held, and says what it is about to do in words. */
export function judgeFirstLivePass(facts: FirstLivePassFacts): FirstLivePassVerdict {
  const { pending, startPoint } = facts;
  const history = facts.historyTickets > 0 ? ` (${facts.historyTickets.toLocaleString('en')} of them updated before the start point: learned from, not acted on)` : '';
  const clauses = [
    facts.maxWrites === 'off'
      ? `First live pass of ${facts.sourceId}: read ${facts.ticketsRead.toLocaleString('en')} tickets${history}, planned ${pending.total.toLocaleString('en')} writes (${describeVolume(pending.writes)}), sent as it went (firstLivePass.maxWrites: off)`
      : `First live pass of ${facts.sourceId}: read ${facts.ticketsRead.toLocaleString('en')} tickets${history}, about to make ${pending.total.toLocaleString('en')} writes (${describeVolume(pending.writes)})`,
    `acts on versions updated since ${startPoint.actFrom} (${ORIGIN[startPoint.origin]})`,
    facts.startFrom ? `reads records updated since ${facts.startFrom} (startFrom)` : 'reads every record the source query matches (no startFrom)',
    facts.dryRun
      ? `a dry run (${facts.dryRun.path}) planned ${facts.dryRun.total.toLocaleString('en')} writes${facts.dryRun.first ? ` between ${facts.dryRun.first} and ${facts.dryRun.last}` : ''} (${describeVolume(facts.dryRun.writes)})`
      : 'no dry run of this source to compare with',
  ];
  const summary = `${clauses.join('; ')}.`;
  const { maxWrites } = facts;
  if (maxWrites === 'off' || pending.total <= maxWrites) return { held: false, summary };
  return {
    held: true,
    summary,
    hint:
      `Nothing was sent: ${pending.total.toLocaleString('en')} writes is more than firstLivePass.maxWrites (${maxWrites}) allows a first live pass. ` +
      `They wait in the outbox: review them with deskbridge outbox list --live (deskbridge outbox show <id> for one). ` +
      `To send them, raise firstLivePass.maxWrites of source ${facts.sourceId} to at least ${pending.total} (or off) and restart deskbridge. ` +
      `Not wanted? deskbridge outbox discard --source ${facts.sourceId} drops them unsent; then set actFrom to act on less.`,
  };
}
