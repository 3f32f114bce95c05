import { createHash } from 'node:crypto';
import { type RichText, richToText } from './adf.js';
import {
  DEFAULT_PROJECTS,
  DEFAULT_TEAMS,
  DEFAULT_USERS,
  ISSUE_TYPES,
  type JiraFlavour,
  type JiraUserInput,
  LINK_TYPES,
  type LinkTypeDef,
  type NamedDef,
  type ProjectDef,
  RESOLUTIONS,
  STATUSES,
  type StatusDef,
  TEAM_FIELD_ID,
  type TeamDef,
  TRANSITIONS,
  type TransitionDef,
  defaultResolution,
  prioritiesFor,
  transitionApplies,
} from './catalogue.js';
import { isValidTimeZone } from './time.js';

export interface JiraUser {
  accountId: string;
  /** Username; Data Center's identity. */
  name: string;
  /** Data Center user key (same as the name here). */
  key: string;
  displayName: string;
  email: string;
  password: string;
  apiToken: string;
  timeZone: string;
  active: boolean;
}

/** One changed field of a changelog history, as Jira reports it. */
export interface ChangeItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface ChangelogHistory {
  id: string;
  /** accountId of the author. */
  author: string;
  /** Epoch ms. */
  created: number;
  items: readonly ChangeItem[];
}

/**
 * An issue as stored. Arrays are replaced, never mutated, so a snapshot kept for the lagging
 * search index is a shallow copy. User fields hold accountIds; times are epoch ms.
 */
export interface StoredIssue {
  id: string;
  key: string;
  projectKey: string;
  issueType: string;
  summary: string;
  description: RichText | null;
  status: string;
  priority: string | null;
  resolution: string | null;
  assignee: string | null;
  reporter: string | null;
  creator: string | null;
  components: readonly string[];
  labels: readonly string[];
  /** Affects versions (names). */
  versions: readonly string[];
  /** Team id (customfield_10001). */
  team: string | null;
  created: number;
  updated: number;
  resolutiondate: number | null;
  histories: readonly ChangelogHistory[];
}

export interface StoredComment {
  id: string;
  issueId: string;
  author: string;
  updateAuthor: string;
  body: RichText;
  created: number;
  updated: number;
  /** false = internal (agents only) in Jira Service Management. */
  public: boolean;
  visibility?: { type: 'role' | 'group'; value: string };
}

export interface StoredLink {
  id: string;
  type: string;
  inwardId: string;
  outwardId: string;
}

/**
 * A remote issue link (`/issue/{id}/remotelink`): a link from an issue to an object in another
 * system. `globalId` names the remote object; a POST with a globalId the issue already has
 * updates that link instead of adding another (Atlassian: "Create or update remote issue link").
 */
export interface StoredRemoteLink {
  id: string;
  issueId: string;
  globalId: string | null;
  relationship: string | null;
  application: { type?: string; name?: string } | null;
  object: { url: string; title: string; summary?: string };
}

/** Field changes for {@link JiraStore.updateIssue}. Users by accountId, name or email; priority/status/resolution by name or id. */
export interface IssuePatch {
  summary?: string;
  description?: RichText | string | null;
  priority?: string | null;
  assignee?: string | null;
  reporter?: string | null;
  components?: readonly string[];
  labels?: readonly string[];
  versions?: readonly string[];
  team?: string | null;
  /** Direct status change (seeding, tests); the API changes status through transitions only. */
  status?: string;
  resolution?: string | null;
}

export interface CreateIssueInput extends IssuePatch {
  /** Project key or id. */
  project: string;
  /** Issue type name or id. */
  issueType: string;
  summary: string;
  /** Seeding: keep this id / key instead of allocating. */
  id?: string;
  key?: string;
  /** Seeding: epoch ms or ISO string; default now. */
  created?: number | string;
  updated?: number | string;
  resolutiondate?: number | string | null;
}

export interface JiraStoreOptions {
  /** Decides identities (accountId vs name in changelogs), priority scheme and default resolution. Default cloud. */
  flavour?: JiraFlavour;
  now?: () => Date;
  users?: readonly JiraUserInput[];
  projects?: readonly ProjectDef[];
  teams?: readonly TeamDef[];
}

