import { richToAdf, richToText } from './adf.js';
import { FIELDS, ISSUE_TYPES, LINK_TYPES, STATUS_CATEGORIES, STATUSES, TEAM_FIELD_ID, type JiraFlavour } from './catalogue.js';
import type { ChangelogHistory, JiraStore, JiraUser, StoredComment, StoredIssue } from './store.js';
import { formatJiraTimestamp, serviceDeskDate } from './time.js';

/** Stored objects → Jira REST JSON, per API version (2: strings, 3: ADF) and flavour (accountId vs name). */

export interface RenderContext {
  store: JiraStore;
  baseUrl: string;
  apiVersion: '2' | '3';
  flavour: JiraFlavour;
  /** Zone timestamps are rendered in. */
  timeZone: string;
}

export const ISSUE_EXPAND = 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations';

function api(ctx: RenderContext, path: string): string {
  return `${ctx.baseUrl}/rest/api/${ctx.apiVersion}${path}`;
}

function timestamp(ms: number | null, ctx: RenderContext): string | null {
  return ms === null ? null : formatJiraTimestamp(ms, ctx.timeZone);
}

function avatarUrls(seed: string): Record<string, string> {
  const url = `https://avatar-management.example.com/initials/${encodeURIComponent(seed)}.png`;
  return { '48x48': url, '24x24': url, '16x16': url, '32x32': url };
}

/** A user as Cloud (accountId, no username) or Data Center (name/key) shows it. */
export function renderUser(user: JiraUser, ctx: RenderContext): Record<string, unknown> {
  if (ctx.flavour === 'cloud') {
    return {
      self: api(ctx, `/user?accountId=${encodeURIComponent(user.accountId)}`),
      accountId: user.accountId,
      accountType: 'atlassian',
      emailAddress: user.email,
      avatarUrls: avatarUrls(user.displayName),
      displayName: user.displayName,
      active: user.active,
      timeZone: user.timeZone,
    };
  }
  return {
    self: api(ctx, `/user?username=${encodeURIComponent(user.name)}`),
    name: user.name,
    key: user.key,
    emailAddress: user.email,
    avatarUrls: avatarUrls(user.displayName),
    displayName: user.displayName,
    active: user.active,
    timeZone: user.timeZone,
  };
}

function userOrNull(accountId: string | null, ctx: RenderContext): Record<string, unknown> | null {
  const user = accountId === null ? undefined : ctx.store.userById(accountId);
  return user ? renderUser(user, ctx) : null;
}

