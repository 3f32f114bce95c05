import { afterEach, describe, expect, it } from 'vitest';
import { projectKeys } from '../../../../src/platforms/jira/directory.js';
import type { PlatformDirectory } from '../../../../src/platforms/types.js';
import { JiraStore, seedFixtures, startJiraSandbox, type JiraSandbox } from '../../../../src/sandbox/jira/index.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * What `validate --online` reads from Jira (the connector's directory), against the sandbox over
 * real HTTP, for both flavours: the field list, components of the projects the JQL names, Team
 * names through `teams:`, and people through the user search the connector resolves them with.
 */
describe.each(['cloud', 'datacenter'] as Flavour[])('Jira %s directory', (flavour) => {
  let sandbox: JiraSandbox | undefined;

  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(overrides: Record<string, unknown> = {}): Promise<PlatformDirectory> {
    const store = new JiraStore({ flavour });
    seedFixtures(store);
    sandbox = await startJiraSandbox({ flavour, store });
    const auth = flavour === 'cloud' ? { type: 'basic', username: 'deskbridge@example.com', password: 'deskbridge' } : { type: 'basic', username: 'deskbridge', password: 'deskbridge' };
    const { connector } = harness(source(flavour, { baseUrl: sandbox.url, auth, rateLimit: { requestsPerMinute: 60000, concurrency: 4 }, ...overrides }));
    const directory = connector.directory;
    if (directory === undefined) throw new Error('the Jira connector has no directory');
    return directory;
  }

  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';

  it(`reads field ids from GET ${flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2'}/field, with the issue envelope and labels`, async () => {
    const directory = await start();

    const dictionary = await directory.fields();

    expect(dictionary.names.has('priority')).toBe(true);
    expect(dictionary.names.has('customfield_10001')).toBe(true);
    expect(dictionary.names.has('key')).toBe(true);
    expect(dictionary.names.has('customfield_10050')).toBe(false);
    expect(dictionary.labels?.get('Team')).toBe('customfield_10001');
    expect(sandbox?.requestLog.map((entry) => `${entry.method} ${entry.path}`)).toEqual([`GET ${api}/field`]);
  });

  it('checks component groups against the components of the projects the JQL names', async () => {
    const directory = await start({ jql: 'project in (ITSM, "HADOOP") AND issuetype = Incident' });

    const check = await directory.groups(['Network', 'Netwrk']);

    expect(check.missing).toEqual([
      // HADOOP has no components: an assignment to "Network" fails for its issues only.
      { name: 'Network', detail: 'no component of that name in project HADOOP (assignments of its issues would fail)', uncertain: true },
      { name: 'Netwrk', detail: 'no component of that name in projects ITSM, HADOOP' },
    ]);
    expect(check.known).toContain('Network');
    expect(check.checkedAgainst).toBe('components of projects ITSM, HADOOP');
  });

  it('checks Team names against the teams: map, as a warning-level uncertainty', async () => {
    const directory = await start({ groupField: 'customfield_10001', teams: { 'Service Desk': '36885b3c-1bf0-4f85-a357-c5b858c31de4' } });

    const check = await directory.groups(['Service Desk', 'Platform Team']);

    expect(check.missing).toEqual([expect.objectContaining({ name: 'Platform Team', uncertain: true })]);
  });

  it('finds people by display name with the user search, and names the one it cannot find', async () => {
    const directory = await start();

    const check = await directory.people(['Lena Novak', 'Lena Nowak']);

    expect(check.missing).toEqual([expect.objectContaining({ name: 'Lena Nowak', detail: expect.stringContaining('No active') as unknown })]);
    expect(sandbox?.requestLog.every((entry) => entry.method === 'GET')).toBe(true);
  });
});

describe('project keys a JQL names (the projects whose components are groups)', () => {
  it('reads project = KEY, project = "KEY" and project in (A, "B"), case-insensitively, once each', () => {
    expect(projectKeys('project = ITSM AND issuetype = Incident')).toEqual(['ITSM']);
    expect(projectKeys('PROJECT="OPS" OR project in (ITSM, "HADOOP", OPS)')).toEqual(['OPS', 'ITSM', 'HADOOP']);
    expect(projectKeys('assignee = currentUser()')).toEqual([]);
  });
});
