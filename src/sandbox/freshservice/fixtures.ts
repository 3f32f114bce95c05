import { CLI_SANDBOX_API_KEY } from './server.js';
import type { Agent, FreshserviceStore, Group, Requester, StoredTicket, Workspace } from './store.js';

/**
 * A small deterministic account for end-to-end tests and the demo: two workspaces (IT, the
 * primary one, id 1, and Facilities, id 2), the IT agent groups the example rules route to
 * (Service Desk, Network Operations, Desktop Support, Application Support, Major Incident Team,
 * Group 73) plus a few older team names, one Facilities group, their agents, an integration
 * agent holding the CLI API key, a few requesters and thirteen open tickets (eleven in IT, two in
 * Facilities) with recognisable subjects. Most have neither group nor agent so routing has work
 * to do; one is urgent; two VPN reports are near-duplicates on purpose.
 */

export interface FixtureTicket {
  subject: string;
  description: string;
  requester: string;
  /** Group name, '' = unassigned. */
  group: string;
  /** Agent email, '' = unassigned. */
  responder: string;
  workspace: 'IT' | 'Facilities';
  priority: 1 | 2 | 3 | 4;
  urgency: 1 | 2 | 3;
  impact: 1 | 2 | 3;
  source: number;
  category: string;
  sub_category: string | null;
  /** How long before the store's clock the ticket was created (and last updated). */
  createdMinutesAgo: number;
}

export const FIXTURE_GROUPS: readonly { name: string; workspace: 'IT' | 'Facilities'; members: readonly string[] }[] = [
  { name: 'Service Desk', workspace: 'IT', members: ['ana.costa@example.com', 'rui.santos@example.com', 'joao.pereira@example.com', 'sara.lindqvist@example.com', 'omar.haddad@example.com'] },
  { name: 'Network', workspace: 'IT', members: ['tom.becker@example.com'] },
  { name: 'Hardware', workspace: 'IT', members: ['jonas.weber@example.com'] },
  { name: 'Access Management', workspace: 'IT', members: ['sara.lindqvist@example.com', 'nina.petrova@example.com'] },
  { name: 'Applications', workspace: 'IT', members: ['nina.petrova@example.com'] },
  { name: 'Network Operations', workspace: 'IT', members: ['network.engineer.1@example.com', 'network.engineer.2@example.com', 'network.engineer.3@example.com'] },
  { name: 'Desktop Support', workspace: 'IT', members: ['jonas.weber@example.com'] },
  { name: 'Application Support', workspace: 'IT', members: ['app.analyst.1@example.com', 'app.analyst.2@example.com'] },
  { name: 'Major Incident Team', workspace: 'IT', members: ['major.incident.manager.1@example.com', 'major.incident.manager.2@example.com'] },
  { name: 'Group 73', workspace: 'IT', members: [] },
  { name: 'Facilities Management', workspace: 'Facilities', members: ['grace.okafor@example.com'] },
];

export const FIXTURE_AGENTS: readonly { first: string; last: string; email: string; job: string }[] = [
  { first: 'Sara', last: 'Lindqvist', email: 'sara.lindqvist@example.com', job: 'Service desk analyst' },
  { first: 'Omar', last: 'Haddad', email: 'omar.haddad@example.com', job: 'Service desk analyst' },
  { first: 'Tom', last: 'Becker', email: 'tom.becker@example.com', job: 'Network engineer' },
  { first: 'Jonas', last: 'Weber', email: 'jonas.weber@example.com', job: 'Desktop technician' },
  { first: 'Nina', last: 'Petrova', email: 'nina.petrova@example.com', job: 'Application administrator' },
  { first: 'Grace', last: 'Okafor', email: 'grace.okafor@example.com', job: 'Facilities coordinator' },
  { first: 'Ana', last: 'Costa', email: 'ana.costa@example.com', job: 'Service desk analyst' },
  { first: 'Rui', last: 'Santos', email: 'rui.santos@example.com', job: 'Service desk analyst' },
  { first: 'João', last: 'Pereira', email: 'joao.pereira@example.com', job: 'Service desk analyst' },
  { first: 'Network', last: 'Engineer 1', email: 'network.engineer.1@example.com', job: 'Network engineer' },
  { first: 'Network', last: 'Engineer 2', email: 'network.engineer.2@example.com', job: 'Network engineer' },
  { first: 'Network', last: 'Engineer 3', email: 'network.engineer.3@example.com', job: 'Network engineer' },
  { first: 'Major Incident', last: 'Manager 1', email: 'major.incident.manager.1@example.com', job: 'Major incident manager' },
  { first: 'Major Incident', last: 'Manager 2', email: 'major.incident.manager.2@example.com', job: 'Major incident manager' },
  { first: 'App', last: 'Analyst 1', email: 'app.analyst.1@example.com', job: 'Application analyst' },
  { first: 'App', last: 'Analyst 2', email: 'app.analyst.2@example.com', job: 'Application analyst' },
];

