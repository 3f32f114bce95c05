import type { JiraSource } from '../source.js';
import { PlatformError } from '../../../http/errors.js';
import type { Action } from '../../../model/action.js';
import type { CurrentRecord, ProblemState, WriteResult } from '../../types.js';
import { jqlString } from '../jql.js';
import type { OwnWrites } from '../own-writes.js';
import { ISSUE_ID, ISSUE_KEY, correlationLabel, labelsWith } from '../refs.js';
import type { JiraRest } from '../rest.js';
import { IssueIdList, IssueStatus, ProblemIssue, type JiraWrite } from '../schema.js';
import type { JiraSearch } from '../search.js';
import { linksTo, type IssueLinker } from './links.js';
import { describeTransitions, listTransitions } from './transitions.js';

/** Correlation labels per `problemStates` search (JQL and URL stay short; Cloud caps IN lists far higher). */
const PROBLEM_STATE_CHUNK = 50;

/**
 * Problem issues in the source's problem project, found by a correlation label
 * (`deskbridge-<hash>`): create, link incidents to, update and reopen, and report open or closed.
 */
export class ProblemWriter {
  /** Correlation label → problem id created or found in this process (search lags behind on Cloud). */
  private readonly problemIds = new Map<string, string>();
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;
  private readonly search: JiraSearch;
  private readonly linker: IssueLinker;

  constructor(rest: JiraRest, ownWrites: OwnWrites, search: JiraSearch, linker: IssueLinker) {
    this.rest = rest;
    this.ownWrites = ownWrites;
    this.search = search;
    this.linker = linker;
  }

  /**
   * One JQL search per 50 correlation keys over the problem project,
   * `project = P AND labels in ("deskbridge-…", …) ORDER BY created ASC, id ASC`, paged. A problem
   * whose status is in the `done` category is `closed`. When several problems carry one label, the
   * oldest counts, as for `create-problem`'s lookup. No problem project configured → no problems.
   */
  async states(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    const result = new Map<string, ProblemState>();
    const problems = this.rest.source.problems;
    if (problems === undefined) {
      return result;
    }
    const byLabel = new Map<string, string>();
    for (const key of new Set(correlationKeys)) {
      byLabel.set(correlationLabel(key), key);
    }
    const labels = [...byLabel.keys()];
    for (let i = 0; i < labels.length; i += PROBLEM_STATE_CHUNK) {
      const chunk = labels.slice(i, i + PROBLEM_STATE_CHUNK);
      const jql = this.rest.guard(() => `project = ${jqlString(problems.projectKey)} AND labels in (${chunk.map((label) => jqlString(label)).join(', ')}) ORDER BY created ASC, id ASC`);
      for await (const issues of this.search.all(jql, ['labels', 'status'], 'problem-states', signal)) {
        for (const raw of issues) {
          const parsed = ProblemIssue.safeParse(raw);
          if (!parsed.success) {
            continue;
          }
          const issue = parsed.data;
          for (const label of issue.fields.labels) {
            const key = byLabel.get(label);
            if (key === undefined || result.has(key)) {
              continue;
            }
            this.problemIds.set(label, issue.id);
            result.set(key, { state: issue.fields.status?.statusCategory?.key === 'done' ? 'closed' : 'open', nativeId: issue.id, number: issue.key });
          }
        }
      }
    }
    return result;
  }

  /**
   * Creation is made idempotent by a label carrying a hash of the correlation key
   * (`deskbridge-<hash>`): the problem project is searched for it first.
   */
  async create(action: Extract<Action, { type: 'create-problem' }>, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const problems = this.requireProblems();
    const label = correlationLabel(action.correlationKey);
    const existing = await this.find(label, signal);
    if (existing !== undefined) {
      return { outcome: 'unchanged', ref: existing };
    }
    const fields = { ...write.fields };
    const created = await rest.createIssue(
      { ...fields, project: { key: problems.projectKey }, issuetype: { name: problems.issueType }, labels: labelsWith(fields.labels, label) },
      'create-problem',
      'created problem',
      signal,
    );
    this.problemIds.set(label, created.id);
    this.ownWrites.noteWrite(created.id);
    return { outcome: 'created', ref: created.id };
  }

