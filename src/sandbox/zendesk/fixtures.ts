import type { TicketPriority, TicketType, ZendeskStore } from './store.js';

/**
 * A small, deterministic Zendesk account for tests and the quick demo: six groups, agents who are
 * members of theirs, a few requesters, two custom ticket fields and ten new, unassigned tickets
 * with recognisable subjects (two VPN reports are near-duplicates on purpose).
 */

export const FIXTURE_GROUPS = ['Service Desk', 'Network Operations', 'Desktop Support', 'Application Support', 'Major Incident Team', 'Group 73'] as const;

export interface FixtureAgent {
  name: string;
  email: string;
  group: (typeof FIXTURE_GROUPS)[number];
}

export const FIXTURE_AGENTS: readonly FixtureAgent[] = [
  { name: 'Ana Costa', email: 'ana.costa@example.com', group: 'Service Desk' },
  { name: 'Rui Santos', email: 'rui.santos@example.com', group: 'Service Desk' },
  { name: 'João Pereira', email: 'joao.pereira@example.com', group: 'Service Desk' },
  { name: 'Network Engineer 1', email: 'network.engineer1@example.com', group: 'Network Operations' },
  { name: 'Network Engineer 2', email: 'network.engineer2@example.com', group: 'Network Operations' },
  { name: 'Network Engineer 3', email: 'network.engineer3@example.com', group: 'Network Operations' },
  { name: 'Major Incident Manager 1', email: 'major.incident1@example.com', group: 'Major Incident Team' },
  { name: 'Major Incident Manager 2', email: 'major.incident2@example.com', group: 'Major Incident Team' },
  { name: 'App Analyst 1', email: 'app.analyst1@example.com', group: 'Application Support' },
  { name: 'App Analyst 2', email: 'app.analyst2@example.com', group: 'Application Support' },
];

export const FIXTURE_REQUESTERS = [
  { name: 'Priya Raman', email: 'priya.raman@example.com' },
  { name: 'Mark Hale', email: 'mark.hale@example.com' },
  { name: 'Lena Novak', email: 'lena.novak@example.com' },
  { name: 'Tom Becker', email: 'tom.becker@example.com' },
] as const;

export interface FixtureTicket {
  subject: string;
  description: string;
  priority: TicketPriority;
  type: TicketType;
  tags: string[];
  /** Index into FIXTURE_REQUESTERS. */
  requester: number;
  /** How long before the store's clock the ticket was created. */
  createdMinutesAgo: number;
}

