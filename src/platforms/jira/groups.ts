import { PlatformError } from '../../http/errors.js';
import { jqlString } from './jql.js';
import type { JiraRest } from './rest.js';
import type { JiraFieldList } from './field-list.js';
import { type FieldList, SearchJqlResponse } from './schema.js';
import type { JiraSearch } from './search.js';

/** Atlassian team ids are UUIDs. */
export const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Writes a group name into the source's group field in the shape that field takes (components,
 * select lists, group pickers, text, Atlassian Teams), learning team ids from the issues read.
 */
export class JiraGroups {
  /** Lower-cased team name → team id: from the source's `teams` map, then learned from the group field of every issue read. */
  private readonly teamIds = new Map<string, string>();
  private readonly teamLookups = new Map<string, Promise<void>>();
  private readonly fieldList: JiraFieldList;
  private readonly rest: JiraRest;
  private readonly search: JiraSearch;

  constructor(rest: JiraRest, search: JiraSearch, fieldList: JiraFieldList) {
    this.rest = rest;
    this.search = search;
    this.fieldList = fieldList;
    for (const [name, id] of Object.entries(rest.source.teams ?? {})) this.teamIds.set(name.toLowerCase(), id);
  }

  /**
   * The mapping's fields with the group written into the group field, unless the mapping shaped
   * that field itself (e.g. with a Team id): then the mapping wins. A copy; `fields` is left as it is.
   */
  async withGroup(fields: Record<string, unknown> | undefined, group: string | null | undefined, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { ...fields };
    if (group !== undefined) {
      const fieldId = this.rest.groupFieldId();
      if (!(fieldId in out)) {
        out[fieldId] = group === null || group === '' ? await this.emptyValue(signal) : await this.value(group, signal);
      }
    }
    return out;
  }

  /**
   * What clears `groupField` (`deskbridge revert` putting back an issue that had no group): an
   * empty list for components and multi-value fields, null for single values, text and Teams.
   */
  async emptyValue(signal: AbortSignal | undefined): Promise<unknown> {
    const { rest } = this;
    const fieldId = rest.groupFieldId();
    if (fieldId === 'components') {
      return [];
    }
    const field = await this.field(fieldId, signal);
    const custom = field.schema?.custom ?? '';
    if (field.schema?.type === 'team' || /atlassian-team|rm-teams-custom-field-team/.test(custom)) {
      return null;
    }
    switch (custom.slice(custom.lastIndexOf(':') + 1)) {
      case 'select':
      case 'radiobuttons':
      case 'grouppicker':
      case 'textfield':
        return null;
      case 'multiselect':
      case 'multicheckboxes':
      case 'multigrouppicker':
        return [];
      default:
        throw rest.badRequest(
          `deskbridge cannot clear ${fieldId} (${field.name ?? fieldId}, type ${custom || (field.schema?.type ?? 'unknown')}) to put back an issue that had no group`,
          `Clear the group on the issue by hand, or set fields.${fieldId} to the empty value that field takes in the assign branch of ${rest.mappingFile()} when action.group is ""`,
        );
    }
  }

  /** The group name in the shape `groupField` takes; components when no group field is configured. */
  async value(name: string, signal: AbortSignal | undefined): Promise<unknown> {
    const { rest } = this;
    const fieldId = rest.groupFieldId();
    if (fieldId === 'components') {
      return [{ name }];
    }
    const field = await this.field(fieldId, signal);
    const custom = field.schema?.custom ?? '';
    if (field.schema?.type === 'team' || /atlassian-team|rm-teams-custom-field-team/.test(custom)) {
      // "Team field in Jira REST API": written as the team's id, a plain string.
      return this.resolveTeam(name, fieldId, signal);
    }
    const kind = custom.slice(custom.lastIndexOf(':') + 1);
    switch (kind) {
      case 'select':
      case 'radiobuttons':
        return { value: name };
      case 'multiselect':
      case 'multicheckboxes':
        return [{ value: name }];
      case 'grouppicker':
        return { name };
      case 'multigrouppicker':
        return [{ name }];
      case 'textfield':
        return name;
      default:
        throw rest.badRequest(
          `deskbridge cannot write a group name into ${fieldId} (${field.name ?? fieldId}, type ${custom || (field.schema?.type ?? 'unknown')})`,
          `Set fields.${fieldId} in the assign branch of ${rest.mappingFile()} to the value that field takes (a Team field takes the team's id)`,
        );
    }
  }

