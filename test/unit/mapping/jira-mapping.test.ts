import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { describe, expect, it } from 'vitest';
import { loadRulesOrThrow } from '../../../src/config/load-rules.js';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { loadPlatformMappings, mapInbound, mapOutbound, type PlatformMappings } from '../../../src/mapping/mapper.js';
// Binds the platforms' mapping helpers (Jira's $adfText, $isoUtc), as the daemon does through its config.
import '../../../src/platforms/registry.js';
import type { Action } from '../../../src/model/action.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { readIssue } from '../../../src/platforms/jira/record.js';

const cloud = loadPlatformMappings('mappings', 'jira-cloud');
const datacenter = loadPlatformMappings('mappings', 'jira-datacenter');

type Flavour = 'cloud' | 'datacenter';

interface Spec {
  summary?: string;
  status?: [string, 'new' | 'indeterminate' | 'done'];
  priority?: string;
  components?: string[];
  group?: string | null;
  assignee?: string | null;
  issuetype?: string;
  labels?: string[];
  /** UTC time the issue was resolved (with resolution "Done"). */
  resolved?: string;
  comments?: { text: string; at: string; by?: string; visibility?: boolean; jsdPublic?: boolean }[];
}

const BASE = { cloud: 'https://acme.atlassian.net', datacenter: 'https://jira.acme.internal/' };

function person(flavour: Flavour, displayName: string, login: string): Record<string, unknown> {
  return flavour === 'cloud' ? { accountId: login, displayName, active: true, accountType: 'atlassian' } : { name: login, key: login, displayName, active: true };
}

/**
 * The same issue as each flavour returns it: v3 with ADF and +0200 times (a Berlin user), v2 with
 * wiki text and -0400 times (a New York user) — then read by the connector, as mappings see it.
 */
function issue(flavour: Flavour, spec: Spec = {}): Record<string, unknown> {
  const c = flavour === 'cloud';
  const time = (utc: string): string => {
    const d = new Date(Date.parse(utc) + (c ? 2 : -4) * 3_600_000).toISOString().slice(0, 23);
    return `${d}${c ? '+0200' : '-0400'}`;
  };
  const [statusName, category] = spec.status ?? ['Waiting for support', 'new'];
  const wire = {
    id: c ? '10042' : '20001',
    key: 'ITSM-42',
    self: `${BASE[flavour]}rest/api/${c ? 3 : 2}/issue/${c ? '10042' : '20001'}`,
    changelog: {
      startAt: 0,
      maxResults: 1,
      total: 1,
      histories: [{ id: '1', author: person(flavour, 'Beth Anglin', c ? '5b10ac8d82e05b22cc7d4ef5' : 'beth.anglin'), created: time('2026-11-21T10:00:00.000Z'), items: [] }],
    },
    fields: {
      summary: spec.summary ?? 'VPN drops every 10 minutes',
      description: c
        ? {
            type: 'doc',
            version: 1,
            content: [
              { type: 'paragraph', content: [{ type: 'text', text: 'Since Monday the VPN client disconnects.' }] },
              { type: 'paragraph', content: [{ type: 'text', text: 'Office: Berlin' }] },
            ],
          }
        : 'Since Monday the VPN client disconnects.\nOffice: Berlin',
      status: { name: statusName, id: '3', statusCategory: { id: 2, key: category, name: 'x' } },
      priority: { name: spec.priority ?? 'High', id: '2' },
      issuetype: { name: spec.issuetype ?? 'Incident', id: '10004', subtask: false },
      project: { id: '10000', key: 'ITSM', name: 'IT Service Management' },
      components: (spec.components ?? ['Network']).map((name, i) => ({ id: String(10010 + i), name })),
      customfield_10050: spec.group === undefined || spec.group === null ? null : { value: spec.group, id: '10100' },
      reporter: person(flavour, 'Fred Luddy', c ? '5b10a2844c20165700ede21g' : 'fred.luddy'),
      assignee: spec.assignee ? person(flavour, spec.assignee, 'someone') : null,
      created: time('2026-11-20T08:15:00.000Z'),
      updated: time('2026-11-21T10:00:00.000Z'),
      resolutiondate: spec.resolved === undefined ? null : time(spec.resolved),
      resolution: spec.resolved === undefined ? null : { name: 'Done', id: '10000' },
      labels: spec.labels ?? ['vpn'],
      ...(spec.comments === undefined
        ? {}
        : {
            comment: {
              startAt: 0,
              maxResults: spec.comments.length,
              total: spec.comments.length,
              comments: spec.comments.map((comment, i) => ({
                id: String(100 + i),
                author: person(flavour, comment.by ?? 'Beth Anglin', comment.by ?? 'beth.anglin'),
                body: c ? { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: comment.text }] }] } : comment.text,
                created: time(comment.at),
                updated: time(comment.at),
                ...(comment.visibility ? { visibility: { type: 'role', value: 'Administrators' } } : {}),
                ...(c && comment.jsdPublic !== undefined ? { jsdPublic: comment.jsdPublic } : {}),
              })),
            },
          }),
    },
  };
  const read = readIssue(wire, { userKey: c ? 'accountId' : 'name', integrationUser: 'deskbridge', ownUntrackedWriteAt: () => undefined });
  if ('error' in read) throw new Error(read.error);
  return read.record.raw;
}

