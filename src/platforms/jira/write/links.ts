import type { Action } from '../../../model/action.js';
import type { CurrentRecord, WriteRequest, WriteResult } from '../../types.js';
import type { JiraOperation } from '../failures.js';
import type { OwnWrites } from '../own-writes.js';
import { ISSUE_ID, ISSUE_KEY, type IssueRef } from '../refs.js';
import type { JiraRest } from '../rest.js';
import { IssueLinks } from '../schema.js';

type DuplicateAction = Extract<Action, { type: 'link-duplicate' }>;
export type IssueLink = ReturnType<(typeof IssueLinks)['parse']>['fields']['issuelinks'][number];

/** Whether a link's other end (inward or outward) is this issue, by id or key. */
export function linksTo(link: IssueLink, issue: { id?: string | undefined; key?: string | undefined }): boolean {
  return [link.inwardIssue, link.outwardIssue].some((other) => other !== undefined && ((issue.id !== undefined && other.id === issue.id) || (issue.key !== undefined && other.key === issue.key)));
}

/** Issue links: reading an issue's links, creating one, and `link-duplicate`. */
export class IssueLinker {
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;

  constructor(rest: JiraRest, ownWrites: OwnWrites) {
    this.rest = rest;
    this.ownWrites = ownWrites;
  }

  /**
   * The issue's links of one type (either direction), read before linking so a retry adds none
   * twice: from the executor's batched read when it carries them (readVersions asks for
   * `issuelinks`), else `GET /issue/{id}?fields=issuelinks`.
   */
  async linksOf(nativeId: string, linkType: string, signal: AbortSignal | undefined, current?: CurrentRecord): Promise<IssueLink[]> {
    const read = current === undefined ? undefined : IssueLinks.safeParse({ id: nativeId, fields: current.raw });
    if (read?.success) return read.data.fields.issuelinks.filter((link) => link.type.name === linkType);
    const response = await this.rest.request({
      method: 'GET',
      url: `${this.rest.api}/issue/${nativeId}`,
      params: { fields: 'issuelinks' },
      operation: 'link-lookup',
      signal,
    });
    return this.rest.parse(IssueLinks, response.data, 'issue links').fields.issuelinks.filter((link) => link.type.name === linkType);
  }

  /** `POST /issueLink`: Jira shows it as "<inward> <outward description> <outward>". */
  async post(linkType: string, inwardIssue: IssueRef, outwardIssue: IssueRef, operation: JiraOperation, changed: string, signal: AbortSignal | undefined): Promise<void> {
    await this.rest.request({ method: 'POST', url: `${this.rest.api}/issueLink`, data: { type: { name: linkType }, inwardIssue, outwardIssue }, operation, signal });
    this.ownWrites.noteWrite(changed);
  }

  /**
   * Marks the target as a duplicate of the original: `POST /issueLink` with `duplicateLinkType`,
   * `inwardIssue` = the duplicate and `outwardIssue` = the original, which Jira shows as
   * "<duplicate> duplicates <original>" (and "<original> is duplicated by <duplicate>"). The
   * target's `issuelinks` are read first: a link of that type to the original in either direction
   * → `unchanged`; the target already marked as a duplicate of another issue (by a person or an
   * earlier run) → left as it is, `unchanged`, with a warning.
   */
  async linkDuplicate(nativeId: string, action: DuplicateAction, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const original = action.original;
    const ref = this.originalRef(nativeId, action, request);
    const linkType = this.rest.source.duplicateLinkType;
    const links = await this.linksOf(nativeId, linkType, signal, request.current);
    if (links.some((link) => linksTo(link, ref) || linksTo(link, { id: original.nativeId, key: original.number }))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    // On the duplicate's side, "this issue duplicates X" is listed with X as outwardIssue.
    const elsewhere = links.find((link) => link.outwardIssue !== undefined);
    if (elsewhere !== undefined) {
      this.rest.logger?.warn('Duplicate already points elsewhere; left as it is', {
        source: this.rest.sourceId,
        ticket: request.planned.target.number,
        linkType,
        current: elsewhere.outwardIssue?.key ?? elsewhere.outwardIssue?.id,
        planned: original.number,
      });
      return { outcome: 'unchanged', ref: nativeId };
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, lookup first.
    await this.post(linkType, { id: nativeId }, ref, 'duplicate-link', nativeId, signal);
    return { outcome: 'created', ref: nativeId };
  }

  /** The original as an issue reference; refuses, before any request, a bad id or the target itself. */
  originalRef(nativeId: string, action: DuplicateAction, request: WriteRequest): IssueRef {
    const original = action.original;
    const ref: IssueRef | undefined = ISSUE_ID.test(original.nativeId) ? { id: original.nativeId } : ISSUE_KEY.test(original.nativeId) ? { key: original.nativeId } : undefined;
    if (ref === undefined) {
      throw this.rest.badRequest(`Original "${original.nativeId}" of a link-duplicate action is neither a Jira issue id nor a key`, 'Fix the rule that planned it');
    }
    if (('id' in ref && ref.id === nativeId) || ('key' in ref && ref.key.toUpperCase() === request.planned.target.number.toUpperCase())) {
      throw this.rest.badRequest(`Refused to mark ${request.planned.target.number} as a duplicate of itself`, 'Fix the rule that planned it');
    }
    return ref;
  }
}