export const FIXTURE_TICKETS: readonly FixtureTicket[] = [
  {
    subject: 'VPN drops every few minutes',
    description: 'Since this morning the VPN disconnects every few minutes and I have to log in again. Home broadband is fine.',
    priority: 'high',
    type: 'incident',
    tags: ['vpn', 'network'],
    requester: 0,
    createdMinutesAgo: 180,
  },
  {
    subject: 'VPN keeps disconnecting when working from home',
    description: 'The VPN connection drops every few minutes, I lose my remote desktop session each time. Started today.',
    priority: 'normal',
    type: 'incident',
    tags: ['vpn'],
    requester: 1,
    createdMinutesAgo: 150,
  },
  {
    subject: 'Outlook cannot connect to Exchange',
    description: 'Outlook shows "Trying to connect..." and then "Disconnected". Webmail works. Restarted the laptop twice.',
    priority: 'high',
    type: 'incident',
    tags: ['email', 'outlook'],
    requester: 2,
    createdMinutesAgo: 140,
  },
  {
    subject: 'Payments portal down for all branches',
    description: 'Nobody in any branch can open the payments portal since 09:10; the page times out. Customers are waiting.',
    priority: 'urgent',
    type: 'incident',
    tags: ['payments', 'outage'],
    requester: 3,
    createdMinutesAgo: 120,
  },
  {
    subject: 'Laptop screen flickers when docked',
    description: 'My laptop screen flickers constantly when connected to the docking station. Undocked it is fine.',
    priority: 'normal',
    type: 'incident',
    tags: ['hardware'],
    requester: 0,
    createdMinutesAgo: 110,
  },
  {
    subject: 'Printer on floor 3 prints blank pages',
    description: 'The shared printer next to the kitchen on floor 3 prints blank pages for everyone since yesterday.',
    priority: 'low',
    type: 'incident',
    tags: ['printer'],
    requester: 1,
    createdMinutesAgo: 95,
  },
  {
    subject: 'Password reset for the HR system',
    description: 'I am locked out of the HR system after too many attempts. Please reset my password.',
    priority: 'normal',
    type: 'question',
    tags: ['access'],
    requester: 2,
    createdMinutesAgo: 80,
  },
  {
    subject: 'Wi-Fi very slow in meeting room B',
    description: 'Video calls in meeting room B keep freezing; the Wi-Fi there is much slower than in the rest of the office.',
    priority: 'normal',
    type: 'incident',
    tags: ['wifi', 'network'],
    requester: 3,
    createdMinutesAgo: 60,
  },
  {
    subject: 'Cannot open the shared finance drive',
    description: 'Access denied when opening the finance shared drive, which worked last week.',
    priority: 'normal',
    type: 'incident',
    tags: ['access', 'fileshare'],
    requester: 0,
    createdMinutesAgo: 45,
  },
  {
    subject: 'How do I request a second monitor?',
    description: 'I would like a second monitor for my desk. What is the process to request one?',
    priority: 'low',
    type: 'question',
    tags: ['request'],
    requester: 1,
    createdMinutesAgo: 30,
  },
];

/** Custom field titles the fixtures create (ids are the store's). */
export const FIXTURE_FIELDS = { category: 'Category', duplicateOf: 'Duplicate of' } as const;

/**
 * Seeds the fixtures into `store` (meant for an empty one): groups, agents with memberships,
 * requesters, the system and custom ticket fields, then the tickets — all new and unassigned,
 * created by their requesters at fixed offsets before the store's clock.
 */
export function seedFixtures(store: ZendeskStore): void {
  const groups = new Map(FIXTURE_GROUPS.map((name) => [name, store.groupByName(name) ?? store.addGroup({ name, description: `${name} team` })]));
  for (const agent of FIXTURE_AGENTS) {
    const user = store.userByEmail(agent.email) ?? store.addUser({ name: agent.name, email: agent.email, role: 'agent' });
    const group = groups.get(agent.group);
    if (group) store.addMembership(user.id, group.id);
  }
  const requesters = FIXTURE_REQUESTERS.map((r) => store.userByEmail(r.email) ?? store.addUser({ name: r.name, email: r.email, role: 'end-user' }));
  if (store.ticketFields().length === 0) {
    for (const [type, title] of [
      ['subject', 'Subject'],
      ['description', 'Description'],
      ['status', 'Status'],
      ['tickettype', 'Type'],
      ['priority', 'Priority'],
      ['group', 'Group'],
      ['assignee', 'Assignee'],
    ] as const) {
      store.addTicketField({ type, title });
    }
    store.addTicketField({
      type: 'tagger',
      title: FIXTURE_FIELDS.category,
      options: ['Network', 'Email', 'Hardware', 'Access', 'Application'].map((name) => ({ name, value: `category_${name.toLowerCase()}` })),
    });
    store.addTicketField({ type: 'integer', title: FIXTURE_FIELDS.duplicateOf, description: 'The ticket this one duplicates' });
  }
  const nowMs = store.now().getTime();
  for (const fixture of FIXTURE_TICKETS) {
    const requester = requesters[fixture.requester];
    if (!requester) continue;
    store.createTicket({ subject: fixture.subject, priority: fixture.priority, type: fixture.type, tags: fixture.tags, comment: { body: fixture.description } }, requester.id, {
      createdAt: nowMs - fixture.createdMinutesAgo * 60_000,
      via: 'web',
    });
  }
}
