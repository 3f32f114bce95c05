import { afterEach, describe, expect, it } from 'vitest';
import { type JiraSandbox, startJiraSandbox } from '../../../src/sandbox/jira/server.js';
import { JiraStore } from '../../../src/sandbox/jira/store.js';

/** The sandbox's "Get comments" (GET /rest/api/{2,3}/issue/{id}/comment) as escalation sync reads it. */
describe.each(['cloud', 'datacenter'] as const)('Jira %s sandbox Get comments', (flavour) => {
  let sandbox: JiraSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(): Promise<{ sandbox: JiraSandbox; store: JiraStore; issueId: string; setClock: (iso: string) => void }> {
    let t = Date.parse('2026-11-20T10:00:00Z');
    const now = (): Date => new Date(t);
    const store = new JiraStore({ flavour, now });
    const person = store.findUser('praman')?.accountId ?? null;
    const issue = store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: 'VPN drops', reporter: person }, person);
    sandbox = await startJiraSandbox({ flavour, store, now });
    return { sandbox, store, issueId: issue.id, setClock: (iso) => (t = Date.parse(iso)) };
  }

  async function list(query: string): Promise<{ startAt: number; maxResults: number; total: number; comments: { id: string; created: string; body: unknown }[] }> {
    const auth = flavour === 'cloud' ? 'deskbridge@example.com:deskbridge' : 'deskbridge:deskbridge';
    const response = await fetch(`${sandbox?.url ?? ''}/rest/api/${flavour === 'cloud' ? 3 : 2}${query}`, {
      headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { startAt: number; maxResults: number; total: number; comments: { id: string; created: string; body: unknown }[] };
  }

  it('pages by startAt and maxResults, saying the total', async () => {
    const { store, issueId } = await start();
    for (let i = 0; i < 5; i++) store.addComment(issueId, { body: `c${i}` }, '557058:deskbridge');

    const page = await list(`/issue/${issueId}/comment?startAt=2&maxResults=2`);

    expect(page).toMatchObject({ startAt: 2, maxResults: 2, total: 5 });
    expect(page.comments.map((c) => c.id)).toEqual(
      store
        .comments(issueId)
        .slice(2, 4)
        .map((c) => c.id),
    );
  });

  it('orders by the created date with orderBy=created / -created, not by the order comments were stored', async () => {
    const { store, issueId, setClock } = await start();
    setClock('2026-11-20T10:05:00Z');
    const later = store.addComment(issueId, { body: 'later' }, '557058:deskbridge');
    // Imported with an earlier date (a migration, a clock step back): stored second, created first.
    setClock('2026-11-20T10:01:00Z');
    const earlier = store.addComment(issueId, { body: 'earlier' }, '557058:deskbridge');

    expect((await list(`/issue/${issueId}/comment`)).comments.map((c) => c.id)).toEqual([later?.id, earlier?.id]);
    expect((await list(`/issue/${issueId}/comment?orderBy=created`)).comments.map((c) => c.id)).toEqual([earlier?.id, later?.id]);
    expect((await list(`/issue/${issueId}/comment?orderBy=%2Bcreated`)).comments.map((c) => c.id)).toEqual([earlier?.id, later?.id]);
    expect((await list(`/issue/${issueId}/comment?orderBy=-created`)).comments.map((c) => c.id)).toEqual([later?.id, earlier?.id]);
  });
});