  /** Remembers the team id of an issue's group field value, when it is a team. */
  learn(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return;
    }
    const team = value as { id?: unknown; name?: unknown; title?: unknown };
    const name = typeof team.name === 'string' ? team.name : typeof team.title === 'string' ? team.title : undefined;
    if (typeof team.id === 'string' && TEAM_ID.test(team.id) && name !== undefined) {
      this.teamIds.set(name.toLowerCase(), team.id);
    }
  }

  /**
   * Team name → team id. Jira has no platform endpoint that looks a team up by name, so ids are
   * learned from the group field of every issue read (search results and single issues); an
   * unknown name is searched for once (`cf[n] = "name"`, which Jira may refuse — then the rule
   * has to name the team by id). A value that already is a team id (UUID) is used as it is.
   */
  private async resolveTeam(name: string, fieldId: string, signal: AbortSignal | undefined): Promise<string> {
    if (TEAM_ID.test(name)) {
      return name;
    }
    const known = this.teamIds.get(name.toLowerCase());
    if (known !== undefined) {
      return known;
    }
    // Writes to several issues run in parallel; they share one lookup per name.
    const key = name.toLowerCase();
    let lookup = this.teamLookups.get(key);
    if (lookup === undefined) {
      lookup = this.lookUpTeam(name, fieldId, signal).finally(() => this.teamLookups.delete(key));
      this.teamLookups.set(key, lookup);
    }
    await lookup;
    const found = this.teamIds.get(name.toLowerCase());
    if (found === undefined) {
      throw this.rest.badRequest(
        `No team named "${name}" is known for ${fieldId} on ${this.rest.label} (source ${this.rest.sourceId})`,
        'map the name to the team id under `teams:` in the source config (deskbridge also learns ids from issues that carry the team), or name the team by its id in the rule ' +
          "(the last part of the team's profile URL), or map the name to the id in the outbound mapping (fields." +
          fieldId +
          ')',
      );
    }
    return found;
  }

  private async lookUpTeam(name: string, fieldId: string, signal: AbortSignal | undefined): Promise<void> {
    const clause = `cf[${fieldId.slice('customfield_'.length)}]`;
    const jql = this.rest.guard(() => `${clause} = ${jqlString(name)} ORDER BY updated DESC`);
    try {
      const data = await this.search.first(jql, [fieldId], 'team-lookup', signal, { reconcile: false });
      for (const issue of this.rest.parse(SearchJqlResponse, data, 'team lookup').issues) {
        this.learn((issue as { fields?: Record<string, unknown> }).fields?.[fieldId]);
      }
    } catch (error) {
      // Jira may not accept a team name in JQL; that only means the name cannot be looked up.
      if (!(error instanceof PlatformError) || error.code !== 'bad-request') {
        throw error;
      }
    }
  }

  /** The group field's definition, or an error saying groupField names no field. */
  private async field(fieldId: string, signal: AbortSignal | undefined): Promise<FieldList[number]> {
    const field = (await this.fieldList.read(signal)).find((candidate) => candidate.id === fieldId);
    if (field === undefined) {
      throw this.rest.badRequest(`groupField ${fieldId} does not exist on ${this.rest.label} (source ${this.rest.sourceId})`, 'Check groupField against Jira admin > Issues > Custom fields');
    }
    return field;
  }
}
