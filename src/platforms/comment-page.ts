import type { z } from 'zod';

/**
 * The comments of one page of a platform's comment list that can be read and were not on an
 * earlier page, in page order. An unreadable comment is skipped (`skipped` gets why, for a debug
 * line) rather than failing the whole read; one added while the pages are read can shift an item
 * onto the next page, and seen once is enough.
 */
export function newComments<T extends { id: string | number }>(raws: readonly unknown[], schema: z.ZodType<T>, seen: Set<T['id']>, skipped: (error: string | undefined) => void): T[] {
  const out: T[] = [];
  for (const raw of raws) {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      skipped(parsed.error.issues[0]?.message);
      continue;
    }
    if (seen.has(parsed.data.id)) continue;
    seen.add(parsed.data.id);
    out.push(parsed.data);
  }
  return out;
}

/** The lower bound of a comment read in ms since the epoch; one that is not a date-time is the caller's bug. */
export function sinceMs(since: string | undefined, rest: { badRequest(message: string, hint: string): Error }): number | undefined {
  if (since === undefined) return undefined;
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw rest.badRequest(`Comment lower bound "${since}" is not an ISO 8601 date-time`, 'This is a bug in the caller');
  return ms;
}

/**
 * The comments created at or after `since` (ms), oldest first, each with its creation time in ms.
 * The sort is stable: the platform's own order stays for comments of the same instant.
 */
export function oldestFirstSince<T>(comments: readonly T[], createdMs: (comment: T) => number, since: number | undefined): { comment: T; at: number }[] {
  return comments
    .map((comment) => ({ comment, at: createdMs(comment) }))
    .filter(({ at }) => since === undefined || at >= since)
    .sort((a, b) => a.at - b.at);
}
