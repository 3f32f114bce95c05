import { createHash } from 'node:crypto';
import type { Action } from '../../../model/action.js';
import type { ProblemState, WriteResult } from '../../types.js';
import type { Session } from '../session.js';
import { API, type FreshserviceRest, listPages } from '../rest.js';
import { type FreshserviceWrite, type Problem, ProblemList, ProblemResponse } from '../schema.js';

/** Problem status Closed (1 Open, 2 Change Requested, 3 Closed: https://api.freshservice.com/#problems). */
const CLOSED = 3;
const OPEN = 1;

/** The tag a problem's subject carries for its correlation key: Freshservice problems have no external-id field to find them by. */
export function problemTag(correlationKey: string): string {
  return `[deskbridge ${createHash('sha256').update(correlationKey).digest('hex').slice(0, 12)}]`;
}

/**
 * Problems for recurring incidents: `POST /api/v2/problems` with the fields Freshservice requires
 * (requester, subject, description, priority, impact, status, due_by), made idempotent by a tag
 * in the subject derived from the correlation key. Problems are found by listing
 * `GET /api/v2/problems` (100 a page) — there is no search by subject — and remembered.
 */
export class ProblemWriter {
  private readonly rest: FreshserviceRest;
  private readonly known = new Map<string, Problem>();

  constructor(rest: FreshserviceRest) {
    this.rest = rest;
  }

  async create(action: Extract<Action, { type: 'create-problem' }>, write: FreshserviceWrite, session: () => Promise<Session>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const existing = await this.find(action.correlationKey, signal);
    if (existing !== undefined) return { outcome: 'unchanged', ref: String(existing.id) };
    const settings = this.rest.source.problems;
    const tag = problemTag(action.correlationKey);
    const subject = `${(write.subject ?? action.title).slice(0, 240)} ${tag}`;
    const data: Record<string, unknown> = {
      subject,
      description: write.description ?? action.description,
      // Who the key belongs to is asked only when a problem is really created (and then remembered).
      requester_id: settings.requesterId ?? (await session()).agentId,
      priority: settings.priority,
      impact: settings.impact,
      status: OPEN,
      due_by: new Date(this.rest.now() + settings.dueInDays * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(settings.groupId !== undefined ? { group_id: settings.groupId } : {}),
      ...(settings.workspaceId !== undefined ? { workspace_id: settings.workspaceId } : {}),
    };
    // A POST that timed out may have created the problem: not re-sent here; the outbox retries the step and the look-up finds it.
    const response = await this.rest.request({ method: 'POST', url: `${API}/problems`, data, operation: 'create-problem', signal });
    const created = this.rest.parse(ProblemResponse, response.data, 'problem creation').problem;
    this.known.set(action.correlationKey, created);
    return { outcome: 'created', ref: String(created.id) };
  }

  /** Rewrites subject and description; `reopen` moves a Closed problem back to Open. */
  async update(action: Extract<Action, { type: 'update-problem' }>, write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const problem = await this.find(action.correlationKey, signal);
    if (problem === undefined) throw this.notFound(action.correlationKey);
    const subject = `${(write.subject ?? action.title).slice(0, 240)} ${problemTag(action.correlationKey)}`;
    const changes: Record<string, unknown> = {};
    if (problem.subject !== subject) changes.subject = subject;
    const description = write.description ?? action.description;
    if ((problem.description ?? '') !== description && (problem.description_text ?? '') !== description) changes.description = description;
    if (action.reopen && problem.status === CLOSED) changes.status = OPEN;
    if (Object.keys(changes).length === 0) return { outcome: 'unchanged', ref: String(problem.id) };
    const response = await this.rest.request({ method: 'PUT', url: `${API}/problems/${problem.id}`, data: changes, operation: 'update-problem', signal });
    this.known.set(action.correlationKey, this.rest.parse(ProblemResponse, response.data, 'problem update').problem);
    return { outcome: 'updated', ref: String(problem.id) };
  }

  /** The problem id a link-problem action points at: its problemRef (an id), or the problem of its correlation key. */
  async resolve(action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined): Promise<number> {
    if (action.problemRef !== undefined && /^\d+$/.test(action.problemRef)) return Number(action.problemRef);
    const key = action.problemRef ?? action.correlationKey;
    if (key === undefined) throw this.rest.badRequest('A link-problem action needs a problemRef or a correlationKey', 'Fix the rule that planned it');
    const problem = await this.find(key, signal);
    if (problem === undefined) throw this.notFound(key);
    return problem.id;
  }

  /** One listing of the problems, however many keys (Closed → `closed`). */
  async states(keys: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, ProblemState>> {
    const result = new Map<string, ProblemState>();
    if (keys.length === 0) return result;
    const byTag = await this.list(signal);
    for (const key of new Set(keys)) {
      const problem = byTag.get(problemTag(key));
      if (problem !== undefined) {
        this.known.set(key, problem);
        result.set(key, { state: problem.status === CLOSED ? 'closed' : 'open', nativeId: String(problem.id), number: `PRB-${problem.id}` });
      }
    }
    return result;
  }

  private async find(key: string, signal: AbortSignal | undefined): Promise<Problem | undefined> {
    const known = this.known.get(key);
    if (known !== undefined) return known;
    const problem = (await this.list(signal)).get(problemTag(key));
    if (problem !== undefined) this.known.set(key, problem);
    return problem;
  }

  /** Every problem carrying a deskbridge tag, by tag; the oldest wins when two carry one. */
  private async list(signal: AbortSignal | undefined): Promise<Map<string, Problem>> {
    const byTag = new Map<string, Problem>();
    // Listed in the workspace problems are created in: without workspace_id the list holds the primary workspace's only.
    const workspace = this.rest.source.problems.workspaceId;
    const params: Record<string, number> = workspace !== undefined ? { per_page: 100, workspace_id: workspace } : { per_page: 100 };
    for await (const response of listPages(this.rest, `${API}/problems`, params, 'problem-lookup', signal)) {
      for (const problem of this.rest.parse(ProblemList, response.data, 'problem list').problems) {
        const tag = /\[deskbridge [0-9a-f]{12}\]/.exec(problem.subject ?? '')?.[0];
        const earlier = tag !== undefined ? byTag.get(tag) : undefined;
        if (tag !== undefined && (earlier === undefined || earlier.id > problem.id)) byTag.set(tag, problem);
      }
    }
    return byTag;
  }

  private notFound(key: string) {
    // The create-problem entry for this key may simply not have run yet.
    return this.rest.notFound(`No Freshservice problem carries ${problemTag(key)} for source ${this.rest.sourceId}`, 'The problem may not be created yet, or was deleted', true);
  }
}
