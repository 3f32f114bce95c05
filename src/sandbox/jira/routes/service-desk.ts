import { type IncomingMessage, type ServerResponse } from 'node:http';
import { serviceDeskError, methodNotAllowed, sendJson, readJsonObject } from '../http.js';
import { type RenderContext, renderServiceDeskComment } from '../render.js';
import type { JiraSite, RequestState, JiraRequestLogEntry } from '../site.js';
import type { createSearch } from './search.js';

/** Jira Service Management: /rest/servicedeskapi/request/{id}/comment. */
export function createServiceDeskApi(site: JiraSite, search: ReturnType<typeof createSearch>) {
  const { store } = site;
  const { parseInteger } = search;

  async function handleServiceDesk(req: IncomingMessage, res: ServerResponse, url: URL, state: RequestState, entry: JiraRequestLogEntry): Promise<void> {
    const match = /^\/rest\/servicedeskapi\/request\/([^/]+)\/comment\/?$/.exec(url.pathname);
    if (!match) throw serviceDeskError(404, `null for uri: ${url.pathname}`);
    const issue = store.get(decodeURIComponent(match[1] ?? ''));
    if (!issue || store.project(issue.projectKey)?.projectTypeKey !== 'service_desk') {
      throw serviceDeskError(404, 'The request could not be found or you do not have permission to view it.');
    }
    const render: RenderContext = { ...state.render, apiVersion: '2' };
    if (req.method === 'POST') {
      const body = await readJsonObject(req, entry);
      if (typeof body['body'] !== 'string' || body['body'].trim() === '') {
        throw serviceDeskError(400, 'The comment body must be a non-empty string.');
      }
      const isPublic = body['public'] === undefined ? true : body['public'];
      if (typeof isPublic !== 'boolean') throw serviceDeskError(400, "The 'public' field must be a boolean.");
      const comment = store.addComment(issue.id, { body: body['body'], public: isPublic }, state.user.accountId);
      if (!comment) throw serviceDeskError(404, 'The request could not be found.');
      return sendJson(res, 201, renderServiceDeskComment(comment, render));
    }
    if (req.method === 'GET') {
      const q = url.searchParams;
      const wantPublic = q.get('public') !== 'false';
      const wantInternal = q.get('internal') !== 'false';
      const start = parseInteger(q.get('start'), 0, 'start');
      const limit = Math.min(parseInteger(q.get('limit'), 50, 'limit'), 100);
      const all = store.comments(issue.id).filter((c) => (c.public ? wantPublic : wantInternal));
      const values = all.slice(start, start + limit);
      const self = `${site.baseUrl}${url.pathname}`;
      return sendJson(res, 200, {
        _expands: [],
        size: values.length,
        start,
        limit,
        isLastPage: start + values.length >= all.length,
        _links: {
          base: site.baseUrl,
          context: '',
          self,
          ...(start + values.length < all.length ? { next: `${self}?start=${start + limit}&limit=${limit}` } : {}),
          ...(start > 0 ? { prev: `${self}?start=${Math.max(0, start - limit)}&limit=${limit}` } : {}),
        },
        values: values.map((c) => renderServiceDeskComment(c, render)),
      });
    }
    throw methodNotAllowed();
  }

  return { handleServiceDesk };
}
