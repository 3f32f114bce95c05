import type { QaVerdict } from './types.js';

/** One record for the append-only QA log; `id` makes appending it idempotent. */
export interface VerdictRecord {
  log: 'qa';
  id: string;
  at: string;
  data: Record<string, unknown>;
}

/** A QA verdict as the QA log records it (format: README, "The audit logs"). */
export function verdictRecord(verdict: QaVerdict, rulesHash: string, now: Date): VerdictRecord {
  return {
    log: 'qa',
    id: `${verdict.ruleId}:${verdict.ticketKey}@${verdict.version}`,
    at: now.toISOString(),
    data: {
      kind: 'qa-verdict',
      ticket: { key: verdict.ticketKey, source: verdict.sourceId, number: verdict.number },
      version: verdict.version,
      rule: verdict.ruleId,
      rulesHash,
      passed: verdict.passed,
      sampled: verdict.sampled,
      checks: verdict.checks,
      ...(verdict.group !== undefined ? { group: verdict.group } : {}),
      ...(verdict.assignee !== undefined ? { assignee: verdict.assignee } : {}),
      ...(verdict.category !== undefined ? { category: verdict.category } : {}),
      ...(verdict.resolvedAt !== undefined ? { resolvedAt: verdict.resolvedAt } : {}),
    },
  };
}
