import { existsSync } from 'node:fs';
import { readAuditLog } from '../audit/read.js';
import { aggregateQa } from '../audit/report-stats.js';
import type { QaByPerson } from './figures.js';

/** QA verdicts per assignee from the QA audit log, by the verdicts' time, inside the period; undefined when there is no log. */
export function qaByPerson(dir: string, fromMs: number, toMs: number): QaByPerson | undefined {
  if (!existsSync(dir)) return undefined;
  const stats = aggregateQa(readAuditLog(dir, 'qa'), { since: new Date(fromMs), until: new Date(toMs) });
  return new Map(stats.byAssignee.map((r) => [r.value, { passed: r.passed, verdicts: r.verdicts }]));
}
