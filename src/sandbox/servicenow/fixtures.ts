import { createHash } from 'node:crypto';
import { toGlideDateTime } from './glide-date-time.js';
import type { SandboxRecord, ServiceNowStore } from './store.js';

/**
 * A handful of hand-written incidents for small tests and the quick demo. Categories and
 * subcategories use the out-of-box incident choices (inquiry, software, hardware, network,
 * database); groups and people are display names, resolved (and created) on insert. Two VPN
 * reports are near-duplicates on purpose, and several incidents have no assignment group so
 * routing has work to do.
 */
export interface FixtureIncident {
  short_description: string;
  description: string;
  category: string;
  subcategory: string;
  contact_type: 'phone' | 'email' | 'self-service' | 'walk-in';
  caller_id: string;
  /** Group display name; '' = unassigned. */
  assignment_group: string;
  assigned_to: string;
  impact: '1' | '2' | '3';
  urgency: '1' | '2' | '3';
  /** 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed. */
  state: '1' | '2' | '3' | '6' | '7';
  cmdb_ci: string;
  close_code?: string;
  close_notes?: string;
  /** How long before the store's clock the incident was opened (and last updated). */
  openedMinutesAgo: number;
}

export const FIXTURE_INCIDENTS: readonly FixtureIncident[] = [
  {
    short_description: 'VPN drops every 10 minutes',
    description: 'Since this morning my GlobalProtect VPN disconnects roughly every 10 minutes and I have to log in again. Home broadband is fine otherwise.',
    category: 'network',
    subcategory: 'vpn',
    contact_type: 'phone',
    caller_id: 'Priya Raman',
    assignment_group: 'Network Operations',
    assigned_to: 'Tom Becker',
    impact: '2',
    urgency: '2',
    state: '2',
    cmdb_ci: 'vpn-gw-01',
    openedMinutesAgo: 180,
  },
  {
    short_description: 'VPN keeps disconnecting when working from home',
    description: 'The VPN connection drops every few minutes, I lose my RDP session each time. Started today.',
    category: 'network',
    subcategory: 'vpn',
    contact_type: 'email',
    caller_id: 'Marcus Hale',
    assignment_group: '',
    assigned_to: '',
    impact: '3',
    urgency: '2',
    state: '1',
    cmdb_ci: 'vpn-gw-01',
    openedMinutesAgo: 95,
  },
  {
    short_description: 'Outlook cannot connect to Exchange',
    description: 'Outlook shows "Trying to connect..." and then "Disconnected". Webmail works. Restarted the laptop twice.',
    category: 'software',
    subcategory: 'email',
    contact_type: 'phone',
    caller_id: 'Lena Novak',
    assignment_group: 'Messaging',
    assigned_to: '',
    impact: '2',
    urgency: '2',
    state: '1',
    cmdb_ci: 'exch-mbx-02',
    openedMinutesAgo: 60,
  },
  {
    short_description: 'Printer on 3rd floor jams on every job',
    description: 'The HP printer next to the kitchen on the 3rd floor jams on every print job, even single pages. Tray 2 is full.',
    category: 'hardware',
    subcategory: 'printer',
    contact_type: 'self-service',
    caller_id: 'Aiko Tanaka',
    assignment_group: 'Desktop Support',
    assigned_to: 'Jonas Weber',
    impact: '3',
    urgency: '3',
    state: '2',
    cmdb_ci: 'prn-3f-kitchen',
    openedMinutesAgo: 1440,
  },
  {
    short_description: 'Password reset for SAP account',
    description: 'Locked out of SAP after the password expired while I was on leave. Please reset.',
    category: 'inquiry',
    subcategory: 'password',
    contact_type: 'phone',
    caller_id: 'Marcus Hale',
    assignment_group: 'Service Desk',
    assigned_to: 'Sara Lindqvist',
    impact: '3',
    urgency: '2',
    state: '6',
    cmdb_ci: 'sap-erp-prod',
    close_code: 'Solved (Permanently)',
    close_notes: 'Password reset, user confirmed login works.',
    openedMinutesAgo: 300,
  },
  {
    short_description: 'Laptop battery swollen, case lifting',
    description: 'The bottom of my laptop is bulging and the touchpad no longer clicks. Battery seems swollen.',
    category: 'hardware',
    subcategory: 'laptop',
    contact_type: 'walk-in',
    caller_id: 'Priya Raman',
    assignment_group: '',
    assigned_to: '',
    impact: '3',
    urgency: '1',
    state: '1',
    cmdb_ci: '',
    openedMinutesAgo: 30,
  },
  {
    short_description: 'Shared drive S: not mapped after Windows update',
    description: 'After last night\'s update the S: drive is missing. "net use" says the network path was not found.',
    category: 'software',
    subcategory: 'os',
    contact_type: 'email',
    caller_id: 'Lena Novak',
    assignment_group: '',
    assigned_to: '',
    impact: '2',
    urgency: '3',
    state: '1',
    cmdb_ci: 'fs-cluster-01',
    openedMinutesAgo: 45,
  },
  {
    short_description: 'Teams calls lose audio after about 5 minutes',
    description: 'In every Teams call the audio stops after roughly five minutes; video continues. Headset works in other apps.',
    category: 'software',
    subcategory: 'collaboration',
    contact_type: 'self-service',
    caller_id: 'Aiko Tanaka',
    assignment_group: '',
    assigned_to: '',
    impact: '3',
    urgency: '3',
    state: '1',
    cmdb_ci: '',
    openedMinutesAgo: 20,
  },
  {
    short_description: 'Payroll database slow during month-end batch',
    description: 'Month-end payroll batch runs 4x slower than last month; HR reports timeouts in the payroll UI.',
    category: 'database',
    subcategory: 'db2',
    contact_type: 'phone',
    caller_id: 'Sara Lindqvist',
    assignment_group: 'Database Administration',
    assigned_to: 'Tom Becker',
    impact: '1',
    urgency: '1',
    state: '2',
    cmdb_ci: 'payroll-db-prod',
    openedMinutesAgo: 240,
  },
  {
    short_description: 'Wi-Fi unavailable in Building B conference room',
    description: 'Nobody in conference room B2.14 can join the corporate Wi-Fi; guest network works.',
    category: 'network',
    subcategory: 'wireless',
    contact_type: 'phone',
    caller_id: 'Jonas Weber',
    assignment_group: 'Network Operations',
    assigned_to: '',
    impact: '2',
    urgency: '3',
    state: '3',
    cmdb_ci: 'wlc-bldg-b',
    openedMinutesAgo: 2880,
  },
  {
    short_description: 'Request for a second monitor',
    description: 'Could I get a second 24" monitor for my desk (4.021)?',
    category: 'inquiry',
    subcategory: 'equipment',
    contact_type: 'self-service',
    caller_id: 'Priya Raman',
    assignment_group: 'Service Desk',
    assigned_to: 'Sara Lindqvist',
    impact: '3',
    urgency: '3',
    state: '7',
    cmdb_ci: '',
    close_code: 'Solved (Permanently)',
    close_notes: 'Monitor delivered and set up.',
    openedMinutesAgo: 10080,
  },
];

