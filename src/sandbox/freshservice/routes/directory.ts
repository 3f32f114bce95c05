import { notFound, sendJson, validationFailed, fieldError } from '../http.js';
import { nextLink, pageOf, readPaging, readWorkspaceParam, rejectUnknownParams } from '../params.js';
import { renderAgent, renderGroup, renderRequester, renderWorkspace } from '../render.js';
import type { Call } from '../site.js';
import { TICKET_PRIORITIES, TICKET_SOURCES, TICKET_STATUSES, URGENCY_LEVELS } from '../store.js';

/**
 * Who and where: agents (https://api.freshservice.com/#agents), requesters (#requesters), agent
 * groups (#groups; members in `members`, not the retired `agent_ids`; listing answers the primary
 * workspace unless `workspace_id` is given, per the Dec 2023 changelog), workspaces (#workspaces)
 * and the ticket form fields (#ticket_form_fields).
 */

function sendPage<T>(call: Call, key: string, items: readonly T[], render: (item: T) => unknown): void {
  const paging = readPaging(call.url.searchParams);
  const page = pageOf(items, paging);
  if (page.more) call.res.setHeader('Link', nextLink(call.site.baseUrl, call.url, paging));
  sendJson(call.res, 200, { [key]: page.items.map(render) }, call.headers);
}

function byId<T extends { id: number }>(items: readonly T[], idText: string): T {
  const found = /^\d+$/.test(idText) ? items.find((i) => i.id === Number(idText)) : undefined;
  if (!found) throw notFound();
  return found;
}

export function listAgents(call: Call): void {
  const params = call.url.searchParams;
  rejectUnknownParams(params, ['email', 'active', 'page', 'per_page']);
  const store = call.site.store;
  const email = params.get('email')?.toLowerCase();
  const active = params.get('active');
  if (active !== null && active !== 'true' && active !== 'false') throw validationFailed([fieldError('active', 'invalid_value', "It should be one of these values: 'true,false'")]);
  const agents = store.agents().filter((a) => (email === undefined || a.email.toLowerCase() === email) && (active === null || String(a.active) === active));
  sendPage(call, 'agents', agents, (a) => renderAgent(store, a));
}

export function showAgent(call: Call, idText: string): void {
  const store = call.site.store;
  const agent = idText === 'me' ? call.agent : byId(store.agents(), idText);
  sendJson(call.res, 200, { agent: renderAgent(store, agent) }, call.headers);
}

export function listRequesters(call: Call): void {
  const params = call.url.searchParams;
  rejectUnknownParams(params, ['email', 'page', 'per_page']);
  const email = params.get('email')?.toLowerCase();
  const requesters = call.site.store.requesters().filter((r) => email === undefined || r.primary_email.toLowerCase() === email);
  sendPage(call, 'requesters', requesters, renderRequester);
}

export function showRequester(call: Call, idText: string): void {
  sendJson(call.res, 200, { requester: renderRequester(byId(call.site.store.requesters(), idText)) }, call.headers);
}

export function listGroups(call: Call): void {
  const params = call.url.searchParams;
  rejectUnknownParams(params, ['workspace_id', 'page', 'per_page']);
  const store = call.site.store;
  const workspaceId = readWorkspaceParam(params, store.primaryWorkspace().id, (id) => store.workspace(id) !== undefined);
  sendPage(
    call,
    'groups',
    store.groups().filter((g) => workspaceId === null || g.workspace_id === workspaceId),
    renderGroup,
  );
}

export function showGroup(call: Call, idText: string): void {
  sendJson(call.res, 200, { group: renderGroup(byId(call.site.store.groups(), idText)) }, call.headers);
}

export function listWorkspaces(call: Call): void {
  rejectUnknownParams(call.url.searchParams, ['page', 'per_page']);
  sendPage(call, 'workspaces', call.site.store.workspaces(), renderWorkspace);
}

export function showWorkspace(call: Call, idText: string): void {
  sendJson(call.res, 200, { workspace: renderWorkspace(byId(call.site.store.workspaces(), idText)) }, call.headers);
}

/** The ticket form: default fields with their choices, then the account's custom fields. */
export function listTicketFormFields(call: Call): void {
  rejectUnknownParams(call.url.searchParams, ['workspace_id']);
  const store = call.site.store;
  const choices = (values: Readonly<Record<number, string>>) => Object.entries(values).map(([id, value]) => ({ id: Number(id), value }));
  let id = 1_000_000_501;
  const field = (name: string, label: string, type: string, extra: Record<string, unknown> = {}) => ({
    id: id++,
    workspace_id: null,
    name,
    label,
    description: label,
    field_type: type,
    required: name === 'subject' || name === 'requester',
    required_for_closure: false,
    default_field: type.startsWith('default_'),
    choices: [],
    nested_fields: [],
    required_for_agents: false,
    visible_in_public: true,
    ...extra,
  });
  const groups = store.groups().map((g) => ({ id: g.id, value: g.name }));
  const agents = store.agents().map((a) => ({ id: a.id, value: `${a.first_name} ${a.last_name}` }));
  const fields = [
    field('requester', 'Requester', 'default_requester'),
    field('subject', 'Subject', 'default_subject'),
    field('ticket_type', 'Type', 'default_ticket_type', {
      choices: [
        { id: 1, value: 'Incident' },
        { id: 2, value: 'Service Request' },
      ],
    }),
    field('source', 'Source', 'default_source', { choices: choices(TICKET_SOURCES) }),
    field('status', 'Status', 'default_status', { choices: choices(TICKET_STATUSES) }),
    field('urgency', 'Urgency', 'default_urgency', { choices: choices(URGENCY_LEVELS) }),
    field('impact', 'Impact', 'default_impact', { choices: choices(URGENCY_LEVELS) }),
    field('priority', 'Priority', 'default_priority', { choices: choices(TICKET_PRIORITIES) }),
    field('group', 'Group', 'default_group', { choices: groups }),
    field('agent', 'Agent', 'default_agent', { choices: agents }),
    // Category is a dependent field: its levels come as `nested_fields` (sub_category, item_category).
    field('category', 'Category', 'default_category', {
      nested_fields: [
        { name: 'sub_category', label: 'Sub-Category', level: 2 },
        { name: 'item_category', label: 'Item', level: 3 },
      ],
    }),
    field('description', 'Description', 'default_description'),
    ...store.customFields.map((f) => field(f.name, f.label, f.type, { choices: (f.choices ?? []).map((value, i) => ({ id: i + 1, value })) })),
  ];
  sendJson(call.res, 200, { ticket_fields: fields }, call.headers);
}
