import { PlatformError } from '../../http/errors.js';
import type { FieldDictionary, NameCheck, PlatformDirectory } from '../types.js';
import type { JiraRest } from './rest.js';
import type { JiraFieldList } from './field-list.js';
import { TEAM_ID } from './groups.js';
import type { JiraUsers } from './users.js';
import { z } from 'zod';

/**
 * `validate --online` for Jira, through the connector's own client: GETs only. Fields come from
 * the field list (`GET /rest/api/{3|2}/field`: ids such as `priority` and `customfield_10050`);
 * groups are checked the way the connector writes them (components of the projects the JQL
 * names; a Team field through `teams:`); people with the user search the connector resolves
 * display names with.
 */

/** Keys of `raw` besides the fields (see record.ts: the issue with `fields` lifted). */
const ENVELOPE = ['id', 'key', 'self', 'changelog'];
const ProjectComponents = z.looseObject({ key: z.string().optional(), components: z.array(z.looseObject({ name: z.string() })).default([]) });

export class JiraDirectory implements PlatformDirectory {
  private readonly rest: JiraRest;
  private readonly users: JiraUsers;
  private readonly fieldList: JiraFieldList;
  readonly requests: PlatformDirectory['requests'];

  constructor(rest: JiraRest, users: JiraUsers, fieldList: JiraFieldList) {
    this.rest = rest;
    this.users = users;
    this.fieldList = fieldList;
    const groups = rest.groupFieldId() === 'components' ? `GET ${rest.api}/project/{key}` : `GET ${rest.api}/field`;
    this.requests = { fields: `GET ${rest.api}/field`, groups, people: `GET ${rest.api}/user/search` };
  }

  async fields(signal?: AbortSignal): Promise<FieldDictionary> {
    const list = await this.fieldList.read(signal);
    const labels = new Map(list.filter((field) => field.name !== undefined).map((field) => [field.name ?? '', field.id]));
    return { names: new Set([...ENVELOPE, ...list.map((field) => field.id)]), labels, checkedAgainst: `the ${this.rest.label} field list (${this.rest.api}/field)` };
  }

  async groups(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const fieldId = this.rest.groupFieldId();
    if (fieldId === 'components') return this.components(names, signal);
    const field = (await this.fieldList.read(signal)).find((candidate) => candidate.id === fieldId);
    if (field === undefined) {
      return { missing: names.map((name) => ({ name, detail: `groupField ${fieldId} does not exist on ${this.rest.label}` })), checkedAgainst: `groupField ${fieldId}` };
    }
    const custom = field.schema?.custom ?? '';
    if (field.schema?.type === 'team' || /atlassian-team|rm-teams-custom-field-team/.test(custom)) {
      const teams = new Set(Object.keys(this.rest.source.teams ?? {}).map((name) => name.toLowerCase()));
      const missing = names.filter((name) => !TEAM_ID.test(name) && !teams.has(name.toLowerCase()));
      return {
        missing: missing.map((name) => ({
          name,
          uncertain: true,
          detail: 'Jira has no API that finds a team by name: deskbridge can write it only after reading an issue that already carries this team',
          hint: `map the name to the team id under teams: in the source config (the id is the last part of the team's profile URL), or name the team by its id in the rule`,
        })),
        known: Object.keys(this.rest.source.teams ?? {}),
        checkedAgainst: `the source's teams: map (Team field ${fieldId})`,
      };
    }
    // Text fields take any name; select lists and group pickers are not listed with read-only calls here.
    if (custom.endsWith(':textfield')) return { missing: [], checkedAgainst: `text field ${fieldId}` };
    return { missing: [], unchecked: `groupField ${fieldId} (${custom || (field.schema?.type ?? 'unknown type')}) is not checked online`, checkedAgainst: `groupField ${fieldId}` };
  }

  async people(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const missing: { name: string; detail?: string }[] = [];
    for (const name of names) {
      try {
        await this.users.resolve(name, signal);
      } catch (error) {
        // A name the search does not find (or finds twice) is the answer; anything else is the source's failure.
        if (!(error instanceof PlatformError) || error.code !== 'bad-request') throw error;
        missing.push({ name, detail: error.message });
      }
    }
    return { missing, checkedAgainst: `${this.rest.label} user search (${this.rest.api}/user/search)` };
  }

  /** Components are per project: those of every project the source's JQL names. */
  private async components(names: readonly string[], signal: AbortSignal | undefined): Promise<NameCheck> {
    const projects = projectKeys(this.rest.source.jql);
    if (projects.length === 0) {
      return { missing: [], unchecked: 'groups are components, which belong to projects, and the source jql names no project', checkedAgainst: 'components' };
    }
    const known = new Map<string, Set<string>>();
    for (const key of projects) {
      const response = await this.rest.request({ method: 'GET', url: `${this.rest.api}/project/${encodeURIComponent(key)}`, operation: 'project-read', signal });
      known.set(key, new Set(this.rest.parse(ProjectComponents, response.data, 'project').components.map((component) => component.name)));
    }
    // A component is written to the issue's own project: missing from some projects, the write fails for their issues only.
    const missing = names.flatMap((name) => {
      const lacking = [...known].filter(([, components]) => !components.has(name)).map(([key]) => key);
      if (lacking.length === 0) return [];
      const detail = `no component of that name in project${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}`;
      return [lacking.length < known.size ? { name, detail: `${detail} (assignments of its issues would fail)`, uncertain: true } : { name, detail }];
    });
    return {
      missing,
      known: [...new Set([...known.values()].flatMap((components) => [...components]))],
      checkedAgainst: `components of project${projects.length > 1 ? 's' : ''} ${projects.join(', ')}`,
    };
  }
}

/** Project keys a JQL names with `project = KEY`, `project = "KEY"` or `project in (A, B)`. */
export function projectKeys(jql: string): string[] {
  const keys: string[] = [];
  for (const match of jql.matchAll(/\bproject\s*(?:=\s*"?([A-Za-z][A-Za-z0-9_]*)"?|in\s*\(([^)]*)\))/gi)) {
    if (match[1] !== undefined) keys.push(match[1]);
    for (const item of match[2]?.split(',') ?? []) {
      const key = item.trim().replace(/^"|"$/g, '');
      if (/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) keys.push(key);
    }
  }
  return [...new Set(keys)];
}
