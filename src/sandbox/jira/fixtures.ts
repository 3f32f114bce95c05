import { textToAdf } from './adf.js';
import type { JiraStore, StoredIssue } from './store.js';

/**
 * Ten hand-written Jira Service Management incidents in project ITSM for small tests and the
 * quick demo. Two VPN reports are near-duplicates on purpose; several have no assignee or team
 * so routing has work to do. People are usernames from the default users (catalogue.ts).
 */
export interface FixtureIncident {
  summary: string;
  description: string;
  /** 1 (highest) … 5 (lowest); mapped onto the flavour's priority scheme. */
  priority: 1 | 2 | 3 | 4 | 5;
  components: string[];
  labels: string[];
  /** Username of the requester. */
  reporter: string;
  /** Username; '' = unassigned. */
  assignee: string;
  /** Team name (customfield_10001); '' = none. */
  team: string;
  status: 'Open' | 'In Progress' | 'Resolved';
  resolution?: string;
  /** How long before the store's clock the incident was created (and last updated). */
  createdMinutesAgo: number;
}

export const FIXTURE_INCIDENTS: readonly FixtureIncident[] = [
  {
    summary: 'VPN drops every 10 minutes',
    description: 'Since this morning my GlobalProtect VPN disconnects roughly every 10 minutes and I have to log in again.\nHome broadband is fine otherwise.',
    priority: 2,
    components: ['Network'],
    labels: ['vpn', 'remote-work'],
    reporter: 'praman',
    assignee: 'tbecker',
    team: 'Network Operations',
    status: 'In Progress',
    createdMinutesAgo: 180,
  },
  {
    summary: 'VPN keeps disconnecting when working from home',
    description: 'The VPN connection drops every few minutes, I lose my RDP session each time. Started today.',
    priority: 3,
    components: ['Network'],
    labels: ['vpn'],
    reporter: 'mhale',
    assignee: '',
    team: '',
    status: 'Open',
    createdMinutesAgo: 95,
  },
  {
    summary: 'Outlook cannot connect to Exchange',
    description: 'Outlook shows "Trying to connect..." and then "Disconnected". Webmail works. Restarted the laptop twice.',
    priority: 2,
    components: ['Email'],
    labels: ['outlook'],
    reporter: 'lnovak',
    assignee: '',
    team: 'Messaging',
    status: 'Open',
    createdMinutesAgo: 60,
  },
  {
    summary: 'Laptop will not boot after BIOS update',
    description: "After last night's BIOS update my ThinkPad shows a black screen with a blinking cursor. Asset tag LT-20931.",
    priority: 2,
    components: ['Hardware'],
    labels: ['laptop'],
    reporter: 'mgarcia',
    assignee: 'aokafor',
    team: 'End User Computing',
    status: 'In Progress',
    createdMinutesAgo: 300,
  },
  {
    summary: 'Printer on 3rd floor jams on every job',
    description: 'HP LaserJet PRN-3F-02 jams on every print job, tray 2. Paper was replaced this morning.',
    priority: 4,
    components: ['Hardware'],
    labels: ['printer'],
    reporter: 'mhale',
    assignee: '',
    team: '',
    status: 'Open',
    createdMinutesAgo: 45,
  },
  {
    summary: 'Cannot access shared drive S:',
    description: 'Getting "Access denied" on S:\\Finance since my team change last week. Colleagues can open it.',
    priority: 3,
    components: ['Access'],
    labels: ['permissions'],
    reporter: 'lnovak',
    assignee: '',
    team: 'Service Desk',
    status: 'Open',
    createdMinutesAgo: 30,
  },
  {
    summary: 'Reporting database very slow since 09:00',
    description: 'Month-end reports time out after 120 s. The dashboard queries against db-rpt-01 take minutes instead of seconds.',
    priority: 1,
    components: ['Database'],
    labels: ['performance'],
    reporter: 'rsingh',
    assignee: '',
    team: 'Database Team',
    status: 'Open',
    createdMinutesAgo: 20,
  },
  {
    summary: 'Teams calls drop audio after a few minutes',
    description: 'Audio cuts out for everyone on my calls after 3-4 minutes; video keeps running. Happens on Wi-Fi and cable.',
    priority: 3,
    components: ['Software', 'Network'],
    labels: ['teams'],
    reporter: 'praman',
    assignee: '',
    team: '',
    status: 'Open',
    createdMinutesAgo: 15,
  },
  {
    summary: 'Password reset link expired',
    description: 'The self-service password reset link says it expired although I requested it two minutes ago.',
    priority: 4,
    components: ['Access'],
    labels: ['password'],
    reporter: 'mgarcia',
    assignee: 'rsingh',
    team: 'Service Desk',
    status: 'Resolved',
    resolution: 'Done',
    createdMinutesAgo: 600,
  },
  {
    summary: 'New starter needs a monitor and docking station',
    description: 'Jordan joins on Monday in Finance and needs a 27" monitor and a USB-C dock at desk F-214.',
    priority: 5,
    components: ['Hardware'],
    labels: ['onboarding'],
    reporter: 'lnovak',
    assignee: '',
    team: '',
    status: 'Open',
    createdMinutesAgo: 5,
  },
];

/**
 * Inserts the fixtures into project ITSM as Incidents (keys ITSM-1…10 in a fresh store),
 * created and last updated `createdMinutesAgo` before the store clock. Descriptions are ADF on
 * Cloud and plain text on Data Center. No changelog is recorded.
 */
export function seedFixtures(store: JiraStore): StoredIssue[] {
  const now = store.now().getTime();
  const byName = (name: string): string | null => (name === '' ? null : (store.findUser(name)?.accountId ?? null));
  return FIXTURE_INCIDENTS.map((fixture) => {
    const at = now - fixture.createdMinutesAgo * 60_000;
    const resolution = fixture.resolution ? (store.flavour === 'cloud' ? fixture.resolution : 'Fixed') : null;
    return store.createIssue(
      {
        project: 'ITSM',
        issueType: 'Incident',
        summary: fixture.summary,
        description: store.flavour === 'cloud' ? { kind: 'adf', doc: textToAdf(fixture.description) } : fixture.description,
        priority: store.priorities()[fixture.priority - 1]?.name ?? null,
        components: fixture.components,
        labels: fixture.labels,
        reporter: byName(fixture.reporter),
        assignee: byName(fixture.assignee),
        team: fixture.team === '' ? null : (store.teams().find((t) => t.name === fixture.team)?.id ?? null),
        status: fixture.status,
        resolution,
        created: at,
        updated: at,
        resolutiondate: resolution ? at : null,
      },
      byName(fixture.reporter),
    );
  });
}
