import { describe, expect, it } from 'vitest';
import { readTicket, ticketVersion } from '../../../../src/platforms/freshservice/record.js';
import { nextPageParams } from '../../../../src/platforms/freshservice/rest.js';
import { vendorMessage } from '../../../../src/platforms/freshservice/schema.js';
import { problemTag } from '../../../../src/platforms/freshservice/write/problems.js';

describe('Freshservice record reading', () => {
  it('versions a ticket by updated_at in ISO UTC and a digest of its fields, and leaves updatedBy unset (Freshservice names no last editor)', () => {
    const ticket = { id: 42, updated_at: '2026-12-05T11:00:00Z', group_id: 7, responder_id: null };
    const read = readTicket(ticket, { group: (id) => (id === 7 ? 'Network Operations' : undefined), agent: () => undefined });

    expect(read).toMatchObject({
      record: { nativeId: '42', version: expect.stringMatching(/^2026-12-05T11:00:00\.000Z#[0-9a-f]{12}$/) as string, updatedBy: undefined, raw: { group_name: 'Network Operations' } },
      updatedMs: Date.parse('2026-12-05T11:00:00Z'),
    });
    expect('record' in read && read.record.version).toBe(ticketVersion(ticket));
  });

  it('gives two edits in one second two versions, and the same fields in any key order one version', () => {
    const base = { id: 42, updated_at: '2026-12-05T11:00:00Z', group_id: 7, custom_fields: { a: 1, b: 'x' } };
    expect(ticketVersion({ ...base, group_id: null })).not.toBe(ticketVersion(base));
    expect(ticketVersion({ ...base, custom_fields: { b: 'x', a: 1 } })).toBe(ticketVersion(base));
    // Fields outside the digest (tags, description: the list omits them) do not make a version of their own.
    expect(ticketVersion({ ...base, tags: ['vip'], description: '<p>hi</p>' })).toBe(ticketVersion(base));
  });

  it('reports a ticket without id or updated_at as unreadable, naming the field', () => {
    expect(readTicket({ id: 42 })).toMatchObject({ error: expect.stringContaining('updated_at') as string });
  });
});

describe('Freshservice Link paging', () => {
  it('takes only the query of the rel="next" link, so requests stay on the configured host', () => {
    expect(nextPageParams('<https://other.example/api/v2/tickets?per_page=100&page=3&updated_since=2026-12-05T11%3A00%3A00Z>; rel="next"')).toEqual({
      per_page: '100',
      page: '3',
      updated_since: '2026-12-05T11:00:00Z',
    });
    expect(nextPageParams(undefined)).toBeUndefined();
    expect(nextPageParams('<https://acme.freshservice.com/api/v2/tickets?page=1>; rel="prev"')).toBeUndefined();
  });
});

describe('Freshservice errors and problem tags', () => {
  it('words a 400 Validation failed with every field it names', () => {
    expect(vendorMessage({ description: 'Validation failed', errors: [{ field: 'group_id', message: 'There is no group matching the given group_id', code: 'invalid_value' }] })).toBe(
      'Validation failed: group_id: There is no group matching the given group_id: (invalid_value)',
    );
  });

  it('tags a problem the same way for the same correlation key, differently for another', () => {
    expect(problemTag('k')).toBe(problemTag('k'));
    expect(problemTag('k')).not.toBe(problemTag('j'));
    expect(problemTag('k')).toMatch(/^\[deskbridge [0-9a-f]{12}\]$/);
  });
});
