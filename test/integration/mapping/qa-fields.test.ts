import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound } from '../../../src/mapping/mapper.js';
// Binds the platforms' mapping helpers (Jira's $adfText, $isoUtc), as the daemon does through its config.
import '../../../src/platforms/registry.js';
import { createJiraConnector } from '../../../src/platforms/jira/index.js';
import { createServiceNowConnector } from '../../../src/platforms/servicenow/index.js';
import { ServiceNowSource } from '../../../src/platforms/servicenow/source.js';
import { JiraSource } from '../../../src/platforms/jira/source.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../src/sandbox/servicenow/index.js';
import type { JiraSandbox } from '../../../src/sandbox/jira/index.js';
import { connectorHarness } from '../../helpers/connector-harness.js';
import { startSeededJira } from '../../helpers/jira-env.js';

/** slaBreached and publicUpdates from vendor-shaped records, and from the sandboxes over real HTTP. */
const dir = new URL('../../../mappings/', import.meta.url).pathname;
const sn = loadPlatformMappings(dir, 'servicenow');
const cloud = loadPlatformMappings(dir, 'jira-cloud');
const dc = loadPlatformMappings(dir, 'jira-datacenter');

const f = (value: string, display = value) => ({ display_value: display, value });

/** An incident as GET /api/now/table/incident?sysparm_display_value=all&sysparm_exclude_reference_link=true answers it. */
function incident(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    sys_id: f('e8c7a2b91b6d41109a5de1f2c3b4a511'),
    number: f('INC0010232'),
    sys_mod_count: f('6'),
    sys_updated_on: f('2024-05-14 09:15:42', '2024-05-14 11:15:42'),
    sys_updated_by: f('beth.anglin'),
    opened_at: f('2024-05-13 08:00:00', '2024-05-13 10:00:00'),
    short_description: f('VPN drops every 10 minutes'),
    state: f('6', 'Resolved'),
    priority: f('3', '3 - Moderate'),
    ...extra,
  };
}

const snContext = { platform: 'servicenow', sourceId: 'snow-prod', source: { table: 'incident', baseUrl: 'https://acme.service-now.com' } };

describe('ServiceNow inbound: slaBreached from made_sla, publicUpdates from the comments journal', () => {
  it('counts the entries of the comments display value, multi-paragraph texts included', async () => {
    const comments =
      '2024-05-14 11:15:42 - Beth Anglin (Additional comments)\nFixed by the new VPN profile.\n\nPlease reconnect.\n\n' +
      '2024-05-13 10:05:00 - Joe Employee (Additional comments)\nStill dropping (Additional comments are welcome)\n\n';
    const ticket = await mapInbound(sn, incident({ made_sla: f('false'), comments: f('', comments), work_notes: f('', '2024-05-13 10:01:00 - Beth Anglin (Work notes)\nchecking\n\n') }), snContext);

    expect(ticket.slaBreached).toBe(true);
    expect(ticket.publicUpdates).toBe(2);
  });

  it('made_sla true → not breached; an empty journal → 0; absent fields stay unset', async () => {
    const met = await mapInbound(sn, incident({ made_sla: f('true'), comments: f('', '') }), snContext);
    expect(met.slaBreached).toBe(false);
    expect(met.publicUpdates).toBe(0);

    const unknown = await mapInbound(sn, incident({}), snContext);
    expect(unknown.slaBreached).toBeUndefined();
    expect(unknown.publicUpdates).toBeUndefined();
  });
});

const jiraContext = (flavour: 'cloud' | 'datacenter') => ({
  platform: 'jira',
  sourceId: 'jsm',
  source: { flavour, baseUrl: 'https://acme.atlassian.net', groupField: 'components' },
});

/** An issue as the connector hands it to the mapping: fields lifted next to id and key. */
function issue(comments: Record<string, unknown>[] | undefined): Record<string, unknown> {
  return {
    id: '10042',
    key: 'ITSM-42',
    summary: 'VPN drops',
    status: { name: 'Resolved', statusCategory: { key: 'done' } },
    priority: { name: 'Medium' },
    issuetype: { name: 'IT help' },
    project: { key: 'ITSM' },
    created: '2024-05-13T10:00:00.000+0200',
    updated: '2024-05-14T11:15:42.000+0200',
    labels: [],
    ...(comments === undefined ? {} : { comment: { comments, maxResults: comments.length, total: comments.length, startAt: 0 } }),
  };
}