export const FIXTURE_REQUESTERS: readonly { first: string; last: string; email: string }[] = [
  { first: 'Priya', last: 'Raman', email: 'priya.raman@example.com' },
  { first: 'Marcus', last: 'Hale', email: 'marcus.hale@example.com' },
  { first: 'Lena', last: 'Novak', email: 'lena.novak@example.com' },
  { first: 'Aiko', last: 'Tanaka', email: 'aiko.tanaka@example.com' },
];

export const FIXTURE_TICKETS: readonly FixtureTicket[] = [
  {
    subject: 'VPN drops every few minutes',
    description: 'Since this morning my VPN disconnects every few minutes and I have to log in again.',
    requester: 'priya.raman@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 2,
    source: 3,
    category: 'Network',
    sub_category: 'VPN',
    createdMinutesAgo: 180,
  },
  {
    subject: 'VPN keeps disconnecting when working from home',
    description: 'The VPN connection drops every few minutes, I lose my RDP session each time. Started today.',
    requester: 'marcus.hale@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 1,
    source: 1,
    category: 'Network',
    sub_category: 'VPN',
    createdMinutesAgo: 95,
  },
  {
    subject: 'Outlook cannot connect to Exchange',
    description: 'Outlook shows "Trying to connect..." and then "Disconnected". Webmail works.',
    requester: 'lena.novak@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 2,
    source: 3,
    category: 'Software',
    sub_category: 'Email',
    createdMinutesAgo: 60,
  },
  {
    subject: 'Printer on 3rd floor jams on every job',
    description: 'The printer next to the kitchen on the 3rd floor jams on every print job, even single pages.',
    requester: 'aiko.tanaka@example.com',
    group: 'Hardware',
    responder: 'jonas.weber@example.com',
    workspace: 'IT',
    priority: 1,
    urgency: 1,
    impact: 1,
    source: 2,
    category: 'Hardware',
    sub_category: 'Printer',
    createdMinutesAgo: 1440,
  },
  {
    subject: 'Monitor flickers when the laptop is docked',
    description: 'The external monitor flickers every few seconds when my laptop is in the docking station; undocked it is fine.',
    requester: 'aiko.tanaka@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 1,
    source: 2,
    category: 'Hardware',
    sub_category: 'Monitor',
    createdMinutesAgo: 500,
  },
  {
    subject: 'Password reset for SAP account',
    description: 'Locked out of SAP after the password expired while I was on leave. Please reset.',
    requester: 'marcus.hale@example.com',
    group: 'Access Management',
    responder: 'sara.lindqvist@example.com',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 1,
    source: 3,
    category: 'Access',
    sub_category: 'Password',
    createdMinutesAgo: 300,
  },
  {
    subject: 'Laptop battery swollen, case lifting',
    description: 'The bottom of my laptop is bulging and the touchpad no longer clicks. Battery seems swollen.',
    requester: 'priya.raman@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 4,
    urgency: 3,
    impact: 2,
    source: 9,
    category: 'Hardware',
    sub_category: 'Laptop',
    createdMinutesAgo: 30,
  },
  {
    subject: 'Shared drive S: not mapped after Windows update',
    description: 'After last night\'s update the S: drive is missing. "net use" says the network path was not found.',
    requester: 'lena.novak@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 1,
    impact: 2,
    source: 1,
    category: 'Software',
    sub_category: 'Operating system',
    createdMinutesAgo: 45,
  },
  {
    subject: 'Teams calls lose audio after about 5 minutes',
    description: 'In every Teams call the audio stops after roughly five minutes; video continues.',
    requester: 'aiko.tanaka@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 1,
    urgency: 1,
    impact: 1,
    source: 2,
    category: 'Software',
    sub_category: 'Collaboration',
    createdMinutesAgo: 20,
  },
  {
    subject: 'Request access to the finance reporting folder',
    description: 'I joined the controlling team and need read access to the finance reporting share.',
    requester: 'priya.raman@example.com',
    group: '',
    responder: '',
    workspace: 'IT',
    priority: 1,
    urgency: 1,
    impact: 1,
    source: 2,
    category: 'Access',
    sub_category: 'File share',
    createdMinutesAgo: 15,
  },
  {
    subject: 'Wi-Fi very slow in meeting room Atlas',
    description: 'Wi-Fi in meeting room Atlas drops to a few kbit/s when more than five people join.',
    requester: 'marcus.hale@example.com',
    group: 'Network',
    responder: '',
    workspace: 'IT',
    priority: 2,
    urgency: 2,
    impact: 2,
    source: 3,
    category: 'Network',
    sub_category: 'Wireless',
    createdMinutesAgo: 10,
  },
  {
    subject: 'Air conditioning broken on the 2nd floor',
    description: 'The air conditioning on the 2nd floor has been off since Monday; it is 29 degrees in the open space.',
    requester: 'lena.novak@example.com',
    group: 'Facilities Management',
    responder: 'grace.okafor@example.com',
    workspace: 'Facilities',
    priority: 2,
    urgency: 2,
    impact: 1,
    source: 2,
    category: 'Building',
    sub_category: null,
    createdMinutesAgo: 120,
  },
  {
    subject: 'Desk chair broken in room 4.12',
    description: 'The height adjustment of my desk chair in room 4.12 no longer holds; please replace it.',
    requester: 'aiko.tanaka@example.com',
    group: '',
    responder: '',
    workspace: 'Facilities',
    priority: 1,
    urgency: 1,
    impact: 1,
    source: 2,
    category: 'Furniture',
    sub_category: null,
    createdMinutesAgo: 40,
  },
];

