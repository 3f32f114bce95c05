import { existsSync } from 'node:fs';
import { DEFAULT_HADOOP_BUGS_PATH } from '../../src/sandbox/jira/index.js';
import { DEFAULT_EVENT_LOG_PATH, DEFAULT_TICKET_TEXT_PATH } from '../../src/sandbox/servicenow/index.js';

/**
 * The public data sets tests seed from, located the way the sandboxes locate them:
 * `DESKBRIDGE_DATA_DIR`, else `../shared/data` next to the repository (src/sandbox/data-dir.ts).
 */
export const DATA_SETS = {
  eventLog: DEFAULT_EVENT_LOG_PATH,
  ticketTexts: DEFAULT_TICKET_TEXT_PATH,
  hadoopBugs: DEFAULT_HADOOP_BUGS_PATH,
} as const;

export type DataSet = keyof typeof DATA_SETS;

const warned = new Set<DataSet>();

/**
 * True when a data set a suite needs is missing: use as `describe.skipIf(missingData('eventLog'))`,
 * the same in every file. Says once per data set which file it looked for and how to point at it.
 */
export function missingData(...sets: DataSet[]): boolean {
  const missing = sets.filter((set) => !existsSync(DATA_SETS[set]));
  for (const set of missing) {
    if (warned.has(set)) continue;
    warned.add(set);
    console.warn(`Skipping tests that need the ${set} data set: ${DATA_SETS[set]} not found. Set DESKBRIDGE_DATA_DIR to the folder holding the data sets.`);
  }
  return missing.length > 0;
}
