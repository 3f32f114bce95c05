import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action } from '../../../../src/model/action.js';

/** The escalate branch of freshservice.outbound.jsonata, as the connector's contract (write/escalations.ts) reads it. */
const target = { ticketKey: 'jira:dev:10012', nativeId: '10012', number: 'PRJ-12', version: '7' };

const escalate = (extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
  type: 'escalate',
  to: 'fs',
  correlationKey: 'deskbridge:esc:dev-to-desk:0123',
  title: 'Replica lag\r\non db-eu-3',
  description: 'Seen <b>twice</b> & more\nEscalated from PRJ-12',
  origin: { number: 'PRJ-12', url: 'https://acme.atlassian.net/browse/PRJ-12' },
  ...extra,
});

const map = (action: Action) => mapOutbound(loadPlatformMappings('mappings', 'freshservice'), { action, target, marker: 'deskbridge:esc' });

describe('escalate in the Freshservice outbound mapping', () => {
  it('gives a one-line subject, the description as escaped HTML, the rule labels as tags and nothing the connector owns', async () => {
    await expect(map(escalate({ labels: ['sev1', 'db'] }))).resolves.toEqual({
      subject: 'Replica lag on db-eu-3',
      description: '<div>Seen &lt;b&gt;twice&lt;/b&gt; &amp; more<br>Escalated from PRJ-12</div>',
      fields: { tags: ['sev1', 'db'] },
    });
  });

  it('maps the canonical priority 1..5 to Urgent 4, High 3, Medium 2, Low 1, Low 1', async () => {
    const priorities = await Promise.all([1, 2, 3, 4, 5].map(async (priority) => ((await map(escalate({ priority }))).fields as { priority: unknown }).priority));
    expect(priorities).toEqual([4, 3, 2, 1, 1]);
  });
});
