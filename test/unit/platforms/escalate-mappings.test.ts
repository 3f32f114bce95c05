import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../src/mapping/mapper.js';
import type { Action } from '../../../src/model/action.js';

/** The escalate branch of the three outbound mappings that take it, as the connectors' contracts describe it. */
const target = { ticketKey: 'freshservice:fs:4711', nativeId: '4711', number: '#INC-4711', version: '3' };

const escalate = (extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
  type: 'escalate',
  to: 'b',
  correlationKey: 'escalate-db:freshservice:fs:4711',
  title: 'Replica lag\r\non db-eu-3',
  description: 'Escalated from #INC-4711',
  origin: { number: '#INC-4711', url: 'https://acme.freshservice.com/a/tickets/4711' },
  ...extra,
});

const map = (platform: string, action: Action) => mapOutbound(loadPlatformMappings('mappings', platform), { action, target, marker: 'deskbridge:esc' });

describe('escalate in the Jira outbound mappings', () => {
  it('gives summary on one line, the description as text, the rule labels plus deskbridge and the Cloud priority by name', async () => {
    await expect(map('jira-cloud', escalate({ priority: 1, labels: ['sev1', 'deskbridge'] }))).resolves.toEqual({
      fields: { summary: 'Replica lag on db-eu-3', description: 'Escalated from #INC-4711', labels: ['sev1', 'deskbridge'], priority: { name: 'Highest' } },
    });
    const names = await Promise.all([2, 3, 4, 5].map(async (priority) => ((await map('jira-cloud', escalate({ priority }))).fields as { priority: unknown }).priority));
    expect(names).toEqual([{ name: 'High' }, { name: 'Medium' }, { name: 'Low' }, { name: 'Lowest' }]);
  });

  it('gives Data Center the priority by its shipped id, and no priority when the rule sets none', async () => {
    await expect(map('jira-datacenter', escalate({ priority: 4 }))).resolves.toEqual({
      fields: { summary: 'Replica lag on db-eu-3', description: 'Escalated from #INC-4711', labels: ['deskbridge'], priority: { id: '4' } },
    });
    await expect(map('jira-cloud', escalate())).resolves.toEqual({ fields: { summary: 'Replica lag on db-eu-3', description: 'Escalated from #INC-4711', labels: ['deskbridge'] } });
  });
});

describe('escalate in the ServiceNow outbound mapping', () => {
  it('gives impact and urgency from which the instance derives the priority, a one-line short_description, and leaves correlation_id to the connector', async () => {
    const pairs = await Promise.all([1, 2, 3, 4, 5].map(async (priority) => map('servicenow', escalate({ priority }))));
    expect(pairs.map((fields) => [fields.impact, fields.urgency])).toEqual([
      ['1', '1'],
      ['1', '2'],
      ['2', '2'],
      ['2', '3'],
      ['3', '3'],
    ]);
    await expect(map('servicenow', escalate())).resolves.toEqual({ short_description: 'Replica lag on db-eu-3', description: 'Escalated from #INC-4711', correlation_display: 'deskbridge' });
  });
});
