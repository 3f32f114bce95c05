import { type FieldError, fieldError, validationFailed } from './http.js';
import { parseFreshserviceDate } from './time.js';

/**
 * Query-string checks shared by the list endpoints. Freshservice is strict about them
 * (https://api.freshservice.com/#pagination): `per_page` defaults to 30, "the maximum number of
 * objects that can be retrieved per page is 100. Invalid values and values greater than 100 will
 * result in an error"; pages start at 1. An unknown parameter is an `invalid_field` 400, as an
 * unexpected attribute is (https://api.freshservice.com/#error-codes).
 */

export interface Paging {
  page: number;
  perPage: number;
}

export function rejectUnknownParams(params: URLSearchParams, allowed: readonly string[]): void {
  const errors: FieldError[] = [];
  for (const name of new Set(params.keys())) {
    if (!allowed.includes(name)) errors.push(fieldError(name, 'invalid_field', 'Unexpected/invalid field in request'));
  }
  if (errors.length > 0) throw validationFailed(errors);
}

function positiveInteger(value: string): number | null {
  return /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : null;
}

export function readPaging(params: URLSearchParams, defaultPerPage = 30, maxPerPage = 100): Paging {
  const errors: FieldError[] = [];
  const pageText = params.get('page');
  const perPageText = params.get('per_page');
  const page = pageText === null ? 1 : positiveInteger(pageText);
  const perPage = perPageText === null ? defaultPerPage : positiveInteger(perPageText);
  if (page === null) errors.push(fieldError('page', 'datatype_mismatch', 'It should be a/an Positive Integer'));
  if (perPage === null) errors.push(fieldError('per_page', 'datatype_mismatch', 'It should be a/an Positive Integer'));
  else if (perPage > maxPerPage) errors.push(fieldError('per_page', 'invalid_value', `Must be less than or equal to ${maxPerPage}`));
  if (errors.length > 0) throw validationFailed(errors);
  return { page: page ?? 1, perPage: perPage ?? defaultPerPage };
}

export function readDateParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const ms = parseFreshserviceDate(text);
  if (ms === null) throw validationFailed([fieldError(name, 'invalid_value', 'It should be in the format YYYY-MM-DDTHH:MM:SSZ (ISO 8601)')]);
  return ms;
}

/** The requested embeds (`include=a,b`), each checked against what the endpoint offers. */
export function readIncludes(params: URLSearchParams, allowed: readonly string[]): string[] {
  const text = params.get('include');
  if (text === null) return [];
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length > 0 || items.length === 0) throw validationFailed([fieldError('include', 'invalid_value', `It should be one of these values: '${allowed.join(',')}'`)]);
  return [...new Set(items)];
}

/** One page of `items` plus whether another follows. */
export function pageOf<T>(items: readonly T[], paging: Paging): { items: T[]; more: boolean } {
  const start = (paging.page - 1) * paging.perPage;
  return { items: items.slice(start, start + paging.perPage), more: items.length > start + paging.perPage };
}

/** `<https://…?page=N+1>;rel="next"` as in the documented sample, pointing at the same query. */
export function nextLink(baseUrl: string, url: URL, paging: Paging): string {
  const next = new URL(url.pathname + url.search, baseUrl);
  next.searchParams.set('page', String(paging.page + 1));
  return `<${next.toString()}>;rel="next"`;
}

/** The workspace a list answers for: absent = primary, 0 = all workspaces (null), N = that one. */
export function readWorkspaceParam(params: URLSearchParams, primaryId: number, exists: (id: number) => boolean): number | null {
  const text = params.get('workspace_id');
  if (text === null) return primaryId;
  if (!/^\d+$/.test(text)) throw validationFailed([fieldError('workspace_id', 'datatype_mismatch', 'It should be a/an Integer')]);
  const id = Number(text);
  if (id === 0) return null;
  if (!exists(id)) throw validationFailed([fieldError('workspace_id', 'invalid_value', 'There is no workspace matching the given workspace_id')]);
  return id;
}
