import { ConfigError, formatDiagnostic } from '../diagnostics/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import type { DaemonConfig } from '../config/schema.js';
import { readDryRunPlan } from '../daemon/dry-run-plan.js';
import { describeVolume, summariseVolume, type VolumeSummary } from '../daemon/go-live.js';
import { DEFAULT_FIRST_LIVE_PASS_MAX_WRITES } from '../platforms/source-base.js';
import { describeState, dryRunStateOf, liveStateOf, mayExist, withState, type StateLocation } from '../state/open.js';
import { fairShare, liveDaemons } from '../daemon/source-claims.js';
import type { DaemonRecord, SourceLeaseRecord } from '../state/shared.js';
import type { OutboxEntry, PassRecord, StateStore } from '../state/types.js';
import { outboxEntryJson, outboxListHeading, outboxListLine, outboxShowLines, quarantineEntryJson, type StateMode } from './outbox-view.js';
import { describeHolder, staleness, thisProcess, type LeaseRecord } from '../state/lease.js';

/**
 * The config as far as the inspection commands need it (the state file): secrets are not
 * needed to read the outbox, so unset `${VARS}` do not stop an admin from looking.
 */
export function inspectionConfig(path: string): DaemonConfig | undefined {
  const env = new Proxy(process.env, { get: (target, name) => (typeof name === 'string' ? (target[name] ?? 'unset-for-inspection') : undefined) });
  try {
    return loadConfig(path, env).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return undefined;
  }
}

/** A state and what its rows are: the live state, or the dry-run sources' own file (or schema). */
export interface StateFile {
  mode: StateMode;
  location: StateLocation;
  /** For messages: the file path, or the database URL without its password. */
  path: string;
}

/** The live state, and the dry-run one when it is a different one (not for `:memory:`). */
export function stateFiles(config: DaemonConfig): StateFile[] {
  const live = liveStateOf(config);
  const dry = dryRunStateOf(config);
  return [{ mode: 'live', location: live, path: describeState(live) }, ...(dry ? [{ mode: 'dry-run' as const, location: dry, path: describeState(dry) }] : [])];
}

/** The modes the enabled sources run in now: what an admin means by "the outbox" without a flag. */
export function currentModes(config: DaemonConfig): StateMode[] {
  const modes = new Set<StateMode>(config.sources.filter((s) => s.enabled).map((s) => ((s.dryRun ?? config.dryRun) ? 'dry-run' : 'live')));
  return modes.size === 0 ? ['live'] : (['live', 'dry-run'] as const).filter((m) => modes.has(m));
}

/**
 * Which state files a list command shows: `--live` / `--dry-run` pick (both: both); by default the
 * modes the config's sources run in now, so rows planned in an earlier dry run do not mix into the
 * live list after going live (they are counted in a hint instead).
 */
export function selectStates(config: DaemonConfig, flags: { live?: boolean | undefined; dryRun?: boolean | undefined }): { shown: StateFile[]; other: StateFile[] } {
  const wanted: StateMode[] = flags.live || flags.dryRun ? [...(flags.live ? ['live' as const] : []), ...(flags.dryRun ? ['dry-run' as const] : [])] : currentModes(config);
  const files = stateFiles(config);
  return { shown: files.filter((f) => wanted.includes(f.mode)), other: files.filter((f) => !wanted.includes(f.mode)) };
}

/** The live state is opened (and created) as before; a dry-run file only when a dry run made it. */
function readable(file: StateFile): boolean {
  return file.mode === 'live' || mayExist(file.location);
}

const FLAG: Record<StateMode, string> = { live: '--live', 'dry-run': '--dry-run' };

/** One line per state file not shown that holds rows, saying how to see them. */
async function notShownHints(files: readonly StateFile[], count: (store: StateStore) => Promise<number>, command: string): Promise<{ mode: StateMode; path: string; rows: number; hint: string }[]> {
  const hints = [];
  for (const file of files) {
    if ((file.location.kind === 'sqlite' && file.location.path === ':memory:') || !mayExist(file.location)) continue;
    const rows = await withState(file.location, count);
    if (rows === 0) continue;
    const what = file.mode === 'dry-run' ? `planned in a dry run (never sent)` : 'of the live state';
    hints.push({ mode: file.mode, path: file.path, rows, hint: `${rows} row(s) ${what} in ${file.path} not shown: deskbridge ${command} ${FLAG[file.mode]}` });
  }
  return hints;
}