const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('Jira inbound: publicUpdates from the comment field', () => {
  it('Cloud counts comments with jsdPublic true, not internal ones nor role-restricted ones', async () => {
    const ticket = await mapInbound(
      cloud,
      issue([
        { id: '1', body: adf('We are on it'), jsdPublic: true, created: '2024-05-13T10:05:00.000+0200' },
        { id: '2', body: adf('Internal: check the VPN concentrator'), jsdPublic: false },
        { id: '3', body: adf('Fixed, please confirm'), jsdPublic: true },
        { id: '4', body: adf('Admins only'), jsdPublic: true, visibility: { type: 'role', value: 'Administrators', identifier: 'Administrators' } },
      ]),
      jiraContext('cloud'),
    );
    expect(ticket.publicUpdates).toBe(2);
    expect(ticket.slaBreached).toBeUndefined();
  });

  it('Cloud: no comments → 0; no comment field → unset', async () => {
    expect((await mapInbound(cloud, issue([]), jiraContext('cloud'))).publicUpdates).toBe(0);
    expect((await mapInbound(cloud, issue(undefined), jiraContext('cloud'))).publicUpdates).toBeUndefined();
  });

  it('Data Center counts comments without a visibility restriction', async () => {
    const ticket = await mapInbound(
      dc,
      issue([
        { id: '1', body: 'We are on it' },
        { id: '2', body: 'Developers only', visibility: { type: 'role', value: 'Developers' } },
        { id: '3', body: 'Fixed, please confirm' },
      ]),
      jiraContext('datacenter'),
    );
    expect(ticket.publicUpdates).toBe(2);
  });
});

describe('through the sandboxes over real HTTP', () => {
  let snow: ServiceNowSandbox;
  let jira: JiraSandbox;

  beforeAll(async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    snow = await startServiceNowSandbox({ store });
    jira = await startSeededJira('cloud');
  });

  afterAll(async () => {
    await snow.close();
    await jira.close();
  });

  it('ServiceNow: the connector asks for made_sla and comments because the mapping reads them, and the ticket counts comments only', async () => {
    const [first] = snow.store.list('incident');
    const sysId = first?.['sys_id'] ?? '';
    snow.store.update('incident', sysId, { comments: 'We are on it', made_sla: 'false' }, 'beth.anglin');
    snow.store.update('incident', sysId, { work_notes: 'internal check' }, 'beth.anglin');
    snow.store.update('incident', sysId, { comments: 'Fixed.\n\nPlease confirm.' }, 'beth.anglin');
    const src = ServiceNowSource.parse({ id: 'snow-prod', platform: 'servicenow', baseUrl: snow.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' } });
    const { connector } = connectorHarness(createServiceNowConnector, src);

    const record = await connector.get(sysId, [...sn.inbound.rootFields]);
    const ticket = await mapInbound(sn, record?.raw ?? {}, { ...snContext, source: { table: 'incident', baseUrl: snow.url } });

    expect(ticket.publicUpdates).toBe(2);
    expect(ticket.slaBreached).toBe(true);
    const [, second] = snow.store.list('incident');
    const untouched = await connector.get(second?.['sys_id'] ?? '', [...sn.inbound.rootFields]);
    const other = await mapInbound(sn, untouched?.raw ?? {}, { ...snContext, source: { table: 'incident', baseUrl: snow.url } });
    expect(other.publicUpdates).toBe(0);
    expect(other.slaBreached).toBe(false);
  });

  it('Jira Cloud: search results carry the comment field with jsdPublic', async () => {
    const [target] = jira.store.list().filter((i) => i.key.startsWith('ITSM-'));
    if (!target) throw new Error('fixtures missing');
    const me = jira.store.users()[0]?.accountId ?? '';
    jira.store.addComment(target.id, { body: 'We are on it', public: true }, me);
    jira.store.addComment(target.id, { body: 'internal check', public: false }, me);
    const src = JiraSource.parse({
      id: 'jsm',
      platform: 'jira',
      flavour: 'cloud',
      baseUrl: jira.url,
      auth: { type: 'basic', username: 'deskbridge@example.com', password: 'deskbridge' },
      jql: 'project = ITSM',
    });
    const { connector } = connectorHarness(createJiraConnector, src);

    const record = await connector.get(target.key, [...cloud.inbound.rootFields]);
    const ticket = await mapInbound(cloud, record?.raw ?? {}, jiraContext('cloud'));

    expect(ticket.publicUpdates).toBe(jira.store.comments(target.id).filter((c) => c.public && !c.visibility).length);
    expect(ticket.publicUpdates).toBeGreaterThanOrEqual(1);
  });
});
