import { loadConfig } from '../config/load-config.js';
import { mappingName, type Source } from '../config/schema.js';
import { readAuditLog, verifyAuditLog } from '../audit/index.js';
import { loadConfigSet } from '../daemon/reload.js';
import { setEvaluationLimits } from '../mapping/limits.js';
import { mapInbound, type PlatformMappings } from '../mapping/mapper.js';
import { createLogger, silentLogger } from '../observability/logger.js';
import { createConnector } from '../platforms/api.js';
import { mappingSourceBinding } from '../platforms/registry.js';
import type { Connector } from '../platforms/types.js';
import { StateHeldError } from '../state/lease.js';
import { applyReverts, revertAction, type SourceReverts } from '../revert/apply.js';
import { decide, shown, type CurrentTicket, type RevertDecision } from '../revert/decide.js';
import { landedWrites, selectReverts, short, type RevertFilter } from '../revert/select.js';

export interface RevertOptions extends RevertFilter {
  config: string;
  apply?: boolean;
}

/** Exit codes: 0 done (or planned), 1 some revert write failed, 2 bad input or an unusable action log, 75 the daemon holds the state. */
export async function revertCommand(opts: RevertOptions, out: (line: string) => void): Promise<number> {
  for (const [name, value] of [
    ['--since', opts.since],
    ['--until', opts.until],
  ] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      out(`deskbridge revert: ${name} "${value}" is not an ISO 8601 date or date-time`);
      return 2;
    }
  }
  const { config, secrets } = loadConfig(opts.config);
  setEvaluationLimits(config.limits);
  const dir = config.audit.dir;

  // Undo only what a log that proves intact says was done.
  const verified = verifyAuditLog(dir, 'actions');
  if (!verified.ok) {
    out(`deskbridge revert: the action log in ${dir} does not verify (${verified.problem?.message ?? 'unknown problem'}); run "deskbridge audit verify" first`);
    return 2;
  }
  const selection = selectReverts(landedWrites(readAuditLog(dir, 'actions')), opts);

  const sources = new Map(config.sources.map((s) => [s.id, s]));
  const set = loadConfigSet(
    config.rules,
    config.mappings,
    [...new Set(config.sources.map((s) => mappingName(s)))],
    config.sources.map((s) => s.id),
  );
  const connectors = new Map<string, { source: Source; connector: Connector; mappings: PlatformMappings }>();
  const decisions: RevertDecision[] = [];
  for (const candidate of selection.candidates) {
    const source = sources.get(candidate.ticket.source);
    if (!source) {
      decisions.push({ kind: 'skip', candidate, reason: `source ${candidate.ticket.source} is no longer configured` });
      continue;
    }
    if (!source.enabled || (source.dryRun ?? config.dryRun)) {
      decisions.push({ kind: 'skip', candidate, reason: `source ${source.id} is ${source.enabled ? 'in dry-run mode' : 'disabled'}: nothing is written to it` });
      continue;
    }
    let live = connectors.get(source.id);
    if (!live) {
      const mappings = set.mappings.get(mappingName(source));
      if (!mappings) throw new Error(`no mappings loaded for ${mappingName(source)}`);
      live = { source, connector: createConnector(source, { logger: silentLogger }), mappings };
      await live.connector.init();
      connectors.set(source.id, live);
    }
    decisions.push(decide(candidate, await readCurrent(live, candidate.ticket.key, candidate.ticket.number)));
  }

  out(opts.apply ? 'Revert:' : 'Revert plan (dry run: nothing is written; run again with --apply to write it):');
  for (const d of decisions) {
    const { ticket, writes, restore, expect } = d.candidate;
    const undone = writes.map((w) => `${short(w.actionId)} (rule ${w.rule}, ${w.at})`).join(', ');
    if (d.kind === 'revert')
      out(`  revert  ${ticket.number}  group ${shown(expect.group)} -> ${shown(restore.group)}, assignee ${shown(expect.assignee)} -> ${shown(restore.assignee)}  undoes ${undone}`);
    else out(`  skip    ${ticket.number}  ${d.reason}  (${undone})`);
  }
  for (const n of selection.notReverted) out(`  not revertible  ${n.ticket.number}  ${n.write.action} (rule ${n.write.rule}, ${n.write.at}): ${n.reason}`);
  const toRevert = decisions.filter((d): d is Extract<RevertDecision, { kind: 'revert' }> => d.kind === 'revert');
  const summary = `${toRevert.length} to revert, ${decisions.length - toRevert.length} skipped, ${selection.notReverted.length} not revertible`;

  if (!opts.apply || toRevert.length === 0) {
    out(decisions.length + selection.notReverted.length === 0 ? 'No write deskbridge made matches.' : `${opts.apply ? '' : 'Would: '}${summary}`);
    await closeAll(connectors.values());
    return 0;
  }

  const bySource = new Map<string, SourceReverts>();
  for (const d of toRevert) {
    const live = connectors.get(d.candidate.ticket.source);
    if (!live) continue;
    const entry = bySource.get(live.source.id) ?? { ...live, actions: [] };
    entry.actions.push(revertAction(d));
    bySource.set(live.source.id, entry);
  }
  const logger = createLogger({ ...config.log, secrets });
  let outcomes: Map<string, string>;
  try {
    outcomes = await applyReverts(config, logger, [...bySource.values()]);
  } catch (error) {
    await closeAll(connectors.values());
    if (error instanceof StateHeldError) {
      out(`deskbridge revert: ${error.message}; revert writes through the daemon's state, so stop the daemon and run it again`);
      return 75;
    }
    throw error;
  }
  await closeAll(connectors.values());
  let failed = 0;
  for (const { actions } of bySource.values()) {
    for (const action of actions) {
      const outcome = outcomes.get(action.id) ?? 'queued for a retry';
      if (outcome !== 'updated' && outcome !== 'unchanged') failed++;
      out(`  ${action.target.number}: ${outcome === 'superseded' ? 'not written: changed on the platform just now (superseded)' : outcome}`);
    }
  }
  out(`${summary}; ${toRevert.length - failed} written${failed > 0 ? `, ${failed} not written (see the outcomes above and "deskbridge outbox list")` : ''}`);
  return failed > 0 ? 1 : 0;
}

/** The ticket's assignment as the platform shows it now, mapped like the daemon maps it. */
async function readCurrent(live: { source: Source; connector: Connector; mappings: PlatformMappings }, key: string, number: string): Promise<CurrentTicket | null> {
  const { source, connector, mappings } = live;
  const nativeId = key.slice(key.lastIndexOf(':') + 1);
  const record = await connector.get(nativeId !== '' ? nativeId : number, [...mappings.inbound.rootFields]);
  if (!record) return null;
  const ticket = await mapInbound(mappings, record.raw, { platform: connector.platform, sourceId: source.id, source: mappingSourceBinding(source) });
  return { nativeId: record.nativeId, version: record.version, group: ticket.group ?? null, assignee: ticket.assignee ?? null };
}

async function closeAll(connectors: Iterable<{ connector: Connector }>): Promise<void> {
  for (const { connector } of connectors) await connector.close();
}
