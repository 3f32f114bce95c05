import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildQaReport, formatVerifyResult, readAuditLog, verifyAll, type AuditLogName, type Head } from '../audit/index.js';
import { dryRunAuditDir } from '../daemon/audit-trail.js';
import { dryRunStatePath } from '../daemon/daemon.js';
import { openSqliteStore } from '../state/sqlite/store.js';
import { inspectionConfig } from './inspect.js';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

interface Location {
  dir: string;
  /** The state file whose heads the logs must reach; undefined when there is none to compare with. */
  statePath: string | undefined;
}

/**
 * The audit folder and the state file holding its heads: the config's own (or its dry-run twins).
 * A `--dir` that is neither is checked on its own — comparing it with another log's heads would
 * raise false alarms or hide real ones.
 */
function locate(opts: { config: string; dir?: string; dryRun?: boolean }): Location | undefined {
  if (opts.dir !== undefined && !existsSync(opts.config)) return { dir: opts.dir, statePath: undefined };
  const config = inspectionConfig(opts.config);
  if (!config) return undefined;
  const real = { dir: config.audit.dir, statePath: config.state.path };
  const dry = { dir: dryRunAuditDir(config.audit.dir), statePath: dryRunStatePath(config.state.path) };
  const chosen = opts.dir === undefined ? (opts.dryRun ? dry : real) : [real, dry].find((c) => resolve(c.dir) === resolve(opts.dir ?? '')) ?? { dir: opts.dir, statePath: undefined };
  return { dir: chosen.dir, statePath: chosen.statePath !== undefined && existsSync(chosen.statePath) ? chosen.statePath : undefined };
}

/**
 * `deskbridge audit verify`: the logs are intact — every entry's hash matches its content, the
 * chain links each entry to the one before, and the logs reach the heads the state file recorded
 * (so deleting the newest entries or files is caught too). Exit 1 at the first problem.
 */
export async function auditVerifyCommand(opts: { config: string; dir?: string; dryRun?: boolean }): Promise<number> {
  const where = locate(opts);
  if (!where) return 2;
  const heads: Partial<Record<AuditLogName, Head>> = {};
  if (where.statePath) {
    const store = openSqliteStore(where.statePath);
    try {
      for (const log of ['qa', 'actions'] as const) {
        const head = await store.audit.head(log);
        if (head) heads[log] = head;
      }
    } finally {
      await store.close();
    }
  } else {
    out('note: no state file to compare with, so entries deleted from the end of a log cannot be detected');
  }
  const result = verifyAll(where.dir, heads);
  for (const r of result.results) out(formatVerifyResult(r));
  if (!opts.dryRun && opts.dir === undefined && result.results.every((r) => r.entries === 0) && existsSync(dryRunAuditDir(where.dir))) {
    out(`note: the logs are empty, but dry-run sources log under ${dryRunAuditDir(where.dir)} (add --dry-run)`);
  }
  return result.ok ? 0 : 1;
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

