import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { DC_ME, DC_URL, fixture, harness, source } from './setup.js';

const http = useHttpMock();

/** A Data Center comment as GET /rest/api/2/issue/{id}/comment lists it. */
function comment(id: string, who: string, created: string, body: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const author = { self: `${DC_URL}/rest/api/2/user?username=${who}`, name: who, key: who, displayName: who === DC_ME ? 'deskbridge integration' : 'Beth Anglin', active: true };
  return { self: `${DC_URL}/rest/api/2/issue/20001/comment/${id}`, id, author, body, updateAuthor: author, created, updated: created, ...extra };
}

describe('Jira Data Center comments as the server really pages them', () => {
  it('follows the page size the server answers with, sorts by created, reads the JSM internal flag from the sd.public.comment property', async () => {
    const { connector } = harness(source('datacenter', { serviceDesk: true }));
    http.mock(DC_URL).get('/rest/api/2/myself').reply(200, fixture('datacenter', 'myself'));
    http
      .mock(DC_URL)
      .get('/rest/api/2/issue/20001/comment')
      .query({ startAt: '0', maxResults: '100', orderBy: 'created', expand: 'properties' })
      // Two per page whatever was asked, and not in created order.
      .reply(200, {
        startAt: 0,
        maxResults: 2,
        total: 4,
        comments: [
          comment('10302', 'beth.anglin', '2024-05-14T09:05:00.000-0400', 'Second, from Beth'),
          comment('10301', DC_ME, '2024-05-14T09:01:00.000-0400', 'First, ours, internal', { properties: [{ key: 'sd.public.comment', value: { internal: true } }] }),
        ],
      })
      .get('/rest/api/2/issue/20001/comment')
      .query({ startAt: '2', maxResults: '100', orderBy: 'created', expand: 'properties' })
      .reply(200, {
        startAt: 2,
        maxResults: 2,
        total: 4,
        comments: [
          comment('10303', 'beth.anglin', '2024-05-14T09:07:00.000-0400', 'Third, for developers', { visibility: { type: 'group', value: 'jira-developers' } }),
          { id: '10304', body: 'no date' },
        ],
      });

    const comments = await connector.readComments?.(['20001'], '2024-05-14T13:00:00Z');

    expect(comments?.get('20001')).toEqual([
      { id: '10301', nativeId: '20001', author: 'deskbridge integration', createdAt: '2024-05-14T13:01:00.000Z', body: 'First, ours, internal', visibility: 'internal', own: true },
      { id: '10302', nativeId: '20001', author: 'Beth Anglin', createdAt: '2024-05-14T13:05:00.000Z', body: 'Second, from Beth', visibility: 'public', own: false },
      { id: '10303', nativeId: '20001', author: 'Beth Anglin', createdAt: '2024-05-14T13:07:00.000Z', body: 'Third, for developers', visibility: 'internal', own: false },
    ]);
  });
});
