import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Route, findRoute } from '../../route-table.js';
import { isAdfDoc } from '../adf.js';
import { FIELDS, ISSUE_TYPES, LINK_TYPES, type ProjectDef, STATUSES, TRANSITIONS } from '../catalogue.js';
import { jiraError, REMOVED_SEARCH_MESSAGE, NOT_FOUND_ISSUE, GDPR_MESSAGE, cannotSet, readVisibility, methodNotAllowed, notFoundRoute, sendJson, readJsonObject } from '../http.js';
import { FieldSelection, parseFieldList, renderComment, renderCommentPage, renderField, renderHistory, renderIssue, renderStatus, renderUser } from '../render.js';
import type { JiraSite, RequestState, JiraRequestLogEntry } from '../site.js';
import type { StoredIssue, StoredRemoteLink } from '../store.js';
import type { createRequestBody } from './request-body.js';
import type { createSearch } from './search.js';

/** The platform REST API (/rest/api/{2,3,latest}/…): issues, comments, transitions, links, metadata. */

/** One platform REST API request: the site and its helpers, the parsed body, who calls and with which version. */
interface RestCall {
  site: JiraSite;
  requestBody: ReturnType<typeof createRequestBody>;
  search: ReturnType<typeof createSearch>;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  q: URLSearchParams;
  /** The JSON body of a POST or PUT; {} otherwise. */
  body: Record<string, unknown>;
  state: RequestState;
}

/** A request on one existing issue (/issue/{idOrKey}/…). */
interface IssueCall extends RestCall {
  issue: StoredIssue;
}

/** `/name` and any segments below it, which the route ignores. */
function under(name: string, captureNext = false): RegExp {
  return new RegExp(`^/${name}${captureNext ? '(?:/([^/]+))?' : ''}(?:/.*)?$`);
}

/** Paths are matched after the API prefix, with empty segments dropped (`//issue/X/` is `/issue/X`). */
const REST_ROUTES: readonly Route<RestCall>[] = [
  { method: '*', path: '/search', handle: searchWithOffset },
  { method: '*', path: '/search/jql', handle: searchWithPageToken },
  { method: 'GET', path: under('myself'), handle: myself },
  { method: 'GET', path: under('serverInfo'), handle: serverInfo },
  { method: 'GET', path: under('user/search'), handle: ({ res, q, state, search }) => sendJson(res, 200, search.searchUsers(q, state)) },
  { method: 'GET', path: '/user', handle: getUser },
  { method: 'GET', path: '/field', handle: ({ res }) => sendJson(res, 200, FIELDS.map(renderField)) },
  { method: 'GET', path: under('issueLinkType', true), handle: linkTypes },
  { method: 'GET', path: under('priority'), handle: priorities },
  { method: 'GET', path: under('resolution'), handle: resolutions },
  {
    method: 'GET',
    path: under('status'),
    handle: ({ res, state }) =>
      sendJson(
        res,
        200,
        STATUSES.map((s) => renderStatus(s.name, state.render)),
      ),
  },
  { method: 'GET', path: under('issuetype'), handle: issueTypes },
  { method: 'GET', path: under('project', true), handle: projects },
  { method: 'POST', path: '/issueLink', handle: createLink },
  { method: 'GET', path: /^\/issueLink\/([^/]+)(?:\/.*)?$/, handle: getLink },
  { method: 'POST', path: '/issue', handle: createIssue },
  { method: '*', path: /^\/issue\/([^/]+)(\/.*)?$/, handle: issueResource },
];

