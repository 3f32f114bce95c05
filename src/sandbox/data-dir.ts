import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the public data sets the sandboxes seed from live (the UCI event log, the help-desk
 * ticket texts, the Hadoop bug reports): `DESKBRIDGE_DATA_DIR` when set, else `../shared/data`
 * next to the repository.
 */
export function dataDir(): string {
  const configured = process.env['DESKBRIDGE_DATA_DIR'];
  return configured !== undefined && configured !== '' ? resolve(configured) : resolve(REPO_ROOT, '../shared/data');
}

/** A file of a data set, e.g. `dataPath('helpdesk-tickets-text', 'all_tickets.csv')`. */
export function dataPath(...parts: string[]): string {
  return resolve(dataDir(), ...parts);
}
