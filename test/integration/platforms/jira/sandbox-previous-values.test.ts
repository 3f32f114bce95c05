import { afterEach, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import { JiraStore, formatJiraTimestamp, startJiraSandbox, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * An assignment reports the group and assignee it replaced (for `deskbridge revert`), read by the
 * check before writing, against the sandbox over real HTTP: with components as the group, and
 * with a Team field.
 */
describe.each(['datacenter', 'cloud'] as Flavour[])('Jira %s assign records what it replaced', (flavour) => {
  let sandbox: JiraSandbox | undefined;
  const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, `jira-${flavour}`);
  const user = flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge';

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function assign(groupField: string | undefined, seed: { components?: string[]; team?: string }, action: Action) {
    const store = new JiraStore({ flavour });
    const agent = store.findUser('tbecker')?.[flavour === 'cloud' ? 'accountId' : 'name'] ?? null;
    const issue: StoredIssue = store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: 'Printer jam', assignee: agent, ...seed }, agent);
    sandbox = await startJiraSandbox({ flavour, store });
    const { connector } = harness(
      source(flavour, {
        baseUrl: sandbox.url,
        auth: { type: 'basic', username: user, password: 'deskbridge' },
        jql: 'project = ITSM',
        serviceDesk: false,
        ...(groupField ? { groupField, teams: Object.fromEntries(store.teams().map((team) => [team.name, team.id])) } : {}),
        retry: { maxRetries: 0 },
      }),
    );
    const planned: PlannedAction = {
      id: 'plan-assign',
      sourceId: 'jsm',
      ruleId: 'route',
      target: { ticketKey: `jira:jsm:${issue.id}`, nativeId: issue.id, number: issue.key, version: formatJiraTimestamp(issue.updated) },
      action,
      explanation: 'test',
    };
    const marker = 'deskbridge:plan-assign';
    return connector.apply({ planned, action, fields: await mapOutbound(mappings, { action, target: planned.target, marker }), marker, firstAttempt: true });
  }

  it('with components as the group', async () => {
    const result = await assign(undefined, { components: ['Hardware'] }, { type: 'assign', group: 'Network' });

    expect(result).toMatchObject({ outcome: 'updated', previous: { group: 'Hardware', assignee: 'Tom Becker' } });
  });

  it('with a Team field as the group', async () => {
    const store = new JiraStore({ flavour });
    const serviceDesk = store.teams().find((team) => team.name === 'Service Desk')?.id ?? '';

    const result = await assign('customfield_10001', { team: serviceDesk }, { type: 'assign', group: 'Network Operations', assignee: 'Tom Becker' });

    // The team by its name (Jira answers the field with the team's id and name): what an assign names.
    expect(result).toMatchObject({ outcome: 'updated', previous: { group: 'Service Desk', assignee: 'Tom Becker' } });
  });
});
