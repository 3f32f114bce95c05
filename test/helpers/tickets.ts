import type { Ticket } from '../../src/model/ticket.js';

/** A valid canonical ticket with sensible defaults; override what the test is about. */
export function makeTicket(overrides: Partial<Ticket> & { id?: string } = {}): Ticket {
  const { id = 'a1', ...rest } = overrides;
  return {
    key: `servicenow:snow-test:${id}`,
    source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', nativeId: id, number: `INC${id}` },
    version: '0',
    kind: 'incident',
    title: 'Printer jams',
    description: '',
    status: 'new',
    nativeStatus: 'New',
    priority: 3,
    createdAt: '2026-11-20T09:00:00Z',
    updatedAt: '2026-11-20T09:00:00Z',
    labels: [],
    raw: {},
    ...rest,
  };
}
