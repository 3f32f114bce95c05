import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { adfToText, type JiraSandbox, type StoredIssue } from '../../../../src/sandbox/jira/index.js';
import { startSeededJira } from '../../../helpers/jira-env.js';
import { type Flavour, harness, source } from './setup.js';

/**
 * The connector against the Jira sandbox over real HTTP, both flavours: a Duplicate link read from
 * both issues, a problem edited, resolved by a person through the transitions API and reopened.
 */
describe.each(['cloud', 'datacenter'] as Flavour[])('Jira %s connector against the sandbox', (flavour) => {
  let sandbox: JiraSandbox;
  let connector: Connector;
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  const auth = flavour === 'cloud' ? 'deskbridge@example.com:deskbridge' : 'deskbridge:deskbridge';

  beforeAll(async () => {
    sandbox = await startSeededJira(flavour);
    connector = harness(
      source(flavour, {
        baseUrl: sandbox.url,
        auth: { type: 'basic', username: auth.split(':')[0], password: 'deskbridge' },
        jql: 'project = ITSM',
        serviceDesk: false,
        problems: { projectKey: 'PRB' },
        rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
      }),
    ).connector;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  }

  function request(target: StoredIssue, action: Action, fields: Record<string, unknown>): WriteRequest {
    const planned: PlannedAction = {
      id: `p-${target.key}`,
      sourceId: 'jsm',
      ruleId: 'dedup',
      target: { ticketKey: `jira:jsm:${target.id}`, nativeId: target.id, number: target.key, version: 'unused' },
      action,
      explanation: 'test',
    };
    return { planned, action, fields, marker: 'deskbridge:test', firstAttempt: false };
  }

  const itsm = (): StoredIssue[] => sandbox.store.list().filter((i) => i.key.startsWith('ITSM-'));

  it('creates one Duplicate link that reads "duplicates" on the duplicate and "is duplicated by" on the original', async () => {
    const [original, dup] = itsm();
    if (!original || !dup) throw new Error('fixtures missing');
    const action: Action = { type: 'link-duplicate', original: { nativeId: original.id, number: original.key } };

    await expect(connector.apply(request(dup, action, {}))).resolves.toEqual({ outcome: 'created', ref: dup.id });
    await expect(connector.apply(request(dup, action, {}))).resolves.toEqual({ outcome: 'unchanged', ref: dup.id });
    expect(sandbox.store.links(dup.id).filter((l) => l.type === 'Duplicate')).toHaveLength(1);

    const types = await call('GET', `${api}/issueLinkType`);
    expect(types.json?.['issueLinkTypes']).toContainEqual(expect.objectContaining({ name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' }));
    const onDup = (await call('GET', `${api}/issue/${dup.id}?fields=issuelinks`)).json as { fields: { issuelinks: Record<string, unknown>[] } };
    const onOriginal = (await call('GET', `${api}/issue/${original.id}?fields=issuelinks`)).json as { fields: { issuelinks: Record<string, unknown>[] } };
    expect(onDup.fields.issuelinks).toContainEqual(expect.objectContaining({ type: expect.objectContaining({ name: 'Duplicate' }), outwardIssue: expect.objectContaining({ key: original.key }) }));
    expect(onOriginal.fields.issuelinks).toContainEqual(expect.objectContaining({ type: expect.objectContaining({ name: 'Duplicate' }), inwardIssue: expect.objectContaining({ key: dup.key }) }));
  });

  it('edits a problem, and reopens it only once a person has resolved it', async () => {
    const [incident] = itsm();
    if (!incident) throw new Error('fixtures missing');
    const key = `pattern:sandbox-${flavour}`;
    const created = await connector.apply(
      request(incident, { type: 'create-problem', correlationKey: key, title: 'VPN drops', description: '3 incidents' }, { fields: { summary: 'VPN drops', description: '3 incidents' } }),
    );
    expect(created.outcome).toBe('created');
    const problem = (): StoredIssue => sandbox.store.get(created.ref) as StoredIssue;
    expect((await connector.problemStates([key, 'pattern:none'])).get(key)).toEqual({ state: 'open', nativeId: created.ref, number: problem().key });

    const update = (reopen: boolean): Action => ({ type: 'update-problem', correlationKey: key, title: 'VPN drops (5)', description: '5 incidents', reopen });
    const fields = { fields: { summary: 'VPN drops (5)', description: '5 incidents' } };
    await expect(connector.apply(request(incident, update(true), fields))).resolves.toEqual({ outcome: 'updated', ref: created.ref });
    expect(problem().status).toBe('Open');
    expect(problem().summary).toBe('VPN drops (5)');
    const description = problem().description;
    expect(description?.kind === 'adf' ? adfToText(description.doc) : description?.text).toContain('5 incidents');

    // A person resolves the problem through the real API.
    const transitions = (await call('GET', `${api}/issue/${created.ref}/transitions`)).json as { transitions: { id: string; name: string }[] };
    const resolve = transitions.transitions.find((t) => t.name === 'Resolve Issue');
    expect(resolve).toBeDefined();
    expect((await call('POST', `${api}/issue/${created.ref}/transitions`, { transition: { id: resolve?.id } })).status).toBe(204);
    expect((await connector.problemStates([key])).get(key)?.state).toBe('closed');

    await expect(connector.apply(request(incident, update(true), fields))).resolves.toEqual({ outcome: 'updated', ref: created.ref });
    expect(problem().status).toBe('Reopened');
    expect(problem().resolution).toBeNull();
    expect((await connector.problemStates([key])).get(key)?.state).toBe('open');
  });
});
