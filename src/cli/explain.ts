import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { mappingName, type Source } from '../config/schema.js';
import { loadConfigSet } from '../daemon/reload.js';
import { mappingSourceBinding } from '../platforms/registry.js';
import { formatExplanation, type Explanation } from '../explain/explain.js';
import { explainWithState, fetchTicketForExplain } from '../explain/live.js';
import { mapInbound } from '../mapping/mapper.js';
import { buildTestTicket } from '../model/test-ticket.js';
import type { Ticket } from '../model/ticket.js';
import { silentLogger } from '../observability/logger.js';
import { createConnector } from '../platforms/api.js';
import { describeState, dryRunStateOf, liveStateOf, mayExist, openState, type StateLocation } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { setEvaluationLimits } from '../mapping/limits.js';

export interface ExplainOptions {
  config: string;
  ticket?: string;
  file?: string;
  source?: string;
  json?: boolean;
}

/**
 * `deskbridge explain`: every rule evaluated for one ticket — fetched from a live source by
 * number/id, or read from a JSON file (a native record, or canonical ticket fields) — with the
 * parts of each condition that decided it and the actions that would follow. Writes nothing.
 */
export async function explainCommand(opts: ExplainOptions, out: (line: string) => void): Promise<number> {
  if (!opts.ticket && !opts.file) {
    out('deskbridge explain: give --ticket <number or id> (read from the source) or --file <ticket.json>');
    return 2;
  }
  const { config } = loadConfig(opts.config);
  setEvaluationLimits(config.limits);
  const source = pickSource(config.sources, opts.source);
  const set = loadConfigSet(
    config.rules,
    config.mappings,
    [mappingName(source)],
    config.sources.map((s) => s.id),
  );
  const mappings = set.mappings.get(mappingName(source));
  if (!mappings) throw new Error(`no mappings for ${mappingName(source)}`);

  let ticket: Ticket;
  if (opts.ticket) {
    const connector = createConnector(source, { logger: silentLogger });
    await connector.init();
    let fetched: Ticket | undefined;
    try {
      fetched = await fetchTicketForExplain(connector, source, mappings, set.rules, opts.ticket);
    } finally {
      await connector.close();
    }
    if (!fetched) {
      out(`deskbridge explain: ${opts.ticket} was not found on source ${source.id}`);
      return 1;
    }
    ticket = fetched;
  } else {
    const data = JSON.parse(readFileSync(opts.file ?? '', 'utf8')) as Record<string, unknown>;
    const native = 'sys_id' in data || 'fields' in data || 'key' in data;
    ticket = native ? await mapInbound(mappings, liftJiraFields(data), { platform: source.platform, sourceId: source.id, source: mappingSourceBinding(source) }) : canonicalTicket(data, source.id);
  }

  // The state the daemon would decide with (rotation positions, open tickets, what it knows of
  // the ticket), read-only. A dry-run source decides with its own state file; neither is created
  // when it does not exist. What it holds of the ticket's writes says whether "already acted"
  // means written or only planned in a dry run; a live source also hears of a dry run's plans.
  const dryRun = source.dryRun ?? config.dryRun;
  const liveState = liveStateOf(config);
  const dryRunState = dryRunStateOf(config);
  const livePath = describeState(liveState);
  const dryRunPath = dryRunState ? describeState(dryRunState) : livePath;
  const open = async (location: StateLocation | undefined): Promise<StateStore | undefined> => (location && mayExist(location) ? openState(location) : undefined);
  const live = dryRun ? undefined : await open(liveState);
  let dryRunStore: StateStore | undefined;
  let explanation: Explanation;
  try {
    dryRunStore = await open(dryRunState);
    explanation = await explainWithState(ticket, set, source, { live, livePath, dryRun: dryRunStore, dryRunPath }, new Date(), dryRun);
  } finally {
    await dryRunStore?.close();
    await live?.close();
  }
  if (opts.json) out(JSON.stringify({ ...explanation, ticket: { ...explanation.ticket, raw: undefined } }, null, 2));
  else for (const line of formatExplanation(explanation)) out(line);
  return 0;
}

function pickSource(sources: readonly Source[], id: string | undefined): Source {
  const source = id ? sources.find((s) => s.id === id) : sources.find((s) => s.enabled);
  if (!source) throw new Error(id ? `No source "${id}". Sources: ${sources.map((s) => s.id).join(', ')}` : 'The config has no enabled source');
  return source;
}

/** A Jira issue as the REST API returns it has `fields`; the mappings read them lifted to the top (as the connector does). */
function liftJiraFields(data: Record<string, unknown>): Record<string, unknown> {
  const fields = data['fields'];
  if (typeof fields !== 'object' || fields === null) return data;
  const { fields: _fields, ...rest } = data;
  return { ...(fields as Record<string, unknown>), ...rest };
}

/** Canonical fields from a file, completed with the same neutral defaults rule tests use. */
function canonicalTicket(data: Record<string, unknown>, sourceId: string): Ticket {
  const built = buildTestTicket(data, sourceId);
  if (built.ok) return built.ticket;
  throw new Error(`The ticket in the file is not valid: ${built.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