/** Below /issue/{idOrKey}, once the issue exists. */
const ISSUE_ROUTES: readonly Route<IssueCall>[] = [
  { method: 'GET', path: '', handle: getIssue },
  { method: 'PUT', path: '', handle: editIssue },
  { method: '*', path: '', handle: notAllowed },
  { method: 'PUT', path: under('assignee'), handle: assignIssue },
  { method: 'GET', path: '/comment', handle: listComments },
  { method: 'POST', path: '/comment', handle: addComment },
  { method: '*', path: '/comment', handle: notAllowed },
  { method: 'GET', path: /^\/comment\/([^/]+)(?:\/.*)?$/, handle: getComment },
  { method: 'GET', path: under('transitions'), handle: listTransitions },
  { method: 'POST', path: under('transitions'), handle: doTransition },
  { method: '*', path: under('transitions'), handle: notAllowed },
  { method: 'GET', path: under('changelog'), handle: changelog },
  { method: 'GET', path: '/remotelink', handle: listRemoteLinks },
  { method: 'POST', path: '/remotelink', handle: upsertRemoteLink },
  { method: '*', path: '/remotelink', handle: notAllowed },
  { method: 'GET', path: /^\/remotelink\/([^/]+)$/, handle: getRemoteLink },
];

export function createPlatformApi(site: JiraSite, requestBody: ReturnType<typeof createRequestBody>, search: ReturnType<typeof createSearch>) {
  /** `rest` is the path after /rest/api/{version}. */
  async function handleRestApi(req: IncomingMessage, res: ServerResponse, url: URL, state: RequestState, rest: string, entry: JiraRequestLogEntry): Promise<void> {
    const method = req.method ?? 'GET';
    // The body is read (and a malformed one refused) before routing, on every path.
    const body = method === 'POST' || method === 'PUT' ? await readJsonObject(req, entry) : {};
    const path = '/' + rest.split('/').filter(Boolean).join('/');
    const handler = findRoute(REST_ROUTES, method, path);
    if (!handler) throw notFoundRoute(url);
    await handler({ site, requestBody, search, req, res, url, method, q: url.searchParams, body, state });
  }

  return { handleRestApi };
}

function notAllowed(): never {
  throw methodNotAllowed();
}

function self({ site, state }: RestCall, resource: string): string {
  return `${site.baseUrl}/rest/api/${state.apiVersion}/${resource}`;
}

// ---- search and metadata -------------------------------------------------------------------

/** Data Center's /search (startAt paging); removed on Cloud. */
function searchWithOffset({ site, res, method, q, body, state, search }: RestCall): void {
  if (site.flavour === 'cloud') throw jiraError(410, [REMOVED_SEARCH_MESSAGE]);
  if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
  const params = method === 'GET' ? Object.fromEntries(q) : body;
  sendJson(res, 200, search.searchOffset(params, state));
}

/** Cloud's /search/jql (nextPageToken paging); absent on Data Center. */
function searchWithPageToken({ site, res, url, method, q, body, state, search }: RestCall): void {
  if (site.flavour !== 'cloud') throw notFoundRoute(url);
  if (method === 'GET') {
    const params: Record<string, unknown> = Object.fromEntries(q);
    return sendJson(res, 200, search.searchJql(params, state));
  }
  if (method === 'POST') return sendJson(res, 200, search.searchJql(body, state));
  throw methodNotAllowed();
}

function myself({ res, state }: RestCall): void {
  sendJson(res, 200, { ...renderUser(state.user, state.render), locale: 'en_US', groups: { size: 1, items: [] }, applicationRoles: { size: 1, items: [] } });
}

function serverInfo({ site, res }: RestCall): void {
  const cloud = site.flavour === 'cloud';
  sendJson(res, 200, {
    baseUrl: site.baseUrl,
    version: cloud ? '1001.0.0-SNAPSHOT' : '9.12.15',
    versionNumbers: cloud ? [1001, 0, 0] : [9, 12, 15],
    deploymentType: cloud ? 'Cloud' : 'Server',
    buildNumber: 100000,
    serverTitle: 'deskbridge sandbox',
  });
}