function context(flavour: Flavour, groupField = 'customfield_10050') {
  return {
    platform: 'jira',
    sourceId: `jsm-${flavour}`,
    source: { flavour, baseUrl: BASE[flavour], groupField },
  };
}

function mappingsFor(flavour: Flavour): PlatformMappings {
  return flavour === 'cloud' ? cloud : datacenter;
}

function toTicket(flavour: Flavour, spec: Spec = {}, groupField?: string): Promise<Ticket> {
  return mapInbound(mappingsFor(flavour), issue(flavour, spec), context(flavour, groupField));
}

describe('jira inbound mappings', () => {
  it('turn the same issue from Cloud (ADF, accountIds) and Data Center (wiki, usernames) into the same ticket', async () => {
    const fromCloud = await toTicket('cloud', { group: 'Service Desk' });
    const fromDc = await toTicket('datacenter', { group: 'Service Desk' });

    const shared = {
      kind: 'incident',
      title: 'VPN drops every 10 minutes',
      description: 'Since Monday the VPN client disconnects.\nOffice: Berlin',
      status: 'new',
      nativeStatus: 'Waiting for support',
      priority: 2,
      category: 'Network',
      group: 'Service Desk',
      requester: 'Fred Luddy',
      createdAt: '2026-11-20T08:15:00.000Z',
      updatedAt: '2026-11-21T10:00:00.000Z',
      labels: ['vpn'],
    };
    expect(fromCloud).toMatchObject({
      ...shared,
      key: 'jira:jsm-cloud:10042',
      source: { platform: 'jira', instance: 'jsm-cloud', container: 'ITSM', nativeId: '10042', number: 'ITSM-42', url: 'https://acme.atlassian.net/browse/ITSM-42' },
      version: '2026-11-21T12:00:00.000+0200',
      updatedBy: '5b10ac8d82e05b22cc7d4ef5',
    });
    expect(fromDc).toMatchObject({
      ...shared,
      source: { container: 'ITSM', nativeId: '20001', number: 'ITSM-42', url: 'https://jira.acme.internal/browse/ITSM-42' },
      version: '2026-11-21T06:00:00.000-0400',
      updatedBy: 'beth.anglin',
    });
    expect(fromCloud.assignee).toBeUndefined();
    expect(fromCloud.resolvedAt).toBeUndefined();
  });

  it.each([
    ['Highest', 1],
    ['Blocker', 1],
    ['Critical', 1],
    ['High', 2],
    ['Major', 2],
    ['Medium', 3],
    ['Low', 4],
    ['Minor', 4],
    ['Lowest', 5],
    ['Trivial', 5],
    ['Something custom', 3],
  ])('maps priority %s to %i', async (priority, expected) => {
    expect((await toTicket('cloud', { priority })).priority).toBe(expected);
  });

  it.each([
    [['Waiting for support', 'new'], 'new'],
    [['Reopened', 'new'], 'open'],
    [['Work in progress', 'indeterminate'], 'in_progress'],
    [['Waiting for customer', 'indeterminate'], 'on_hold'],
    [['Pending', 'indeterminate'], 'on_hold'],
    [['Resolved', 'done'], 'resolved'],
    [['Closed', 'done'], 'closed'],
    [['Canceled', 'done'], 'cancelled'],
    [["Won't Do", 'done'], 'cancelled'],
  ] as const)('maps status %j to %s', async (status, expected) => {
    expect((await toTicket('datacenter', { status: [...status] })).status).toBe(expected);
  });

  it.each([
    ['Incident', 'incident'],
    ['Bug', 'incident'],
    ['Service Request', 'request'],
    ['Problem', 'problem'],
    ['Change', 'change'],
    ['Sub-task', 'task'],
  ])('maps issue type %s to kind %s', async (issuetype, kind) => {
    expect((await toTicket('cloud', { issuetype })).kind).toBe(kind);
  });

  it('takes the group from the first component when the source has no group field, and the category from a label a routing write leaves alone', async () => {
    const before = await toTicket('cloud', { components: ['Desktop Support'], labels: ['hardware', 'laptop'] }, 'components');
    // A routing write replaces the components with the new group.
    const after = await toTicket('cloud', { components: ['Network Operations'], labels: ['hardware', 'laptop'] }, 'components');

    expect(before.group).toBe('Desktop Support');
    expect(after.group).toBe('Network Operations');
    expect([before.category, before.subcategory]).toEqual(['hardware', 'laptop']);
    expect([after.category, after.subcategory]).toEqual(['hardware', 'laptop']);
  });

  it.each(['cloud', 'datacenter'] as Flavour[])('%s: keeps category and group apart when the group has its own field, so routing does not change the category', async (flavour) => {
    const before = await toTicket(flavour, { components: ['Network'], group: null });
    const after = await toTicket(flavour, { components: ['Network'], group: 'Network Operations' });

    expect([before.category, after.category]).toEqual(['Network', 'Network']);
    expect(after.group).toBe('Network Operations');
  });

  it.each(['cloud', 'datacenter'] as Flavour[])('%s: sets the subcategory from the second component, else the first label (never a deskbridge label)', async (flavour) => {
    expect((await toTicket(flavour, { components: ['Software', 'Email'] })).subcategory).toBe('Email');
    expect((await toTicket(flavour, { components: ['Network'], labels: ['deskbridge-3f9a1c2e7b4d5a6078e1c2d3', 'vpn'] })).subcategory).toBe('vpn');
    expect((await toTicket(flavour, { components: ['Network'], labels: [] })).subcategory).toBeUndefined();
  });

  it.each(['cloud', 'datacenter'] as Flavour[])("%s: reads the resolution notes from the last comment written at or after the resolution, not deskbridge's own", async (flavour) => {
    const ticket = await toTicket(flavour, {
      status: ['Resolved', 'done'],
      resolved: '2026-11-21T09:59:30.000Z',
      comments: [
        { text: 'Looking into it', at: '2026-11-20T09:00:00.000Z' },
        { text: 'Replaced the VPN client certificate; the tunnel is stable since.', at: '2026-11-21T09:59:30.000Z' },
        { text: 'deskbridge: resolved without a customer update\n\n(deskbridge:3f9a1c2e7b4d5a60)', at: '2026-11-21T10:00:00.000Z', by: 'deskbridge' },
      ],
    });

    expect(ticket.resolution).toEqual({ code: 'Done', notes: 'Replaced the VPN client certificate; the tunnel is stable since.' });
    expect((await toTicket(flavour, { status: ['Resolved', 'done'], resolved: '2026-11-21T09:59:30.000Z', comments: [] })).resolution).toEqual({ code: 'Done' });
  });

  it.each(['cloud', 'datacenter'] as Flavour[])("%s: counts as customer-visible updates neither restricted comments nor deskbridge's own notes", async (flavour) => {
    const ticket = await toTicket(flavour, {
      comments: [
        { text: 'We are on it', at: '2026-11-20T09:00:00.000Z' },
        { text: 'Internal: check the firewall', at: '2026-11-20T09:05:00.000Z', visibility: true },
        { text: 'deskbridge routed this to Network Operations.\n\n(deskbridge:3f9a1c2e7b4d5a60)', at: '2026-11-20T09:06:00.000Z', by: 'deskbridge' },
      ],
    });

    expect(ticket.publicUpdates).toBe(1);
  });

  it('asks Jira only for the fields the mapping reads', () => {
    const fields = cloud.inbound.rootFields;

    expect(fields.has('summary')).toBe(true);
    expect(fields.has('components')).toBe(true);
    // Comments are read for publicUpdates (QA: resolved without any customer-visible update).
    expect(fields.has('comment')).toBe(true);
    expect(fields.has('fields')).toBe(false);
  });
});

