import PQueue from 'p-queue';
import { z } from 'zod';
import { pacingOver } from './queue.js';

const UNIT_SECONDS = { s: 1, sec: 1, second: 1, min: 60, minute: 60, h: 3600, hour: 3600 } as const;
const BUDGET_PATTERN = /^\s*(\d+)\s*\/\s*(s|sec|second|min|minute|h|hour)\s*$/;

/**
 * A source's share of its platform's API budget, as an admin writes it: `60/min`, `2/s`, `3000/h`.
 * Every request the source sends counts — reads, writes, look-ups, retries.
 */
export const Budget = z
  .string()
  .regex(BUDGET_PATTERN, 'write the share as <requests>/<unit>, e.g. "60/min", "2/s" or "3000/h"')
  .refine((text) => !BUDGET_PATTERN.test(text) || parseBudget(text).requests > 0, 'a budget of 0 requests would stop the source; leave it out or disable the source');

export interface ParsedBudget {
  requests: number;
  windowSeconds: number;
}

export function parseBudget(text: string): ParsedBudget {
  const match = BUDGET_PATTERN.exec(text);
  if (!match) throw new Error(`not a budget: "${text}" (write e.g. "60/min")`);
  return { requests: Number(match[1]), windowSeconds: UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] };
}

/** Requests per minute the budget allows (for figures and chunk sizes; may be fractional). */
export function budgetPerMinute(budget: ParsedBudget): number {
  return (budget.requests * 60) / budget.windowSeconds;
}

/**
 * Paces one source's requests to its budget, in front of the host's queue (which several sources
 * on one instance share, and which bounds concurrency). A token is taken per request sent, so a
 * source with `60/min` never sends more than that whatever its reads and writes need; spread over
 * the shortest exact window, as the host queue does, so the share is never spent in one burst.
 */
export class SourceBudget {
  private readonly pacer: PQueue;

  constructor(readonly budget: ParsedBudget) {
    const pacing = pacingOver(budget.requests, budget.windowSeconds);
    this.pacer = new PQueue({ intervalCap: pacing.intervalCap, interval: pacing.intervalMs, strict: true });
  }

  /** Resolves when the source may send one more request; rejects with the signal's reason. */
  async take(signal?: AbortSignal): Promise<void> {
    await this.pacer.add(async () => undefined, signal ? { signal } : {});
  }
}
