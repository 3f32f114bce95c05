import { afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../../src/platforms/types.js';
import { JiraStore, startJiraSandbox, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * Comments read for escalation sync (`Connector.readComments`), against the sandbox over real HTTP:
 * "Get comments" per issue, paged by startAt/maxResults/total.
 */
describe.each(['cloud', 'datacenter'] as Flavour[])('Jira %s comments for escalation sync', (flavour) => {
  let sandbox: JiraSandbox | undefined;
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const user = flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge';

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(issueCount = 1): Promise<{ sandbox: JiraSandbox; store: JiraStore; issues: StoredIssue[]; person: string; us: string; connector: Connector }> {
    clock = Date.parse('2026-11-20T10:00:00Z');
    const now = (): Date => new Date(clock);
    const store = new JiraStore({ flavour, now });
    const person = store.findUser('praman')?.accountId ?? '';
    const us = store.findUser('deskbridge')?.accountId ?? '';
    const issues: StoredIssue[] = [];
    for (let i = 0; i < issueCount; i++) {
      issues.push(store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `VPN drops ${i}`, reporter: person, created: clock - 600_000, updated: clock - 600_000 }, person));
    }
    sandbox = await startJiraSandbox({ flavour, store, now });
    const { connector } = harness(
      source(flavour, {
        baseUrl: sandbox.url,
        auth: { type: 'basic', username: user, password: 'deskbridge' },
        jql: 'project = ITSM',
        serviceDesk: true,
      }),
    );
    return { sandbox, store, issues, person, us, connector };
  }

  function commentRequests(): number {
    return sandbox?.requestLog.filter((entry) => entry.method === 'GET' && /\/issue\/\d+\/comment$/.test(entry.path)).length ?? 0;
  }

  it("returns a person's and the integration user's comments oldest first, internal when JSM-internal or restricted to a role, own when ours", async () => {
    const { store, issues, person, us, connector } = await start();
    const issue = issues[0] as StoredIssue;
    clock += 60_000;
    store.addComment(issue.id, { body: 'Customer says it drops every 5 minutes', public: true }, person);
    clock += 60_000;
    store.addComment(issue.id, { body: 'Escalated to ServiceNow INC0010001', public: false }, us);
    clock += 60_000;
    store.addComment(issue.id, { body: 'Firmware note for admins', public: true, visibility: { type: 'role', value: 'Administrators' } }, person);
    clock += 60_000;
    store.addComment(issue.id, { body: 'Reply to the customer', public: true }, us);

    const comments = await connector.readComments?.([issue.id], undefined);

    const ids = store.comments(issue.id).map((c) => c.id);
    expect(comments?.get(issue.id)).toEqual([
      { id: ids[0], nativeId: issue.id, author: 'Priya Raman', createdAt: '2026-11-20T10:01:00.000Z', body: 'Customer says it drops every 5 minutes', visibility: 'public', own: false },
      { id: ids[1], nativeId: issue.id, author: 'deskbridge bot', createdAt: '2026-11-20T10:02:00.000Z', body: 'Escalated to ServiceNow INC0010001', visibility: 'internal', own: true },
      { id: ids[2], nativeId: issue.id, author: 'Priya Raman', createdAt: '2026-11-20T10:03:00.000Z', body: 'Firmware note for admins', visibility: 'internal', own: false },
      { id: ids[3], nativeId: issue.id, author: 'deskbridge bot', createdAt: '2026-11-20T10:04:00.000Z', body: 'Reply to the customer', visibility: 'public', own: true },
    ]);
  });

  it('leaves out comments created before `since`, keeping one created at that very instant', async () => {
    const { store, issues, person, connector } = await start();
    const issue = issues[0] as StoredIssue;
    clock += 60_000;
    store.addComment(issue.id, { body: 'old' }, person);
    clock += 60_000;
    store.addComment(issue.id, { body: 'at since' }, person);
    clock += 60_000;
    store.addComment(issue.id, { body: 'newer' }, person);

    const comments = await connector.readComments?.([issue.id], '2026-11-20T10:02:00.000Z');

    expect(comments?.get(issue.id)?.map((c) => c.body)).toEqual(['at since', 'newer']);
    expect(await connector.readComments?.([issue.id], '2026-11-20T11:00:00Z')).toEqual(new Map());
  });

  it('reads several issues in one call, one request each; issues without comments, deleted ones and non-ids are absent', async () => {
    const { store, issues, person, us, connector } = await start(3);
    const [a, b, quiet] = issues as [StoredIssue, StoredIssue, StoredIssue];
    clock += 1_000;
    store.addComment(b.id, { body: 'b first' }, person);
    clock += 1_000;
    store.addComment(a.id, { body: 'a first' }, us);
    clock += 1_000;
    store.addComment(b.id, { body: 'b second' }, person);
    sandbox?.resetRequestLog();

    const comments = await connector.readComments?.([a.id, b.id, quiet.id, '99999', 'ITSM-1'], undefined);

    expect([...(comments?.keys() ?? [])]).toEqual([a.id, b.id]);
    expect(comments?.get(a.id)?.map((c) => c.body)).toEqual(['a first']);
    expect(comments?.get(b.id)?.map((c) => c.body)).toEqual(['b first', 'b second']);
    // a, b, quiet and the missing 99999 (404); the key is no issue id and costs nothing.
    expect(commentRequests()).toBe(4);
  });

  it('pages through an issue with more than 100 comments: 250 comments in three requests, none lost or repeated', async () => {
    const { store, issues, person, us, connector } = await start();
    const issue = issues[0] as StoredIssue;
    for (let i = 0; i < 250; i++) {
      clock += 1_000;
      store.addComment(issue.id, { body: `comment ${i}` }, i % 5 === 0 ? us : person);
    }
    sandbox?.resetRequestLog();

    const comments = await connector.readComments?.([issue.id], undefined);

    const read = comments?.get(issue.id) ?? [];
    expect(read).toHaveLength(250);
    expect(read.map((c) => c.body)).toEqual(Array.from({ length: 250 }, (_, i) => `comment ${i}`));
    expect(read.filter((c) => c.own)).toHaveLength(50);
    expect(commentRequests()).toBe(3);
  });

  if (flavour === 'cloud') {
    it('flattens an ADF comment body to plain text', async () => {
      const { store, issues, person, connector } = await start();
      const issue = issues[0] as StoredIssue;
      clock += 1_000;
      store.addComment(
        issue.id,
        {
          body: {
            kind: 'adf',
            doc: {
              type: 'doc',
              version: 1,
              content: [
                {
                  type: 'paragraph',
                  content: [
                    { type: 'text', text: 'Looping in ' },
                    { type: 'mention', attrs: { id: '712020:x', text: '@Tom Becker' } },
                    { type: 'text', text: ' for the ' },
                    { type: 'text', text: 'firewall', marks: [{ type: 'strong' }] },
                  ],
                },
                { type: 'paragraph', content: [{ type: 'text', text: 'Line one' }, { type: 'hardBreak' }, { type: 'text', text: 'Line two' }] },
              ],
            },
          },
        },
        person,
      );

      const comments = await connector.readComments?.([issue.id], undefined);

      expect(comments?.get(issue.id)?.map((c) => c.body)).toEqual(['Looping in @Tom Becker for the firewall\nLine one\nLine two']);
    });
  }
});