/** A rejected write: `errors` maps field ids to Jira's messages (→ 400 `{"errorMessages":[],"errors":{…}}`). */
export class JiraValidationError extends Error {
  constructor(
    readonly errors: Record<string, string>,
    readonly errorMessages: readonly string[] = [],
    readonly status = 400,
  ) {
    super(errorMessages[0] ?? Object.values(errors).join('; '));
  }
}

interface Revision {
  /** When the write happened (the issue's `updated`, or the clock if that is earlier). */
  at: number;
  issue: StoredIssue;
}

function toMs(value: number | string | undefined | null, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error(`Unparseable date ${value}`);
  return parsed;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** A Cloud-looking accountId derived from a username. */
export function accountIdFor(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  return `712020:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The in-memory Jira site behind the sandbox: users, projects, issues, comments, links and
 * changelogs. Every write stamps `updated` with the store clock (ms resolution) and records a
 * changelog history authored by the actor; comments bump `updated` but add no history, as in
 * Jira. Returned objects are live: read them, do not mutate them.
 */
export class JiraStore {
  readonly flavour: JiraFlavour;
  readonly now: () => Date;
  private readonly userList: JiraUser[] = [];
  private readonly projectList: ProjectDef[];
  private readonly teamList: TeamDef[];
  private readonly resolutionList: NamedDef[] = [...RESOLUTIONS];
  private readonly issues = new Map<string, StoredIssue>();
  private readonly keyIndex = new Map<string, string>();
  private readonly commentsByIssue = new Map<string, StoredComment[]>();
  private readonly linkList: StoredLink[] = [];
  private readonly remoteLinkList: StoredRemoteLink[] = [];
  private readonly revisions = new Map<string, Revision[]>();
  private readonly projectCounters = new Map<string, number>();
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextHistoryId = 10000;
  private nextLinkId = 10000;
  private nextRemoteLinkId = 10000;
  private listCache: StoredIssue[] | undefined;

  constructor(options: JiraStoreOptions = {}) {
    this.flavour = options.flavour ?? 'cloud';
    this.now = options.now ?? (() => new Date());
    this.projectList = [...(options.projects ?? DEFAULT_PROJECTS)];
    this.teamList = [...(options.teams ?? DEFAULT_TEAMS)];
    for (const user of options.users ?? DEFAULT_USERS) this.upsertUser(user);
  }

  // ---- catalogue ---------------------------------------------------------------------------

  users(): readonly JiraUser[] {
    return this.userList;
  }

  /** Adds a user or replaces the one with the same accountId or name. */
  upsertUser(input: JiraUserInput): JiraUser {
    const timeZone = input.timeZone ?? 'UTC';
    if (!isValidTimeZone(timeZone)) throw new Error(`Unknown time zone ${timeZone} for user ${input.name}`);
    const user: JiraUser = {
      accountId: input.accountId ?? accountIdFor(input.name),
      name: input.name,
      key: input.name,
      displayName: input.displayName,
      email: input.email,
      password: input.password,
      apiToken: input.apiToken ?? input.password,
      timeZone,
      active: input.active ?? true,
    };
    const index = this.userList.findIndex((u) => u.accountId === user.accountId || u.name === user.name);
    if (index >= 0) this.userList[index] = user;
    else this.userList.push(user);
    return user;
  }

  /** A user by accountId, username or email (the last two case-insensitively). */
  findUser(ref: string): JiraUser | undefined {
    const lower = ref.toLowerCase();
    return this.userList.find((u) => u.accountId === ref) ?? this.userList.find((u) => u.name.toLowerCase() === lower || u.email.toLowerCase() === lower);
  }

  userById(accountId: string): JiraUser | undefined {
    return this.userList.find((u) => u.accountId === accountId);
  }

  /** The identity a changelog or JQL uses for this user: accountId on Cloud, username on Data Center. */
  userRef(user: JiraUser): string {
    return this.flavour === 'cloud' ? user.accountId : user.name;
  }

  projects(): readonly ProjectDef[] {
    return this.projectList;
  }

  project(keyOrId: string): ProjectDef | undefined {
    const upper = keyOrId.toUpperCase();
    return this.projectList.find((p) => p.key === upper || p.id === keyOrId || p.name.toLowerCase() === keyOrId.toLowerCase());
  }

  teams(): readonly TeamDef[] {
    return this.teamList;
  }

  team(id: string): TeamDef | undefined {
    return this.teamList.find((t) => t.id === id);
  }

  priorities(): readonly NamedDef[] {
    return prioritiesFor(this.flavour);
  }

  priority(nameOrId: string): NamedDef | undefined {
    return findNamed(this.priorities(), nameOrId);
  }

  resolutions(): readonly NamedDef[] {
    return this.resolutionList;
  }

  resolution(nameOrId: string): NamedDef | undefined {
    return findNamed(this.resolutionList, nameOrId);
  }

  /** Seeding: a resolution name the site does not have yet gets the next free id. */
  ensureResolution(name: string): NamedDef {
    const existing = this.resolution(name);
    if (existing) return existing;
    const id = String(Math.max(10001, ...this.resolutionList.map((r) => Number(r.id))) + 1);
    const created = { id, name };
    this.resolutionList.push(created);
    return created;
  }

  status(nameOrId: string): StatusDef | undefined {
    return findNamed(STATUSES, nameOrId);
  }

  issueType(nameOrId: string): NamedDef | undefined {
    return findNamed(ISSUE_TYPES, nameOrId);
  }

  linkType(nameOrId: string): LinkTypeDef | undefined {
    return findNamed(LINK_TYPES, nameOrId);
  }

  /** Component id: stable per project and name. */
  componentId(projectKey: string, name: string): string {
    const project = this.project(projectKey);
    const index = project?.components.indexOf(name) ?? -1;
    return String(10100 + (Number(project?.id ?? 0) % 100) * 100 + Math.max(index, 0));
  }

  /** Transitions available from an issue's current status. */
  transitions(idOrKey: string): readonly TransitionDef[] {
    const issue = this.get(idOrKey);
    return issue ? TRANSITIONS.filter((t) => t.from.includes(issue.status) && transitionApplies(t, issue.issueType)) : [];
  }

  // ---- reads -------------------------------------------------------------------------------

  get(idOrKey: string): StoredIssue | undefined {
    const id = /^\d+$/.test(idOrKey) ? idOrKey : this.keyIndex.get(idOrKey.toUpperCase());
    return id === undefined ? undefined : this.issues.get(id);
  }

  /** All issues in creation order. */
  list(): readonly StoredIssue[] {
    this.listCache ??= [...this.issues.values()];
    return this.listCache;
  }

  count(): number {
    return this.issues.size;
  }

  /** Comments of an issue, oldest first. */
  comments(idOrKey: string): readonly StoredComment[] {
    const issue = this.get(idOrKey);
    return issue ? (this.commentsByIssue.get(issue.id) ?? []) : [];
  }

  /** Links touching an issue (either end), or all links. */
  links(idOrKey?: string): readonly StoredLink[] {
    if (idOrKey === undefined) return this.linkList;
    const issue = this.get(idOrKey);
    return issue ? this.linkList.filter((l) => l.inwardId === issue.id || l.outwardId === issue.id) : [];
  }

  /**
   * The search index as of `cutoff` (epoch ms): each issue as last written at or before it;
   * issues created later are missing. Revisions older than the one returned are dropped, so
   * call with a non-decreasing cutoff (the sandbox clock minus the index lag).
   */
  indexedAt(cutoff: number): StoredIssue[] {
    const result: StoredIssue[] = [];
    for (const [id, revisions] of this.revisions) {
      let index = revisions.length - 1;
      while (index >= 0 && (revisions[index]?.at ?? 0) > cutoff) index--;
      if (index < 0) continue;
      if (index > 0) revisions.splice(0, index);
      const revision = revisions[0];
      if (revision && this.issues.has(id)) result.push(revision.issue);
    }
    return result;
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Creates an issue. Validates like the create-issue endpoint (project, issue type, summary,
   * priority, users, components, labels, team) and throws {@link JiraValidationError}.
   * `actor` (accountId) becomes creator and, unless given, reporter.
   */
  createIssue(input: CreateIssueInput, actor: string | null = null): StoredIssue {
    const errors: Record<string, string> = {};
    const project = this.project(input.project);
    if (!project) errors['project'] = 'valid project is required';
    const type = this.issueType(input.issueType);
    if (!type) errors['issuetype'] = 'Specify a valid issue type';
    else if (project && !project.issueTypes.includes(type.name)) {
      errors['issuetype'] = 'The issue type selected is invalid.';
    }
    if (!input.summary || input.summary.trim() === '') errors['summary'] = 'You must specify a summary of the issue.';
    if (Object.keys(errors).length > 0 || !project || !type) throw new JiraValidationError(errors);

    const now = this.now().getTime();
    const created = toMs(input.created, now);
    const status = input.status === undefined ? 'Open' : this.status(input.status)?.name;
    if (!status) throw new JiraValidationError({ status: `Status '${input.status}' does not exist.` });
    const id = input.id ?? String(this.nextIssueId);
    if (this.issues.has(id)) throw new JiraValidationError({}, [`Issue id ${id} already exists.`]);
    let key = input.key?.toUpperCase();
    const counter = this.projectCounters.get(project.key) ?? 0;
    if (key === undefined) {
      key = `${project.key}-${counter + 1}`;
      while (this.keyIndex.has(key)) key = `${project.key}-${Number(key.split('-')[1]) + 1}`;
    }
    const number = Number(key.slice(key.lastIndexOf('-') + 1));
    this.projectCounters.set(project.key, Math.max(counter, number));
    this.nextIssueId = Math.max(this.nextIssueId, Number(id) + 1);

    const issue: StoredIssue = {
      id,
      key,
      projectKey: project.key,
      issueType: type.name,
      summary: input.summary,
      description: null,
      status,
      priority: this.priorities()[2]?.name ?? null,
      resolution: null,
      assignee: null,
      reporter: actor,
      creator: actor,
      components: [],
      labels: [],
      versions: [],
      team: null,
      created,
      updated: toMs(input.updated, created),
      resolutiondate: null,
      histories: [],
    };
    const { summary: _s, status: _st, ...rest } = input;
    this.applyPatch(issue, rest, errors);
    if (input.resolutiondate !== undefined && input.resolutiondate !== null) issue.resolutiondate = toMs(input.resolutiondate, now);
    else issue.resolutiondate = issue.resolution === null ? null : issue.updated;
    if (Object.keys(errors).length > 0) throw new JiraValidationError(errors);

    this.issues.set(id, issue);
    this.keyIndex.set(key, id);
    this.listCache = undefined;
    this.remember(issue);
    return issue;
  }

  /**
   * Applies field changes as `actor` (accountId). Changed fields are recorded as one changelog
   * history and `updated` becomes now; a patch that changes nothing is not a write.
   * Returns undefined for an unknown issue; throws {@link JiraValidationError} on bad values.
   */
  updateIssue(idOrKey: string, patch: IssuePatch, actor: string): StoredIssue | undefined {
    const issue = this.get(idOrKey);
    if (!issue) return undefined;
    const errors: Record<string, string> = {};
    const draft: StoredIssue = { ...issue };
    const items = this.applyPatch(draft, patch, errors);
    if (Object.keys(errors).length > 0) throw new JiraValidationError(errors);
    if (items.length === 0) return issue;
    this.commit(issue, draft, items, actor);
    return issue;
  }

  /** Runs a workflow transition by id; throws {@link JiraValidationError} when not available. */
  transition(idOrKey: string, transitionId: string, actor: string, options: { resolution?: string } = {}): StoredIssue | undefined {
    const issue = this.get(idOrKey);
    if (!issue) return undefined;
    const transition = TRANSITIONS.find((t) => t.id === transitionId && t.from.includes(issue.status) && transitionApplies(t, issue.issueType));
    if (!transition) throw new JiraValidationError({}, [`Transition id '${transitionId}' is not valid for this issue.`]);
    const patch: IssuePatch = { status: transition.to };
    if (transition.resolves && (options.resolution !== undefined || issue.resolution === null)) {
      patch.resolution = options.resolution ?? defaultResolution(this.flavour);
    }
    if (transition.reopens) patch.resolution = null;
    return this.updateIssue(issue.id, patch, actor);
  }

  /** Adds a comment; bumps the issue's `updated` but records no changelog history (as Jira does). */
  addComment(idOrKey: string, input: { body: RichText | string; public?: boolean; visibility?: StoredComment['visibility'] }, actor: string): StoredComment | undefined {
    const issue = this.get(idOrKey);
    if (!issue) return undefined;
    const now = this.now().getTime();
    const comment: StoredComment = {
      id: String(this.nextCommentId++),
      issueId: issue.id,
      author: actor,
      updateAuthor: actor,
      body: typeof input.body === 'string' ? { kind: 'text', text: input.body } : input.body,
      created: now,
      updated: now,
      public: input.public ?? true,
      ...(input.visibility ? { visibility: input.visibility } : {}),
    };
    const list = this.commentsByIssue.get(issue.id) ?? [];
    list.push(comment);
    this.commentsByIssue.set(issue.id, list);
    this.commit(issue, { ...issue }, [], actor);
    return comment;
  }

  /**
   * Links two issues (`inward` and `outward` as in POST /issueLink). A link that already exists
   * is not added again. Both issues get a "Link" changelog item and a new `updated`.
   */
  addLink(typeNameOrId: string, inwardIdOrKey: string, outwardIdOrKey: string, actor: string): { link: StoredLink; created: boolean } {
    const type = this.linkType(typeNameOrId);
    const inward = this.get(inwardIdOrKey);
    const outward = this.get(outwardIdOrKey);
    if (!type) throw new JiraValidationError({}, [`No issue link type with name '${typeNameOrId}' found.`], 404);
    if (!inward || !outward) throw new JiraValidationError({}, [`Issue does not exist or you do not have permission to see it.`], 404);
    if (inward.id === outward.id) throw new JiraValidationError({}, ['You cannot link an issue to itself.']);
    const existing = this.linkList.find((l) => l.type === type.name && l.inwardId === inward.id && l.outwardId === outward.id);
    if (existing) return { link: existing, created: false };
    const link: StoredLink = { id: String(this.nextLinkId++), type: type.name, inwardId: inward.id, outwardId: outward.id };
    this.linkList.push(link);
    const item = (other: StoredIssue, phrase: string): ChangeItem => ({
      field: 'Link',
      fieldtype: 'jira',
      fieldId: 'issuelinks',
      from: null,
      fromString: null,
      to: other.key,
      toString: `This issue ${phrase} ${other.key}`,
    });
    this.commit(inward, { ...inward }, [item(outward, type.outward)], actor);
    this.commit(outward, { ...outward }, [item(inward, type.inward)], actor);
    return { link, created: true };
  }

  /** Remote links of an issue, oldest first. */
  remoteLinks(idOrKey: string): readonly StoredRemoteLink[] {
    const issue = this.get(idOrKey);
    return issue ? this.remoteLinkList.filter((l) => l.issueId === issue.id) : [];
  }

  /**
   * Creates a remote link, or — when the issue already has one with the same `globalId` — replaces
   * that link's details (fields left out become empty, as Atlassian documents). Either way the
   * issue gets a "RemoteIssueLink" changelog item and a new `updated`, as Jira records one on every
   * create and update.
   */
  upsertRemoteLink(idOrKey: string, input: Omit<StoredRemoteLink, 'id' | 'issueId'>, actor: string): { link: StoredRemoteLink; created: boolean } {
    const issue = this.get(idOrKey);
    if (!issue) throw new JiraValidationError({}, ['Issue does not exist or you do not have permission to see it.'], 404);
    const existing = input.globalId === null ? undefined : this.remoteLinkList.find((l) => l.issueId === issue.id && l.globalId === input.globalId);
    const link: StoredRemoteLink = { ...input, id: existing?.id ?? String(this.nextRemoteLinkId++), issueId: issue.id };
    if (existing) this.remoteLinkList[this.remoteLinkList.indexOf(existing)] = link;
    else this.remoteLinkList.push(link);
    const item: ChangeItem = {
      field: 'RemoteIssueLink',
      fieldtype: 'jira',
      fieldId: 'RemoteIssueLink',
      from: null,
      fromString: null,
      to: link.id,
      toString: `This issue ${link.relationship ?? 'links to'} "${link.object.title}"`,
    };
    this.commit(issue, { ...issue }, [item], actor);
    return { link, created: existing === undefined };
  }

  // ---- internals ---------------------------------------------------------------------------

  private commit(issue: StoredIssue, draft: StoredIssue, items: ChangeItem[], actor: string): void {
    const now = this.now().getTime();
    Object.assign(issue, draft);
    issue.updated = now;
    if (items.length > 0) {
      issue.histories = [...issue.histories, { id: String(this.nextHistoryId++), author: actor, created: now, items }];
    }
    this.remember(issue);
  }

  private remember(issue: StoredIssue): void {
    const revisions = this.revisions.get(issue.id) ?? [];
    // Indexed when written: seeds may carry an `updated` ahead of the store clock.
    revisions.push({ at: Math.min(issue.updated, this.now().getTime()), issue: { ...issue } });
    this.revisions.set(issue.id, revisions);
  }

  private userItem(field: 'assignee' | 'reporter', from: string | null, to: string | null): ChangeItem {
    const ref = (id: string | null): string | null => {
      const user = id === null ? undefined : this.userById(id);
      return user ? this.userRef(user) : null;
    };
    return {
      field,
      fieldtype: 'jira',
      fieldId: field,
      from: ref(from),
      fromString: from === null ? null : (this.userById(from)?.displayName ?? null),
      to: ref(to),
      toString: to === null ? null : (this.userById(to)?.displayName ?? null),
    };
  }

  /** Validates and applies a patch to `issue` in place; returns the changelog items. */
  private applyPatch(issue: StoredIssue, patch: IssuePatch, errors: Record<string, string>): ChangeItem[] {
    const items: ChangeItem[] = [];
    const project = this.project(issue.projectKey);
    if (patch.summary !== undefined && patch.summary !== issue.summary) {
      if (patch.summary.trim() === '') errors['summary'] = 'You must specify a summary of the issue.';
      items.push(textItem('summary', issue.summary, patch.summary));
      issue.summary = patch.summary;
    }
    if (patch.description !== undefined) {
      const next: RichText | null = typeof patch.description === 'string' ? { kind: 'text', text: patch.description } : patch.description;
      const before = issue.description === null ? null : richToText(issue.description);
      const after = next === null ? null : richToText(next);
      if (before !== after || JSON.stringify(issue.description) !== JSON.stringify(next)) {
        if (before !== after) items.push(textItem('description', before, after));
        issue.description = next;
      }
    }
    if (patch.priority !== undefined) {
      const next = patch.priority === null ? null : this.priority(patch.priority);
      if (next === undefined) errors['priority'] = 'The priority selected is invalid.';
      else if ((next?.name ?? null) !== issue.priority) {
        const before = issue.priority === null ? undefined : this.priority(issue.priority);
        items.push(namedItem('priority', before, next ?? undefined));
        issue.priority = next?.name ?? null;
      }
    }
    for (const field of ['assignee', 'reporter'] as const) {
      const ref = patch[field];
      if (ref === undefined) continue;
      const user = ref === null ? null : this.findUser(ref);
      if (user === undefined) {
        errors[field] = this.flavour === 'cloud' ? 'Specified user does not exist or you do not have required permissions' : `User '${ref}' does not exist.`;
        continue;
      }
      const next = user?.accountId ?? null;
      if (next !== issue[field]) {
        items.push(this.userItem(field, issue[field], next));
        issue[field] = next;
      }
    }
    if (patch.components !== undefined) {
      const unknown = patch.components.find((name) => !project?.components.includes(name));
      if (unknown !== undefined) errors['components'] = `Component name '${unknown}' is not valid`;
      else if (!sameList(patch.components, issue.components)) {
        for (const removed of issue.components.filter((c) => !patch.components?.includes(c))) {
          items.push({ field: 'Component', fieldtype: 'jira', fieldId: 'components', from: this.componentId(issue.projectKey, removed), fromString: removed, to: null, toString: null });
        }
        for (const added of patch.components.filter((c) => !issue.components.includes(c))) {
          items.push({ field: 'Component', fieldtype: 'jira', fieldId: 'components', from: null, fromString: null, to: this.componentId(issue.projectKey, added), toString: added });
        }
        issue.components = [...new Set(patch.components)];
      }
    }
    if (patch.labels !== undefined) {
      const spaced = patch.labels.find((label) => /\s/.test(label) || label === '');
      if (spaced !== undefined) errors['labels'] = `The label '${spaced}' contains spaces which is invalid.`;
      else if (!sameList(patch.labels, issue.labels)) {
        items.push(textItem('labels', issue.labels.join(' ') || null, patch.labels.join(' ') || null));
        issue.labels = [...new Set(patch.labels)];
      }
    }
    if (patch.versions !== undefined && !sameList(patch.versions, issue.versions)) {
      items.push({ ...textItem('Version', issue.versions.join(', ') || null, patch.versions.join(', ') || null), fieldId: 'versions' });
      issue.versions = [...patch.versions];
    }
    if (patch.team !== undefined) {
      const next = patch.team === null ? null : this.team(patch.team);
      if (next === undefined) errors[TEAM_FIELD_ID] = `Team with id '${patch.team}' does not exist.`;
      else if ((next?.id ?? null) !== issue.team) {
        const before = issue.team === null ? undefined : this.team(issue.team);
        items.push({
          field: 'Team',
          fieldtype: 'custom',
          fieldId: TEAM_FIELD_ID,
          from: before?.id ?? null,
          fromString: before?.name ?? null,
          to: next?.id ?? null,
          toString: next?.name ?? null,
        });
        issue.team = next?.id ?? null;
      }
    }
    if (patch.status !== undefined) {
      const next = this.status(patch.status);
      if (!next) errors['status'] = `Status '${patch.status}' does not exist.`;
      else if (next.name !== issue.status) {
        items.push(namedItem('status', this.status(issue.status), next));
        issue.status = next.name;
      }
    }
    if (patch.resolution !== undefined) {
      const next = patch.resolution === null ? null : this.resolution(patch.resolution);
      if (next === undefined) errors['resolution'] = `Resolution '${patch.resolution}' does not exist.`;
      else if ((next?.name ?? null) !== issue.resolution) {
        items.push(namedItem('resolution', issue.resolution === null ? undefined : this.resolution(issue.resolution), next ?? undefined));
        issue.resolution = next?.name ?? null;
        // Jira stamps resolutiondate when a resolution is set and clears it with the resolution.
        issue.resolutiondate = next === null ? null : this.now().getTime();
      }
    }
    return items;
  }
}

function findNamed<T extends { id: string; name: string }>(list: readonly T[], nameOrId: string): T | undefined {
  const lower = nameOrId.toLowerCase();
  return list.find((item) => item.id === nameOrId) ?? list.find((item) => item.name.toLowerCase() === lower);
}

function textItem(field: string, from: string | null, to: string | null): ChangeItem {
  return { field, fieldtype: 'jira', fieldId: field, from: null, fromString: from, to: null, toString: to };
}

function namedItem(field: string, from: NamedDef | undefined, to: NamedDef | undefined): ChangeItem {
  return {
    field,
    fieldtype: 'jira',
    fieldId: field,
    from: from?.id ?? null,
    fromString: from?.name ?? null,
    to: to?.id ?? null,
    toString: to?.name ?? null,
  };
}
