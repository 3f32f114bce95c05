import { FaultConfigError, faultControl } from '../../faults.js';
import { type Route, findRoute } from '../../route-table.js';
import { HttpError, notFound, queryRecords, readJsonObject, sendJson } from '../http.js';
import type { Call } from '../site.js';

/** The /__sandbox/ control API for tests and the demo: no auth, raw stored values, clearly not part of ServiceNow. */

const CONTROL_ROUTES: readonly Route<Call>[] = [
  { method: 'GET', path: '/health', handle: health },
  { method: 'GET', path: '/tables', handle: tables },
  { method: 'GET', path: '/state', handle: state },
  { method: '*', path: /^\/faults(?:\/log)?$/, handle: faults },
  { method: 'GET', path: /^\/journal\/([0-9a-f]{32})$/, handle: ({ site, res }, [sysId = '']) => sendJson(res, 200, { result: site.store.journal(sysId) }) },
  { method: 'GET', path: '/requests', handle: ({ site, res }) => sendJson(res, 200, { result: site.requestLog }) },
  { method: 'DELETE', path: '/requests', handle: clearRequests },
  { method: ['POST', 'PATCH'], path: /^\/records\/([A-Za-z0-9_]+)(?:\/([0-9a-f]{32}))?$/, handle: writeRecord },
  { method: 'POST', path: '/oauth/expire', handle: expireTokens },
  { method: 'POST', path: '/rate-limit/reset', handle: resetRateLimit },
];

export async function handleControl(call: Call): Promise<void> {
  const path = call.url.pathname.slice('/__sandbox'.length);
  const handler = findRoute(CONTROL_ROUTES, call.method, path);
  if (!handler) throw unknownEndpoint(call);
  await handler(call);
}

function unknownEndpoint({ method, url }: Call): HttpError {
  return new HttpError(404, 'Unknown sandbox control endpoint', `${method} ${url.pathname}`);
}

function health({ site, res }: Call): void {
  sendJson(res, 200, { status: 'ok', instanceName: site.instanceName, tables: site.store.tableNames().length });
}

function tables({ site, res }: Call): void {
  sendJson(res, 200, { result: site.store.tableNames().map((name) => ({ name, count: site.store.count(name) })) });
}

/** Stored records of `table` (default incident) matching the encoded `query`. */
function state({ site, res, url }: Call): void {
  const table = url.searchParams.get('table') ?? 'incident';
  const rows = queryRecords(site.store, table, url.searchParams.get('query') ?? '');
  sendJson(res, 200, { table, count: rows.length, result: rows });
}

/** The fault routes shared with the Jira sandbox (`/faults`, `/faults/log`). */
async function faults(call: Call): Promise<void> {
  const { site, req, res, method, url } = call;
  const path = url.pathname.slice('/__sandbox'.length);
  const answer = await faultControl(site.faults, method, path, () => readJsonObject(req)).catch((error: unknown) => {
    if (error instanceof FaultConfigError) throw new HttpError(400, 'Invalid fault configuration', error.message);
    throw error;
  });
  if (!answer) throw unknownEndpoint(call);
  sendJson(res, answer.status, answer.body);
}

function clearRequests({ site, res }: Call): void {
  site.requestLog.length = 0;
  sendJson(res, 200, { result: 'cleared' });
}

/** POST inserts into the table, PATCH updates the record named: as `user` (default admin), without the Table API's checks. */
async function writeRecord({ site, req, res, url, method }: Call, [table = '', sysId = '']: readonly (string | undefined)[]): Promise<void> {
  const params = url.searchParams;
  const writeOptions = { inputDisplayValue: params.get('input_display_value') === 'true' };
  const user = params.get('user') ?? 'admin';
  const body = await readJsonObject(req);
  const record = method === 'POST' ? site.store.insert(table, body, user, writeOptions) : site.store.update(table, sysId, body, user, writeOptions);
  if (!record) throw notFound();
  sendJson(res, method === 'POST' ? 201 : 200, { result: record });
}

function expireTokens({ site, res }: Call): void {
  site.tokens.expireAll();
  sendJson(res, 200, { result: 'expired' });
}

function resetRateLimit({ site, res }: Call): void {
  site.rateWindow.start = 0;
  site.rateWindow.count = 0;
  sendJson(res, 200, { result: 'reset' });
}