interface ListFlags {
  config: string;
  json?: boolean | undefined;
  live?: boolean | undefined;
  dryRun?: boolean | undefined;
}

/** `deskbridge outbox list|retry`: reads the same SQLite file the daemon writes (WAL allows both). */
export async function outboxCommand(verb: 'list' | 'retry', opts: ListFlags & { status?: 'pending' | 'done' | 'dead'; limit?: string; id?: string }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  if (verb === 'retry') {
    return withState(liveStateOf(config), async (store) => {
      const n = await store.outbox.retry(opts.id ? { id: opts.id } : {});
      process.stdout.write(`${n} dead entr${n === 1 ? 'y' : 'ies'} queued again; the daemon sends them on its next pass.\n`);
      if (opts.id && n === 0) {
        process.stderr.write(`deskbridge: no single dead entry starts with ${opts.id} (see deskbridge outbox list --status dead)\n`);
        return 1;
      }
      return 0;
    });
  }
  const { shown, other } = selectStates(config, opts);
  const limit = Number(opts.limit ?? 50);
  const states: { mode: StateMode; path: string; counts: Record<string, number> }[] = [];
  const entries: Record<string, unknown>[] = [];
  const out: string[] = [];
  for (const file of shown) {
    if (!readable(file)) {
      out.push(outboxListHeading(file.mode, file.path), '(no such file yet: no dry run has planned anything with this config)');
      continue;
    }
    await withState(file.location, async (store) => {
      const rows = await store.outbox.list({ ...(opts.status ? { status: opts.status } : {}), limit });
      const counts = await store.outbox.counts();
      states.push({ mode: file.mode, path: file.path, counts });
      entries.push(...rows.map((e) => outboxEntryJson(e, file.mode)));
      if (out.length > 0) out.push('');
      out.push(outboxListHeading(file.mode, file.path), ...rows.map((e) => outboxListLine(e, file.mode)), `pending ${counts.pending}, done ${counts.done}, dead ${counts.dead}`);
    });
  }
  const hints = await notShownHints(
    other,
    async (store) => {
      const c = await store.outbox.counts();
      return c.pending + c.done + c.dead;
    },
    'outbox list',
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ entries, states, notShown: hints.map(({ hint: _, ...h }) => h) }, null, 2)}\n`);
    return 0;
  }
  for (const h of hints) out.push(`(${h.hint})`);
  if (entries.length > 0) out.push('(one line per write; the whole write, note text included: deskbridge outbox show <id>, or --json)');
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/**
 * `deskbridge outbox discard --source <id>`: the live state's pending writes of one source are
 * dropped unsent. Meant for a first live pass the catch held and the admin does not want sent.
 */
export async function outboxDiscardCommand(opts: { config: string; source: string }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  if (!config.sources.some((s) => s.id === opts.source)) {
    process.stderr.write(`deskbridge: no source ${opts.source} in ${opts.config} (sources: ${config.sources.map((s) => s.id).join(', ')})\n`);
    return 2;
  }
  const n = await withState(liveStateOf(config), (store) => store.outbox.discard(opts.source, 'discarded by an admin (deskbridge outbox discard): never sent'));
  process.stdout.write(
    n === 0
      ? `No pending writes of ${opts.source} to discard.\n`
      : `${n} pending write(s) of ${opts.source} discarded: never sent, listed as dead (outcome discarded) in deskbridge outbox list --live --status dead. One can be brought back with deskbridge outbox retry --id <id>.\n`,
  );
  return 0;
}

/**
 * `deskbridge outbox show <id>`: one write in full, found by id prefix. A dry run and the live run
 * after it plan the same writes under the same ids, so the mode the sources run in now (or the
 * one `--live` / `--dry-run` asks for) is searched first, the other only when that finds nothing.
 */
export async function outboxShowCommand(id: string, opts: ListFlags): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  const { shown, other } = selectStates(config, opts);
  const search = async (files: readonly StateFile[]) => {
    const found: { file: StateFile; entry: OutboxEntry }[] = [];
    for (const file of files) {
      if (!mayExist(file.location)) continue;
      found.push(...(await withState(file.location, (store) => store.outbox.find(id))).map((entry) => ({ file, entry })));
    }
    return found;
  };
  let found = await search(shown);
  const elsewhere = await search(other);
  if (found.length === 0) found = elsewhere;
  const only = found[0];
  if (found.length !== 1 || !only) {
    process.stderr.write(
      found.length === 0
        ? `deskbridge: no outbox entry starts with ${id} (see deskbridge outbox list)\n`
        : `deskbridge: ${id} starts several entries, give more of the id:\n${found.map((f) => `  ${f.entry.id}  ${f.file.mode}  ${f.entry.planned.target.number}  ${f.entry.ruleId}`).join('\n')}\n`,
    );
    return 1;
  }
  const twin = elsewhere.find((f) => f.entry.id === only.entry.id && f.file.mode !== only.file.mode);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...outboxEntryJson(only.entry, only.file.mode), statePath: only.file.path, ...(twin ? { alsoIn: twin.file.mode } : {}) }, null, 2)}\n`);
    return 0;
  }
  const lines = outboxShowLines(only.entry, only.file.mode, only.file.path);
  if (twin) lines.push(`(the ${twin.file.mode} state holds the same write too: deskbridge outbox show ${id} ${FLAG[twin.file.mode]})`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function quarantineCommand(verb: 'list' | 'retry', opts: ListFlags & { id?: string; source?: string; all?: boolean }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  if (verb === 'retry') {
    if (!opts.id && !opts.all && !opts.source) {
      process.stderr.write('deskbridge: say which records to retry: --id <n>, --source <id> or --all\n');
      return 2;
    }
    // A dry-run source quarantines into the dry-run state, and re-reads from there.
    const location = (opts.dryRun ? dryRunStateOf(config) : undefined) ?? liveStateOf(config);
    const n = await withState(location, (store) => store.quarantineRetry({ ...(opts.id ? { id: Number(opts.id) } : {}), ...(opts.source ? { sourceId: opts.source } : {}) }));
    process.stdout.write(`${n} quarantined record(s) will be read again and re-mapped on the next pass.\n`);
    return 0;
  }
  const { shown, other } = selectStates(config, opts);
  const filter = opts.source ? { sourceId: opts.source } : {};
  const json: Record<string, unknown>[] = [];
  const out: string[] = [];
  for (const file of shown.filter(readable)) {
    const entries = await withState(file.location, (store) => store.quarantineList(filter));
    json.push(...entries.map((q) => quarantineEntryJson(q, file.mode)));
    if (out.length > 0) out.push('');
    out.push(`${file.mode} quarantine (${file.path}):`);
    for (const q of entries) out.push(`${String(q.id).padStart(4)}  ${q.status.padEnd(8)} ${q.createdAt}  ${q.sourceId}  ${q.nativeId ?? '(no id)'}@${q.version ?? '?'}  ${q.error}`);
    const open = entries.filter((q) => q.status === 'open').length;
    const retryable = entries.filter((q) => q.status === 'open' && q.nativeId !== undefined).length;
    const retry = `deskbridge quarantine retry --all${file.mode === 'dry-run' ? ' --dry-run' : ''}`;
    out.push(
      `${entries.length} quarantined record(s), ${open} open` +
        (retryable > 0 ? `. Fix the mapping or the record, then: ${retry}` : open > 0 ? '; records without an id cannot be re-read — fix them on the platform.' : '.'),
    );
  }
  const hints = await notShownHints(other, async (store) => (await store.quarantineList(filter)).length, 'quarantine list');
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ entries: json, notShown: hints.map(({ hint: _, ...h }) => h) }, null, 2)}\n`);
    return 0;
  }
  for (const h of hints) out.push(`(${h.hint})`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** One line on who holds a state file's lock: held, stale (the next daemon takes it over), released or never taken. */
export function describeLease(location: string, lease: LeaseRecord | undefined, now: Date): string {
  if (!lease) return `state ${location}: no daemon has run on it yet`;
  if (lease.releasedAt !== undefined) return `state ${location}: free (last held by pid ${lease.pid} on host ${lease.host}, released ${lease.releasedAt}; token ${lease.token})`;
  const stale = staleness(lease, now, thisProcess());
  const held = `${describeHolder(lease, now)} (token ${lease.token}, TTL ${Math.round(lease.ttlMs / 1000)} s)`;
  if (stale === 'holder-gone') return `state ${location}: stale — held by ${held}, but that process is gone; the next daemon takes it over`;
  if (stale === 'heartbeat-expired') return `state ${location}: stale — held by ${held}; the next daemon takes it over`;
  return `state ${location}: held by ${held}`;
}

/** `status` on a state several daemons share: each daemon, and who holds each source. */
export function describeSharing(
  location: string,
  daemons: readonly DaemonRecord[],
  leases: readonly SourceLeaseRecord[],
  sourceIds: readonly string[],
  now: Date,
): {
  lines: string[];
  daemons: (DaemonRecord & { live: boolean; holds: string[] })[];
  sources: { sourceId: string; holder: string | null; daemonId: string | null; token: number | null; state: string }[];
} {
  const me = thisProcess();
  const live = new Set(liveDaemons(daemons, now, me).map((d) => d.daemonId));
  const byId = new Map(leases.map((l) => [l.sourceId, l]));
  const sources = sourceIds.map((sourceId) => {
    const lease = byId.get(sourceId);
    const stale = lease && lease.releasedAt === undefined ? staleness(lease, now, me) : undefined;
    const state = !lease ? 'never held' : lease.releasedAt !== undefined ? 'free' : stale ? `stale (${stale}): the next daemon takes it` : 'held';
    return {
      sourceId,
      holder: lease && state === 'held' ? describeHolder(lease, now) : null,
      daemonId: lease && state === 'held' ? (lease.daemonId ?? null) : null,
      token: lease?.token ?? null,
      state,
    };
  });
  const withHoldings = daemons.map((d) => ({ ...d, live: live.has(d.daemonId), holds: sources.filter((s) => s.daemonId === d.daemonId).map((s) => s.sourceId) }));
  const running = withHoldings.filter((d) => d.live);
  const lines = [`state ${location}: shared by ${running.length} live daemon(s); each takes up to ${fairShare(sourceIds.length, running.length)} of the ${sourceIds.length} source(s)`];
  for (const d of withHoldings) {
    const status =
      d.stoppedAt !== undefined
        ? `stopped ${d.stoppedAt}`
        : d.live
          ? `live, last heartbeat ${Math.max(0, Math.round((now.getTime() - Date.parse(d.heartbeatAt)) / 1000))} s ago`
          : 'silent (counted out)';
    lines.push(`  daemon ${d.daemonId.slice(0, 8)}  pid ${d.pid} on ${d.host}${d.version ? `  v${d.version}` : ''}  ${status}  holds: ${d.holds.length > 0 ? d.holds.join(', ') : '(nothing)'}`);
  }
  for (const s of sources) lines.push(`  source ${s.sourceId}: ${s.state}${s.holder ? ` by daemon ${s.daemonId?.slice(0, 8) ?? '?'} (${s.holder}, token ${s.token})` : ''}`);
  return { lines, daemons: withHoldings, sources };
}

/**
 * `deskbridge status`: who holds each state file, and what waits in it. Read-only, so it works
 * beside a running daemon (WAL lets readers in while it writes).
 */
export async function statusCommand(opts: { config: string; json?: boolean | undefined }): Promise<number> {
  const config = inspectionConfig(opts.config);
  if (!config) return 2;
  const files = stateFiles(config).filter((f) => f.mode === 'live' || mayExist(f.location));
  const states: Record<string, unknown>[] = [];
  const out: string[] = [];
  const enabled = config.sources.filter((s) => s.enabled).map((s) => s.id);
  for (const { mode, location, path } of files) {
    if (!mayExist(location)) {
      states.push({ mode, path, exists: false });
      out.push(`state ${path}: does not exist yet (no daemon has run with this config)`);
      continue;
    }
    await withState(location, async (store) => {
      const counts = await store.outbox.counts();
      const open = await store.quarantineCount({ status: 'open' });
      if (store.shared) {
        const sharing = describeSharing(path, await store.shared.daemons(), await store.shared.sourceLeases(), enabled, new Date());
        states.push({ mode, path, exists: true, daemons: sharing.daemons, sources: sharing.sources, outbox: counts, quarantineOpen: open });
        out.push(...sharing.lines);
      } else {
        const lease = await store.leases.current();
        const summary = describeLease(path, lease, new Date());
        states.push({ mode, path, exists: true, lease: lease ?? null, summary, outbox: counts, quarantineOpen: open });
        out.push(summary);
      }
      if (mode === 'dry-run') out.push('  dry-run state: what dry-run sources planned; nothing in it was sent');
      out.push(`  outbox: pending ${counts.pending}, done ${counts.done}, dead ${counts.dead}; quarantine: ${open} open`);
    });
  }
  const sources = await sourceGoLive(config);
  out.push(...sources.flatMap(goLiveLines));
  process.stdout.write(opts.json ? `${JSON.stringify({ states, sources }, null, 2)}\n` : `${out.join('\n')}\n`);
  return 0;
}

/** Per source for `status`: gone live yet, what waits to be sent, and what a dry run would send. */
export interface SourceGoLive {
  id: string;
  /** The mode the config runs it in now. */
  mode: StateMode;
  /** The live state has a completed pass of it (its first live pass is behind it). */
  goneLive: boolean;
  livePasses: PassRecord | null;
  pending: VolumeSummary;
  firstLivePass: { maxWrites: number | 'off' };
  /** What a dry run of the source planned: every write it would have sent, by kind. */
  dryRun: { wouldSend: VolumeSummary; path: string; lastPassAt: string | null } | null;
}

async function sourceGoLive(config: DaemonConfig): Promise<SourceGoLive[]> {
  const live = liveStateOf(config);
  const liveExists = mayExist(live);
  const dry = dryRunStateOf(config);
  const out: SourceGoLive[] = [];
  for (const source of config.sources.filter((s) => s.enabled)) {
    const { livePasses, pending } = liveExists
      ? await withState(live, async (store) => ({
          livePasses: await store.passRecord(source.id),
          pending: summariseVolume(await store.outbox.volume({ sourceId: source.id, status: 'pending' })),
        }))
      : { livePasses: null, pending: summariseVolume([]) };
    const plan = dry ? await readDryRunPlan(dry, source.id) : undefined;
    out.push({
      id: source.id,
      mode: (source.dryRun ?? config.dryRun) ? 'dry-run' : 'live',
      goneLive: livePasses !== null,
      livePasses,
      pending,
      firstLivePass: { maxWrites: source.firstLivePass?.maxWrites ?? DEFAULT_FIRST_LIVE_PASS_MAX_WRITES },
      dryRun: plan ? { wouldSend: { writes: plan.writes, total: plan.total, first: plan.first, last: plan.last }, path: plan.path, lastPassAt: plan.passes?.lastCompletedAt ?? null } : null,
    });
  }
  return out;
}

function goLiveLines(source: SourceGoLive): string[] {
  const { maxWrites } = source.firstLivePass;
  const catchText = maxWrites === 'off' ? 'no catch on its volume (firstLivePass.maxWrites: off)' : `held, nothing sent, above ${maxWrites} writes (firstLivePass.maxWrites)`;
  const lines = [
    `source ${source.id} (runs ${source.mode === 'live' ? 'live' : 'as a dry run'} now): ` +
      (source.livePasses
        ? `live since ${source.livePasses.firstCompletedAt} (last live pass ${source.livePasses.lastCompletedAt})`
        : `not live yet — its first live pass plans everything first, logs what it is about to write, and is ${catchText}`),
  ];
  if (source.pending.total > 0) lines.push(`  live writes pending: ${source.pending.total} (${describeVolume(source.pending.writes)})`);
  if (source.dryRun) {
    const { wouldSend } = source.dryRun;
    const span = wouldSend.first ? ` planned between ${wouldSend.first} and ${wouldSend.last}` : '';
    lines.push(`  dry run would send: ${wouldSend.total} writes (${describeVolume(wouldSend.writes)})${span}; the volume to expect live (${source.dryRun.path})`);
  } else if (!source.livePasses) {
    lines.push('  no dry run of it yet: run it with dryRun: true first to see the volume to expect');
  }
  return lines;
}
