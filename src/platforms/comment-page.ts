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
