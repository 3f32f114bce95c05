import { CLI_SANDBOX_API_KEY, FreshserviceStore, seedFixtures as seedFreshserviceFixtures, seedHelpdeskTickets as seedFreshserviceTickets } from '../sandbox/freshservice/index.js';
import { CLI_SANDBOX_ACCOUNT as ZENDESK_ACCOUNT, ZendeskStore, seedFixtures as seedZendeskFixtures, seedHelpdeskTickets as seedZendeskTickets } from '../sandbox/zendesk/index.js';

/**
 * The groups and people the example rules (rules/routing.yaml, rules/team.yaml) assign to, so the
 * same rules run unchanged against the Zendesk and Freshservice sandboxes. On a real account these
 * are your groups and agents.
 */
const RULE_PEOPLE: readonly (readonly [name: string, group: string])[] = [
  ['Ana Costa', 'Service Desk'],
  ['Rui Santos', 'Service Desk'],
  ['Marta Silva', 'Service Desk'],
  ['João Pereira', 'Service Desk'],
  ['Network Engineer 1', 'Network Operations'],
  ['Network Engineer 2', 'Network Operations'],
  ['Network Engineer 3', 'Network Operations'],
  ['Major Incident Manager 1', 'Major Incident Team'],
  ['Major Incident Manager 2', 'Major Incident Team'],
  ['App Analyst 1', 'Application Support'],
  ['App Analyst 2', 'Application Support'],
];
const RULE_GROUPS = ['Service Desk', 'Network Operations', 'Desktop Support', 'Application Support', 'Major Incident Team', 'Group 73'];

function emailOf(name: string): string {
  return `${name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, '.')}@example.com`;
}

/** A Zendesk account with the fixtures, the rules' groups and agents, and `tickets` real help-desk tickets (Endava). */
export function demoZendeskStore(options: { tickets: number; fixtures?: boolean }): ZendeskStore {
  const store = new ZendeskStore();
  if (!store.userByEmail(ZENDESK_ACCOUNT.email)) store.addUser(ZENDESK_ACCOUNT);
  if (options.fixtures ?? true) seedZendeskFixtures(store);
  for (const name of RULE_GROUPS) if (!store.groupByName(name)) store.addGroup({ name });
  for (const [name, groupName] of RULE_PEOPLE) {
    const agent = store.agents().find((a) => a.name === name) ?? store.addUser({ name, email: emailOf(name), role: 'agent' });
    const group = store.groupByName(groupName);
    if (group && !store.isMember(agent.id, group.id)) store.addMembership(agent.id, group.id);
  }
  if (options.tickets > 0) seedZendeskTickets(store, { limit: options.tickets });
  return store;
}

/** A Freshservice account (two workspaces) with the fixtures, the rules' groups and agents, and `tickets` real help-desk tickets (Endava). */
export async function demoFreshserviceStore(options: { tickets: number; fixtures?: boolean }): Promise<FreshserviceStore> {
  const store = new FreshserviceStore();
  if (options.fixtures ?? true) seedFreshserviceFixtures(store);
  else store.addAgent({ first_name: 'Deskbridge', last_name: 'Integration', email: 'deskbridge@example.com', apiKey: CLI_SANDBOX_API_KEY });
  // Groups belong to a workspace and a ticket can only go to a group of its own: every workspace
  // gets the rules' groups, with the same people in them.
  for (const workspace of store.workspaces()) {
    for (const name of RULE_GROUPS) if (!store.groupByName(name, workspace.id)) store.addGroup({ name, workspace_id: workspace.id });
  }
  for (const [name, groupName] of RULE_PEOPLE) {
    const [first = name, ...rest] = name.split(' ');
    const agent = store.agents().find((a) => `${a.first_name} ${a.last_name ?? ''}`.trim() === name) ?? store.addAgent({ first_name: first, last_name: rest.join(' '), email: emailOf(name) });
    for (const workspace of store.workspaces()) {
      const group = store.groupByName(groupName, workspace.id);
      if (group && !store.memberOf(agent.id).includes(group.id)) store.addMember(group.id, agent.id);
    }
  }
  if (options.tickets > 0) await seedFreshserviceTickets(store, { count: options.tickets });
  return store;
}