/** Cloud looks users up by accountId only (GDPR strict mode); Data Center by username or key. */
function getUser({ site, res, q, state }: RestCall): void {
  const { store, flavour } = site;
  const ref = flavour === 'cloud' ? q.get('accountId') : (q.get('username') ?? q.get('key'));
  if (flavour === 'cloud' && (q.has('username') || q.has('key'))) throw jiraError(400, [GDPR_MESSAGE]);
  const user = ref ? (flavour === 'cloud' ? store.userById(ref) : store.findUser(ref)) : undefined;
  if (!user) throw jiraError(404, [`The user with ${flavour === 'cloud' ? 'account ID' : 'username'} '${ref ?? ''}' does not exist.`]);
  sendJson(res, 200, renderUser(user, state.render));
}

function linkTypes(call: RestCall, [id]: readonly (string | undefined)[]): void {
  const types = LINK_TYPES.map((t) => ({ ...t, self: self(call, `issueLinkType/${t.id}`) }));
  if (id) {
    const type = types.find((t) => t.id === id || t.name === decodeURIComponent(id));
    if (!type) throw jiraError(404, [`No issue link type with id '${id}' found.`]);
    return sendJson(call.res, 200, type);
  }
  sendJson(call.res, 200, { issueLinkTypes: types });
}

function priorities(call: RestCall): void {
  sendJson(
    call.res,
    200,
    call.site.store.priorities().map((p) => ({ self: self(call, `priority/${p.id}`), id: p.id, name: p.name })),
  );
}

function resolutions(call: RestCall): void {
  sendJson(
    call.res,
    200,
    call.site.store.resolutions().map((r) => ({ self: self(call, `resolution/${r.id}`), id: r.id, name: r.name, description: '' })),
  );
}

function issueTypes(call: RestCall): void {
  sendJson(
    call.res,
    200,
    ISSUE_TYPES.map((t) => ({ self: self(call, `issuetype/${t.id}`), id: t.id, name: t.name, subtask: false })),
  );
}

function projects(call: RestCall, [key]: readonly (string | undefined)[]): void {
  const { store } = call.site;
  const renderProject = (p: ProjectDef): Record<string, unknown> => ({
    self: self(call, `project/${p.id}`),
    id: p.id,
    key: p.key,
    name: p.name,
    projectTypeKey: p.projectTypeKey,
    components: p.components.map((name) => ({ id: store.componentId(p.key, name), name })),
    issueTypes: p.issueTypes.map((name) => ({ id: ISSUE_TYPES.find((t) => t.name === name)?.id, name })),
  });
  if (key) {
    const project = store.project(decodeURIComponent(key));
    if (!project) throw jiraError(404, [`No project could be found with key '${key}'.`]);
    return sendJson(call.res, 200, renderProject(project));
  }
  sendJson(call.res, 200, store.projects().map(renderProject));
}

// ---- links ---------------------------------------------------------------------------------

