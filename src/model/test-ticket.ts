import { Ticket } from './ticket.js';
import type { z } from 'zod';

/** The one instant rule tests run at: tickets' default timestamps and the engine's clock. */
export const TEST_TIME = '2026-01-01T09:00:00Z';

/** Source id a test's ticket comes from when the test does not name one. */
export const DEFAULT_TEST_SOURCE = 'test';

export type TestTicketResult =
  | { ok: true; ticket: Ticket }
  /** `input` is the ticket as completed with defaults, so issues can be explained against it. */
  | { ok: false; input: Record<string, unknown>; issues: z.core.$ZodIssue[] };

/**
 * A canonical ticket from a test's partial one: the fields the admin wrote over neutral defaults
 * (a new, unassigned P3 incident created at {@link TEST_TIME}). A `source` map in the partial is
 * merged over the default source; anything the admin wrote is kept as written so a mistake shows
 * up as a schema issue rather than being silently replaced.
 */
export function buildTestTicket(partial: Record<string, unknown>, sourceId: string = DEFAULT_TEST_SOURCE, index = 0): TestTicketResult {
  const nativeId = `TEST${index + 1}`;
  const defaultSource = { platform: 'test', instance: sourceId, container: 'test', nativeId, number: nativeId };
  const given = partial['source'];
  const source = isPlainObject(given) ? { ...defaultSource, ...given } : (given ?? defaultSource);
  const status = partial['status'] ?? 'new';
  const input: Record<string, unknown> = {
    key: `test:${sourceId}:${nativeId}`,
    version: '1',
    kind: 'incident',
    title: '',
    description: '',
    status,
    nativeStatus: typeof status === 'string' ? status : 'new',
    priority: 3,
    createdAt: TEST_TIME,
    updatedAt: TEST_TIME,
    labels: [],
    raw: {},
    ...partial,
    source,
  };
  const parsed = Ticket.safeParse(input);
  return parsed.success ? { ok: true, ticket: parsed.data } : { ok: false, input, issues: parsed.error.issues };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
