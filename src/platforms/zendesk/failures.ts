import type { FailureContext, FailureDescription } from '../../http/client.js';

/** Operation labels the connector passes to the HTTP client; failures are worded per operation. */
export type ZendeskOperation = 'me' | 'export' | 'get' | 'groups' | 'agents' | 'memberships' | 'ticket-fields' | 'update' | 'comment-lookup' | 'lookup' | 'create' | 'merge';

/**
 * Words Zendesk failures so the admin knows what to change. Only facts from the failure go in
 * (status, path, Zendesk's own error text), never a header, body or credential.
 */
export function describeZendeskFailure(mode: 'token' | 'bearer') {
  return (failure: FailureContext): FailureDescription | undefined => {
    const source = failure.sourceId;
    const said = failure.vendorMessage ? ` (Zendesk said: ${failure.vendorMessage})` : '';
    switch (failure.code) {
      case 'auth':
        return mode === 'token'
          ? {
              message: `Zendesk rejected the API token for source ${source}: check auth.email (an agent's e-mail) and auth.token, and that token access is on`,
              hint: 'Admin Center > Apps and integrations > APIs > Zendesk API: enable Token access and create a token',
            }
          : {
              message: `Zendesk rejected the OAuth access token for source ${source}: it was revoked or belongs to another account`,
              hint: 'Create a new token for the OAuth client with scope "read write"',
            };
      case 'forbidden':
        return {
          message: `Zendesk refused ${failure.method} ${failure.path} for source ${source} (403): the integration agent probably lacks ${permissionFor(failure.operation)}${said}`,
          hint: 'Agent roles are under Admin Center > People > Team > Roles',
        };
      case 'not-found':
        return {
          message: `Zendesk found nothing at ${failure.method} ${failure.path} for source ${source}${said}`,
          hint: 'The ticket may have been deleted or merged, or baseUrl is not a Zendesk account',
        };
      case 'rate-limited':
        return {
          message: `Zendesk rate limited source ${source} (429)${failure.retryAfterSeconds === undefined ? '' : `; Retry-After ${failure.retryAfterSeconds} s`}`,
          hint:
            failure.operation === 'export'
              ? 'The incremental export allows 10 requests a minute for the whole account: lower exportRequestsPerMinute, or check other integrations that export'
              : 'Zendesk budgets requests per account (by plan) and updates per ticket; lower rateLimit.requestsPerMinute to leave room for your other integrations',
        };
      case 'bad-request':
        return { message: `Zendesk rejected ${failure.method} ${failure.path} for source ${source} (${String(failure.status)})${said}`, hint: badRequestHint(failure.operation) };
      default:
        return undefined;
    }
  };
}

function permissionFor(operation: string | undefined): string {
  switch (operation) {
    case 'export':
      return 'the admin role (the incremental export API is for admins)';
    case 'update':
    case 'create':
    case 'merge':
      return 'permission to edit tickets in the groups concerned (an agent role with "Edit ticket properties" and access to all tickets)';
    case 'groups':
    case 'agents':
    case 'memberships':
      return 'permission to view groups and agents';
    default:
      return 'a permission for this call';
  }
}

function badRequestHint(operation: string | undefined): string | undefined {
  switch (operation) {
    case 'update':
      return 'Check the fields the outbound mapping writes (mappings/zendesk.outbound.jsonata): custom fields go in ticket.custom_fields as [{id, value}]';
    case 'create':
      return 'Every required ticket field of the ticket form must be set by the outbound mapping';
    case 'merge':
      return 'Zendesk cannot merge closed tickets, tickets of other brands, or a ticket into itself';
    default:
      return undefined;
  }
}
