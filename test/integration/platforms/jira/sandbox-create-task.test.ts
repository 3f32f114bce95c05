import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import { taskLabel } from '../../../../src/platforms/jira/index.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { adfToText, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { startSeededJira } from '../../../helpers/jira-env.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * create-task against the Jira sandbox over real HTTP, both flavours: one Task in the ticket's
 * project, labelled and linked ("Relates"), group written like assign's, found again on a retry.
 */
describe.each(['cloud', 'datacenter'] as Flavour[])('Jira %s create-task against the sandbox', (flavour) => {
  let sandbox: JiraSandbox;
  let connector: Connector;
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  const auth = flavour === 'cloud' ? 'deskbridge@example.com:deskbridge' : 'deskbridge:deskbridge';
  const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, `jira-${flavour}`);
  const config = () =>
    source(flavour, {
      baseUrl: sandbox.url,
      auth: { type: 'basic', username: auth.split(':')[0], password: 'deskbridge' },
      jql: 'project = ITSM',
      serviceDesk: false,
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
    });

  beforeAll(async () => {
    sandbox = await startSeededJira(flavour);
    connector = harness(config()).connector;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const action = (group?: string): Action => ({
    type: 'create-task',
    correlationKey: 'qa:resolved-without-update',
    title: 'Follow up:\nresolved without a customer update',
    description: 'Resolved with no public comment.',
    ...(group === undefined ? {} : { group }),
  });

  async function request(target: StoredIssue, a: Action): Promise<WriteRequest> {
    const planned: PlannedAction = {
      id: `qa-${target.key}`,
      sourceId: 'jsm',
      ruleId: 'qa',
      target: { ticketKey: `jira:jsm:${target.id}`, nativeId: target.id, number: target.key, version: 'unused' },
      action: a,
      explanation: 'test',
    };
    const fields = await mapOutbound(mappings, { action: a, target: planned.target, marker: 'deskbridge:qa' });
    return { planned, action: a, fields, marker: 'deskbridge:qa', firstAttempt: true };
  }

  const itsm = (): StoredIssue[] => sandbox.store.list().filter((i) => i.key.startsWith('ITSM-'));
  const posts = (path: string) => sandbox.requestLog.filter((r) => r.method === 'POST' && r.path === `${api}${path}`).length;

  it("creates one Task in the ticket's project with the group, the label and a Relates link; a retry finds it", async () => {
    const [ticket] = itsm();
    if (!ticket) throw new Error('fixtures missing');

    const created = await connector.apply(await request(ticket, action('Network')));
    expect(created.outcome).toBe('created');
    const taskIssue = sandbox.store.get(created.ref);
    expect(taskIssue?.key.startsWith('ITSM-')).toBe(true);
    expect(taskIssue?.issueType).toBe('Task');
    expect(taskIssue?.summary).toBe('Follow up: resolved without a customer update');
    expect(taskIssue?.labels).toEqual(expect.arrayContaining(['deskbridge', taskLabel(ticket.id, 'qa:resolved-without-update')]));
    expect(taskIssue?.components).toEqual(['Network']);
    const description = taskIssue?.description;
    expect(description === undefined || description === null ? '' : description.kind === 'text' ? description.text : adfToText(description.doc)).toBe('Resolved with no public comment.');
    const links = sandbox.store.links(ticket.id).filter((l) => l.type === 'Relates');
    expect(links.some((l) => l.inwardId === created.ref || l.outwardId === created.ref)).toBe(true);

    const issues = posts('/issue');
    const linksPosted = posts('/issueLink');
    await expect(connector.apply(await request(ticket, action('Network')))).resolves.toEqual({ outcome: 'unchanged', ref: created.ref });
    // A fresh process (no memory) finds it by its label.
    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(ticket, action('Network')))).resolves.toEqual({ outcome: 'unchanged', ref: created.ref });
    expect(posts('/issue')).toBe(issues);
    expect(posts('/issueLink')).toBe(linksPosted);
  });

  it('adds the link a crashed attempt left out, without a second task', async () => {
    const [, ticket] = itsm();
    if (!ticket) throw new Error('fixtures missing');
    // An earlier attempt created the task and crashed before linking it.
    const label = taskLabel(ticket.id, 'qa:resolved-without-update');
    const response = await fetch(`${sandbox.url}${api}/issue`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ fields: { project: { key: 'ITSM' }, issuetype: { name: 'Task' }, summary: 'Follow up', labels: [label] } }),
    });
    const orphan = (await response.json()) as { id: string };

    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(ticket, action()))).resolves.toEqual({ outcome: 'unchanged', ref: orphan.id });
    expect(sandbox.store.links(ticket.id).some((l) => l.type === 'Relates' && (l.inwardId === orphan.id || l.outwardId === orphan.id))).toBe(true);
  });

  it('refuses a mapping that sets the project or a comment, before any request', async () => {
    const [ticket] = itsm();
    if (!ticket) throw new Error('fixtures missing');
    const base = await request(ticket, action());
    const before = sandbox.requestLog.length;

    await expect(connector.apply({ ...base, fields: { ...base.fields, fields: { project: { key: 'OTHER' } } } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply({ ...base, fields: { ...base.fields, comment: 'x deskbridge:qa' } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(sandbox.requestLog.length).toBe(before);
  });
});
