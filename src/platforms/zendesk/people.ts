import type { ZendeskRest } from './rest.js';
import { GroupPage, MembershipPage, UserPage, type User } from './schema.js';
import type { TicketNames } from './record.js';
import type { ZendeskOperation } from './failures.js';

/** How long groups, agents and memberships are trusted before they are listed again. */
const TTL_MS = 5 * 60_000;
const PAGE_SIZE = 100;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export interface Group {
  id: number;
  name: string;
}

/**
 * Groups, agents and group memberships, listed with cursor pagination and cached for a few
 * minutes: rules name groups and agents, Zendesk writes ids, and an assignee outside the group is
 * refused (422), so membership is checked before a write rather than learnt from a refusal.
 * https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/
 */
export class ZendeskPeople {
  private readonly rest: ZendeskRest;
  private groupList: Cached<Group[]> | undefined;
  private agentList: Cached<User[]> | undefined;
  private readonly memberships = new Map<number, Cached<Set<number>>>();
  /** Last lists read, for naming ids in pulled tickets without waiting. */
  private groupNames = new Map<number, string>();
  private userNames = new Map<number, string>();

  constructor(rest: ZendeskRest) {
    this.rest = rest;
  }

  groups(signal?: AbortSignal): Promise<Group[]> {
    this.groupList = this.fresh(this.groupList, async () => {
      const groups = await this.listAll('/api/v2/groups.json', {}, 'groups', signal, (data) => {
        const page = this.rest.parse(GroupPage, data, 'group list');
        return { items: page.groups.filter((g) => g.deleted !== true).map((g) => ({ id: g.id, name: g.name })), after: page.meta?.has_more ? page.meta.after_cursor : undefined };
      });
      this.groupNames = new Map(groups.map((g) => [g.id, g.name]));
      return groups;
    });
    return this.groupList.value;
  }

  /** Agents and admins: the people a ticket can be assigned to. */
  agents(signal?: AbortSignal): Promise<User[]> {
    this.agentList = this.fresh(this.agentList, async () => {
      // `role[]` twice: the params object cannot repeat a key, so the path carries it.
      const users = await this.listAll('/api/v2/users.json?role%5B%5D=agent&role%5B%5D=admin', {}, 'agents', signal, (data) => {
        const page = this.rest.parse(UserPage, data, 'user list');
        return { items: page.users.filter((u) => u.active !== false), after: page.meta?.has_more ? page.meta.after_cursor : undefined };
      });
      this.userNames = new Map(users.map((u) => [u.id, u.name]));
      return users;
    });
    return this.agentList.value;
  }

  async members(groupId: number, signal?: AbortSignal): Promise<Set<number>> {
    const cached = this.fresh(this.memberships.get(groupId), async () => {
      const ids = await this.listAll(`/api/v2/groups/${groupId}/memberships.json`, {}, 'memberships', signal, (data) => {
        const page = this.rest.parse(MembershipPage, data, 'group membership list');
        return { items: page.group_memberships.map((m) => m.user_id), after: page.meta?.has_more ? page.meta.after_cursor : undefined };
      });
      return new Set(ids);
    });
    this.memberships.set(groupId, cached);
    return cached.value;
  }

  /** Forgets a group's members, after Zendesk said an agent is not in it (someone changed the group). */
  forgetMembers(groupId: number): void {
    this.memberships.delete(groupId);
  }

  /** Refreshes the name lists when stale, for a pull; a failure leaves the ids unnamed rather than failing the pull. */
  async names(signal?: AbortSignal): Promise<TicketNames> {
    await Promise.all([this.groups(signal), this.agents(signal)]);
    return {
      groupName: (id) => (typeof id === 'number' ? this.groupNames.get(id) : undefined),
      userName: (id) => (typeof id === 'number' ? this.userNames.get(id) : undefined),
    };
  }

  groupNameOf(id: unknown): string | null {
    return typeof id === 'number' ? (this.groupNames.get(id) ?? String(id)) : null;
  }

  userNameOf(id: unknown): string | null {
    return typeof id === 'number' ? (this.userNames.get(id) ?? String(id)) : null;
  }

  /** A group by name: exact first, then ignoring case; undefined when none. */
  async groupNamed(name: string, signal?: AbortSignal): Promise<Group | undefined> {
    const groups = await this.groups(signal);
    return groups.find((g) => g.name === name) ?? groups.find((g) => g.name.toLowerCase() === name.toLowerCase());
  }

  /** An agent by name or e-mail: exact first, then ignoring case; undefined when none. */
  async agentNamed(name: string, signal?: AbortSignal): Promise<User | undefined> {
    const agents = await this.agents(signal);
    const lower = name.toLowerCase();
    return agents.find((u) => u.name === name || u.email === name) ?? agents.find((u) => u.name.toLowerCase() === lower || u.email?.toLowerCase() === lower);
  }

  private fresh<T>(cached: Cached<T> | undefined, load: () => Promise<T>): Cached<T> {
    const now = this.rest.now();
    if (cached !== undefined && now - cached.at < TTL_MS) return cached;
    const value = load();
    // A failed listing is not cached: the next call tries again.
    const entry: Cached<T> = { at: now, value };
    value.catch(() => {
      if (entry.at === now) entry.at = -Infinity;
    });
    return entry;
  }

  private async listAll<T>(
    path: string,
    params: Record<string, string>,
    operation: ZendeskOperation,
    signal: AbortSignal | undefined,
    read: (data: unknown) => { items: T[]; after: string | null | undefined },
  ): Promise<T[]> {
    const items: T[] = [];
    let after: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await this.rest.request({
        method: 'GET',
        url: path,
        params: { ...params, 'page[size]': PAGE_SIZE, ...(after === undefined ? {} : { 'page[after]': after }) },
        operation,
        signal,
      });
      const read_ = read(response.data);
      items.push(...read_.items);
      if (read_.after === undefined || read_.after === null || read_.after === '') break;
      after = read_.after;
    }
    return items;
  }
}