describe('the example routing rules on Jira tickets', () => {
  const rules = compileRuleSet(loadRulesOrThrow(['rules/routing.yaml']).rules);
  const evaluation = { sourceId: 'jsm-cloud', now: new Date('2026-11-23T10:00:00Z') };

  async function route(flavour: Flavour, spec: Spec): Promise<{ rules: string[]; actions: unknown[] }> {
    const result = await evaluateTicket(await toTicket(flavour, spec), rules, new BatchState(new Map(), new Map(), new MemoryHistoryStore()), evaluation);
    return {
      rules: [...new Set(result.decisions.map((d) => d.ruleId))],
      actions: result.decisions.map((d) => d.action).filter((action) => action.type === 'assign'),
    };
  }

  it.each(['cloud', 'datacenter'] as const)('route a %s ticket by category, title, priority, group, assignee and status', async (flavour) => {
    expect((await route(flavour, { components: ['Network'], priority: 'Medium' })).rules).toEqual(['network']);
    expect((await route(flavour, { components: ['Email'], summary: 'Wi-Fi keeps dropping', priority: 'Medium' })).rules).toEqual(['network']);
    expect((await route(flavour, { components: ['Hardware'], summary: 'Laptop', priority: 'Medium' })).actions).toEqual([{ type: 'assign', group: 'Desktop Support' }]);
    expect((await route(flavour, { priority: 'Highest', group: 'Service Desk' })).rules).toEqual(['major-incident']);
    expect((await route(flavour, { components: ['Category 61'], summary: 'x', group: 'Group 70', priority: 'Low' })).actions).toEqual([{ type: 'assign', group: 'Group 73' }]);
    expect((await route(flavour, { components: ['Category 61'], summary: 'x', group: 'Group 70', assignee: 'App Analyst 1', priority: 'Low' })).rules).toEqual([]);
    expect((await route(flavour, { components: [], summary: 'x', priority: 'Low' })).actions).toEqual([{ type: 'assign', group: 'Service Desk' }]);
    expect((await route(flavour, { components: [], summary: 'x', priority: 'Low', status: ['Resolved', 'done'] })).rules).toEqual([]);
  });
});

