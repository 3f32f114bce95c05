import { afterEach, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { JiraStore, formatJiraTimestamp, startJiraSandbox, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * Own writes told from Jira's own record (changelog and comment authors), against the sandbox
 * over real HTTP: a write Jira applied but answered with a 5xx is retried, not superseded, and
 * a new connector (a restarted daemon) recognises its predecessor's comments.
 */
describe.each(['datacenter', 'cloud'] as Flavour[])('Jira %s own writes', (flavour) => {
  let sandbox: JiraSandbox | undefined;
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, `jira-${flavour}`);
  const user = flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge';

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(): Promise<{ sandbox: JiraSandbox; issue: StoredIssue; connector: () => Connector }> {
    const now = (): Date => new Date(clock);
    const store = new JiraStore({ flavour, now });
    const reporter = store.findUser('praman')?.accountId ?? null;
    const issue = store.createIssue(
      { project: 'ITSM', issueType: 'Incident', summary: 'VPN drops every few minutes', components: ['Network'], reporter, created: clock - 600_000, updated: clock - 600_000 },
      reporter,
    );
    sandbox = await startJiraSandbox({ flavour, store, now });
    const url = sandbox.url;
    const connector = () =>
      harness(
        source(flavour, {
          baseUrl: url,
          auth: { type: 'basic', username: user, password: 'deskbridge' },
          jql: 'project = ITSM',
          serviceDesk: false,
          groupField: 'customfield_10001',
          teams: Object.fromEntries(store.teams().map((team) => [team.name, team.id])),
          retry: { maxRetries: 0 },
        }),
      ).connector;
    return { sandbox, issue, connector };
  }

  /** The issue's `updated` as Jira prints it (the ticket's version). */
  function version(issue: StoredIssue): string {
    return formatJiraTimestamp(issue.updated);
  }

  async function request(issue: StoredIssue, plannedVersion: string, action: Action, firstAttempt: boolean): Promise<WriteRequest> {
    const planned: PlannedAction = {
      id: `plan-${action.type}`,
      sourceId: 'jsm',
      ruleId: 'network',
      target: { ticketKey: `jira:jsm:${issue.id}`, nativeId: issue.id, number: issue.key, version: plannedVersion },
      action,
      explanation: 'test',
    };
    const marker = `deskbridge:${action.type}-${issue.id}`;
    return { planned, action, fields: await mapOutbound(mappings, { action, target: planned.target, marker }), marker, firstAttempt };
  }

  it('goes on with a plan whose note Jira posted but answered 500: the retry finds the note, and the assignment after it is not superseded', async () => {
    const started = await start();
    const connector = started.connector();
    const planned = version(started.issue);
    const note: Action = { type: 'comment', visibility: 'internal', body: 'Possible duplicate of ITSM-1' };
    const assign: Action = { type: 'assign', group: 'Network Operations' };
    started.sandbox.setFaults({ rate: 1, kinds: ['server-error'], methods: ['POST'], afterApplyShare: 1, serverErrorStatuses: [500] });
    clock += 5_000;

    await expect(connector.apply(await request(started.issue, planned, note, true))).rejects.toThrow('500');
    started.sandbox.setFaults(null);
    clock += 5_000;
    // The outbox retries the note: it is found by its marker, not posted again.
    await expect(connector.apply(await request(started.issue, planned, note, false))).resolves.toMatchObject({ outcome: 'unchanged' });
    // The next step of the same plan finds `updated` moved by that note: deskbridge's own change.
    await expect(connector.apply(await request(started.issue, planned, assign, true))).resolves.toMatchObject({ outcome: 'updated' });

    expect(started.sandbox.store.comments(started.issue.id)).toHaveLength(1);
    expect(started.sandbox.store.get(started.issue.id)?.team).not.toBeNull();
  });

  it('still supersedes a write when a person commented after the planned version', async () => {
    const started = await start();
    const planned = version(started.issue);
    clock += 5_000;
    started.sandbox.store.addComment(started.issue.id, { body: 'I moved to the office network, it works there' }, started.sandbox.store.findUser('praman')?.accountId ?? '');

    const result = await started.connector().apply(await request(started.issue, planned, { type: 'assign', group: 'Network Operations' }, true));

    expect(result.outcome).toBe('superseded');
  });

  it('recognises its own comment as the last change after a restart (a new connector)', async () => {
    const started = await start();
    const planned = version(started.issue);
    clock += 5_000;
    await started.connector().apply(await request(started.issue, planned, { type: 'comment', visibility: 'internal', body: 'Possible duplicate of ITSM-1' }, true));
    clock += 5_000;

    const restarted = started.connector();
    const { integrationUser } = await restarted.init();
    const pulled = [];
    for await (const page of restarted.pull({ from: null, fields: ['summary'] })) pulled.push(...page.records);

    expect(pulled).toHaveLength(1);
    expect(pulled[0]?.updatedBy).toBe(integrationUser);
    // And a write planned from the version before the comment is not superseded by it.
    const assign = await restarted.apply(await request(started.issue, planned, { type: 'assign', group: 'Network Operations' }, true));
    expect(assign.outcome).toBe('updated');
  });
});
