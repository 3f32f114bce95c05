import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import {
  AUDIT_HMAC_ENV,
  acknowledgeBreak,
  auditKeyFromEnv,
  auditStateHeads,
  buildQaReport,
  formatVerifyResult,
  readAuditLog,
  verifyAll,
  type AuditKey,
  type AuditStateHeads,
  type AuditLogName,
} from '../audit/index.js';
import { dryRunAuditDir } from '../daemon/audit-trail.js';
import { dryRunStateOf, liveStateOf, mayExist, withState, type StateLocation } from '../state/open.js';
import { inspectionConfig } from './inspect.js';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

interface Location {
  dir: string;
  /** The state whose heads the logs must reach; undefined when there is none to compare with. */
  state: StateLocation | undefined;
}

/**
 * The audit folder and the state file holding its heads: the config's own (or its dry-run twins).
 * A `--dir` that is neither is checked on its own — comparing it with another log's heads would
 * raise false alarms or hide real ones.
 */
function locate(opts: { config: string; dir?: string; dryRun?: boolean }): Location | undefined {
  if (opts.dir !== undefined && !existsSync(opts.config)) return { dir: opts.dir, state: undefined };
  const config = inspectionConfig(opts.config);
  if (!config) return undefined;
  const real: Location = { dir: config.audit.dir, state: liveStateOf(config) };
  const dry: Location = { dir: dryRunAuditDir(config.audit.dir), state: dryRunStateOf(config) };
  const chosen = opts.dir === undefined ? (opts.dryRun ? dry : real) : ([real, dry].find((c) => resolve(c.dir) === resolve(opts.dir ?? '')) ?? { dir: opts.dir, state: undefined });
  return { dir: chosen.dir, state: chosen.state !== undefined && mayExist(chosen.state) ? chosen.state : undefined };
}

async function readState(state: StateLocation): Promise<AuditStateHeads> {
  return withState(state, (store) => auditStateHeads(store.audit));
}

/** The HMAC key from the environment; a key that is set but unusable is an error (exit 2), never echoed. */
function hmacKey(): { key: AuditKey | undefined } | undefined {
  try {
    return { key: auditKeyFromEnv() };
  } catch (error) {
    process.stderr.write(`deskbridge: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

/**
 * `deskbridge audit verify`: the logs are intact — every entry's hash matches its content, the
 * chain links each entry to the one before, the logs end exactly at the heads the state file
 * recorded (so deleting the newest entries or files, adding entries after the head, or deleting
 * a head are caught), and, with DESKBRIDGE_AUDIT_HMAC_KEY set, every entry's HMAC is valid.
 * Acknowledged breaks are listed, never passed over silently. Exit 1 at the first problem.
 */
export async function auditVerifyCommand(opts: { config: string; dir?: string; dryRun?: boolean }): Promise<number> {
  const where = locate(opts);
  if (!where) return 2;
  const signing = hmacKey();
  if (!signing) return 2;
  let state: AuditStateHeads = { heads: {}, queued: {} };
  if (where.state) {
    state = await readState(where.state);
  } else {
    out('note: no state file to compare with, so entries deleted from the end of a log, added after it, or a rewritten log cannot be detected');
  }
  const result = verifyAll(where.dir, state.heads, {
    headRequired: where.state !== undefined,
    queued: state.queued,
    ...(signing.key ? { hmacKey: signing.key } : {}),
  });
  for (const r of result.results) out(formatVerifyResult(r));
  if (!signing.key) {
    const signed = result.results.reduce((n, r) => n + r.hmac.signed, 0);
    out(`note: HMACs not checked: ${AUDIT_HMAC_ENV} is not set${signed > 0 ? ` (${signed} ${signed === 1 ? 'entry carries' : 'entries carry'} one)` : ''}`);
  }
  if (!opts.dryRun && opts.dir === undefined && result.results.every((r) => r.entries === 0) && existsSync(dryRunAuditDir(where.dir))) {
    out(`note: the logs are empty, but dry-run sources log under ${dryRunAuditDir(where.dir)} (add --dry-run)`);
  }
  return result.ok ? 0 : 1;
}

/**
 * `deskbridge audit acknowledge --log actions --reason "…"`: an operator has looked at a broken
 * log (what `verify` reports) and accepts it as it is. Starts a new segment in a new file whose
 * first entry records the break — the head the state file had recorded, what verify found and
 * where, who and why — chained onto that recorded head, and records the new head, so the daemon
 * writes again. `verify` then checks each segment and reports the break as acknowledged. Nothing
 * in the old files is changed or removed.
 */
export async function auditAcknowledgeCommand(opts: { config: string; dryRun?: boolean; log: string; reason: string; by?: string }): Promise<number> {
  if (opts.log !== 'qa' && opts.log !== 'actions') {
    process.stderr.write(`deskbridge: --log must be qa or actions (got ${JSON.stringify(opts.log.slice(0, 40))})\n`);
    return 2;
  }
  const log: AuditLogName = opts.log;
  const reason = opts.reason.trim();
  if (reason === '') {
    process.stderr.write('deskbridge: --reason must say why the break is acceptable (it is recorded in the log)\n');
    return 2;
  }
  const where = locate({ config: opts.config, ...(opts.dryRun ? { dryRun: true } : {}) });
  if (!where) return 2;
  if (!where.state) {
    process.stderr.write(`deskbridge: no state file for ${where.dir}: there is no recorded head to acknowledge a break against\n`);
    return 2;
  }
  const signing = hmacKey();
  if (!signing) return 2;
  const state = await readState(where.state);
  const by = opts.by?.trim() || osUser();
  const result = acknowledgeBreak(where.dir, log, {
    recordedHead: state.heads[log],
    queued: state.queued[log] ?? [],
    ...(signing.key ? { hmacKey: signing.key } : {}),
    by,
    reason,
  });
  if (!result.acknowledged) {
    out(formatVerifyResult(result.verify));
    if (result.why === 'intact') out(`nothing to acknowledge: the ${log} log verifies`);
    else process.stderr.write('deskbridge: this problem is in a part of the log whose break was already acknowledged, and it changed since: restore the log files from a backup, then verify again\n');
    return 1;
  }
  // Only now may the daemon write again: the new head is what it checks the files against.
  await withState(where.state, (store) => store.audit.markAppended([], new Map([[log, result.head]])));
  out(`${log}: break acknowledged by ${by}: ${result.problem.kind}: ${result.problem.message}`);
  out(`${log}: new segment starts at ${basename(result.file)}:1 (seq ${result.head.seq}, linked to seq ${result.linkedTo.seq}); the daemon writes again from its next check`);
  out(formatVerifyResult(result.after));
  return result.after.ok ? 0 : 1;
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `deskbridge audit report`: QA pass rates by check, group, assignee and week, from the QA log. */
export async function auditReportCommand(opts: { config: string; dir?: string; dryRun?: boolean; since?: string; until?: string; format: 'md' | 'csv' | 'html'; out?: string }): Promise<number> {
  const where = locate(opts);
  if (!where) return 2;
  if (!existsSync(where.dir)) {
    process.stderr.write(`deskbridge: no audit logs in ${where.dir} yet (the daemon writes them as it checks tickets)\n`);
    return 1;
  }
  const report = buildQaReport(readAuditLog(where.dir, 'qa'), {
    format: opts.format,
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.until !== undefined ? { until: opts.until } : {}),
  });
  if (opts.out) {
    writeFileSync(opts.out, report);
    out(`QA report written to ${opts.out}`);
  } else {
    process.stdout.write(report.endsWith('\n') ? report : `${report}\n`);
  }
  return 0;
}
