import { describe, expect, it } from 'vitest';
import { correlationLabel } from '../../../../src/platforms/jira/index.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { DC_ME, DC_URL, MARKER, fixture, harness, history, source, versionCheck, write } from './setup.js';

const http = useHttpMock();

const PLANNED = '2024-05-14T09:00:10.000-0400';
const NOTE = `deskbridge routed this to Network Operations.\n\n(${MARKER})`;

function dc(overrides: Record<string, unknown> = {}) {
  return harness(source('datacenter', { serviceDesk: false, problems: { projectKey: 'PRB' }, ...overrides }));
}

function myself() {
  http.mock(DC_URL).get('/rest/api/2/myself').reply(200, fixture('datacenter', 'myself'));
}

/** The read-before-overwrite check; an assign's (`assign`) also reads the assignee and the components it replaces. */
function current(updated: string, histories: Record<string, unknown>[] = [], assign?: { values?: Record<string, unknown> }) {
  const answer = versionCheck('datacenter', updated, histories);
  if (assign) Object.assign(answer.fields as Record<string, unknown>, assign.values);
  http
    .mock(DC_URL)
    .get('/rest/api/2/issue/20001')
    .query({ fields: assign ? 'updated,status,comment,assignee,components' : 'updated,status,comment', expand: 'changelog' })
    .reply(200, answer);
}

describe('Jira Data Center writes', () => {
  it('assigns by the username the display name resolves to, with the group as the component', async () => {
    const { connector } = dc();
    myself();
    current(PLANNED, [], { values: { components: [{ name: 'Service Desk', id: '10000' }], assignee: { name: 'beth.anglin', displayName: 'Beth Anglin' } } });
    http
      .mock(DC_URL)
      .get('/rest/api/2/user/search')
      .query({ username: 'Network Engineer 1', maxResults: '50' })
      .reply(200, fixture('datacenter', 'user-search-network-engineer-1'))
      .put('/rest/api/2/issue/20001', { fields: { components: [{ name: 'Network Operations' }], assignee: { name: 'neteng1' } } })
      .reply(204);

    const result = await connector.apply(
      write('datacenter', { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' }, { group: 'Network Operations', assignee: 'Network Engineer 1' }),
    );

    expect(result).toEqual({ outcome: 'updated', ref: '20001', previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
  });

  it('resolves a display name once and reuses it', async () => {
    const { connector } = dc();
    myself();
    current(PLANNED, [], {});
    current(PLANNED, [], {});
    http.mock(DC_URL).get('/rest/api/2/user/search').query(true).once().reply(200, fixture('datacenter', 'user-search-network-engineer-1')).put('/rest/api/2/issue/20001').times(2).reply(204);
    const assign = write('datacenter', { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' }, { group: 'Network Operations', assignee: 'Network Engineer 1' });

    await connector.apply(assign);
    await connector.apply(assign);

    expect(http.requests().filter((request) => request.url.pathname === '/rest/api/2/user/search')).toHaveLength(1);
  });

  it('skips an overwrite as superseded when another user changed the issue since the planned version', async () => {
    const { connector } = dc();
    myself();
    current('2024-05-14T09:07:00.000-0400', [history('datacenter', 'beth.anglin', '2024-05-14T09:07:00.000-0400')]);

    const result = await connector.apply(write('datacenter', { type: 'set-field', field: 'customfield_10200', value: 'needs-review' }, { fields: { customfield_10200: 'needs-review' } }));

    expect(result).toEqual({ outcome: 'superseded', ref: '20001' });
  });

  it('does not post a retried wiki-markup comment whose marker is already there', async () => {
    const { connector } = dc();
    myself();
    http.mock(DC_URL).get('/rest/api/2/issue/20001/comment').query({ orderBy: '-created', maxResults: '100' }).reply(200, fixture('datacenter', 'comments-with-marker'));

    const result = await connector.apply(write('datacenter', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: '20001' });
  });

  it('posts a comment as plain wiki text, internal through the Service Desk property', async () => {
    const { connector } = dc();
    myself();
    http
      .mock(DC_URL)
      .post('/rest/api/2/issue/20001/comment', { body: NOTE, properties: [{ key: 'sd.public.comment', value: { internal: true } }] })
      .reply(201, fixture('datacenter', 'comment-created'));

    const result = await connector.apply(write('datacenter', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }, { firstAttempt: true }));

    expect(result.outcome).toBe('created');
  });

  it('searches v2 for the problem label, then creates it with a plain-text description', async () => {
    const { connector } = dc();
    myself();
    const label = correlationLabel('pattern:vpn-berlin');
    http
      .mock(DC_URL)
      .post('/rest/api/2/search', { jql: `project = "PRB" AND labels = "${label}" ORDER BY created ASC, id ASC`, startAt: 0, maxResults: 1, fields: ['id'] })
      .reply(200, fixture('datacenter', 'problem-search-empty'))
      .post('/rest/api/2/issue', {
        fields: { summary: 'Recurring VPN drops', description: '5 incidents', labels: ['deskbridge', label], project: { key: 'PRB' }, issuetype: { name: 'Problem' } },
      })
      .reply(201, fixture('datacenter', 'problem-created'));

    const result = await connector.apply(
      write(
        'datacenter',
        { type: 'create-problem', correlationKey: 'pattern:vpn-berlin', title: 'Recurring VPN drops', description: '5 incidents' },
        { fields: { summary: 'Recurring VPN drops', description: '5 incidents', labels: ['deskbridge'] } },
      ),
    );

    expect(result).toEqual({ outcome: 'created', ref: '20501' });
  });

  it('writes as the configured integration user and warns when the credentials act as someone else', async () => {
    const { connector, logs } = harness(source('datacenter', { integrationUser: 'jira-bot' }));
    myself();

    expect(await connector.init()).toEqual({ integrationUser: 'jira-bot' });
    expect(logs).toContainEqual(expect.objectContaining({ message: 'Integration user differs from the authenticated user' }));
    expect(DC_ME).not.toBe('jira-bot');
  });
});
