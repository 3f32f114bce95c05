import { Ticket } from './ticket.js';

const FIXED_TIME = '2026-01-01T09:00:00Z';

/**
 * A canonical ticket from a partial one (a test case, an `explain --file`): the fields given, and
 * neutral defaults for the rest — a new, unassigned P3 incident. Throws the zod error when the
 * result is not a valid ticket.
 */
export function completeTicket(partial: Record<string, unknown>, sourceId = 'test'): Ticket {
  const source = typeof partial['source'] === 'object' && partial['source'] !== null ? (partial['source'] as Record<string, unknown>) : {};
  const nativeId = typeof source['nativeId'] === 'string' ? source['nativeId'] : 'example-1';
  return Ticket.parse({
    version: '1',
    kind: 'incident',
    title: '',
    description: '',
    status: 'new',
    nativeStatus: 'New',
    priority: 3,
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    labels: [],
    raw: {},
    ...partial,
    key: `example:${sourceId}:${nativeId}`,
    source: { platform: 'example', instance: sourceId, container: 'example', nativeId, number: nativeId, ...source },
  });
}
