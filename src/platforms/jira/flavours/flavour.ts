import type { JiraSource } from '../source.js';
import type { PullPage } from '../../types.js';
import type { JiraOperation } from '../failures.js';
import type { PullPass } from '../pull.js';
import type { UserKey } from '../record.js';
import type { JiraRest } from '../rest.js';
import type { JiraUser } from '../schema.js';
import { cloudFlavour } from './cloud.js';
import { dataCenterFlavour } from './datacenter.js';

/** One search: what to find, and the issues this process wrote lately (Cloud asks its index to reconcile them). */
export interface SearchQuery {
  jql: string;
  fields: string[];
  operation: JiraOperation;
  signal: AbortSignal | undefined;
  reconcileIssues: readonly number[];
  /** `expand` options (`changelog`), sent as each flavour's endpoint takes them. */
  expand?: readonly string[] | undefined;
}

/**
 * Everything Jira Cloud and Jira Data Center do differently, chosen once per source: the REST
 * version and its text format (ADF vs wiki markup), how people are named (accountId vs username),
 * and how a search pages (`nextPageToken` vs `startAt`). The rest of the connector is shared.
 */
export interface JiraFlavour {
  readonly id: JiraSource['flavour'];
  /** "Jira Cloud" / "Jira Data Center", as messages name the platform. */
  readonly label: string;
  /** `/rest/api/3` (Cloud: ADF, accountId) or `/rest/api/2` (Data Center: wiki markup, username). */
  readonly api: string;
  /** The user property that identifies a person in changelogs, comments and writes. */
  readonly userKey: UserKey;
  /** A platform-API comment body from plain text. */
  commentBody(text: string): unknown;
  /** Fields as the platform API wants them; mappings give rich-text fields as plain text. */
  richTextFields(fields: Record<string, unknown>): Record<string, unknown>;
  /** Query parameters of `GET /user/search` for a display name. */
  userSearchParams(displayName: string): Record<string, string | number>;
  /** Whether a found account can be an assignee (Cloud: not a customer or app account). */
  canBeAssignee(user: JiraUser): boolean;
  /** The incremental pull's pages, re-anchored on the last minute seen after each full page. */
  pullPages(rest: JiraRest, pass: PullPass, signal: AbortSignal | undefined, reconcileIssues: readonly number[]): AsyncIterable<PullPage>;
  /** The first issue of a search, as the raw response body. */
  searchFirst(rest: JiraRest, query: SearchQuery): Promise<unknown>;
  /** Every page of a search (`pageSize` issues each), issues only. */
  searchAll(rest: JiraRest, query: SearchQuery, pageSize: number): AsyncIterable<unknown[]>;
}

export function jiraFlavour(source: JiraSource): JiraFlavour {
  return source.flavour === 'cloud' ? cloudFlavour : dataCenterFlavour;
}
