/**
 * `state.db` → `state.dry-run.db`: where dry-run sources keep their state. Its own module so the
 * inspection commands (`status`, `outbox list`) find the file without loading the daemon.
 */
export function dryRunStatePath(path: string): string {
  if (path === ':memory:') return path;
  return /\.db$/.test(path) ? path.replace(/\.db$/, '.dry-run.db') : `${path}.dry-run`;
}
