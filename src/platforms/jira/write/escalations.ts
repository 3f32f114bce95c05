import { createHash } from 'node:crypto';
import type { Action } from '../../../model/action.js';
import type { WriteResult } from '../../types.js';
import { projectKeys } from '../directory.js';
import { jqlString } from '../jql.js';
import type { OwnWrites } from '../own-writes.js';
import { escalationLabel, labelsWith } from '../refs.js';
import type { JiraRest } from '../rest.js';
import { FoundIssue, RemoteLinkWritten, SearchJqlResponse, type JiraWrite } from '../schema.js';
import type { JiraSearch } from '../search.js';

/** The issue type an escalated copy gets unless the rule names one (`issueType`) or the mapping sets `fields.issuetype`. */
export const ESCALATION_ISSUE_TYPE = 'Task';

/** Jira caps a remote link's globalId at 255 characters. */
const GLOBAL_ID_MAX = 255;
const GLOBAL_ID_PREFIX = 'deskbridge-origin:';

type EscalateAction = Extract<Action, { type: 'escalate' }>;

interface KnownCopy {
  id: string;
  key: string;
  /** Whether the remote link back to the origin is known to exist (or there is none to make). */
  linked: boolean;
}

/**
 * The globalId of the remote link from a copy back to its origin: `deskbridge-origin:<key>`, so a
 * second POST for the same escalation updates the link rather than adding another. A key too long
 * for Jira's 255 characters is replaced by its SHA-256, which is just as stable.
 */
export function originGlobalId(correlationKey: string): string {
  const plain = `${GLOBAL_ID_PREFIX}${correlationKey}`;
  return plain.length <= GLOBAL_ID_MAX ? plain : `${GLOBAL_ID_PREFIX}sha256:${createHash('sha256').update(correlationKey, 'utf8').digest('hex')}`;
}

/**
 * `escalate` to a Jira source: a linked copy of a ticket of another source, opened in a project of
 * this one. `request.planned.target` is the origin ticket on the other source, so nothing here
 * reads or writes it; the copy is found by its label and the origin is named by `action.origin`.
 */
export class EscalationWriter {
  /** Escalation label → copy created or found in this process (Cloud's search may not show it yet). */
  private readonly copies = new Map<string, KnownCopy>();
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;
  private readonly search: JiraSearch;

  constructor(rest: JiraRest, ownWrites: OwnWrites, search: JiraSearch) {
    this.rest = rest;
    this.ownWrites = ownWrites;
    this.search = search;
  }

  /** Refused before any request: the mapping may shape the copy's fields, not where it goes or what else is written. */
  check(action: EscalateAction, write: JiraWrite): void {
    const { rest } = this;
    if (write.transition !== undefined || write.comment !== undefined || write.public !== undefined || write.assignee !== undefined || write.group !== undefined) {
      throw rest.badRequest(
        'The escalate branch of the outbound mapping may only produce "fields"',
        `Fix ${rest.mappingFile()}: summary, description, labels and priority go under "fields"; project, issue type, the escalation label and the origin link are added by the connector`,
      );
    }
    if (write.fields?.project !== undefined) {
      throw rest.badRequest('The escalate branch of the outbound mapping set fields.project', "Leave project out: the copy opens in the rule's container, else the first project source.jql names");
    }
    this.project(action);
  }

