import { readIssue, type UserKey } from '../platforms/jira/record.js';
import type { PulledRecord } from '../platforms/types.js';

/** Which Jira inbound mapping reads an export: Cloud (REST v3, ADF) or Data Center (REST v2, wiki text). */
export type JiraFlavour = 'cloud' | 'datacenter';

/** The issues of a Jira JSON export: an array of issues, or a search response `{ issues: [...] }`. */
export function jiraIssues(data: unknown): unknown[] | undefined {
  if (Array.isArray(data)) return data as unknown[];
  if (typeof data === 'object' && data !== null && Array.isArray((data as { issues?: unknown }).issues)) {
    return (data as { issues: unknown[] }).issues;
  }
  return undefined;
}

/**
 * Cloud or Data Center, from the issues themselves: an ADF description (an object) or users with
 * an `accountId` mean Cloud; a string description or users with only a `name` mean Data Center.
 * Cloud when nothing tells.
 */
export function detectJiraFlavour(issues: readonly unknown[]): JiraFlavour {
  for (const issue of issues.slice(0, 50)) {
    const fields = fieldsOf(issue);
    const description = fields['description'];
    if (typeof description === 'object' && description !== null) return 'cloud';
    if (typeof description === 'string' && description !== '') return 'datacenter';
    for (const key of ['reporter', 'assignee', 'creator']) {
      const user = fields[key];
      if (typeof user !== 'object' || user === null) continue;
      if ('accountId' in user) return 'cloud';
      if ('name' in user) return 'datacenter';
    }
  }
  return 'cloud';
}

/** The site an export came from (`https://acme.atlassian.net`), from an issue's `self`; for ticket URLs. */
export function jiraBaseUrl(issues: readonly unknown[]): string | undefined {
  for (const issue of issues.slice(0, 10)) {
    const self = typeof issue === 'object' && issue !== null ? (issue as { self?: unknown }).self : undefined;
    if (typeof self !== 'string') continue;
    const at = self.indexOf('/rest/api/');
    if (at > 0) return self.slice(0, at);
  }
  return undefined;
}

/**
 * One exported issue → the record the Jira connector would hand the mapping (fields lifted to
 * the top level, changelog cut to its latest entry), via the connector's own reader. Issues
 * already flat (no `fields`, as `deskbridge explain --file` accepts them) are wrapped first.
 */
export function jiraIssueToRecord(issue: unknown, flavour: JiraFlavour): PulledRecord | { error: string } {
  const userKey: UserKey = flavour === 'cloud' ? 'accountId' : 'name';
  const read = readIssue(withFields(issue), { userKey, integrationUser: undefined, ownUntrackedWriteAt: () => undefined });
  return 'record' in read ? read.record : { error: read.error };
}

function fieldsOf(issue: unknown): Record<string, unknown> {
  if (typeof issue !== 'object' || issue === null) return {};
  const fields = (issue as { fields?: unknown }).fields;
  return typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : (issue as Record<string, unknown>);
}

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['id', 'key', 'self', 'expand', 'changelog', 'renderedFields', 'names', 'schema']);

function withFields(issue: unknown): unknown {
  if (typeof issue !== 'object' || issue === null || Array.isArray(issue) || 'fields' in issue) return issue;
  const envelope: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(issue)) (ENVELOPE_KEYS.has(name) ? envelope : fields)[name] = value;
  return { ...envelope, fields };
}