export interface SeededFixtures {
  workspaces: { it: Workspace; facilities: Workspace };
  /** By name. */
  groups: Record<string, Group>;
  /** By email. */
  agents: Record<string, Agent>;
  /** The agent the CLI API key (and `integrationApiKey`) belongs to. */
  integrationAgent: Agent;
  requesters: Record<string, Requester>;
  tickets: StoredTicket[];
}

/**
 * Seeds the fixture account into a store: its primary workspace (named "IT" by default) and a
 * "Facilities" workspace, added unless present. Returns the records created, for assertions.
 */
export function seedFixtures(store: FreshserviceStore, options: { integrationApiKey?: string } = {}): SeededFixtures {
  const it = store.primaryWorkspace();
  const facilities = store.workspaceByName('Facilities') ?? store.addWorkspace({ name: 'Facilities', description: 'Buildings, furniture and office services' });
  const integrationAgent = store.addAgent({
    first_name: 'Deskbridge',
    last_name: 'Integration',
    email: 'deskbridge@example.com',
    job_title: 'Integration',
    apiKey: options.integrationApiKey ?? CLI_SANDBOX_API_KEY,
  });
  const agents: Record<string, Agent> = { [integrationAgent.email]: integrationAgent };
  for (const a of FIXTURE_AGENTS) agents[a.email] = store.addAgent({ first_name: a.first, last_name: a.last, email: a.email, job_title: a.job, apiKey: `key-${a.email.split('@')[0] ?? a.first}` });
  const groups: Record<string, Group> = {};
  for (const g of FIXTURE_GROUPS) {
    const workspace = g.workspace === 'IT' ? it : facilities;
    groups[g.name] = store.addGroup({ name: g.name, workspace_id: workspace.id, members: g.members.map((m) => agents[m]?.id ?? 0) });
  }
  const requesters: Record<string, Requester> = {};
  for (const r of FIXTURE_REQUESTERS) requesters[r.email] = store.addRequester({ first_name: r.first, last_name: r.last, primary_email: r.email });
  const now = store.now().getTime();
  const tickets = FIXTURE_TICKETS.map((f) => {
    const at = Math.floor((now - f.createdMinutesAgo * 60_000) / 1000) * 1000;
    return store.createTicket({
      subject: f.subject,
      description: f.description,
      requester_id: requesters[f.requester]?.id ?? 0,
      workspace_id: f.workspace === 'IT' ? it.id : facilities.id,
      group_id: f.group === '' ? null : (groups[f.group]?.id ?? null),
      responder_id: f.responder === '' ? null : (agents[f.responder]?.id ?? null),
      priority: f.priority,
      urgency: f.urgency,
      impact: f.impact,
      source: f.source,
      category: f.category,
      sub_category: f.sub_category,
      created_at: at,
      updated_at: at,
    });
  });
  return { workspaces: { it, facilities }, groups, agents, integrationAgent, requesters, tickets };
}
