import type { Action } from '../../model/action.js';
import type { WriteRequest } from '../types.js';

/**
 * Writes of one plan to one record that the Table API takes as ONE `PATCH {table}/{sys_id}`: an
 * update may set ordinary fields and append to the journal fields (`work_notes`, `comments`) at
 * once, and the instance records it as one update (one `sys_mod_count` step, one audit entry).
 * Table API PATCH: https://www.servicenow.com/docs/r/yokohama/api-reference/rest-apis/c_TableAPI.html
 * `link-problem` is left out: finding its problem takes a request of its own anyway, and its
 * "someone else's link" outcome (`skipped`) would have to hold back the rest of the body.
 */
export const GROUPABLE_ACTIONS: ReadonlySet<Action['type']> = new Set(['assign', 'set-field', 'comment']);

type JournalField = 'work_notes' | 'comments';

/** Where a comment goes, or why it must not be sent as the mapping produced it. */
export type CommentCheck = { element: JournalField } | { refused: string; hint: string };

/**
 * The checks a comment passes before it is sent, alone or grouped: an internal note goes to
 * `work_notes` only (a mapping that put it into `comments` would show it to the requester), and its
 * text carries the marker that lets a retry find it in sys_journal_field.
 */
export function checkComment(nativeId: string, action: Extract<Action, { type: 'comment' }>, request: Pick<WriteRequest, 'fields' | 'marker'>): CommentCheck {
  const element: JournalField = action.visibility === 'internal' ? 'work_notes' : 'comments';
  const other: JournalField = element === 'work_notes' ? 'comments' : 'work_notes';
  if (request.fields[other] !== undefined) {
    return { refused: `A ${action.visibility} comment must be written to ${element}, but the outbound mapping produced ${other}`, hint: 'Fix the comment branch of the ServiceNow outbound mapping' };
  }
  const text = request.fields[element];
  if (typeof text !== 'string' || !text.includes(request.marker)) {
    return {
      refused: `The ${element} text for ${nativeId} does not contain the idempotency marker`,
      hint: 'The outbound mapping must embed the marker in the comment text so retries can be detected',
    };
  }
  return { element };
}

/** What one request of a group becomes: its fields in the PATCH (and so this outcome), or nothing to send. */
export type GroupPart = 'assign' | 'set-field' | 'comment' | 'unchanged';

export interface GroupPlan {
  /** The PATCH body: every request's fields, none set twice. Empty: nothing to send. */
  body: Record<string, unknown>;
  /** One per request, in order. */
  parts: GroupPart[];
  /** An assign or set-field sends fields: the lost-update check (and assign's `previous`) comes first. */
  checksVersion: boolean;
  /** Notes an earlier attempt may have posted: looked for by marker before sending, and left out when found. */
  retriedComments: { index: number; element: JournalField; marker: string }[];
}

/**
 * The one PATCH these requests become, or undefined when they cannot go as one and must be sent
 * one by one through `apply`: an action this module does not combine, a comment that fails its
 * checks (alone it gets its own refusal, the others still go), or two requests setting the same
 * field (two notes: one `work_notes` value holds one entry). Retries are combined as well: their
 * notes are listed for a marker look-up before sending.
 */
export function planGroup(nativeId: string, requests: readonly WriteRequest[]): GroupPlan | undefined {
  if (requests.length === 0) return undefined;
  const body: Record<string, unknown> = {};
  const parts: GroupPart[] = [];
  let checksVersion = false;
  const retriedComments: GroupPlan['retriedComments'] = [];
  for (const [index, request] of requests.entries()) {
    if (request.planned.target.nativeId !== nativeId) return undefined;
    const { action } = request;
    if (action.type === 'comment') {
      const checked = checkComment(nativeId, action, request);
      if ('refused' in checked) return undefined;
      if (!request.firstAttempt) retriedComments.push({ index, element: checked.element, marker: request.marker });
    } else if (action.type !== 'assign' && action.type !== 'set-field') {
      return undefined;
    }
    const fields = Object.entries(request.fields);
    // As `apply`: an assign or set-field with nothing to set is `unchanged`, and sends nothing.
    if (fields.length === 0 && action.type !== 'comment') {
      parts.push('unchanged');
      continue;
    }
    for (const [name, value] of fields) {
      if (name in body) return undefined;
      body[name] = value;
    }
    if (action.type !== 'comment') checksVersion = true;
    parts.push(action.type);
  }
  return { body, parts, checksVersion, retriedComments };
}
