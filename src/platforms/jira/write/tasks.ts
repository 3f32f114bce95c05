import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { JiraGroups } from '../groups.js';
import { jqlString } from '../jql.js';
import type { OwnWrites } from '../own-writes.js';
import { labelsWith, projectOf, taskLabel } from '../refs.js';
import type { JiraRest } from '../rest.js';
import { IssueLinks, SearchJqlResponse, type JiraWrite } from '../schema.js';
import type { JiraSearch } from '../search.js';
import { linksTo, type IssueLinker } from './links.js';

/**
 * `create-task`: the issue type a follow-up task gets unless the mapping names one in
 * `fields.issuetype`, and the link type tying it to its ticket (Jira ships "Relates", outward and
 * inward both "relates to", so the direction does not matter). Constants rather than source
 * settings; a mapping can change the issue type, the link type needs a code change.
 */
export const TASK_ISSUE_TYPE = 'Task';
export const TASK_LINK_TYPE = 'Relates';

interface KnownTask {
  id: string;
  /** Whether its link to the ticket is known to exist. */
  linked: boolean;
}

/** Follow-up tasks (`create-task`) in the ticket's project, linked to the ticket. */
export class TaskWriter {
  /** Task label → task created or found in this process, and whether its link to the ticket is known to exist. */
  private readonly tasks = new Map<string, KnownTask>();
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;
  private readonly search: JiraSearch;
  private readonly linker: IssueLinker;
  private readonly groups: JiraGroups;

  constructor(rest: JiraRest, ownWrites: OwnWrites, search: JiraSearch, linker: IssueLinker, groups: JiraGroups) {
    this.rest = rest;
    this.ownWrites = ownWrites;
    this.search = search;
    this.linker = linker;
    this.groups = groups;
  }

  check(write: JiraWrite): void {
    if (write.transition !== undefined || write.comment !== undefined || write.public !== undefined || write.assignee !== undefined) {
      throw this.rest.badRequest(
        'The create-task branch of the outbound mapping may only produce "fields" and "group"',
        `Fix ${this.rest.mappingFile()}: summary and description go under "fields"; project, label and the link are added by the connector`,
      );
    }
    if (write.fields?.project !== undefined) {
      throw this.rest.badRequest('The create-task branch of the outbound mapping set fields.project', 'Leave project out: a task is opened in the project of the ticket it follows up');
    }
  }

  /**
   * Opens a follow-up Task in the ticket's project, linked to the ticket ("Relates"). Idempotent
   * through a label `deskbridge-task-<hash>` of the ticket id and the correlation key (so one key
   * used on two tickets gives two tasks): the project is searched for it first, the task's own
   * `issuelinks` coming with the search. Found and linked → `unchanged`; found without the link (a
   * crash between the two POSTs) → the link is added, still `unchanged`; otherwise `POST /issue`
   * then `POST /issueLink` → `created`. Tasks created in this process are remembered, because
   * Cloud's search may not show them yet.
   */
  async ensure(nativeId: string, action: Extract<Action, { type: 'create-task' }>, request: WriteRequest, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const target = request.planned.target;
    const project = projectOf(target.number);
    if (project === undefined) {
      throw rest.badRequest(`Cannot tell the project of ${target.number} to open a task in`, 'The action was planned from a record without an issue key');
    }
    const label = taskLabel(nativeId, action.correlationKey);
    const known = this.tasks.get(label) ?? (await this.find(project, label, nativeId, target.number, signal));
    if (known !== undefined) {
      if (!known.linked) {
        await this.link(known.id, nativeId, signal);
        this.tasks.set(label, { id: known.id, linked: true });
      }
      return { outcome: 'unchanged', ref: known.id };
    }
    // A mapping that shaped the group value itself (e.g. a Team id) wins, as for assign.
    const fields = await this.groups.withGroup(write.fields, write.group, signal);
    // Not re-sent after an unclear failure: the outbox retries the whole step, label search first.
    const created = await rest.createIssue(
      { issuetype: { name: TASK_ISSUE_TYPE }, ...fields, project: { key: project }, labels: labelsWith(fields.labels, label) },
      'create-task',
      'created task',
      signal,
    );
    this.tasks.set(label, { id: created.id, linked: false });
    this.ownWrites.noteWrite(created.id);
    await this.link(created.id, nativeId, signal);
    this.tasks.set(label, { id: created.id, linked: true });
    return { outcome: 'created', ref: created.id };
  }

  private async find(project: string, label: string, ticketId: string, ticketKey: string, signal: AbortSignal | undefined): Promise<KnownTask | undefined> {
    const { rest } = this;
    const jql = rest.guard(() => `project = ${jqlString(project)} AND labels = ${jqlString(label)} ORDER BY created ASC, id ASC`);
    const first = rest.parse(SearchJqlResponse, await this.search.first(jql, ['issuelinks'], 'task-lookup', signal), 'task lookup').issues[0];
    if (first === undefined) {
      return undefined;
    }
    const task = rest.parse(IssueLinks, first, 'task');
    const linked = task.fields.issuelinks.some((link) => link.type.name === TASK_LINK_TYPE && linksTo(link, { id: ticketId, key: ticketKey }));
    const found = { id: task.id, linked };
    this.tasks.set(label, found);
    return found;
  }

  /** "Relates" reads "relates to" both ways: the task is sent as inwardIssue, the ticket as outwardIssue. */
  private async link(taskId: string, ticketId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.linker.post(TASK_LINK_TYPE, { id: taskId }, { id: ticketId }, 'task-link', ticketId, signal);
  }
}
