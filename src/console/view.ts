import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { Explanation } from '../explain/explain.js';
import type { StateStore } from '../state/types.js';

/** Which state file a row comes from: `live` (written, or to be) or `dry-run` (planned, never sent). */
export type ConsoleMode = 'live' | 'dry-run';

/** What a page shows of one source, live from the daemon (the rest it reads from the state). */
export interface ConsoleSource {
  id: string;
  platform: string;
  /** The platform's address (never its credentials). */
  baseUrl: string;
  mode: ConsoleMode;
  schedule: string;
  /** `running`: a pass is under way; `stopped`: the platform refused the credentials, nothing runs until a restart. */
  activity: 'idle' | 'running' | 'stopped';
  /** The last pass's outcome this process saw (`ok`, `failed`, `stopped`, `first-live-pass-held`), if any. */
  lastOutcome: string | undefined;
  /**
   * On a state several daemons share: whether this daemon works the source now (`here`) or another
   * does (`elsewhere`; its passes still show, from the shared pass log). Absent: this daemon holds
   * the whole state.
   */
  sharing?: 'here' | 'elsewhere' | undefined;
  transport: {
    /** HTTP requests sent since the daemon started. */
    requests: number;
    /** Requests sent in the last minute (a sliding count), against the source's budget. */
    requestsLastMinute: number;
    budgetPerMinute: number | undefined;
    circuit: 'closed' | 'open' | 'half-open';
    circuitRetryAt: string | undefined;
  };
}

export interface ConsoleStateFile {
  mode: ConsoleMode;
  path: string;
  store: StateStore;
}

export interface ConsoleRule {
  id: string;
  kind: string;
  description: string | undefined;
  when: string;
  sources: readonly string[] | undefined;
  groups: readonly string[] | undefined;
}

export interface ConsoleRules {
  rulesPath: string;
  mappingsPath: string;
  /** When the running set was loaded (at start, or by the last accepted reload). */
  loadedAt: string;
  hash: string;
  rules: readonly ConsoleRule[];
  /** Positioned problems (file, line, column), or a problem with no position (the files could not be read). */
  lastRejected: { at: string; diagnostics: readonly (Diagnostic | { severity: 'error'; code: string; message: string; hint?: undefined })[] } | undefined;
  /** The rejected edit is still what the files hold: the daemon runs the set above, not the files. */
  rejectedStillOnDisk: boolean;
  rejectedCount: number;
}

export type ExplainResult = { ok: true; explanation: Explanation; lines: readonly string[] } | { ok: false; message: string };

/**
 * Everything the console reads from the daemon it runs in. The console renders it and never
 * reaches into the daemon, a connector or the engine itself: pages cannot change what they show.
 */
export interface ConsoleView {
  startedAt: Date;
  now: () => Date;
  sources: () => ConsoleSource[];
  /** The live state, and the dry-run sources' own state when there is one. */
  stateFiles: () => readonly ConsoleStateFile[];
  /** The state file a source plans into. */
  stateOf: (sourceId: string) => ConsoleStateFile | undefined;
  rules: () => ConsoleRules;
  /** Fetches the ticket from its source now and evaluates every loaded rule on it (writes nothing). */
  explain: (sourceId: string, ticket: string) => Promise<ExplainResult>;
  audit: {
    /** The audit folder of each state file's mode. */
    dirs: readonly { mode: ConsoleMode; dir: string }[];
    /** Why the audit trail holds writes (broken or not writable), if it does. */
    problem: () => string | undefined;
  };
  /** Removes every secret the config took from the environment from text about to be shown. */
  redact: (text: string) => string;
}
