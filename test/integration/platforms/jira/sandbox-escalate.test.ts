import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import { escalationLabel, originGlobalId } from '../../../../src/platforms/jira/index.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { adfToText, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { startSeededJira } from '../../../helpers/jira-env.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * escalate to a Jira source, against the sandbox over real HTTP, both flavours: a ServiceNow
 * incident (the origin, with a sys_id Jira has never seen) gets one linked copy in a Jira project,
 * found again by its label on a retry, its remote link back to the origin added when a crash left
 * it out — and never a second issue.
 */
describe.each(['cloud', 'datacenter'] as Flavour[])('Jira %s escalate against the sandbox', (flavour) => {
  let sandbox: JiraSandbox;
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  const auth = flavour === 'cloud' ? 'deskbridge@example.com:deskbridge' : 'deskbridge:deskbridge';
  const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, `jira-${flavour}`);
  const config = () =>
    source(flavour, {
      baseUrl: sandbox.url,
      auth: { type: 'basic', username: auth.split(':')[0], password: 'deskbridge' },
      jql: 'project in (HADOOP, ITSM)',
      serviceDesk: false,
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
    });

  beforeAll(async () => {
    sandbox = await startSeededJira(flavour);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** The origin: a ServiceNow incident, by its sys_id and number; nothing about it exists in Jira. */
  const origin = { sysId: '9d385017c611228701d22104cc95c371', number: 'INC0010042' };
  const originUrl = `https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id=${origin.sysId}`;

  const action = (correlationKey: string, extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
    type: 'escalate',
    to: 'jira',
    correlationKey,
    title: 'Database failover:\nreplica lag on db-eu-3',
    description: `Escalated from ServiceNow ${origin.number}: ${originUrl}`,
    priority: 2,
    labels: ['sev2'],
    origin: { number: origin.number, url: originUrl },
    ...extra,
  });

  async function request(a: Action, firstAttempt = true): Promise<WriteRequest> {
    const planned: PlannedAction = {
      id: `esc-${origin.number}`,
      sourceId: 'snow',
      ruleId: 'escalate-db',
      target: { ticketKey: `servicenow:snow:${origin.sysId}`, nativeId: origin.sysId, number: origin.number, version: '7' },
      action: a,
      explanation: 'test',
    };
    const fields = await mapOutbound(mappings, { action: a, target: planned.target, marker: 'deskbridge:esc' });
    return { planned, action: a, fields, marker: 'deskbridge:esc', firstAttempt };
  }

  const posts = (path: string) => sandbox.requestLog.filter((r) => r.method === 'POST' && r.path === `${api}${path}`).length;
  const remoteLinkPosts = () => sandbox.requestLog.filter((r) => r.method === 'POST' && r.path.startsWith(`${api}/issue/`) && r.path.endsWith('/remotelink')).length;
  const text = (issue: StoredIssue | undefined): string => {
    const description = issue?.description;
    return description === undefined || description === null ? '' : description.kind === 'text' ? description.text : adfToText(description.doc);
  };
  const withLabel = (label: string): StoredIssue[] => sandbox.store.list().filter((issue) => issue.labels.includes(label));

  it('opens one copy in the rule project with mapped fields, the escalation label and a remote link to the origin; a retry and a fresh process find it', async () => {
    const key = 'escalate-db:servicenow:snow:9d385017';
    const connector = harness(config()).connector;
    const result = await connector.apply(await request(action(key, { container: 'ITSM' })));

    expect(result.outcome).toBe('created');
    const copy = sandbox.store.get(result.ref);
    expect(copy?.key.startsWith('ITSM-')).toBe(true);
    expect(result.created).toEqual({ number: copy?.key, url: `${sandbox.url}/browse/${copy?.key}` });
    expect(copy?.issueType).toBe('Task');
    expect(copy?.summary).toBe('Database failover: replica lag on db-eu-3');
    expect(text(copy)).toBe(`Escalated from ServiceNow ${origin.number}: ${originUrl}`);
    expect(copy?.labels).toEqual(expect.arrayContaining(['sev2', 'deskbridge', escalationLabel(key)]));
    // Priority 2: "High" on Cloud's scheme; id 2 on Data Center, whose sandbox scheme names it "Critical".
    expect(copy?.priority).toBe(flavour === 'cloud' ? 'High' : 'Critical');
    expect(sandbox.store.remoteLinks(result.ref)).toEqual([
      expect.objectContaining({ globalId: originGlobalId(key), relationship: 'escalated from', object: { url: originUrl, title: origin.number } }),
    ]);
    // The origin's sys_id never reached a Jira URL.
    expect(sandbox.requestLog.some((r) => r.path.includes(origin.sysId))).toBe(false);

    const issues = posts('/issue');
    const links = remoteLinkPosts();
    // Same process: remembered, no request at all.
    const before = sandbox.requestLog.length;
    await expect(connector.apply(await request(action(key, { container: 'ITSM' }), false))).resolves.toEqual({ ...result, outcome: 'unchanged' });
    expect(sandbox.requestLog.length).toBe(before);
    // A fresh process finds it by its label and re-sends the link as an upsert: still one issue, one link.
    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(action(key, { container: 'ITSM' }), false))).resolves.toEqual({ ...result, outcome: 'unchanged' });
    expect(posts('/issue')).toBe(issues);
    expect(remoteLinkPosts()).toBe(links + 1);
    expect(withLabel(escalationLabel(key))).toHaveLength(1);
    expect(sandbox.store.remoteLinks(result.ref)).toHaveLength(1);
  });

  it('adds the remote link a crashed attempt left out, without a second issue', async () => {
    const key = 'escalate-db:servicenow:snow:crashed';
    // An earlier attempt created the copy and crashed before linking it back.
    const response = await fetch(`${sandbox.url}${api}/issue`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ fields: { project: { key: 'HADOOP' }, issuetype: { name: 'Task' }, summary: 'Database failover', labels: ['deskbridge', escalationLabel(key)] } }),
    });
    expect(response.status).toBe(201);
    const orphan = (await response.json()) as { id: string; key: string };
    expect(sandbox.store.remoteLinks(orphan.id)).toEqual([]);

    const fresh = harness(config()).connector;
    // No container: the first project source.jql names (HADOOP).
    await expect(fresh.apply(await request(action(key), false))).resolves.toEqual({
      outcome: 'unchanged',
      ref: orphan.id,
      created: { number: orphan.key, url: `${sandbox.url}/browse/${orphan.key}` },
    });
    expect(withLabel(escalationLabel(key))).toHaveLength(1);
    expect(sandbox.store.remoteLinks(orphan.id)).toEqual([expect.objectContaining({ globalId: originGlobalId(key), object: { url: originUrl, title: origin.number } })]);
  });

  it('opens the copy with the rule issue type in the source first project when no container is named, and without a link when the origin has no URL', async () => {
    const key = 'escalate-db:servicenow:snow:no-url';
    const connector = harness(config()).connector;
    const result = await connector.apply(await request(action(key, { issueType: 'Bug', origin: { number: origin.number } })));
    expect(result.outcome).toBe('created');
    const copy = sandbox.store.get(result.ref);
    expect(copy?.projectKey).toBe('HADOOP');
    expect(copy?.issueType).toBe('Bug');
    expect(sandbox.store.remoteLinks(result.ref)).toEqual([]);
  });

  it('refuses a mapping that sets the project, a comment or an assignee, before any request', async () => {
    const connector = harness(config()).connector;
    const base = await request(action('escalate-db:refused'));
    const before = sandbox.requestLog.length;
    await expect(connector.apply({ ...base, fields: { fields: { summary: 'x', project: { key: 'PRB' } } } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply({ ...base, fields: { ...base.fields, comment: 'x deskbridge:esc' } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply({ ...base, fields: { ...base.fields, assignee: 'Jane Doe' } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(sandbox.requestLog.length).toBe(before);
  });

  it('keeps refusing announce-escalation, which the executor sends as a comment', async () => {
    const connector = harness(config()).connector;
    const a: Action = { type: 'announce-escalation', to: 'jira', correlationKey: 'k', body: 'Escalated' };
    const planned: PlannedAction = {
      id: 'ann',
      sourceId: 'jsm',
      ruleId: 'r',
      target: { ticketKey: 'jira:jsm:10000', nativeId: '10000', number: 'ITSM-1', version: '1' },
      action: a,
      explanation: 'test',
    };
    await expect(connector.apply({ planned, action: a, fields: {}, marker: 'm', firstAttempt: true })).rejects.toMatchObject({ details: { code: 'bad-request' } });
  });
});
