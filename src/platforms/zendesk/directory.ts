import type { FieldDictionary, NameCheck, PlatformDirectory } from '../types.js';
import type { ZendeskPeople } from './people.js';
import type { ZendeskRest } from './rest.js';
import { TicketFieldList } from './schema.js';

/** Ticket attributes (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format) and the names the connector adds. */
const TICKET_ATTRIBUTES = [
  'id',
  'url',
  'external_id',
  'type',
  'subject',
  'raw_subject',
  'description',
  'priority',
  'status',
  'recipient',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'organization_id',
  'group_id',
  'collaborator_ids',
  'follower_ids',
  'email_cc_ids',
  'forum_topic_id',
  'problem_id',
  'has_incidents',
  'is_public',
  'due_at',
  'tags',
  'custom_fields',
  'custom_status_id',
  'satisfaction_rating',
  'sharing_agreement_ids',
  'fields',
  'followup_ids',
  'ticket_form_id',
  'brand_id',
  'allow_channelback',
  'allow_attachments',
  'from_messaging_channel',
  'via',
  'created_at',
  'updated_at',
  'generated_timestamp',
  'group_name',
  'assignee_name',
  'requester_name',
];

/**
 * `validate --online` for Zendesk, GETs only through the connector's client: the ticket fields
 * (custom fields by title → `custom_fields`), groups and agents as the connector resolves them.
 */
export class ZendeskDirectory implements PlatformDirectory {
  readonly requests = { fields: 'GET /api/v2/ticket_fields', groups: 'GET /api/v2/groups', people: 'GET /api/v2/users?role[]=agent&role[]=admin' } as const;
  private readonly rest: ZendeskRest;
  private readonly directory: ZendeskPeople;

  constructor(rest: ZendeskRest, people: ZendeskPeople) {
    this.rest = rest;
    this.directory = people;
  }

  async fields(signal?: AbortSignal): Promise<FieldDictionary> {
    const response = await this.rest.request({ method: 'GET', url: '/api/v2/ticket_fields.json', operation: 'ticket-fields', signal });
    const list = this.rest.parse(TicketFieldList, response.data, 'ticket field list');
    // A custom field is read as raw.custom_fields[id=<id>].value; its title points there.
    const labels = new Map(list.ticket_fields.filter((f) => f.title !== undefined).map((f) => [f.title ?? '', 'custom_fields']));
    return { names: new Set(TICKET_ATTRIBUTES), labels, checkedAgainst: 'the Zendesk ticket attributes and ticket fields (GET /api/v2/ticket_fields)' };
  }

  async groups(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const groups = await this.directory.groups(signal);
    const known = new Set(groups.map((g) => g.name.toLowerCase()));
    return { missing: names.filter((n) => !known.has(n.toLowerCase())).map((name) => ({ name })), known: groups.map((g) => g.name), checkedAgainst: 'Zendesk groups' };
  }

  async people(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const agents = await this.directory.agents(signal);
    const known = new Set(agents.flatMap((a) => [a.name.toLowerCase(), ...(a.email ? [a.email.toLowerCase()] : [])]));
    return {
      missing: names.filter((n) => !known.has(n.toLowerCase())).map((name) => ({ name, hint: 'only active agents and admins can be assigned; end users cannot' })),
      known: agents.map((a) => a.name),
      checkedAgainst: 'Zendesk agents and admins',
    };
  }
}