describe('jira outbound mappings', () => {
  const target = { ticketKey: 'jira:jsm-cloud:10042', nativeId: '10042', number: 'ITSM-42', version: '2026-11-21T12:00:00.000+0200' };
  const marker = 'deskbridge:m1';

  it.each([
    [
      { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' },
      { group: 'Network Operations', assignee: 'Network Engineer 1' },
    ],
    [
      { type: 'assign', group: 'Network Operations' },
      { group: 'Network Operations', assignee: null },
    ],
    [
      { type: 'comment', visibility: 'internal', body: 'Routed.' },
      { comment: 'Routed.\n\n— automated note by deskbridge (rule route-vpn) · note id (deskbridge:m1)', public: false },
    ],
    [
      { type: 'comment', visibility: 'public', body: 'We are on it.' },
      { comment: 'We are on it.\n\n— automated note by deskbridge (rule route-vpn) · note id (deskbridge:m1)', public: true },
    ],
    [
      { type: 'create-problem', correlationKey: 'k', title: 'Recurring\nVPN drops', description: '5 incidents' },
      { fields: { summary: 'Recurring VPN drops', description: '5 incidents', labels: ['deskbridge'] } },
    ],
    [{ type: 'link-problem', correlationKey: 'k' }, {}],
    [{ type: 'set-field', field: 'customfield_10200', value: 'failed' }, { fields: { customfield_10200: 'failed' } }],
    [{ type: 'set-field', field: 'customfield_10201', value: null }, { fields: { customfield_10201: null } }],
    [{ type: 'set-field', field: 'priority', value: 'High' }, { fields: { priority: { name: 'High' } } }],
    [{ type: 'set-field', field: 'status', value: 'Resolved' }, { transition: 'Resolved' }],
  ] as [Action, Record<string, unknown>][])('map %j the same way on both flavours', async (action, expected) => {
    expect(await mapOutbound(cloud, { action, target, marker, rule: 'route-vpn' })).toEqual(expected);
    expect(await mapOutbound(datacenter, { action, target, marker, rule: 'route-vpn' })).toEqual(expected);
  });

  it('ends a comment with a line that says it is automated, and keeps the marker the inbound mapping knows its own comments by', async () => {
    for (const mappings of [cloud, datacenter]) {
      const { comment } = await mapOutbound(mappings, { action: { type: 'comment', visibility: 'internal', body: 'Routed.' }, target, marker: 'deskbridge:3f9a1c2e7b4d5a60', rule: 'route-vpn' });
      expect(comment).toMatch(/\(deskbridge:[0-9a-f]+\)$/);
      expect(String(comment).split('\n').at(-1)).toBe('— automated note by deskbridge (rule route-vpn) · note id (deskbridge:3f9a1c2e7b4d5a60)');
    }
  });

  it('leaves the rule out of the footer when the write has none', async () => {
    const { comment } = await mapOutbound(cloud, { action: { type: 'comment', visibility: 'internal', body: 'Routed.' }, target, marker });
    expect(comment).toBe('Routed.\n\n— automated note by deskbridge · note id (deskbridge:m1)');
  });
});
