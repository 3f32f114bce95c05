import { type FieldError, fieldError, notFound, readJsonObject, sendJson, validationFailed } from '../http.js';
import { nextLink, pageOf, readPaging, readWorkspaceParam, rejectUnknownParams } from '../params.js';
import { renderProblem } from '../render.js';
import type { Call } from '../site.js';
import { type CreateProblemInput, type FreshserviceStore, PROBLEM_IMPACTS, PROBLEM_STATUSES, TICKET_PRIORITIES } from '../store.js';
import { parseFreshserviceDate } from '../time.js';

/**
 * Problems (https://api.freshservice.com/#problems): create with requester (id or email), subject,
 * description, due_by, priority, status and impact mandatory; view; list (primary workspace unless
 * `workspace_id`); update. Tickets are associated with a problem through the ticket
 * (`"problem": {"display_id": n}` on create/update, https://api.freshservice.com/#create_ticket_with_associations).
 */

const PROBLEM_FIELDS = [
  'requester_id',
  'email',
  'subject',
  'description',
  'due_by',
  'priority',
  'status',
  'impact',
  'agent_id',
  'group_id',
  'known_error',
  'category',
  'sub_category',
  'item_category',
  'custom_fields',
  'workspace_id',
  'department_id',
];
const MANDATORY = ['subject', 'description', 'due_by', 'priority', 'status', 'impact'];

function findProblem(call: Call, idText: string) {
  const problem = /^\d+$/.test(idText) ? call.site.store.problem(Number(idText)) : undefined;
  if (!problem) throw notFound();
  return problem;
}