function createLink(call: RestCall): void {
  const { site, res, body, state, requestBody } = call;
  const type = requestBody.readNamed('type', body['type'], {});
  const inward = (body['inwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['inwardIssue'] as Record<string, unknown> | undefined)?.['id'];
  const outward = (body['outwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['outwardIssue'] as Record<string, unknown> | undefined)?.['id'];
  if (!type || (typeof inward !== 'string' && typeof inward !== 'number') || (typeof outward !== 'string' && typeof outward !== 'number')) {
    throw jiraError(400, ['Issue link type, inward issue and outward issue are required.']);
  }
  const { link } = requestBody.storeWrite(() => site.store.addLink(type, String(inward), String(outward), state.user.accountId));
  res.setHeader('Location', self(call, `issueLink/${link.id}`));
  res.writeHead(201);
  res.end();
}

function getLink(call: RestCall, [id]: readonly (string | undefined)[]): void {
  const { store } = call.site;
  const link = store.links().find((l) => l.id === id);
  if (!link) throw jiraError(404, [`No issue link with id '${id}' exists.`]);
  const type = LINK_TYPES.find((t) => t.name === link.type);
  const issueRef = (issueId: string): Record<string, unknown> => {
    const issue = store.get(issueId);
    return {
      id: issueId,
      key: issue?.key,
      self: self(call, `issue/${issueId}`),
      fields: { summary: issue?.summary, status: issue ? renderStatus(issue.status, call.state.render) : null },
    };
  };
  sendJson(call.res, 200, { id: link.id, type, inwardIssue: issueRef(link.inwardId), outwardIssue: issueRef(link.outwardId) });
}

// ---- issues --------------------------------------------------------------------------------

function createIssue(call: RestCall): void {
  const { site, res, body, state, requestBody } = call;
  const parsed = requestBody.readWrite(body, state.apiVersion, true);
  const errors: Record<string, string> = {};
  if (!parsed.project) errors['project'] = 'Specify a valid project ID or key';
  if (!parsed.issueType) errors['issuetype'] = 'Specify an issue type';
  if (parsed.patch.summary === undefined) errors['summary'] = 'You must specify a summary of the issue.';
  if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
  const created = requestBody.storeWrite(() =>
    site.store.createIssue({ ...parsed.patch, project: parsed.project ?? '', issueType: parsed.issueType ?? '', summary: parsed.patch.summary ?? '' }, state.user.accountId),
  );
  for (const comment of parsed.comments) site.store.addComment(created.id, comment, state.user.accountId);
  sendJson(res, 201, { id: created.id, key: created.key, self: self(call, `issue/${created.id}`) });
}

/** /issue/{idOrKey}/…: 404 for an unknown issue whatever follows, then the issue's own routes. */
async function issueResource(call: RestCall, [idOrKey = '', below = '']: readonly (string | undefined)[]): Promise<void> {
  const issue = call.requestBody.requireIssue(idOrKey);
  const handler = findRoute(ISSUE_ROUTES, call.method, below);
  if (!handler) throw notFoundRoute(call.url);
  await handler({ ...call, issue });
}

function getIssue({ res, q, state, search, issue }: IssueCall): void {
  const selection = new FieldSelection(parseFieldList(q.get('fields')) ?? ['*all']);
  sendJson(res, 200, renderIssue(issue, state.render, selection, search.parseExpand(q.get('expand'))));
}

/** PUT /issue/{id}: 204, or on Cloud with returnIssue=true the updated issue. */
function editIssue({ site, res, q, body, state, search, requestBody, issue }: IssueCall): void {
  const parsed = requestBody.readWrite(body, state.apiVersion, false, issue);
  requestBody.storeWrite(() => site.store.updateIssue(issue.id, parsed.patch, state.user.accountId));
  for (const comment of parsed.comments) site.store.addComment(issue.id, comment, state.user.accountId);
  if (site.flavour === 'cloud' && q.get('returnIssue') === 'true') {
    return sendJson(res, 200, renderIssue(issue, state.render, new FieldSelection(['*all']), search.parseExpand(q.get('expand'))));
  }
  res.writeHead(204);
  res.end();
}

function assignIssue({ site, res, body, state, requestBody, issue }: IssueCall): void {
  const errors: Record<string, string> = {};
  const ref = requestBody.readUserRef('assignee', body, errors);
  if (ref === undefined) throw jiraError(400, Object.values(errors));
  requestBody.storeWrite(() => site.store.updateIssue(issue.id, { assignee: ref }, state.user.accountId));
  res.writeHead(204);
  res.end();
}

function listComments({ site, res, q, state, search, issue }: IssueCall): void {
  const startAt = search.parseInteger(q.get('startAt'), 0, 'startAt');
  const maxResults = Math.min(search.parseInteger(q.get('maxResults'), 5000, 'maxResults'), 5000);
  // Get comments: `orderBy` accepts created, +created and -created (by the created date); without it
  // Jira lists comments in the order they were added. Sorting is stable: ties keep that order.
  const orderBy = q.get('orderBy');
  let comments = [...site.store.comments(issue.id)];
  if (orderBy === 'created' || orderBy === '+created') comments.sort((a, b) => a.created - b.created);
  if (orderBy === '-created') comments = comments.reverse().sort((a, b) => b.created - a.created);
  sendJson(res, 200, renderCommentPage(comments, state.render, startAt, maxResults, search.parseExpand(q.get('expand')).has('properties')));
}

function addComment({ site, res, body, state, requestBody, issue }: IssueCall): void {
  const text = requestBody.readCommentBody(body['body'], state.apiVersion);
  if (!text) {
    const empty = body['body'] === undefined || body['body'] === '' || (isAdfDoc(body['body']) && body['body'].content.length === 0);
    throw jiraError(400, [], { comment: empty ? 'Comment body can not be empty!' : 'Comment body is not valid!' });
  }
  const properties = Array.isArray(body['properties']) ? (body['properties'] as Record<string, unknown>[]) : [];
  // Jira Service Management keeps the internal flag in the sd.public.comment entity property.
  const internal = properties.some((p) => p['key'] === 'sd.public.comment' && (p['value'] as Record<string, unknown> | undefined)?.['internal'] === true);
  const visibility = readVisibility(body['visibility']);
  const comment = site.store.addComment(issue.id, { body: text, public: !internal, ...(visibility ? { visibility } : {}) }, state.user.accountId);
  if (!comment) throw jiraError(404, [NOT_FOUND_ISSUE]);
  sendJson(res, 201, renderComment(comment, state.render, internal));
}

function getComment({ site, res, q, state, search, issue }: IssueCall, [id = '']: readonly (string | undefined)[]): void {
  const comment = site.store.comments(issue.id).find((c) => c.id === id);
  if (!comment) throw jiraError(404, ['Can not find a comment for the id: ' + id + '.']);
  sendJson(res, 200, renderComment(comment, state.render, search.parseExpand(q.get('expand')).has('properties')));
}

function listTransitions({ site, res, state, issue }: IssueCall): void {
  sendJson(res, 200, {
    expand: 'transitions',
    transitions: site.store.transitions(issue.id).map((t) => ({
      id: t.id,
      name: t.name,
      to: renderStatus(t.to, state.render),
      hasScreen: Boolean(t.resolves),
      isGlobal: false,
      isInitial: false,
      isAvailable: true,
      isConditional: false,
      isLooped: false,
    })),
  });
}

/** POST /issue/{id}/transitions: only `resolution` may be set on the (simulated) transition screen. */
function doTransition({ site, res, body, state, requestBody, issue }: IssueCall): void {
  const transition = body['transition'] as Record<string, unknown> | undefined;
  const id = transition?.['id'];
  if (typeof id !== 'string' && typeof id !== 'number') throw jiraError(400, ["Missing 'transition' identifier"]);
  const fields = (body['fields'] ?? {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const resolution = fields['resolution'] === undefined ? undefined : requestBody.readNamed('resolution', fields['resolution'], errors);
  for (const field of Object.keys(fields)) if (field !== 'resolution') errors[field] = cannotSet(field);
  if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
  if (!TRANSITIONS.some((t) => t.id === String(id))) throw jiraError(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
  const comments = requestBody.readWrite({ update: body['update'] ?? {} }, state.apiVersion, false, issue).comments;
  requestBody.storeWrite(() => site.store.transition(issue.id, String(id), state.user.accountId, resolution === undefined ? {} : { resolution }));
  for (const comment of comments) site.store.addComment(issue.id, comment, state.user.accountId);
  res.writeHead(204);
  res.end();
}

/** Cloud's paged /issue/{id}/changelog; Data Center has only expand=changelog. */
function changelog({ site, res, url, q, state, search, issue }: IssueCall): void {
  if (site.flavour !== 'cloud') throw notFoundRoute(url);
  const startAt = search.parseInteger(q.get('startAt'), 0, 'startAt');
  const maxResults = Math.min(search.parseInteger(q.get('maxResults'), 100, 'maxResults'), 100);
  const values = issue.histories.slice(startAt, startAt + maxResults);
  sendJson(res, 200, {
    self: `${site.baseUrl}${url.pathname}${url.search}`,
    maxResults,
    startAt,
    total: issue.histories.length,
    isLast: startAt + values.length >= issue.histories.length,
    values: values.map((h) => renderHistory(h, state.render)),
  });
}

// ---- remote links --------------------------------------------------------------------------

/** A remote link as `GET /issue/{id}/remotelink` shows it: a numeric id, its self URL, the stored details. */
function renderRemoteLink(call: IssueCall, link: StoredRemoteLink): Record<string, unknown> {
  return {
    id: Number(link.id),
    self: self(call, `issue/${call.issue.key}/remotelink/${link.id}`),
    ...(link.globalId === null ? {} : { globalId: link.globalId }),
    ...(link.application === null ? {} : { application: link.application }),
    ...(link.relationship === null ? {} : { relationship: link.relationship }),
    object: link.object,
  };
}

/** Every remote link of the issue, or with `globalId` the one link carrying it (404 when none does). */
function listRemoteLinks(call: IssueCall): void {
  const links = call.site.store.remoteLinks(call.issue.id);
  const globalId = call.q.get('globalId');
  if (globalId === null)
    return sendJson(
      call.res,
      200,
      links.map((link) => renderRemoteLink(call, link)),
    );
  const link = links.find((l) => l.globalId === globalId);
  if (!link) throw jiraError(404, [`No remote link with global id '${globalId}' exists on this issue.`]);
  sendJson(call.res, 200, renderRemoteLink(call, link));
}

function getRemoteLink(call: IssueCall, [id = '']: readonly (string | undefined)[]): void {
  const link = call.site.store.remoteLinks(call.issue.id).find((l) => l.id === id);
  if (!link) throw jiraError(404, [`No remote link with id '${id}' exists on this issue.`]);
  sendJson(call.res, 200, renderRemoteLink(call, link));
}

/**
 * "Create or update remote issue link": `object.url` and `object.title` are required; a globalId
 * the issue already has updates that link (200), anything else creates one (201). Both answer
 * `{id, self}`.
 */
function upsertRemoteLink(call: IssueCall): void {
  const { site, res, body, state, requestBody, issue } = call;
  const object = body['object'];
  const errors: Record<string, string> = {};
  const record = typeof object === 'object' && object !== null && !Array.isArray(object) ? (object as Record<string, unknown>) : undefined;
  const url = record?.['url'];
  const title = record?.['title'];
  if (typeof url !== 'string' || url === '') errors['url'] = "'url' is required.";
  if (typeof title !== 'string' || title === '') errors['title'] = "'title' is required.";
  const globalId = body['globalId'];
  if (globalId !== undefined && globalId !== null && (typeof globalId !== 'string' || globalId.length > 255)) errors['globalId'] = 'The global id must be a string of at most 255 characters.';
  if (Object.keys(errors).length > 0 || typeof url !== 'string' || typeof title !== 'string') throw jiraError(400, [], errors);
  const summary = record?.['summary'];
  const relationship = body['relationship'];
  const application = body['application'];
  const app = typeof application === 'object' && application !== null ? (application as Record<string, unknown>) : undefined;
  const { link, created } = requestBody.storeWrite(() =>
    site.store.upsertRemoteLink(
      issue.id,
      {
        globalId: typeof globalId === 'string' ? globalId : null,
        relationship: typeof relationship === 'string' ? relationship : null,
        application: app ? { ...(typeof app['type'] === 'string' ? { type: app['type'] } : {}), ...(typeof app['name'] === 'string' ? { name: app['name'] } : {}) } : null,
        object: { url, title, ...(typeof summary === 'string' ? { summary } : {}) },
      },
      state.user.accountId,
    ),
  );
  sendJson(res, created ? 201 : 200, { id: Number(link.id), self: self(call, `issue/${issue.key}/remotelink/${link.id}`) });
}
