import { type Route, findRoute } from '../../route-table.js';
import { HttpError, TABLE_PATH, methodNotSupported, notFound, queryRecords, readJsonObject, sendJson } from '../http.js';
import { type DisplayMode, type RenderOptions, renderRecord } from '../render.js';
import type { Call, SandboxDataPolicy } from '../site.js';
import type { SandboxRecord } from '../store.js';
import { DICTIONARY_TABLES, syncDictionaryTables } from '../dictionary-tables.js';

/** The Table API (/api/now[/v1|/v2]/table/{table}[/{sys_id}]): list, read, create, update, delete. */

/** A Table API request after authentication: who makes it. */
export interface TableCall extends Call {
  user: string;
}

const COLLECTION = /^\/api\/now\/(?:v[12]\/)?table\/([A-Za-z0-9_]+)\/?$/;
const RECORD = /^\/api\/now\/(?:v[12]\/)?table\/([A-Za-z0-9_]+)\/([^/]+)\/?$/;

const TABLE_ROUTES: readonly Route<TableCall>[] = [
  { method: 'GET', path: COLLECTION, handle: (call, [table = '']) => listRecords(call, table) },
  { method: 'POST', path: COLLECTION, handle: (call, [table = '']) => createRecord(call, table) },
  { method: 'GET', path: RECORD, handle: (call, [table = '', sysId = '']) => getRecord(call, table, sysId) },
  { method: ['PATCH', 'PUT'], path: RECORD, handle: (call, [table = '', sysId = '']) => updateRecord(call, table, sysId) },
  { method: 'DELETE', path: RECORD, handle: (call, [table = '', sysId = '']) => deleteRecord(call, table, sysId) },
];

/** Serves a Table API path: 400 for a path that names no table, 405 for a method the resource lacks. */
export async function handleTable(call: TableCall): Promise<void> {
  const path = call.url.pathname;
  if (!TABLE_PATH.test(path)) throw new HttpError(400, 'Requested URI does not represent any resource', null);
  const handler = findRoute(TABLE_ROUTES, call.method, path);
  if (!handler) throw methodNotSupported(call.method);
  // The dictionary describes the tables as they are now, custom columns included.
  const table = /\/table\/([A-Za-z0-9_]+)/.exec(path)?.[1] ?? '';
  if (call.method === 'GET' && DICTIONARY_TABLES.has(table)) syncDictionaryTables(call.site.store);
  await handler(call);
}

function listRecords({ site, res, url }: TableCall, table: string): void {
  const params = url.searchParams;
  const limit = parseNonNegative(params.get('sysparm_limit'), 10000, 'limit');
  const offset = parseNonNegative(params.get('sysparm_offset'), 0, 'offset');
  if (limit === 0) throw new HttpError(400, 'limit is 0', 'sysparm_limit must be a positive number');
  const matches = queryRecords(site.store, table, params.get('sysparm_query') ?? '');
  const page = matches.slice(offset, offset + limit);
  const render = renderOptions(params, site.baseUrl);
  const total = matches.length;
  if (params.get('sysparm_no_count') !== 'true') res.setHeader('X-Total-Count', String(total));
  if (params.get('sysparm_suppress_pagination_header') !== 'true') {
    res.setHeader('Link', linkHeader(`${site.baseUrl}${url.pathname}`, params, offset, limit, total));
  }
  sendJson(res, 200, { result: page.map((record) => renderRecord(site.store, table, record, render)) });
}

async function createRecord({ site, req, res, url, user }: TableCall, table: string): Promise<void> {
  const body = await readJsonObject(req);
  enforceDataPolicies(site.options.dataPolicies ?? [], table, {}, body);
  const record = site.store.insert(table, body, user, writeOptions(url.searchParams));
  res.setHeader('Location', `${site.baseUrl}/api/now/table/${table}/${record['sys_id']}`);
  sendJson(res, 201, { result: renderRecord(site.store, table, record, renderOptions(url.searchParams, site.baseUrl)) });
}

function getRecord({ site, res, url }: TableCall, table: string, sysId: string): void {
  const record = site.store.get(table, sysId);
  if (!record) throw notFound();
  sendJson(res, 200, { result: renderRecord(site.store, table, record, renderOptions(url.searchParams, site.baseUrl)) });
}

/** PATCH and PUT alike: the fields given are set, the others kept. */
async function updateRecord({ site, req, res, url, user }: TableCall, table: string, sysId: string): Promise<void> {
  const existing = site.store.get(table, sysId);
  if (!existing) throw notFound();
  const body = await readJsonObject(req);
  enforceDataPolicies(site.options.dataPolicies ?? [], table, existing, body);
  const record = site.store.update(table, sysId, body, user, writeOptions(url.searchParams));
  if (!record) throw notFound();
  sendJson(res, 200, { result: renderRecord(site.store, table, record, renderOptions(url.searchParams, site.baseUrl)) });
}

function deleteRecord({ site, res }: TableCall, table: string, sysId: string): void {
  if (!site.store.delete(table, sysId)) throw notFound();
  res.writeHead(204);
  res.end();
}

function writeOptions(params: URLSearchParams): { inputDisplayValue: boolean } {
  return { inputDisplayValue: params.get('sysparm_input_display_value') === 'true' };
}

/** Checks the record as the write would leave it (body values taken as given) against every data policy of the table. */
function enforceDataPolicies(policies: readonly SandboxDataPolicy[], table: string, existing: Readonly<SandboxRecord>, body: Readonly<Record<string, unknown>>): void {
  const after: Record<string, string> = { ...existing };
  for (const [field, value] of Object.entries(body)) after[field] = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  const missing = policies.filter((policy) => policy.table === table && (policy.when?.(after, body) ?? true) && (after[policy.mandatory] ?? '') === '').map((policy) => policy.mandatory);
  if (missing.length > 0) {
    throw new HttpError(403, 'Operation Failed', `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}\n`);
  }
}

function renderOptions(params: URLSearchParams, baseUrl: string): RenderOptions {
  const display = (params.get('sysparm_display_value') ?? 'false').toLowerCase();
  const fieldsParam = params.get('sysparm_fields');
  return {
    displayValue: (display === 'true' || display === 'all' ? display : 'false') satisfies DisplayMode,
    excludeReferenceLink: params.get('sysparm_exclude_reference_link') === 'true',
    fields: fieldsParam
      ? fieldsParam
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : undefined,
    baseUrl,
  };
}

function parseNonNegative(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new HttpError(400, `${name} is ${raw}`, `sysparm_${name} must be an integer`);
  if (value < 0) throw new HttpError(400, `${name} is ${raw}`, `Negative ${name} is not supported`);
  return value;
}

/**
 * The Link header as the instance sends it: `<url>;rel="first",<url>;rel="prev",…` with every
 * original parameter kept and sysparm_offset / sysparm_limit rewritten. `prev` only after the
 * first page and `next` only while records remain.
 */
function linkHeader(base: string, params: URLSearchParams, offset: number, limit: number, total: number): string {
  const at = (pageOffset: number): string => {
    const copy = new URLSearchParams(params);
    copy.set('sysparm_limit', String(limit));
    copy.set('sysparm_offset', String(pageOffset));
    return `<${base}?${copy.toString()}>`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links = [`${at(0)};rel="first"`];
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))};rel="prev"`);
  if (offset + limit < total) links.push(`${at(offset + limit)};rel="next"`);
  links.push(`${at(lastOffset)};rel="last"`);
  return links.join(',');
}
