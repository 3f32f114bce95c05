import { type FieldError, fieldError, validationFailed } from '../http.js';
import { type FreshserviceStore, type StoredTicket, type TicketPatch, TICKET_SOURCES } from '../store.js';
import { parseFreshserviceDate } from '../time.js';

/**
 * Validates the body of `PUT /api/v2/tickets/{id}` (https://api.freshservice.com/#update_ticket)
 * into a store patch. Every problem is reported at once, as Freshservice lists all field errors
 * in one 400. Values must exist: an unknown group or agent, a group of another workspace, a status
 * outside 2–5 are `invalid_value`; a wrong JSON type is `datatype_mismatch`; an attribute the
 * API does not take is `invalid_field`; `workspace_id` cannot change through Update (only Move).
 */

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function choice(errors: FieldError[], field: string, value: unknown, allowed: readonly number[]): number | undefined {
  if (!isInteger(value)) {
    errors.push(fieldError(field, 'datatype_mismatch', 'It should be a/an Integer'));
    return undefined;
  }
  if (!allowed.includes(value)) {
    errors.push(fieldError(field, 'invalid_value', `It should be one of these values: '${allowed.join(',')}'`));
    return undefined;
  }
  return value;
}

function optionalText(errors: FieldError[], field: string, value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string') {
    errors.push(fieldError(field, 'datatype_mismatch', 'It should be a/an String'));
    return undefined;
  }
  return value;
}

export function readTicketPatch(store: FreshserviceStore, ticket: Pick<StoredTicket, 'workspace_id'>, body: Record<string, unknown>): TicketPatch {
  const errors: FieldError[] = [];
  const patch: TicketPatch = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'subject':
        if (typeof value !== 'string') errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an String'));
        else if (value.trim() === '') errors.push(fieldError(key, 'invalid_value', 'It should not be blank as this is a mandatory field'));
        else patch.subject = value;
        break;
      case 'description':
        if (typeof value !== 'string') errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an String'));
        else patch.description = value;
        break;
      case 'status': {
        const v = choice(errors, key, value, [2, 3, 4, 5]);
        if (v !== undefined) patch.status = v as TicketPatch['status'];
        break;
      }
      case 'priority': {
        const v = choice(errors, key, value, [1, 2, 3, 4]);
        if (v !== undefined) patch.priority = v;
        break;
      }
      case 'urgency':
      case 'impact': {
        const v = choice(errors, key, value, [1, 2, 3]);
        if (v !== undefined) patch[key] = v;
        break;
      }
      case 'source': {
        const v = choice(errors, key, value, Object.keys(TICKET_SOURCES).map(Number));
        if (v !== undefined) patch.source = v;
        break;
      }
      case 'type':
        if (value !== 'Incident' && value !== 'Service Request') errors.push(fieldError(key, 'invalid_value', "It should be one of these values: 'Incident,Service Request'"));
        else patch.type = value;
        break;
      case 'group_id':
        if (value === null) patch.group_id = null;
        else if (!isInteger(value)) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an Integer'));
        else if (store.group(value)?.workspace_id !== ticket.workspace_id) errors.push(fieldError(key, 'invalid_value', 'There is no group matching the given group_id'));
        else patch.group_id = value;
        break;
      case 'responder_id':
        if (value === null) patch.responder_id = null;
        else if (!isInteger(value)) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an Integer'));
        else if (!store.agent(value)?.active) errors.push(fieldError(key, 'invalid_value', 'There is no agent matching the given responder_id'));
        else patch.responder_id = value;
        break;
      case 'requester_id':
        if (!isInteger(value)) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an Integer'));
        else if (!store.userExists(value)) errors.push(fieldError(key, 'invalid_value', 'There is no contact matching the given requester_id'));
        else patch.requester_id = value;
        break;
      case 'department_id':
        if (value !== null) errors.push(fieldError(key, 'invalid_value', 'There is no department matching the given department_id'));
        else patch.department_id = null;
        break;
      case 'category':
      case 'sub_category':
      case 'item_category': {
        const v = optionalText(errors, key, value);
        if (v !== undefined) patch[key] = v;
        break;
      }
      case 'tags':
        if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an Array'));
        else patch.tags = [...new Set(value)];
        break;
      case 'custom_fields':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an key/value pair'));
        else {
          for (const name of Object.keys(value)) {
            if (!store.customFieldNames().includes(name)) errors.push(fieldError(name, 'invalid_field', 'Unexpected/invalid field in request'));
          }
          patch.custom_fields = value as Record<string, unknown>;
        }
        break;
      case 'due_by':
      case 'fr_due_by': {
        const ms = typeof value === 'string' ? parseFreshserviceDate(value) : null;
        if (ms === null) errors.push(fieldError(key, 'invalid_value', 'It should be in the format YYYY-MM-DDTHH:MM:SSZ (ISO 8601)'));
        else patch[key] = ms;
        break;
      }
      case 'problem': {
        const displayId = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)['display_id'] : undefined;
        if (!isInteger(displayId)) errors.push(fieldError(key, 'datatype_mismatch', 'It should be a/an key/value pair with display_id'));
        else if (!store.problem(displayId)) errors.push(fieldError(key, 'invalid_value', 'There is no problem matching the given display_id'));
        else patch.problem_id = displayId;
        break;
      }
      case 'workspace_id':
        errors.push(fieldError(key, 'invalid_field', 'workspace_id cannot be updated; move the ticket instead'));
        break;
      default:
        errors.push(fieldError(key, 'invalid_field', 'Unexpected/invalid field in request'));
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
  return patch;
}