  /**
   * Finds or opens the copy, then makes sure it links back to the origin:
   * - remembered in this process with its link → `unchanged`, no request;
   * - else a label search `project = P AND labels = "deskbridge-esc-<hash>"`; found → the origin
   *   link is POSTed again (an upsert by globalId, so it is added if a crash left it out and
   *   rewritten in place otherwise) → `unchanged`;
   * - else `POST /issue` then the origin link → `created`.
   * The result names the copy (`created`: its key and browse URL) either way, so the announcement
   * on the origin can cite it.
   */
  async ensure(action: EscalateAction, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const project = this.project(action);
    const label = escalationLabel(action.correlationKey);
    const known = this.copies.get(label) ?? (await this.find(project, label, action, signal));
    if (known !== undefined) {
      if (!known.linked) {
        await this.linkOrigin(known.id, action, signal);
        this.copies.set(label, { ...known, linked: true });
      }
      return this.result('unchanged', known);
    }
    const fields = write.fields ?? {};
    const issueType = action.issueType !== undefined ? { name: action.issueType } : (fields.issuetype ?? { name: ESCALATION_ISSUE_TYPE });
    const created = await rest.createIssue({ ...fields, issuetype: issueType, project: { key: project }, labels: labelsWith(fields.labels, label) }, 'escalate', 'escalated issue', signal);
    const copy = { id: created.id, key: created.key, linked: action.origin.url === undefined };
    this.copies.set(label, copy);
    this.ownWrites.noteWrite(created.id);
    if (!copy.linked) {
      await this.linkOrigin(created.id, action, signal);
      this.copies.set(label, { ...copy, linked: true });
    }
    return this.result('created', copy);
  }

  /** The rule's container, else the first project the source's JQL names. */
  private project(action: EscalateAction): string {
    const project = action.container ?? projectKeys(this.rest.source.jql)[0];
    if (project === undefined) {
      throw this.rest.badRequest(
        `Source ${this.rest.sourceId} has no project to open an escalated issue in`,
        'Name the project in the escalate rule (container), or name one in source.jql (project = KEY)',
      );
    }
    return project;
  }

  private result(outcome: 'created' | 'unchanged', copy: KnownCopy): WriteResult {
    return { outcome, ref: copy.id, created: { number: copy.key, url: `${this.rest.source.baseUrl.replace(/\/+$/, '')}/browse/${copy.key}` } };
  }

  /** The oldest issue carrying the label; whether it links back is not known from a search, so `linked` is false unless there is nothing to link. */
  private async find(project: string, label: string, action: EscalateAction, signal: AbortSignal | undefined): Promise<KnownCopy | undefined> {
    const { rest } = this;
    const jql = rest.guard(() => `project = ${jqlString(project)} AND labels = ${jqlString(label)} ORDER BY created ASC, id ASC`);
    const first = rest.parse(SearchJqlResponse, await this.search.first(jql, ['labels'], 'escalation-lookup', signal), 'escalation lookup').issues[0];
    if (first === undefined) {
      return undefined;
    }
    const issue = rest.parse(FoundIssue, first, 'escalated issue');
    const found = { id: issue.id, key: issue.key, linked: action.origin.url === undefined };
    this.copies.set(label, found);
    return found;
  }

  /**
   * `POST /rest/api/{2|3}/issue/{id}/remotelink` with `globalId` = `deskbridge-origin:<key>`.
   * Atlassian documents this call as "Create or update remote issue link": "If a globalId is
   * provided and a remote issue link with that global ID is found it is updated … Otherwise, the
   * remote issue link is created" (Cloud platform REST v2/v3); Data Center's REST API reads the
   * same ("If a globalId is provided and a remote issue link exists with that globalId, the remote
   * issue link is updated"; "Jira REST API for Remote Issue Links", Jira 5.0 and later). So sending
   * it again after a crash or an unclear answer never adds a second link, and it is marked
   * idempotent for the HTTP client's own retries. The answer is 201 (created) or 200 (updated).
   */
  private async linkOrigin(copyId: string, action: EscalateAction, signal: AbortSignal | undefined): Promise<void> {
    const { rest } = this;
    const url = action.origin.url;
    if (url === undefined) {
      return;
    }
    const response = await rest.request({
      method: 'POST',
      url: `${rest.api}/issue/${copyId}/remotelink`,
      data: { globalId: originGlobalId(action.correlationKey), relationship: 'escalated from', object: { url, title: action.origin.number } },
      idempotent: true,
      operation: 'escalation-link',
      signal,
    });
    rest.parse(RemoteLinkWritten, response.data, 'remote link');
    this.ownWrites.noteWrite(copyId);
  }
}
