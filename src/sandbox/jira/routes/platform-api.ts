import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAdfDoc } from '../adf.js';
import { FIELDS, ISSUE_TYPES, LINK_TYPES, type ProjectDef, STATUSES, TRANSITIONS } from '../catalogue.js';
import { jiraError, REMOVED_SEARCH_MESSAGE, NOT_FOUND_ISSUE, GDPR_MESSAGE, cannotSet, readVisibility, methodNotAllowed, notFoundRoute, sendJson, readJsonObject } from '../http.js';
import { FieldSelection, parseFieldList, renderComment, renderCommentPage, renderField, renderHistory, renderIssue, renderStatus, renderUser } from '../render.js';
import type { JiraSite, RequestState, JiraRequestLogEntry } from '../site.js';
import type { createRequestBody } from './request-body.js';
import type { createSearch } from './search.js';

/** The platform REST API (/rest/api/{2,3,latest}/…): issues, comments, transitions, links, metadata. */
export function createPlatformApi(site: JiraSite, requestBody: ReturnType<typeof createRequestBody>, search: ReturnType<typeof createSearch>) {
  const { store, flavour } = site;
  const { requireIssue, readUserRef, readNamed, readWrite, readCommentBody, storeWrite } = requestBody;
  const { parseExpand, parseInteger, searchJql, searchOffset, searchUsers } = search;

  async function handleRestApi(req: IncomingMessage, res: ServerResponse, url: URL, state: RequestState, rest: string, entry: JiraRequestLogEntry): Promise<void> {
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const body = method === 'POST' || method === 'PUT' ? await readJsonObject(req, entry) : {};
    const { render } = state;
    const segments = rest.split('/').filter(Boolean);
    const [head, second, third, fourth] = segments;

    if (head === 'search' && !second) {
      if (flavour === 'cloud') throw jiraError(410, [REMOVED_SEARCH_MESSAGE]);
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
      const params = method === 'GET' ? Object.fromEntries(q) : body;
      return sendJson(res, 200, searchOffset(params, state));
    }
    if (head === 'search' && second === 'jql' && !third) {
      if (flavour !== 'cloud') throw notFoundRoute(url);
      if (method === 'GET') {
        const params: Record<string, unknown> = Object.fromEntries(q);
        return sendJson(res, 200, searchJql(params, state));
      }
      if (method === 'POST') return sendJson(res, 200, searchJql(body, state));
      throw methodNotAllowed();
    }
    if (head === 'myself' && method === 'GET') {
      return sendJson(res, 200, { ...renderUser(state.user, render), locale: 'en_US', groups: { size: 1, items: [] }, applicationRoles: { size: 1, items: [] } });
    }
    if (head === 'serverInfo' && method === 'GET') {
      return sendJson(res, 200, {
        baseUrl: site.baseUrl,
        version: flavour === 'cloud' ? '1001.0.0-SNAPSHOT' : '9.12.15',
        versionNumbers: flavour === 'cloud' ? [1001, 0, 0] : [9, 12, 15],
        deploymentType: flavour === 'cloud' ? 'Cloud' : 'Server',
        buildNumber: 100000,
        serverTitle: 'deskbridge sandbox',
      });
    }
    if (head === 'user' && second === 'search' && method === 'GET') return sendJson(res, 200, searchUsers(q, state));
    if (head === 'user' && !second && method === 'GET') {
      const ref = flavour === 'cloud' ? q.get('accountId') : (q.get('username') ?? q.get('key'));
      if (flavour === 'cloud' && (q.has('username') || q.has('key'))) throw jiraError(400, [GDPR_MESSAGE]);
      const user = ref ? (flavour === 'cloud' ? store.userById(ref) : store.findUser(ref)) : undefined;
      if (!user) throw jiraError(404, [`The user with ${flavour === 'cloud' ? 'account ID' : 'username'} '${ref ?? ''}' does not exist.`]);
      return sendJson(res, 200, renderUser(user, render));
    }
    if (head === 'field' && !second && method === 'GET') return sendJson(res, 200, FIELDS.map(renderField));
    if (head === 'issueLinkType' && method === 'GET') {
      const types = LINK_TYPES.map((t) => ({ ...t, self: `${site.baseUrl}/rest/api/${state.apiVersion}/issueLinkType/${t.id}` }));
      if (second) {
        const type = types.find((t) => t.id === second || t.name === decodeURIComponent(second));
        if (!type) throw jiraError(404, [`No issue link type with id '${second}' found.`]);
        return sendJson(res, 200, type);
      }
      return sendJson(res, 200, { issueLinkTypes: types });
    }
    if (head === 'priority' && method === 'GET') {
      return sendJson(
        res,
        200,
        store.priorities().map((p) => ({ self: `${site.baseUrl}/rest/api/${state.apiVersion}/priority/${p.id}`, id: p.id, name: p.name })),
      );
    }
    if (head === 'resolution' && method === 'GET') {
      return sendJson(
        res,
        200,
        store.resolutions().map((r) => ({ self: `${site.baseUrl}/rest/api/${state.apiVersion}/resolution/${r.id}`, id: r.id, name: r.name, description: '' })),
      );
    }
    if (head === 'status' && method === 'GET')
      return sendJson(
        res,
        200,
        STATUSES.map((s) => renderStatus(s.name, render)),
      );
    if (head === 'issuetype' && method === 'GET') {
      return sendJson(
        res,
        200,
        ISSUE_TYPES.map((t) => ({ self: `${site.baseUrl}/rest/api/${state.apiVersion}/issuetype/${t.id}`, id: t.id, name: t.name, subtask: false })),
      );
    }
    if (head === 'project' && method === 'GET') {
      const renderProject = (p: ProjectDef): Record<string, unknown> => ({
        self: `${site.baseUrl}/rest/api/${state.apiVersion}/project/${p.id}`,
        id: p.id,
        key: p.key,
        name: p.name,
        projectTypeKey: p.projectTypeKey,
        components: p.components.map((name) => ({ id: store.componentId(p.key, name), name })),
        issueTypes: p.issueTypes.map((name) => ({ id: ISSUE_TYPES.find((t) => t.name === name)?.id, name })),
      });
      if (second) {
        const project = store.project(decodeURIComponent(second));
        if (!project) throw jiraError(404, [`No project could be found with key '${second}'.`]);
        return sendJson(res, 200, renderProject(project));
      }
      return sendJson(res, 200, store.projects().map(renderProject));
    }
    if (head === 'issueLink' && !second && method === 'POST') {
      const type = readNamed('type', body['type'], {});
      const inward = (body['inwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['inwardIssue'] as Record<string, unknown> | undefined)?.['id'];
      const outward = (body['outwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['outwardIssue'] as Record<string, unknown> | undefined)?.['id'];
      if (!type || (typeof inward !== 'string' && typeof inward !== 'number') || (typeof outward !== 'string' && typeof outward !== 'number')) {
        throw jiraError(400, ['Issue link type, inward issue and outward issue are required.']);
      }
      const { link } = storeWrite(() => store.addLink(type, String(inward), String(outward), state.user.accountId));
      res.setHeader('Location', `${site.baseUrl}/rest/api/${state.apiVersion}/issueLink/${link.id}`);
      res.writeHead(201);
      res.end();
      return;
    }
    if (head === 'issueLink' && second && method === 'GET') {
      const link = store.links().find((l) => l.id === second);
      if (!link) throw jiraError(404, [`No issue link with id '${second}' exists.`]);
      const type = LINK_TYPES.find((t) => t.name === link.type);
      const issueRef = (id: string): Record<string, unknown> => {
        const issue = store.get(id);
        return {
          id,
          key: issue?.key,
          self: `${site.baseUrl}/rest/api/${state.apiVersion}/issue/${id}`,
          fields: { summary: issue?.summary, status: issue ? renderStatus(issue.status, render) : null },
        };
      };
      return sendJson(res, 200, { id: link.id, type, inwardIssue: issueRef(link.inwardId), outwardIssue: issueRef(link.outwardId) });
    }
    if (head === 'issue' && !second && method === 'POST') {
      const parsed = readWrite(body, state.apiVersion, true);
      const errors: Record<string, string> = {};
      if (!parsed.project) errors['project'] = 'Specify a valid project ID or key';
      if (!parsed.issueType) errors['issuetype'] = 'Specify an issue type';
      if (parsed.patch.summary === undefined) errors['summary'] = 'You must specify a summary of the issue.';
      if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
      const created = storeWrite(() =>
        store.createIssue({ ...parsed.patch, project: parsed.project ?? '', issueType: parsed.issueType ?? '', summary: parsed.patch.summary ?? '' }, state.user.accountId),
      );
      for (const comment of parsed.comments) store.addComment(created.id, { body: comment }, state.user.accountId);
      return sendJson(res, 201, { id: created.id, key: created.key, self: `${site.baseUrl}/rest/api/${state.apiVersion}/issue/${created.id}` });
    }
    if (head === 'issue' && second) {
      const issue = requireIssue(second);
      if (!third) {
        if (method === 'GET') {
          const selection = new FieldSelection(parseFieldList(q.get('fields')) ?? ['*all']);
          return sendJson(res, 200, renderIssue(issue, render, selection, parseExpand(q.get('expand'))));
        }
        if (method === 'PUT') {
          const parsed = readWrite(body, state.apiVersion, false, issue);
          storeWrite(() => store.updateIssue(issue.id, parsed.patch, state.user.accountId));
          for (const comment of parsed.comments) store.addComment(issue.id, { body: comment }, state.user.accountId);
          if (flavour === 'cloud' && q.get('returnIssue') === 'true') {
            return sendJson(res, 200, renderIssue(issue, render, new FieldSelection(['*all']), parseExpand(q.get('expand'))));
          }
          res.writeHead(204);
          res.end();
          return;
        }
        throw methodNotAllowed();
      }
      if (third === 'assignee' && method === 'PUT') {
        const errors: Record<string, string> = {};
        const ref = readUserRef('assignee', body, errors);
        if (ref === undefined) throw jiraError(400, Object.values(errors));
        storeWrite(() => store.updateIssue(issue.id, { assignee: ref }, state.user.accountId));
        res.writeHead(204);
        res.end();
        return;
      }
      if (third === 'comment' && !fourth) {
        if (method === 'GET') {
          const startAt = parseInteger(q.get('startAt'), 0, 'startAt');
          const maxResults = Math.min(parseInteger(q.get('maxResults'), 5000, 'maxResults'), 5000);
          let comments = [...store.comments(issue.id)];
          if (q.get('orderBy') === '-created') comments = comments.reverse();
          return sendJson(res, 200, renderCommentPage(comments, render, startAt, maxResults, parseExpand(q.get('expand')).has('properties')));
        }
        if (method === 'POST') {
          const text = readCommentBody(body['body'], state.apiVersion);
          if (!text) {
            const empty = body['body'] === undefined || body['body'] === '' || (isAdfDoc(body['body']) && body['body'].content.length === 0);
            throw jiraError(400, [], { comment: empty ? 'Comment body can not be empty!' : 'Comment body is not valid!' });
          }
          const properties = Array.isArray(body['properties']) ? (body['properties'] as Record<string, unknown>[]) : [];
          // Jira Service Management keeps the internal flag in the sd.public.comment entity property.
          const internal = properties.some((p) => p['key'] === 'sd.public.comment' && (p['value'] as Record<string, unknown> | undefined)?.['internal'] === true);
          const visibility = readVisibility(body['visibility']);
          const comment = store.addComment(issue.id, { body: text, public: !internal, ...(visibility ? { visibility } : {}) }, state.user.accountId);
          if (!comment) throw jiraError(404, [NOT_FOUND_ISSUE]);
          return sendJson(res, 201, renderComment(comment, render, internal));
        }
        throw methodNotAllowed();
      }
      if (third === 'comment' && fourth && method === 'GET') {
        const comment = store.comments(issue.id).find((c) => c.id === fourth);
        if (!comment) throw jiraError(404, ['Can not find a comment for the id: ' + fourth + '.']);
        return sendJson(res, 200, renderComment(comment, render, parseExpand(q.get('expand')).has('properties')));
      }
      if (third === 'transitions') {
        if (method === 'GET') {
          return sendJson(res, 200, {
            expand: 'transitions',
            transitions: store.transitions(issue.id).map((t) => ({
              id: t.id,
              name: t.name,
              to: renderStatus(t.to, render),
              hasScreen: Boolean(t.resolves),
              isGlobal: false,
              isInitial: false,
              isAvailable: true,
              isConditional: false,
              isLooped: false,
            })),
          });
        }
        if (method === 'POST') {
          const transition = body['transition'] as Record<string, unknown> | undefined;
          const id = transition?.['id'];
          if (typeof id !== 'string' && typeof id !== 'number') throw jiraError(400, ["Missing 'transition' identifier"]);
          const fields = (body['fields'] ?? {}) as Record<string, unknown>;
          const errors: Record<string, string> = {};
          const resolution = fields['resolution'] === undefined ? undefined : readNamed('resolution', fields['resolution'], errors);
          for (const field of Object.keys(fields)) if (field !== 'resolution') errors[field] = cannotSet(field);
          if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
          if (!TRANSITIONS.some((t) => t.id === String(id))) throw jiraError(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
          const comments = readWrite({ update: body['update'] ?? {} }, state.apiVersion, false, issue).comments;
          storeWrite(() => store.transition(issue.id, String(id), state.user.accountId, resolution === undefined ? {} : { resolution }));
          for (const comment of comments) store.addComment(issue.id, { body: comment }, state.user.accountId);
          res.writeHead(204);
          res.end();
          return;
        }
        throw methodNotAllowed();
      }
      if (third === 'changelog' && method === 'GET' && flavour === 'cloud') {
        const startAt = parseInteger(q.get('startAt'), 0, 'startAt');
        const maxResults = Math.min(parseInteger(q.get('maxResults'), 100, 'maxResults'), 100);
        const values = issue.histories.slice(startAt, startAt + maxResults);
        return sendJson(res, 200, {
          self: `${site.baseUrl}${url.pathname}${url.search}`,
          maxResults,
          startAt,
          total: issue.histories.length,
          isLast: startAt + values.length >= issue.histories.length,
          values: values.map((h) => renderHistory(h, render)),
        });
      }
    }
    throw notFoundRoute(url);
  }

  return { handleRestApi };
}
