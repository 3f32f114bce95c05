import { type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultConfigError, faultControl } from '../../faults.js';
import { jiraError, NOT_FOUND_ISSUE, sendJson, readJsonObject } from '../http.js';
import type { JiraSite, JiraRequestLogEntry } from '../site.js';
import { type IssuePatch, type JiraStore } from '../store.js';
import type { createRequestBody } from './request-body.js';

/** The /__sandbox/ control API for tests and the demo. */
export function createControlApi(site: JiraSite, requestBody: ReturnType<typeof createRequestBody>) {
  const { store, flavour, lagMs, requestLog, faults } = site;
  const window = site.rateWindow;
  const { storeWrite } = requestBody;

  /** Test/demo control API: no auth, store-shaped values, clearly not part of Jira. */
  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, entry: JiraRequestLogEntry): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/__sandbox'.length);
    const q = url.searchParams;
    const actor = (): string => {
      const ref = q.get('user');
      const user = ref ? store.findUser(ref) : store.users()[0];
      if (!user) throw jiraError(400, [`Unknown user ${ref ?? ''}`]);
      return user.accountId;
    };
    if (method === 'GET' && path === '/health') {
      return sendJson(res, 200, { status: 'ok', flavour, issues: store.count(), searchLagMs: lagMs });
    }
    const fault = await faultControl(faults, method, path, () => readJsonObject(req, entry)).catch((error: unknown) => {
      if (error instanceof FaultConfigError) throw jiraError(400, [error.message]);
      throw error;
    });
    if (fault) return sendJson(res, fault.status, fault.body);
    if (method === 'GET' && path === '/requests') return sendJson(res, 200, { requests: requestLog });
    if (method === 'DELETE' && path === '/requests') {
      requestLog.length = 0;
      return sendJson(res, 200, { cleared: true });
    }
    if (method === 'POST' && path === '/rate-limit/reset') {
      window.start = 0;
      window.count = 0;
      return sendJson(res, 200, { reset: true });
    }
    if (method === 'GET' && path === '/issues') {
      return sendJson(res, 200, { issues: store.list() });
    }
    if (method === 'POST' && path === '/issues') {
      const body = await readJsonObject(req, entry);
      const issue = storeWrite(() => store.createIssue(body as unknown as Parameters<JiraStore['createIssue']>[0], actor()));
      return sendJson(res, 201, issue);
    }
    const issuePath = /^\/issues\/([^/]+)(\/comments|\/transitions\/([^/]+))?$/.exec(path);
    if (issuePath && (method === 'PATCH' || method === 'POST')) {
      const idOrKey = decodeURIComponent(issuePath[1] ?? '');
      const body = await readJsonObject(req, entry);
      if (method === 'PATCH' && !issuePath[2]) {
        const issue = storeWrite(() => store.updateIssue(idOrKey, body as IssuePatch, actor()));
        if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 200, issue);
      }
      if (method === 'POST' && issuePath[2] === '/comments') {
        const text = typeof body['body'] === 'string' ? body['body'] : '';
        const comment = store.addComment(idOrKey, { body: text, public: body['public'] !== false }, actor());
        if (!comment) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 201, comment);
      }
      if (method === 'POST' && issuePath[3]) {
        const resolution = typeof body['resolution'] === 'string' ? body['resolution'] : undefined;
        const issue = storeWrite(() => store.transition(idOrKey, issuePath[3] ?? '', actor(), resolution ? { resolution } : {}));
        if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 200, issue);
      }
    }
    throw jiraError(404, [`Unknown sandbox control endpoint ${method} ${url.pathname}`]);
  }

  return { handleControl };
}
