import { describe, expect, it } from 'vitest';
import { exportStart } from '../../../../src/platforms/zendesk/export.js';
import { readTicket, stampOf, ticketVersion } from '../../../../src/platforms/zendesk/record.js';
import { textSimilarity } from '../../../../src/platforms/zendesk/write/duplicates.js';

const base = {
  id: 1,
  updated_at: '2026-12-05T11:00:00Z',
  status: 'open',
  subject: 'a',
  tags: ['x', 'y'],
  custom_fields: [
    { id: 2, value: 'b' },
    { id: 1, value: null },
  ],
};

describe('Zendesk ticket version', () => {
  it('changes when an edit in the same second changes what rules read', () => {
    expect(ticketVersion(base)).not.toBe(ticketVersion({ ...base, group_id: 5 }));
    expect(ticketVersion(base)).not.toBe(ticketVersion({ ...base, custom_fields: [{ id: 2, value: 'c' }] }));
  });

  it('does not change for tag or custom field order, nor for what only the export adds', () => {
    expect(ticketVersion(base)).toBe(ticketVersion({ ...base, tags: ['y', 'x'], custom_fields: [...base.custom_fields].reverse(), generated_timestamp: 99, group_name: 'N' }));
  });

  it('starts with the updated_at a safe update sends as updated_stamp', () => {
    expect(stampOf(ticketVersion(base))).toBe('2026-12-05T11:00:00Z');
  });

  it('reads a ticket without an id as unreadable', () => {
    expect(readTicket({ updated_at: 'x' }, { names: undefined, ownVersion: () => false, integrationUser: undefined })).toHaveProperty('error');
  });
});

describe('export start', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');

  it('is 0 (everything) without a lower bound, floored seconds otherwise', () => {
    expect(exportStart(null, now)).toBe(0);
    expect(exportStart('2026-12-05T11:00:00.900Z', now)).toBe(Date.parse('2026-12-05T11:00:00Z') / 1000);
  });

  it('is never within the last 70 s (the export answers 400 to a too recent start_time)', () => {
    expect(exportStart('2026-12-05T11:59:50Z', now)).toBe(now / 1000 - 70);
  });
});

describe('merge similarity', () => {
  it('is 1 for the same text and low for unrelated text', () => {
    const vpn = { subject: 'VPN drops every few minutes', description: 'The VPN disconnects' };
    expect(textSimilarity(vpn, vpn)).toBe(1);
    expect(textSimilarity(vpn, { subject: 'Printer jammed', description: 'Paper stuck in tray' })).toBeLessThan(0.2);
  });
});
