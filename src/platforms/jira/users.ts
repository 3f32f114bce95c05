import type { JiraRest } from './rest.js';
import { UserSearchResponse } from './schema.js';

const USER_CACHE_MS = 60 * 60_000;

/**
 * Display name (as rules name people) → accountId (Cloud) / username (DC). Exact matches among
 * active, assignable accounts win; a case-insensitive match is the fallback. Cached for an hour.
 */
export class JiraUsers {
  private readonly users = new Map<string, { id: string; at: number }>();
  private readonly rest: JiraRest;

  constructor(rest: JiraRest) {
    this.rest = rest;
  }

  async resolve(displayName: string, signal: AbortSignal | undefined): Promise<string> {
    const { rest } = this;
    const { flavour } = rest;
    const cached = this.users.get(displayName);
    if (cached !== undefined && rest.now() - cached.at < USER_CACHE_MS) {
      return cached.id;
    }
    const response = await rest.request({
      method: 'GET',
      url: `${rest.api}/user/search`,
      params: flavour.userSearchParams(displayName),
      operation: 'user-search',
      signal,
    });
    const users = rest.parse(UserSearchResponse, response.data, 'user search').filter((user) => flavour.canBeAssignee(user));
    const exact = users.filter((user) => user.displayName === displayName);
    const matches = exact.length > 0 ? exact : users.filter((user) => user.displayName?.toLowerCase() === displayName.toLowerCase());
    const [only, ...others] = matches;
    if (only === undefined) {
      throw rest.badRequest(
        `No active ${rest.label} user has the display name "${displayName}" (source ${rest.sourceId})`,
        'Rules name people by their Jira display name; check the spelling in the rule, that the account is active, ' + 'and that the integration user has the "Browse users and groups" permission',
      );
    }
    const id = only[flavour.userKey] ?? '';
    if (others.length > 0) {
      const ids = matches.map((user) => user[flavour.userKey]).join(', ');
      throw rest.badRequest(
        `${matches.length} active ${rest.label} users have the display name "${displayName}" (${flavour.userKey}: ${ids}); deskbridge cannot tell which one the rule means`,
        'Give these accounts distinct display names in Jira, or name a different person in the rule',
      );
    }
    this.users.set(displayName, { id, at: rest.now() });
    return id;
  }
}