export function renderStatus(name: string, ctx: RenderContext): Record<string, unknown> {
  const status = STATUSES.find((s) => s.name === name) ?? { id: '0', name, category: 'new' as const };
  const category = STATUS_CATEGORIES.find((c) => c.key === status.category);
  return {
    self: api(ctx, `/status/${status.id}`),
    description: '',
    iconUrl: `${ctx.baseUrl}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: category ? { self: api(ctx, `/statuscategory/${category.id}`), id: category.id, key: category.key, colorName: category.colorName, name: category.name } : null,
  };
}

export function renderIssueType(name: string, ctx: RenderContext): Record<string, unknown> {
  const type = ISSUE_TYPES.find((t) => t.name === name) ?? { id: '0', name, subtask: false };
  return {
    self: api(ctx, `/issuetype/${type.id}`),
    id: type.id,
    description: '',
    iconUrl: `${ctx.baseUrl}/images/icons/issuetypes/${type.name.toLowerCase().replace(/\s+/g, '')}.svg`,
    name: type.name,
    subtask: false,
    hierarchyLevel: 0,
  };
}

function renderProject(key: string, ctx: RenderContext): Record<string, unknown> {
  const project = ctx.store.project(key);
  return {
    self: api(ctx, `/project/${project?.id ?? key}`),
    id: project?.id ?? key,
    key,
    name: project?.name ?? key,
    projectTypeKey: project?.projectTypeKey ?? 'software',
    simplified: false,
  };
}

function renderTeam(id: string | null, ctx: RenderContext): Record<string, unknown> | null {
  const team = id === null ? undefined : ctx.store.team(id);
  // Shape from "Team field in Jira REST API" (developer.atlassian.com/platform/teams).
  return team ? { id: team.id, name: team.name, avatarUrl: '', isVisible: true, isVerified: false, title: team.name, isShared: true } : null;
}

function linkedIssue(issue: StoredIssue, ctx: RenderContext): Record<string, unknown> {
  const priority = issue.priority === null ? undefined : ctx.store.priority(issue.priority);
  return {
    id: issue.id,
    key: issue.key,
    self: api(ctx, `/issue/${issue.id}`),
    fields: {
      summary: issue.summary,
      status: renderStatus(issue.status, ctx),
      priority: priority ? { self: api(ctx, `/priority/${priority.id}`), iconUrl: '', name: priority.name, id: priority.id } : null,
      issuetype: renderIssueType(issue.issueType, ctx),
    },
  };
}

function renderLinks(issue: StoredIssue, ctx: RenderContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const link of ctx.store.links(issue.id)) {
    const type = LINK_TYPES.find((t) => t.name === link.type);
    if (!type) continue;
    const base = {
      id: link.id,
      self: api(ctx, `/issueLink/${link.id}`),
      type: { id: type.id, name: type.name, inward: type.inward, outward: type.outward, self: api(ctx, `/issueLinkType/${type.id}`) },
    };
    // On the inward issue the other end shows as outwardIssue ("this issue <outward> X") and vice versa.
    const otherId = link.inwardId === issue.id ? link.outwardId : link.inwardId;
    const other = ctx.store.get(otherId);
    if (!other) continue;
    out.push({ ...base, [link.inwardId === issue.id ? 'outwardIssue' : 'inwardIssue']: linkedIssue(other, ctx) });
  }
  return out;
}

export function renderComment(comment: StoredComment, ctx: RenderContext, expandProperties = false): Record<string, unknown> {
  const body: Record<string, unknown> = {
    self: api(ctx, `/issue/${comment.issueId}/comment/${comment.id}`),
    id: comment.id,
    author: userOrNull(comment.author, ctx),
    body: ctx.apiVersion === '3' ? richToAdf(comment.body) : richToText(comment.body),
    updateAuthor: userOrNull(comment.updateAuthor, ctx),
    created: timestamp(comment.created, ctx),
    updated: timestamp(comment.updated, ctx),
  };
  if (ctx.flavour === 'cloud') body['jsdPublic'] = comment.public;
  if (comment.visibility) body['visibility'] = { ...comment.visibility, identifier: comment.visibility.value };
  if (expandProperties) {
    body['properties'] = comment.public ? [] : [{ key: 'sd.public.comment', value: { internal: true } }];
  }
  return body;
}

export function renderCommentPage(comments: readonly StoredComment[], ctx: RenderContext, startAt: number, maxResults: number, expandProperties = false): Record<string, unknown> {
  return {
    startAt,
    maxResults,
    total: comments.length,
    comments: comments.slice(startAt, startAt + maxResults).map((c) => renderComment(c, ctx, expandProperties)),
  };
}

/** A Jira Service Management CommentDTO (body is always plain text / wiki markup). */
export function renderServiceDeskComment(comment: StoredComment, ctx: RenderContext): Record<string, unknown> {
  const author = ctx.store.userById(comment.author);
  return {
    _expands: ['attachment', 'renderedBody'],
    id: comment.id,
    body: richToText(comment.body),
    public: comment.public,
    author: author
      ? {
          ...(ctx.flavour === 'cloud' ? { accountId: author.accountId } : { name: author.name, key: author.key }),
          emailAddress: author.email,
          displayName: author.displayName,
          active: author.active,
          timeZone: author.timeZone,
          _links: {
            jiraRest:
              ctx.flavour === 'cloud'
                ? `${ctx.baseUrl}/rest/api/2/user?accountId=${encodeURIComponent(author.accountId)}`
                : `${ctx.baseUrl}/rest/api/2/user?username=${encodeURIComponent(author.name)}`,
            avatarUrls: avatarUrls(author.displayName),
            self: `${ctx.baseUrl}/rest/api/2/user?${ctx.flavour === 'cloud' ? `accountId=${author.accountId}` : `username=${author.name}`}`,
          },
        }
      : null,
    created: serviceDeskDate(comment.created, ctx.timeZone),
    _links: { self: `${ctx.baseUrl}/rest/servicedeskapi/request/${comment.issueId}/comment/${comment.id}` },
  };
}

export function renderHistory(history: ChangelogHistory, ctx: RenderContext): Record<string, unknown> {
  return {
    id: history.id,
    author: userOrNull(history.author, ctx),
    created: timestamp(history.created, ctx),
    items: history.items.map((item) => ({ ...item })),
  };
}

/** Which fields to render: `*all`, `*navigable`, names, and `-name` exclusions. */
export class FieldSelection {
  private readonly all: boolean;
  private readonly navigable: boolean;
  private readonly include = new Set<string>();
  private readonly exclude = new Set<string>();

  constructor(raw: readonly string[]) {
    let all = false;
    let navigable = false;
    for (const entry of raw.map((f) => f.trim()).filter(Boolean)) {
      if (entry === '*all') all = true;
      else if (entry === '*navigable') navigable = true;
      else if (entry.startsWith('-')) this.exclude.add(entry.slice(1));
      else this.include.add(entry);
    }
    this.all = all;
    this.navigable = navigable;
  }

  wants(fieldId: string): boolean {
    if (this.exclude.has(fieldId)) return false;
    if (this.all || this.include.has(fieldId)) return true;
    return this.navigable && (FIELDS.find((f) => f.id === fieldId)?.navigable ?? false);
  }
}

export function parseFieldList(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) return raw.flatMap((f) => String(f).split(','));
  return String(raw).split(',');
}

/**
 * An issue. With `selection` undefined only `{id}` is rendered (Cloud's /search/jql default);
 * `expand` understands `changelog` and `names`.
 */
export function renderIssue(issue: StoredIssue, ctx: RenderContext, selection: FieldSelection | undefined, expand: ReadonlySet<string>): Record<string, unknown> {
  if (!selection) return { id: issue.id };
  const priority = issue.priority === null ? undefined : ctx.store.priority(issue.priority);
  const resolution = issue.resolution === null ? undefined : ctx.store.resolution(issue.resolution);
  const project = ctx.store.project(issue.projectKey);
  const producers: Record<string, () => unknown> = {
    summary: () => issue.summary,
    description: () => (issue.description === null ? null : ctx.apiVersion === '3' ? richToAdf(issue.description) : richToText(issue.description)),
    issuetype: () => renderIssueType(issue.issueType, ctx),
    project: () => renderProject(issue.projectKey, ctx),
    status: () => renderStatus(issue.status, ctx),
    priority: () =>
      priority ? { self: api(ctx, `/priority/${priority.id}`), iconUrl: `${ctx.baseUrl}/images/icons/priorities/${priority.name.toLowerCase()}.svg`, name: priority.name, id: priority.id } : null,
    resolution: () => (resolution ? { self: api(ctx, `/resolution/${resolution.id}`), id: resolution.id, description: '', name: resolution.name } : null),
    assignee: () => userOrNull(issue.assignee, ctx),
    reporter: () => userOrNull(issue.reporter, ctx),
    creator: () => userOrNull(issue.creator, ctx),
    components: () =>
      issue.components.map((name) => {
        const id = ctx.store.componentId(issue.projectKey, name);
        return { self: api(ctx, `/component/${id}`), id, name };
      }),
    labels: () => [...issue.labels],
    versions: () => issue.versions.map((name, index) => ({ self: api(ctx, `/version/${Number(project?.id ?? 0) * 10 + index}`), name, archived: false, released: true })),
    created: () => timestamp(issue.created, ctx),
    updated: () => timestamp(issue.updated, ctx),
    resolutiondate: () => timestamp(issue.resolutiondate, ctx),
    issuelinks: () => renderLinks(issue, ctx),
    comment: () => {
      const comments = ctx.store.comments(issue.id);
      const page = renderCommentPage(comments, ctx, 0, Math.max(comments.length, 5000));
      return ctx.flavour === 'cloud' ? { ...page, self: api(ctx, `/issue/${issue.id}/comment`) } : page;
    },
    [TEAM_FIELD_ID]: () => renderTeam(issue.team, ctx),
  };
  const fields: Record<string, unknown> = {};
  for (const [id, produce] of Object.entries(producers)) {
    if (selection.wants(id)) fields[id] = produce();
  }
  const out: Record<string, unknown> = {
    expand: ISSUE_EXPAND,
    id: issue.id,
    self: api(ctx, `/issue/${issue.id}`),
    key: issue.key,
    fields,
  };
  if (expand.has('changelog')) {
    out['changelog'] = {
      startAt: 0,
      maxResults: issue.histories.length,
      total: issue.histories.length,
      histories: issue.histories.map((h) => renderHistory(h, ctx)),
    };
  }
  if (expand.has('names')) {
    out['names'] = Object.fromEntries(FIELDS.filter((f) => f.id in fields).map((f) => [f.id, f.name]));
  }
  return out;
}

export function renderField(field: (typeof FIELDS)[number]): Record<string, unknown> {
  return {
    id: field.id,
    key: field.id,
    name: field.name,
    custom: field.custom,
    orderable: field.id !== 'created' && field.id !== 'updated',
    navigable: field.navigable,
    searchable: true,
    clauseNames: [...field.clauseNames],
    ...(field.schema ? { schema: field.schema } : {}),
    ...(field.custom ? { untranslatedName: field.name } : {}),
  };
}
