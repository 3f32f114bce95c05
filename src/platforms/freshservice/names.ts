import type { FreshserviceRest } from './rest.js';
import { API, listPages } from './rest.js';
import { type Agent, AgentList, GroupList } from './schema.js';
import type { NameLookup } from './record.js';

interface Directory {
  groups: Map<number, string>;
  groupIds: Map<string, number>;
  /** `<workspace>|<lower-case name>` → id: the same name may stand for a different group in each workspace. */
  workspaceGroupIds: Map<string, number>;
  agents: Map<number, string>;
  agentIds: Map<string, number>;
}

/** An agent as rules name them: "First Last", or the e-mail when the name is empty. */
export function agentName(agent: Agent): string {
  const name = [agent.first_name, agent.last_name].filter((part) => part !== undefined && part !== null && part !== '').join(' ');
  return name !== '' ? name : (agent.email ?? String(agent.id));
}

/**
 * Agent groups and agents by id and by name (`GET /api/v2/groups`, `GET /api/v2/agents`, 100 a
 * page), read once and again when a ticket or a write names one not seen yet (at most once a
 * minute, so a ticket pointing at a deleted group does not re-list the directory every pass).
 */
export class FreshserviceNames implements NameLookup {
  private readonly rest: FreshserviceRest;
  private directory: Directory | undefined;
  private loading: Promise<Directory> | undefined;
  private loadedAt = 0;

  constructor(rest: FreshserviceRest) {
    this.rest = rest;
  }

  group(id: number): string | undefined {
    return this.directory?.groups.get(id);
  }

  agent(id: number): string | undefined {
    return this.directory?.agents.get(id);
  }

  /** Loads the directory if it never was, or re-reads it when `unknownIds` holds one it lacks. */
  async ensure(signal: AbortSignal | undefined, unknown?: { groups?: readonly number[]; agents?: readonly number[] }): Promise<void> {
    if (this.directory === undefined) {
      await this.load(signal);
      return;
    }
    const directory = this.directory;
    const missing = (unknown?.groups ?? []).some((id) => !directory.groups.has(id)) || (unknown?.agents ?? []).some((id) => !directory.agents.has(id));
    if (missing && this.rest.now() - this.loadedAt > 60_000) await this.load(signal);
  }

  /**
   * The id of a group by name (case-insensitive) or id; reads the directory again once when
   * unknown. With `workspace`, that workspace's group of the name wins (a ticket can only be
   * assigned to a group of its own workspace).
   */
  async groupId(name: string, signal: AbortSignal | undefined, workspace?: number | null): Promise<number | undefined> {
    const key = name.trim().toLowerCase();
    const byName = (directory: Directory): Map<string, number> => {
      const local = workspace != null ? directory.workspaceGroupIds.get(`${workspace}|${key}`) : undefined;
      return local !== undefined ? new Map([[key, local]]) : directory.groupIds;
    };
    return this.resolve(name, byName, (directory) => directory.groups, signal);
  }

  /** The id of an agent by name, e-mail (case-insensitive) or id. */
  async agentId(name: string, signal: AbortSignal | undefined): Promise<number | undefined> {
    return this.resolve(
      name,
      (directory) => directory.agentIds,
      (directory) => directory.agents,
      signal,
    );
  }

  async knownGroups(signal: AbortSignal | undefined): Promise<string[]> {
    return [...(await this.loaded(signal)).groups.values()];
  }

  async knownAgents(signal: AbortSignal | undefined): Promise<string[]> {
    return [...(await this.loaded(signal)).agents.values()];
  }

  private async resolve(name: string, byName: (d: Directory) => Map<string, number>, byId: (d: Directory) => Map<number, string>, signal: AbortSignal | undefined): Promise<number | undefined> {
    const find = (directory: Directory): number | undefined => {
      const id = byName(directory).get(name.trim().toLowerCase());
      if (id !== undefined) return id;
      return /^\d+$/.test(name.trim()) && byId(directory).has(Number(name.trim())) ? Number(name.trim()) : undefined;
    };
    const first = find(await this.loaded(signal));
    if (first !== undefined || this.rest.now() - this.loadedAt <= 60_000) return first;
    return find(await this.load(signal));
  }

  private async loaded(signal: AbortSignal | undefined): Promise<Directory> {
    return this.directory ?? this.load(signal);
  }

  private load(signal: AbortSignal | undefined): Promise<Directory> {
    this.loading ??= this.read(signal).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async read(signal: AbortSignal | undefined): Promise<Directory> {
    const directory: Directory = { groups: new Map(), groupIds: new Map(), workspaceGroupIds: new Map(), agents: new Map(), agentIds: new Map() };
    // Groups belong to a workspace, and the list answers the primary one unless workspace_id names
    // another (https://api.freshservice.com/#view_all_groups), so each configured workspace is listed.
    for (const workspace of this.rest.source.workspaces ?? [undefined]) {
      const params: Record<string, number> = workspace !== undefined ? { per_page: 100, workspace_id: workspace } : { per_page: 100 };
      for await (const response of listPages(this.rest, `${API}/groups`, params, 'groups', signal)) {
        for (const group of this.rest.parse(GroupList, response.data, 'group list').groups) {
          const name = group.name.trim().toLowerCase();
          directory.groups.set(group.id, group.name);
          if (!directory.groupIds.has(name)) directory.groupIds.set(name, group.id);
          const home = workspace ?? group.workspace_id;
          if (home != null) directory.workspaceGroupIds.set(`${home}|${name}`, group.id);
        }
      }
    }
    for await (const response of listPages(this.rest, `${API}/agents`, { per_page: 100 }, 'agents', signal)) {
      for (const agent of this.rest.parse(AgentList, response.data, 'agent list').agents) {
        const name = agentName(agent);
        directory.agents.set(agent.id, name);
        directory.agentIds.set(name.trim().toLowerCase(), agent.id);
        if (agent.email) directory.agentIds.set(agent.email.trim().toLowerCase(), agent.id);
      }
    }
    this.directory = directory;
    this.loadedAt = this.rest.now();
    return directory;
  }
}
