import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import { adfToText } from '../adf.js';
import type { OwnWrites } from '../own-writes.js';
import { projectOf } from '../refs.js';
import type { JiraRest } from '../rest.js';
import { CommentPage, CreatedComment, ServiceDeskComment, type JiraWrite } from '../schema.js';
import { jiraTimeToMs } from '../time.js';

type CommentAction = Extract<Action, { type: 'comment' }>;

/** Cloud comment property that makes a platform-API comment internal in a service project. */
const INTERNAL_COMMENT_PROPERTY = { key: 'sd.public.comment', value: { internal: true } } as const;

/**
 * Internal and public comments: through the Service Desk API when the source is a service desk
 * (falling back to the platform API for issues that are not customer requests), else the platform API.
 */
export class CommentWriter {
  /** Projects whose issues the Service Desk API does not know (not service projects): comment through the platform API. */
  private readonly plainProjects = new Set<string>();
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;

  constructor(rest: JiraRest, ownWrites: OwnWrites) {
    this.rest = rest;
    this.ownWrites = ownWrites;
  }

  /** Refuses, before any request, a comment a retry could not detect or that would reach the wrong audience. */
  check(nativeId: string, action: CommentAction, request: WriteRequest, write: JiraWrite): string {
    const text = write.comment;
    if (text === undefined || !text.includes(request.marker)) {
      throw this.rest.badRequest(
        `The comment text for issue ${nativeId} does not contain the idempotency marker`,
        `${this.rest.mappingFile()} must embed the marker in "comment" so retries can be detected`,
      );
    }
    // A mapping that turned an internal note public would show it to the customer.
    if (write.public !== undefined && write.public !== (action.visibility === 'public')) {
      throw this.rest.badRequest(
        `A ${action.visibility} comment was mapped as ${write.public ? 'public' : 'internal'}`,
        `Fix the comment branch of ${this.rest.mappingFile()}: "public" must follow the action's visibility`,
      );
    }
    return text;
  }

  /**
   * The comment as it can go with an edit of the issue (`update.comment: [{add: {body}}]` of
   * `PUT /issue/{id}`), or undefined when it cannot. A public comment always can: a platform comment
   * is public. An internal one only where nobody but agents sees comments anyway — an issue in a
   * project the Service Desk API said is not a service project (learned from its 404), so no portal
   * shows it (marked internal all the same). On a customer request it cannot: the edit's comment takes `body` and `visibility`
   * (https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-add-comment-8946422),
   * and Jira documents no way to make it internal there — Cloud says to create an internal comment
   * through the Service Desk API ("jsdPublic", https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/).
   * A comment the checks refuse is left to `ensure`, which reports it.
   */
  inEdit(nativeId: string, action: CommentAction, request: WriteRequest, write: JiraWrite): { add: { body: unknown; properties?: unknown[] } } | undefined {
    let text: string;
    try {
      text = this.check(nativeId, action, request, write);
    } catch {
      return undefined;
    }
    if (action.visibility === 'public') return { add: { body: this.rest.flavour.commentBody(text) } };
    const project = projectOf(request.planned.target.number);
    if (!this.rest.source.serviceDesk || project === undefined || !this.plainProjects.has(project)) return undefined;
    // Marked internal as a comment posted alone is: the add takes a Comment, whose `properties` the
    // Cloud schema lists ("Optional on create and update"). Whether the edit honours it does not
    // matter here — no portal shows this project's comments — so it only keeps what Jira stores the same.
    return { add: { body: this.rest.flavour.commentBody(text), properties: [INTERNAL_COMMENT_PROPERTY] } };
  }

  /**
   * Comments append; a POST that succeeded just before a crash would be posted again on retry. The
   * marker inside the text lets a retry find the earlier comment first (newest 100 comments).
   */
  async ensure(nativeId: string, action: CommentAction, request: WriteRequest, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const text = this.check(nativeId, action, request, write);
    const isPublic = action.visibility === 'public';
    if (!request.firstAttempt && (await this.hasComment(nativeId, request.marker, signal))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    let createdMs: number | undefined;
    const project = projectOf(request.planned.target.number);
    let viaServiceDesk = rest.source.serviceDesk && (project === undefined || !this.plainProjects.has(project));
    if (viaServiceDesk) {
      const response = await rest.request({
        method: 'POST',
        url: `/rest/servicedeskapi/request/${nativeId}/comment`,
        data: { body: text, public: isPublic },
        // A 404 here means "not a customer request": the issue is in a project that is not a service project.
        acceptStatuses: [404],
        operation: 'servicedesk-comment',
        signal,
      });
      if (response.status === 404) {
        viaServiceDesk = false;
        if (project !== undefined) {
          this.plainProjects.add(project);
        }
        rest.logger?.debug('Issue is not a customer request; commenting through the platform API', { source: rest.sourceId, issue: request.planned.target.number });
      } else {
        const created = rest.parse(ServiceDeskComment, response.data, 'service desk comment');
        createdMs = created.created?.epochMillis ?? (created.created?.iso8601 === undefined ? undefined : jiraTimeToMs(created.created.iso8601));
      }
    }
    if (!viaServiceDesk) {
      const response = await rest.request({
        method: 'POST',
        url: `${rest.api}/issue/${nativeId}/comment`,
        data: {
          body: rest.flavour.commentBody(text),
          // In a service project a platform comment is public unless this property says otherwise.
          ...(isPublic ? {} : { properties: [INTERNAL_COMMENT_PROPERTY] }),
        },
        operation: 'comment',
        signal,
      });
      const created = rest.parse(CreatedComment, response.data, 'comment');
      createdMs = created.created === undefined ? undefined : jiraTimeToMs(created.created);
    }
    this.ownWrites.noteComment(nativeId, createdMs);
    this.ownWrites.noteWrite(nativeId);
    return { outcome: 'created', ref: nativeId };
  }

  private async hasComment(nativeId: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    const response = await this.rest.request({
      method: 'GET',
      url: `${this.rest.api}/issue/${nativeId}/comment`,
      params: { orderBy: '-created', maxResults: 100 },
      operation: 'comment-lookup',
      signal,
    });
    const page = this.rest.parse(CommentPage, response.data, 'comment list');
    return page.comments.some((comment) => adfToText(comment.body).includes(marker));
  }
}
