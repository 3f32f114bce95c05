import type { FailureContext, FailureDescription } from '../../http/client.js';

/**
 * Words Freshservice failures so the admin knows what to change. Only facts from the failure go
 * in (status, path, Freshservice's own error text) — never a header, body or the API key.
 */
export function describeFreshserviceFailure(failure: FailureContext): FailureDescription | undefined {
  const source = failure.sourceId;
  const said = failure.vendorMessage !== undefined ? ` Freshservice said: "${clip(failure.vendorMessage)}"` : '';
  switch (failure.code) {
    case 'auth':
      return {
        message: `Freshservice rejected the API key for source ${source} (401): check auth.apiKey (Profile settings → Your API key) and that the agent is active`,
        hint: 'The key is sent as the Basic user name; a key is reset when the agent changes their password',
      };
    case 'forbidden':
      return {
        message: `Freshservice refused ${failure.method} ${failure.path} for source ${source} (403).${said}`,
        hint: `The agent the API key belongs to needs a role that can ${needs(failure)}; in accounts with Workspaces, access to the workspaces it reads`,
      };
    case 'not-found':
      return {
        message: `Freshservice found nothing at ${failure.method} ${failure.path} for source ${source} (404).${said}`,
        hint: 'The ticket or problem may have been deleted, or baseUrl is not the account address (use https://<domain>.freshservice.com, not a custom portal domain)',
      };
    case 'bad-request':
      return {
        message: `Freshservice refused ${failure.method} ${failure.path} for source ${source} (${failure.status ?? 400}).${said}`,
        hint: 'A 400 "Validation failed" names the field: a group or agent id that does not exist, a value outside the field\'s choices, or a mandatory field the write lacks. Fix the mapping or the rule, then retry the write with deskbridge outbox retry',
      };
    case 'rate-limited':
      return {
        message: `Freshservice rate limited source ${source} (429)${failure.retryAfterSeconds === undefined ? '' : `; Retry-After ${failure.retryAfterSeconds} s`}`,
        hint: "The limit is per account per minute and shared with every other integration (listing tickets has a lower sub-limit); lower rateLimit.requestsPerMinute to your plan's share",
      };
    default:
      return undefined;
  }
}

function needs(failure: FailureContext): string {
  if (failure.path.includes('/problems')) return failure.method === 'GET' ? 'view problems' : 'create and edit problems';
  if (failure.path.includes('/notes')) return 'add private notes to tickets';
  if (failure.path.includes('/agents') || failure.path.includes('/groups')) return 'view agents and groups';
  return failure.method === 'GET' ? 'view tickets' : 'edit and assign tickets';
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
