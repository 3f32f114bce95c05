import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFixtures } from '../../../src/sandbox/jira/fixtures.js';
import { type JiraSandbox, startJiraSandbox } from '../../../src/sandbox/jira/server.js';
import { JiraStore } from '../../../src/sandbox/jira/store.js';

/**
 * The Jira sandbox's remote issue links as Atlassian documents them ("Create or update remote
 * issue link"): POST creates (201) or, for a globalId the issue already has, updates that link
 * (200); both answer {id, self}; GET lists them or returns the one with a globalId.
 */
describe.each(['cloud', 'datacenter'] as const)('Jira %s sandbox remote links', (flavour) => {
  let sandbox: JiraSandbox;
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  const auth = `Basic ${Buffer.from(flavour === 'cloud' ? 'deskbridge@example.com:deskbridge' : 'deskbridge:deskbridge').toString('base64')}`;

  beforeAll(async () => {
    const store = new JiraStore({ flavour });
    seedFixtures(store);
    sandbox = await startJiraSandbox({ flavour, store });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${sandbox.url}${api}${path}`, {
      method,
      headers: { authorization: auth, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  it('creates a link, updates it in place for the same globalId, and lists or finds it by globalId', async () => {
    const link = { globalId: 'deskbridge-origin:k1', relationship: 'escalated from', object: { url: 'https://acme.service-now.com/x', title: 'INC0010001' } };
    const created = await call('/issue/ITSM-1/remotelink', 'POST', link);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number) as number, self: expect.stringMatching(/\/remotelink\/\d+$/) as string });

    const updated = await call('/issue/ITSM-1/remotelink', 'POST', { ...link, object: { ...link.object, title: 'INC0010001 (renamed)' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual(created.body);

    const listed = await call('/issue/ITSM-1/remotelink');
    expect(listed.body).toEqual([
      expect.objectContaining({ id: (created.body as { id: number }).id, globalId: link.globalId, relationship: 'escalated from', object: { url: link.object.url, title: 'INC0010001 (renamed)' } }),
    ]);
    expect((await call(`/issue/ITSM-1/remotelink?globalId=${encodeURIComponent(link.globalId)}`)).body).toMatchObject({ globalId: link.globalId });
    expect((await call('/issue/ITSM-1/remotelink?globalId=none')).status).toBe(404);
    // Each create and update is in the history.
    expect(sandbox.store.get('ITSM-1')?.histories.filter((h) => h.items.some((i) => i.field === 'RemoteIssueLink'))).toHaveLength(2);
  });

  it('adds a second link for another globalId, and refuses one without url or title', async () => {
    await call('/issue/ITSM-2/remotelink', 'POST', { globalId: 'a', object: { url: 'https://x/a', title: 'A' } });
    await call('/issue/ITSM-2/remotelink', 'POST', { globalId: 'b', object: { url: 'https://x/b', title: 'B' } });
    expect(sandbox.store.remoteLinks('ITSM-2')).toHaveLength(2);
    const refused = await call('/issue/ITSM-2/remotelink', 'POST', { globalId: 'c', object: { title: 'C' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: { url: expect.any(String) as string } });
    expect((await call('/issue/ITSM-999/remotelink', 'POST', { object: { url: 'https://x', title: 'X' } })).status).toBe(404);
  });
});
