import { createHash } from 'node:crypto';
import { DEFAULT_PROJECTS, DEFAULT_TEAMS, DEFAULT_USERS, JiraStore, seedFixtures, seedHadoop, type JiraUserInput, type ProjectDef, type TeamDef } from '../sandbox/jira/index.js';

/**
 * The people and teams the example rules (rules/routing.yaml) assign to, so the same rules can
 * run against the Jira sandbox. On a real site these are your users and Atlassian teams.
 */
const RULE_PEOPLE = [
  'Major Incident Manager 1',
  'Major Incident Manager 2',
  'Network Engineer 1',
  'Network Engineer 2',
  'Network Engineer 3',
  'App Analyst 1',
  'App Analyst 2', // rules/team.yaml's service desk
  'Ana Costa',
  'Rui Santos',
  'Marta Silva',
  'João Pereira',
];
const RULE_TEAMS = ['Major Incident Team', 'Desktop Support', 'Application Support', 'Group 73'];

/** The web shop developers' Jira project the demo escalates application defects to (a software project: bugs, no service desk). */
export const DEMO_DEV_PROJECT: ProjectDef = { id: '10100', key: 'SHOP', name: 'Web Shop', projectTypeKey: 'software', issueTypes: ['Bug', 'Story', 'Task'], components: [] };
/** The team of the web shop's developers (the Team field of SHOP issues they take). */
export const DEMO_DEV_TEAM: TeamDef = { id: stableUuid('team:Web Shop'), name: 'Web Shop' };
/** The developer who picks up escalated defects in the demo's SHOP project. */
export const DEMO_DEVELOPER: JiraUserInput = { name: 'lena.vogel', displayName: 'Lena Vogel', email: 'lena.vogel@example.com', password: 'lena.vogel' };

function stableUuid(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Team name → id for the source config's `teams:` map (Jira cannot look teams up by name). */
export function demoTeamIds(): Record<string, string> {
  return Object.fromEntries(RULE_TEAMS.map((name) => [name, stableUuid(`team:${name}`)]));
}

/**
 * A Jira store seeded with the JSM fixtures and real Apache Hadoop bug reports, knowing the rules'
 * people and teams; `devProject`: also the web shop developers' project (SHOP, empty) and one
 * developer, for the demo's escalation act.
 */
export async function demoJiraStore(options: { hadoopIssues: number; flavour?: 'cloud' | 'datacenter'; fixtures?: boolean; devProject?: boolean }): Promise<JiraStore> {
  const users: JiraUserInput[] = [
    ...DEFAULT_USERS,
    ...RULE_PEOPLE.map((displayName) => {
      const name = displayName.toLowerCase().replace(/\s+/g, '.');
      return { name, displayName, email: `${name}@example.com`, password: name };
    }),
    ...(options.devProject ? [DEMO_DEVELOPER] : []),
  ];
  const teams: TeamDef[] = [...DEFAULT_TEAMS, ...RULE_TEAMS.map((name) => ({ id: stableUuid(`team:${name}`), name })), ...(options.devProject ? [DEMO_DEV_TEAM] : [])];
  const projects = options.devProject ? [...DEFAULT_PROJECTS, DEMO_DEV_PROJECT] : undefined;
  const store = new JiraStore({ flavour: options.flavour ?? 'cloud', users, teams, ...(projects ? { projects } : {}) });
  if (options.fixtures ?? true) seedFixtures(store);
  if (options.hadoopIssues > 0) await seedHadoop(store, { limit: options.hadoopIssues });
  return store;
}
