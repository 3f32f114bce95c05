import { describeLocation, MigrateRefusedError, migrateState, parseLocation, type MigrateSummary } from '../state/migrate.js';

export interface StateMigrateOptions {
  from: string;
  to: string;
  force?: boolean;
  json?: boolean;
}

/**
 * `deskbridge state migrate`: exit 0 when the copy is verified, 1 when it was committed but
 * something differs (the target should be dropped), 2 when it was refused or failed (nothing
 * committed). Locations are printed through describeLocation: a URL's password never is.
 */
export async function stateMigrateCommand(opts: StateMigrateOptions, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const from = describeLocation(parseLocation(opts.from));
  const to = describeLocation(parseLocation(opts.to));
  let summary: MigrateSummary;
  try {
    summary = await migrateState(opts.from, opts.to, { ...(opts.force ? { force: true } : {}), onProgress: (line) => err(`  ${line}`) });
  } catch (error) {
    // A driver's message may quote the URL it was given: the password is taken out of anything printed.
    const message = scrub(error instanceof Error ? error.message : String(error), [opts.from, opts.to]);
    err(`deskbridge state migrate: ${error instanceof MigrateRefusedError ? 'refused: ' : ''}${message}`);
    return 2;
  }
  if (opts.json) {
    out(JSON.stringify({ ...summary, verified: summary.differences.length === 0 }, null, 2));
  } else {
    out(`copied ${from} → ${to} in ${(summary.ms / 1000).toFixed(1)} s`);
    const width = Math.max(...summary.tables.map((t) => t.name.length));
    for (const t of summary.tables) out(`  ${t.name.padEnd(width)}  ${String(t.rows).padStart(9)}`);
    out(`similarity index: ${summary.similarity}`);
    out(`audit heads: qa ${headText(summary.auditHeads.qa)}, actions ${headText(summary.auditHeads.actions)}`);
    if (summary.leaseToken !== undefined) out(`lease: fencing token ${summary.leaseToken} carried over (the next daemon takes ${summary.leaseToken + 1})`);
    if (summary.differences.length === 0) out('verified: counts and audit heads equal');
  }
  if (summary.differences.length > 0) {
    err('deskbridge state migrate: the copy was committed but does NOT match the source:');
    for (const d of summary.differences) err(`  ${d}`);
    err(`drop the target (${to}) and run the command again with the daemon stopped`);
    return 1;
  }
  return 0;
}

function headText(head: { seq: number; hash: string } | null): string {
  return head ? `#${head.seq} ${head.hash.slice(0, 12)}…` : 'none';
}

/** Removes the passwords of the given URLs from a message, where a URL would carry them (`:password@`). */
function scrub(message: string, urls: readonly string[]): string {
  let out = message;
  for (const url of urls) {
    try {
      const password = new URL(url).password;
      if (password) for (const form of new Set([password, decodeURIComponent(password)])) out = out.split(`:${form}@`).join(':***@');
    } catch {
      // Not a URL (a file path): nothing secret in it.
    }
  }
  return out;
}