/**
 * Inserts the fixture incidents (numbers INC0010001… on a fresh store) and returns them in order.
 * Opened / created / updated times are `openedMinutesAgo` before the store's clock.
 */
export function seedFixtures(store: ServiceNowStore, options: { user?: string } = {}): Readonly<SandboxRecord>[] {
  const user = options.user ?? 'admin';
  const now = store.now().getTime();
  return FIXTURE_INCIDENTS.map((fixture, index) => {
    const { openedMinutesAgo, ...fields } = fixture;
    const at = toGlideDateTime(new Date(now - openedMinutesAgo * 60_000));
    const resolved = fixture.state === '6' || fixture.state === '7';
    return store.insert(
      'incident',
      {
        ...fields,
        // Stable ids: two sandboxes seeded alike hold identical records.
        sys_id: createHash('md5').update(`fixture:${index}`).digest('hex'),
        opened_at: at,
        active: fixture.state === '7' ? 'false' : 'true',
        ...(resolved ? { resolved_at: at, resolved_by: fixture.assigned_to } : {}),
        ...(fixture.state === '7' ? { closed_at: at } : {}),
        sys_created_on: at,
        sys_updated_on: at,
        sys_created_by: user,
        sys_updated_by: user,
      },
      user,
      { system: true, inputDisplayValue: true },
    );
  });
}

export interface RaisedIncident {
  title: string;
  /** Choice value or label (`network`, `software`…). */
  category?: string;
  subcategory?: string;
  /** How long before the store's clock the caller reported it (`opened_at`). */
  openedAgoMs?: number;
  /**
   * When the record reached the instance: `now` (logged after a phone call, so new to the API
   * while opened earlier) or `opened` (created when it was opened, e.g. history). Default `now`.
   */
  logged?: 'now' | 'opened';
  /** Other fields, as display values (`assignment_group: "Network Operations"`). */
  fields?: Record<string, string>;
  user?: string;
}

/** An incident a person raised, as the Table API would then show it; for demos and tests. */
export function raiseIncident(store: ServiceNowStore, incident: RaisedIncident): Readonly<SandboxRecord> {
  const user = incident.user ?? 'beth.anglin';
  const opened = toGlideDateTime(new Date(store.now().getTime() - (incident.openedAgoMs ?? 0)));
  const logged = incident.logged === 'opened' ? opened : toGlideDateTime(store.now());
  return store.insert(
    'incident',
    {
      short_description: incident.title,
      description: incident.title,
      ...(incident.category !== undefined ? { category: incident.category } : {}),
      ...(incident.subcategory !== undefined ? { subcategory: incident.subcategory } : {}),
      state: '1',
      ...incident.fields,
      opened_at: opened,
      sys_created_on: logged,
      sys_updated_on: logged,
      sys_created_by: user,
      sys_updated_by: user,
    },
    user,
    { system: true, inputDisplayValue: true },
  );
}