  /** Links are checked on the incident first (either direction counts), then created. */
  async link(nativeId: string, action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined, current?: CurrentRecord): Promise<WriteResult> {
    const problem = await this.resolve(action, signal);
    const linkType = this.rest.source.problemLinkType;
    const links = await this.linker.linksOf(nativeId, linkType, signal, current);
    if (links.some((link) => linksTo(link, problem))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    // For "Problem/Incident" (outward "causes"), this reads "<problem> causes <incident>".
    await this.linker.post(linkType, problem.id !== undefined ? { id: problem.id } : { key: problem.key ?? '' }, { id: nativeId }, 'link', nativeId, signal);
    return { outcome: 'created', ref: nativeId };
  }

  /**
   * Finds the problem by its correlation label, reopens it first when asked and its status is in
   * the `done` category (Jira's classic workflow makes Closed issues read-only, so the edit has to
   * wait for the reopen), then `PUT`s summary and description. The transition is picked by name,
   * `problems.reopenTransition`. A retry finds the problem open and the same text: harmless.
   */
  async update(action: Extract<Action, { type: 'update-problem' }>, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    this.checkUpdate(write);
    const problems = this.requireProblems();
    const label = correlationLabel(action.correlationKey);
    const found = await this.find(label, signal);
    if (found === undefined) {
      throw this.notFound(action.correlationKey);
    }
    const fields: Record<string, unknown> = { ...write.fields };
    if (Array.isArray(fields.labels)) {
      // The correlation label is how the problem is found; a mapping may add labels, never drop it.
      fields.labels = labelsWith(fields.labels, label);
    }
    let outcome: WriteResult['outcome'] = 'unchanged';
    if (action.reopen) {
      const response = await rest.request({
        method: 'GET',
        url: `${rest.api}/issue/${found}`,
        params: { fields: 'status' },
        acceptStatuses: [404],
        operation: 'problem-status',
        signal,
      });
      if (response.status === 404) {
        this.problemIds.delete(label);
        throw this.notFound(action.correlationKey);
      }
      const status = rest.parse(IssueStatus, response.data, 'problem status').fields.status;
      if (status?.statusCategory?.key === 'done') {
        await this.reopen(found, status.name, problems.reopenTransition, signal);
        outcome = 'updated';
      }
    }
    if (Object.keys(fields).length > 0) {
      await rest.request({
        method: 'PUT',
        url: `${rest.api}/issue/${found}`,
        data: { fields: rest.flavour.richTextFields(fields) },
        operation: 'update-problem',
        signal,
      });
      outcome = 'updated';
    }
    if (outcome === 'updated') {
      this.ownWrites.noteWrite(found);
    }
    return { outcome, ref: found };
  }

  checkUpdate(write: JiraWrite): void {
    if (write.transition !== undefined || write.comment !== undefined || write.group !== undefined || write.assignee !== undefined) {
      throw this.rest.badRequest(
        'The update-problem branch of the outbound mapping may only produce "fields"',
        `Fix ${this.rest.mappingFile()}: summary and description go under "fields"; reopening follows the action's reopen flag`,
      );
    }
  }

  private async reopen(problemId: string, statusName: string, transitionName: string, signal: AbortSignal | undefined): Promise<void> {
    const { rest } = this;
    const transitions = await listTransitions(rest, problemId, signal);
    const chosen = transitions.find((t) => t.name.toLowerCase() === transitionName.toLowerCase());
    if (chosen === undefined) {
      throw rest.badRequest(
        `Problem ${problemId} is in the done status "${statusName}" and has no transition named "${transitionName}" (available: ${describeTransitions(transitions)})`,
        'Set problems.reopenTransition to the name of the problem workflow\'s reopen transition; the integration user also needs "Transition issues" in the problem project',
      );
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, status check first.
    await rest.request({
      method: 'POST',
      url: `${rest.api}/issue/${problemId}/transitions`,
      data: { transition: { id: chosen.id } },
      operation: 'transition',
      signal,
    });
  }

  private async resolve(action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined): Promise<{ id?: string; key?: string }> {
    if (action.problemRef !== undefined) {
      if (ISSUE_ID.test(action.problemRef)) {
        return { id: action.problemRef };
      }
      if (ISSUE_KEY.test(action.problemRef)) {
        return { key: action.problemRef };
      }
      throw this.rest.badRequest(`Problem reference "${action.problemRef}" is neither a Jira issue id nor a key`, 'Fix the rule that planned it');
    }
    if (action.correlationKey === undefined) {
      throw this.rest.badRequest('A link-problem action needs a problemRef or a correlationKey', 'Fix the rule that planned it');
    }
    this.requireProblems();
    const found = await this.find(correlationLabel(action.correlationKey), signal);
    if (found === undefined) {
      throw this.notFound(action.correlationKey);
    }
    return { id: found };
  }

  private async find(label: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const cached = this.problemIds.get(label);
    if (cached !== undefined) {
      return cached;
    }
    const problems = this.requireProblems();
    const jql = this.rest.guard(() => `project = ${jqlString(problems.projectKey)} AND labels = ${jqlString(label)} ORDER BY created ASC, id ASC`);
    const id = this.rest.parse(IssueIdList, await this.search.first(jql, ['id'], 'problem-lookup', signal), 'problem lookup').issues[0]?.id;
    if (id !== undefined) {
      this.problemIds.set(label, id);
    }
    return id;
  }

  private requireProblems(): NonNullable<JiraSource['problems']> {
    if (this.rest.source.problems === undefined) {
      throw this.rest.badRequest(
        `Source ${this.rest.sourceId} has no problem project configured`,
        'Set problems.projectKey (and problems.issueType if not "Problem") on the source to let rules create and link problems',
      );
    }
    return this.rest.source.problems;
  }

  private notFound(correlationKey: string): PlatformError {
    return new PlatformError(`No Jira problem carries the correlation key ${correlationKey} for source ${this.rest.sourceId}`, {
      platform: 'jira',
      sourceId: this.rest.sourceId,
      status: 404,
      code: 'not-found',
      // The create-problem entry for this key may simply not have run (or been indexed) yet.
      retryable: true,
      hint: 'The problem may not be created or searchable yet, or the integration user cannot browse the problem project',
    });
  }
}