/** Validates a create (`creating`) or update body into store input. */
function readProblem(store: FreshserviceStore, body: Record<string, unknown>, creating: boolean, workspaceId: number): Partial<CreateProblemInput> {
  const errors: FieldError[] = [];
  const out: Partial<CreateProblemInput> = {};
  if (creating) {
    for (const name of MANDATORY) if (body[name] === undefined) errors.push(fieldError(name, 'missing_field', 'It should be a mandatory field'));
    if (body['requester_id'] === undefined && body['email'] === undefined) errors.push(fieldError('requester_id', 'missing_field', 'Please fill at least 1 of requester_id, email fields'));
  }
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const choose = (name: string, allowed: Readonly<Record<number, string>>): number | undefined => {
    const v = body[name];
    if (v === undefined) return undefined;
    if (!int(v)) errors.push(fieldError(name, 'datatype_mismatch', 'It should be a/an Integer'));
    else if (!(v in allowed)) errors.push(fieldError(name, 'invalid_value', `It should be one of these values: '${Object.keys(allowed).join(',')}'`));
    else return v;
    return undefined;
  };
  for (const [key, value] of Object.entries(body)) {
    if (!PROBLEM_FIELDS.includes(key)) errors.push(fieldError(key, 'invalid_field', 'Unexpected/invalid field in request'));
    else if (key === 'workspace_id' && !creating) errors.push(fieldError(key, 'invalid_field', 'workspace_id cannot be updated'));
    else if ((key === 'subject' || key === 'description') && (typeof value !== 'string' || value.trim() === ''))
      errors.push(fieldError(key, 'invalid_value', 'It should not be blank as this is a mandatory field'));
  }
  if (typeof body['subject'] === 'string' && body['subject'].trim() !== '') out.subject = body['subject'];
  if (typeof body['description'] === 'string' && body['description'].trim() !== '') out.description = body['description'];
  out.priority = choose('priority', TICKET_PRIORITIES);
  out.status = choose('status', PROBLEM_STATUSES);
  out.impact = choose('impact', PROBLEM_IMPACTS);
  if (body['due_by'] !== undefined) {
    const ms = typeof body['due_by'] === 'string' ? parseFreshserviceDate(body['due_by']) : null;
    if (ms === null) errors.push(fieldError('due_by', 'invalid_value', 'It should be in the format YYYY-MM-DDTHH:MM:SSZ (ISO 8601)'));
    else out.due_by = ms;
  }
  const requesterId = body['requester_id'];
  if (requesterId !== undefined) {
    if (!int(requesterId) || !store.userExists(requesterId)) errors.push(fieldError('requester_id', 'invalid_value', 'There is no contact matching the given requester_id'));
    else out.requester_id = requesterId;
  } else if (typeof body['email'] === 'string') {
    const user = store.requesterByEmail(body['email']) ?? store.agentByEmail(body['email']);
    if (!user) errors.push(fieldError('email', 'invalid_value', 'There is no contact matching the given email'));
    else out.requester_id = user.id;
  } else if (body['email'] !== undefined) errors.push(fieldError('email', 'datatype_mismatch', 'It should be a/an String'));
  const agentId = body['agent_id'];
  if (agentId !== undefined && agentId !== null) {
    if (!int(agentId) || !store.agent(agentId)?.active) errors.push(fieldError('agent_id', 'invalid_value', 'There is no agent matching the given agent_id'));
    else out.agent_id = agentId;
  } else if (agentId === null) out.agent_id = null;
  const groupId = body['group_id'];
  if (groupId !== undefined && groupId !== null) {
    if (!int(groupId) || store.group(groupId)?.workspace_id !== workspaceId) errors.push(fieldError('group_id', 'invalid_value', 'There is no group matching the given group_id'));
    else out.group_id = groupId;
  } else if (groupId === null) out.group_id = null;
  if (body['known_error'] !== undefined) {
    if (typeof body['known_error'] !== 'boolean') errors.push(fieldError('known_error', 'datatype_mismatch', 'It should be a/an Boolean'));
    else out.known_error = body['known_error'];
  }
  for (const key of ['category', 'sub_category', 'item_category'] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an String'));
    else out[key] = v;
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

export async function createProblem(call: Call): Promise<void> {
  const { req, res, site, entry } = call;
  const body = await readJsonObject(req);
  entry.body = body;
  const store = site.store;
  let workspaceId = store.primaryWorkspace().id;
  if (body['workspace_id'] !== undefined) {
    const w = body['workspace_id'];
    if (typeof w !== 'number' || !store.workspace(w)) throw validationFailed([fieldError('workspace_id', 'invalid_value', 'There is no workspace matching the given workspace_id')]);
    workspaceId = w;
  }
  const input = readProblem(store, body, true, workspaceId) as CreateProblemInput;
  const problem = store.createProblem({ ...input, workspace_id: workspaceId });
  sendJson(res, 201, { problem: renderProblem(problem) }, { Location: `${site.baseUrl}/api/v2/problems/${problem.id}` });
}

export function showProblem(call: Call, idText: string): void {
  rejectUnknownParams(call.url.searchParams, []);
  sendJson(call.res, 200, { problem: renderProblem(findProblem(call, idText)) });
}

export function listProblems(call: Call): void {
  const { url, res, site } = call;
  rejectUnknownParams(url.searchParams, ['workspace_id', 'page', 'per_page']);
  const paging = readPaging(url.searchParams);
  const store = site.store;
  const workspaceId = readWorkspaceParam(url.searchParams, store.primaryWorkspace().id, (id) => store.workspace(id) !== undefined);
  const problems = store.problems().filter((p) => workspaceId === null || p.workspace_id === workspaceId);
  const page = pageOf(problems, paging);
  if (page.more) res.setHeader('Link', nextLink(site.baseUrl, url, paging));
  sendJson(res, 200, { problems: page.items.map(renderProblem) });
}

export async function updateProblem(call: Call, idText: string): Promise<void> {
  const { req, res, site, entry } = call;
  const problem = findProblem(call, idText);
  const body = await readJsonObject(req);
  entry.body = body;
  const patch = readProblem(site.store, body, false, problem.workspace_id);
  const updated = site.store.updateProblem(problem.id, patch);
  if (!updated) throw notFound();
  sendJson(res, 200, { problem: renderProblem(updated) });
}
