import type { FieldDictionary, NameCheck, PlatformDirectory } from '../types.js';
import type { FreshserviceNames } from './names.js';
import { API, type FreshserviceRest } from './rest.js';
import { TicketFieldList } from './schema.js';

/** Keys of `raw` that are not ticket form fields: the envelope and what the connector adds. */
const ENVELOPE = [
  'id',
  'created_at',
  'updated_at',
  'workspace_id',
  'custom_fields',
  'description_text',
  'due_by',
  'fr_due_by',
  'is_escalated',
  'group_name',
  'responder_name',
  'requester_id',
  'responder_id',
  'group_id',
  'department_id',
  'tags',
  'type',
  'source',
  'urgency',
  'impact',
];

/** `validate --online` for Freshservice: ticket form fields, agent groups and agents, GETs only. */
export class FreshserviceDirectory implements PlatformDirectory {
  readonly requests = { fields: `GET ${API}/ticket_form_fields`, groups: `GET ${API}/groups`, people: `GET ${API}/agents` } as const;
  private readonly rest: FreshserviceRest;
  private readonly names: FreshserviceNames;

  constructor(rest: FreshserviceRest, names: FreshserviceNames) {
    this.rest = rest;
    this.names = names;
  }

  async fields(signal?: AbortSignal): Promise<FieldDictionary> {
    const response = await this.rest.request({ method: 'GET', url: `${API}/ticket_form_fields`, operation: 'fields', signal });
    const fields = this.rest.parse(TicketFieldList, response.data, 'ticket field list').ticket_fields;
    const all = fields.flatMap((field) => [field, ...(field.nested_fields ?? [])]);
    const labels = new Map(all.filter((field) => field.label != null).map((field) => [field.label ?? '', field.name]));
    return { names: new Set([...ENVELOPE, ...all.map((field) => field.name)]), labels, checkedAgainst: `the Freshservice ticket form fields (${API}/ticket_form_fields)` };
  }

  async groups(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const missing: { name: string }[] = [];
    for (const name of names) if ((await this.names.groupId(name, signal)) === undefined) missing.push({ name });
    return { missing, known: await this.names.knownGroups(signal), checkedAgainst: 'Freshservice agent groups' };
  }

  async people(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const missing: { name: string }[] = [];
    for (const name of names) if ((await this.names.agentId(name, signal)) === undefined) missing.push({ name });
    return { missing, known: await this.names.knownAgents(signal), checkedAgainst: 'Freshservice agents' };
  }
}
