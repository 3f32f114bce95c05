import type { DaemonConfig, Source } from '../config/schema.js';
import { formatExplanation } from '../explain/explain.js';
import { explainWithState, fetchTicketForExplain } from '../explain/live.js';
import type { ConsoleRules, ConsoleSource, ConsoleStateFile, ConsoleView, ExplainResult } from '../console/view.js';
import type { PlatformMappings } from '../mapping/mapper.js';
import type { Connector } from '../platforms/types.js';
import type { ConfigReloader } from './reload.js';
import { mappingName } from '../config/schema.js';

/** How far back "requests in the last minute" looks, and how often the count is sampled. */
const RATE_WINDOW_MS = 60_000;
const SAMPLE_EVERY_MS = 5_000;

/**
 * Requests per source over the last minute, from the connectors' running totals sampled every few
 * seconds (the daemon samples on a timer while the console runs, and on every page view).
 */
export class RequestRate {
  private readonly samples = new Map<string, { ms: number; count: number }[]>();

  sample(sourceId: string, count: number, nowMs: number): void {
    const list = this.samples.get(sourceId) ?? [];
    const last = list[list.length - 1];
    if (!last || nowMs - last.ms >= SAMPLE_EVERY_MS) list.push({ ms: nowMs, count });
    // Keep one sample older than the window: the count at the window's start.
    while (list.length > 2 && (list[1]?.ms ?? nowMs) <= nowMs - RATE_WINDOW_MS) list.shift();
    this.samples.set(sourceId, list);
  }

  /** Requests sent in the last minute (less right after start: counted from the first sample). */
  lastMinute(sourceId: string, count: number, nowMs: number): number {
    this.sample(sourceId, count, nowMs);
    const first = this.samples.get(sourceId)?.[0];
    return first ? Math.max(0, count - first.count) : 0;
  }
}

export interface ConsoleRunner {
  source: Source;
  connector: Connector;
  state: ConsoleStateFile;
  dryRun: boolean;
  running: boolean;
  stopped: boolean;
  /** On a shared state, whether this daemon holds the source's lease now (undefined: it holds the whole state). */
  held?: boolean | undefined;
}

export interface DaemonConsoleParts {
  config: DaemonConfig;
  startedAt: Date;
  now: () => Date;
  runners: () => readonly ConsoleRunner[];
  stateFiles: readonly ConsoleStateFile[];
  reloader: ConfigReloader;
  lastOutcome: ReadonlyMap<string, string>;
  auditProblem: () => string | undefined;
  dryRunAuditDir: string;
  redact: (text: string) => string;
  rate: RequestRate;
  /** Aborted when the daemon stops: a page's explain does not hold the shutdown up. */
  stopping: AbortSignal;
}

/** The console's view of a running daemon: live facts from it, the rest read from its stores. */
export function daemonConsoleView(parts: DaemonConsoleParts): ConsoleView {
  const { config, reloader } = parts;
  const runnerOf = (sourceId: string) => parts.runners().find((r) => r.source.id === sourceId);
  return {
    startedAt: parts.startedAt,
    now: parts.now,
    sources: (): ConsoleSource[] =>
      parts.runners().map((r) => {
        const transport = r.connector.transportStatus();
        return {
          id: r.source.id,
          platform: r.source.platform,
          baseUrl: withoutUserinfo(r.source.baseUrl),
          mode: r.dryRun ? 'dry-run' : 'live',
          schedule: r.source.schedule,
          activity: r.stopped ? 'stopped' : r.running ? 'running' : 'idle',
          lastOutcome: parts.lastOutcome.get(r.source.id),
          ...(r.held === undefined ? {} : { sharing: r.held ? ('here' as const) : ('elsewhere' as const) }),
          transport: {
            requests: transport.requests,
            requestsLastMinute: parts.rate.lastMinute(r.source.id, transport.requests, parts.now().getTime()),
            budgetPerMinute: transport.budgetPerMinute,
            circuit: transport.circuit,
            circuitRetryAt: transport.circuitRetryAt,
          },
        };
      }),
    stateFiles: () => parts.stateFiles,
    stateOf: (sourceId) => runnerOf(sourceId)?.state,
    rules: (): ConsoleRules => {
      const status = reloader.status;
      return {
        rulesPath: config.rules,
        mappingsPath: config.mappings,
        loadedAt: status.loadedAt,
        hash: status.hash,
        rules: reloader.set.rules.rules.map((compiled) => {
          const rule = compiled.rule;
          return { id: rule.id, kind: rule.kind, description: rule.description, when: rule.when, sources: rule.scope?.sources, groups: rule.scope?.groups };
        }),
        lastRejected: status.lastRejected ? { at: status.lastRejected.at, diagnostics: status.lastRejected.diagnostics } : undefined,
        rejectedStillOnDisk: status.rejectedStillOnDisk,
        rejectedCount: status.rejectedCount,
      };
    },
    explain: async (sourceId, ticketRef): Promise<ExplainResult> => {
      const runner = runnerOf(sourceId);
      if (!runner) return { ok: false, message: `no source ${sourceId}` };
      const set = reloader.set;
      const mappings: PlatformMappings | undefined = set.mappings.get(mappingName(runner.source));
      if (!mappings) return { ok: false, message: `no mappings loaded for ${mappingName(runner.source)}` };
      try {
        const ticket = await fetchTicketForExplain(runner.connector, runner.source, mappings, set.rules, ticketRef, AbortSignal.any([AbortSignal.timeout(20_000), parts.stopping]));
        if (!ticket) return { ok: false, message: `${ticketRef} was not found on ${sourceId}` };
        const live = parts.stateFiles.find((f) => f.mode === 'live');
        const dry = parts.stateFiles.find((f) => f.mode === 'dry-run');
        const explanation = await explainWithState(
          ticket,
          set,
          runner.source,
          { live: live?.store, livePath: live?.path ?? config.state.path, ...(dry ? { dryRun: dry.store, dryRunPath: dry.path } : {}) },
          parts.now(),
          runner.dryRun,
        );
        return { ok: true, explanation, lines: formatExplanation(explanation) };
      } catch (error) {
        return { ok: false, message: parts.redact(error instanceof Error ? error.message : String(error)) };
      }
    },
    audit: {
      dirs: parts.stateFiles.map((f) => ({ mode: f.mode, dir: f.mode === 'live' ? config.audit.dir : parts.dryRunAuditDir })),
      problem: parts.auditProblem,
    },
    redact: parts.redact,
  };
}

/** An address as shown: credentials written into it (`https://user:pass@host`) are not. */
function withoutUserinfo(address: string): string {
  try {
    const url = new URL(address);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return address;
  }
}
