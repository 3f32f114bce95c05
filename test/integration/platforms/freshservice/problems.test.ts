import { describe, expect, it } from 'vitest';
import { problemTag } from '../../../../src/platforms/freshservice/write/problems.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, ME, NOW, harness, source, ticket, version, write } from './setup.js';

const http = useHttpMock();

const KEY = 'patterns:vpn-drops|Network';
const TAG = problemTag(KEY);

/** A problem as Freshservice returns it (https://api.freshservice.com/#problems). */
function problem(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    agent_id: null,
    requester_id: ME,
    group_id: null,
    description: '<div>Five incidents</div>',
    description_text: 'Five incidents',
    priority: 2,
    status: 1,
    impact: 2,
    known_error: false,
    subject: `VPN drops ${TAG}`,
    due_by: '2026-12-12T12:00:00Z',
    department_id: null,
    category: null,
    sub_category: null,
    item_category: null,
    created_at: '2026-12-05T12:00:00Z',
    updated_at: '2026-12-05T12:00:00Z',
    associated_change: null,
    custom_fields: {},
    analysis_fields: {},
    workspace_id: 2,
    ...overrides,
  };
}

function me() {
  http
    .mock(BASE)
    .get('/api/v2/agents/me')
    .reply(200, { agent: { id: ME, first_name: 'deskbridge', last_name: null, email: 'deskbridge@acme.example', active: true } });
}

describe('Freshservice problems (POST /api/v2/problems, association on the ticket)', () => {
  it('creates a problem with the mandatory fields and a tag of its correlation key, once: the next create finds it by the tag', async () => {
    const { connector } = harness(source({ problems: { priority: 3, impact: 2, dueInDays: 7, groupId: 21000000101 } }));
    me();
    http
      .mock(BASE)
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, { problems: [problem(3, { subject: 'Printer jams (a person filed this)' })] })
      .post('/api/v2/problems', {
        subject: `VPN drops ${TAG}`,
        description: 'Five incidents',
        requester_id: ME,
        priority: 3,
        impact: 2,
        status: 1,
        due_by: new Date(NOW + 7 * 86_400_000).toISOString().replace('.000Z', 'Z'),
        group_id: 21000000101,
      })
      .reply(201, { problem: problem(4) });

    const action = { type: 'create-problem', correlationKey: KEY, title: 'VPN drops', description: 'Five incidents' } as const;
    const created = await connector.apply(write(action, { subject: 'VPN drops', description: 'Five incidents' }));
    const again = await connector.apply(write(action, { subject: 'VPN drops', description: 'Five incidents' }, { firstAttempt: false }));

    expect(created).toEqual({ outcome: 'created', ref: '4' });
    expect(again).toEqual({ outcome: 'unchanged', ref: '4' });
  });

  it('after a restart, finds a problem an earlier attempt created (a POST that timed out is not sent twice)', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, { problems: [problem(4)] }, { Link: `<${BASE}/api/v2/problems?per_page=100&page=2>; rel="next"` })
      .get('/api/v2/problems')
      .query({ per_page: '100', page: '2' })
      .reply(200, { problems: [problem(9, { subject: `VPN drops again ${TAG}` })] });

    const result = await connector.apply(write({ type: 'create-problem', correlationKey: KEY, title: 'VPN drops', description: 'Five incidents' }, {}, { firstAttempt: false }));

    // The oldest problem carrying the tag wins.
    expect(result).toEqual({ outcome: 'unchanged', ref: '4' });
  });

  it('links an incident to the problem of its correlation key with problem.display_id on the ticket, and leaves one a person linked elsewhere', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, { problems: [problem(4)] })
      .get('/api/v2/tickets/4211')
      .query({ include: 'problem' })
      .reply(200, { ticket: { ...ticket(4211), problem: null } })
      .put('/api/v2/tickets/4211', { problem: { display_id: 4 } })
      .reply(200, { ticket: ticket(4211, { updated_at: '2026-12-05T12:00:09Z' }) })
      .get('/api/v2/tickets/4212')
      .query({ include: 'problem' })
      .reply(200, { ticket: { ...ticket(4212), problem: { id: 2, display_id: 2, subject: 'Other' } } });

    const linked = await connector.apply(write({ type: 'link-problem', correlationKey: KEY }, {}));
    const left = await connector.apply(write({ type: 'link-problem', correlationKey: KEY }, {}, { nativeId: '4212' }));

    expect(linked).toEqual({ outcome: 'updated', ref: '4211', ownVersion: version(ticket(4211, { updated_at: '2026-12-05T12:00:09Z' })) });
    expect(left).toMatchObject({ outcome: 'skipped', ref: '4212' });
  });

  it('updates subject and description, reopens a closed problem when asked, and reports states with one listing', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, { problems: [problem(4, { status: 3 }), problem(6, { subject: `Disk full ${problemTag('other')}`, status: 1 })] })
      .put('/api/v2/problems/4', { subject: `VPN drops (7 incidents) ${TAG}`, description: 'Seven incidents', status: 1 })
      .reply(200, { problem: problem(4, { subject: `VPN drops (7 incidents) ${TAG}`, description: 'Seven incidents', status: 1 }) });

    const states = await connector.problemStates([KEY, 'other', 'never-created']);
    const result = await connector.apply(write({ type: 'update-problem', correlationKey: KEY, title: 'VPN drops (7 incidents)', description: 'Seven incidents', reopen: true }, {}));

    expect([...states.entries()]).toEqual([
      [KEY, { state: 'closed', nativeId: '4', number: 'PRB-4' }],
      ['other', { state: 'open', nativeId: '6', number: 'PRB-6' }],
    ]);
    expect(result).toEqual({ outcome: 'updated', ref: '4' });
  });

  it('looks problems up in the workspace it creates them in', async () => {
    const { connector } = harness(source({ problems: { workspaceId: 3 } }));
    http
      .mock(BASE)
      .get('/api/v2/problems')
      .query({ per_page: '100', workspace_id: '3' })
      .reply(200, { problems: [problem(4, { workspace_id: 3 })] });

    const result = await connector.apply(write({ type: 'create-problem', correlationKey: KEY, title: 'VPN drops', description: 'Five incidents' }, {}));

    expect(result).toEqual({ outcome: 'unchanged', ref: '4' });
  });

  it('reports a link to a problem not created yet as retryable not-found', async () => {
    const { connector } = harness();
    http.mock(BASE).get('/api/v2/problems').query({ per_page: '100' }).reply(200, { problems: [] });

    await expect(connector.apply(write({ type: 'link-problem', correlationKey: KEY }, {}))).rejects.toMatchObject({ details: { code: 'not-found', retryable: true } });
  });
});
