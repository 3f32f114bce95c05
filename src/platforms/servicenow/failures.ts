import type { FailureContext, FailureDescription } from '../../http/client.js';
import type { ServiceNowAuthMode } from './auth.js';

/**
 * Words ServiceNow failures so the admin knows what to change. Only facts from the failure go
 * in (status, path, the instance's own error text) — never a header, body or credential.
 */
export function describeServiceNowFailure(mode: ServiceNowAuthMode) {
  return (failure: FailureContext): FailureDescription | undefined => {
    const source = failure.sourceId;
    switch (failure.code) {
      case 'auth':
        return failure.operation === 'token' ? tokenRejected(source, mode) : credentialsRejected(source, mode);
      case 'forbidden':
        return forbidden(failure);
      case 'not-found': {
        const table = tableOf(failure.path);
        if (table === undefined) {
          return undefined;
        }
        return {
          message: `ServiceNow found no ${table} record at ${failure.method} ${failure.path} for source ${source}${vendor(failure)}`,
          hint: 'The record may have been deleted, or a read ACL hides it from the integration user',
        };
      }
      case 'rate-limited':
        return {
          message: `ServiceNow rate limited source ${source} (429)${retryAfter(failure)}`,
          hint: 'A REST rate limit rule (System Web Services > REST API Rate Limiting) applies to the integration user; ' + 'lower rateLimit.requestsPerMinute for this source or raise the rule limit',
        };
      default:
        return undefined;
    }
  };
}

function credentialsRejected(source: string, mode: ServiceNowAuthMode): FailureDescription {
  if (mode === 'basic') {
    return {
      message: `ServiceNow rejected the credentials for source ${source}: check the username/password ` + '(auth.username, auth.password) and that the user is active and not locked out',
      hint: 'A user with "Web service access only" works; SSO-only users need a local password for Basic auth',
    };
  }
  return {
    message:
      `ServiceNow rejected the OAuth access token for source ${source} even after fetching a new one: ` +
      'check that the OAuth client (auth.clientId) is active and that the user it acts as is active',
    hint: 'An OAuth REST API auth scope on the application can also restrict which APIs the token may call',
  };
}

function tokenRejected(source: string, mode: ServiceNowAuthMode): FailureDescription {
  if (mode === 'oauth-client-credentials') {
    return {
      message:
        `ServiceNow refused an OAuth token for source ${source}: check auth.clientId/auth.clientSecret, that the ` +
        'client credentials grant is enabled (system property glide.oauth.inbound.client.credential.grant_type.enabled) ' +
        'and that the OAuth application has an OAuth Application User',
      hint: 'Or configure auth.username/auth.password to use the password grant instead',
    };
  }
  return {
    message: `ServiceNow refused an OAuth token for source ${source}: check auth.clientId/auth.clientSecret and ` + 'auth.username/auth.password, and that the user is active and not locked out',
    hint: 'The OAuth application is under System OAuth > Application Registry on the instance',
  };
}

/**
 * A 403 is not always missing access: a data policy, or a business rule that aborts the update,
 * answers 403 too, and the instance's own message says which. So that message is quoted first;
 * the guess about roles follows only when it reads like an access problem (or nothing was said).
 */
function forbidden(failure: FailureContext): FailureDescription {
  const table = tableOf(failure.path);
  const access = failure.method === 'GET' ? 'read' : failure.method === 'POST' ? 'create' : 'write';
  const subject = table ?? failure.path;
  let needs: string;
  if (table === 'sys_journal_field') {
    needs =
      'read access to sys_journal_field (used to find earlier deskbridge comments so a retry never posts twice); ' +
      "grant it with a read ACL for the integration user's role, or check that its itil role covers it";
  } else if (table === 'sys_dictionary' || table === 'sys_db_object') {
    needs =
      `read access to ${table} (read only by \`deskbridge validate --online\`, to check raw.<field> names against the table's columns); ` +
      'grant a read ACL on sys_dictionary and sys_db_object to a role of the integration user, or run validate --online with the credentials of an admin';
  } else if (table === 'sys_user_group') {
    needs = 'read access to sys_user_group (read only by `deskbridge validate --online`, to check that the groups rules assign to exist)';
  } else if (table === 'sys_user') {
    needs = 'read access to sys_user (used for the start-up credential check, and by `deskbridge validate --online` to check the people rules assign)';
  } else if (table === 'incident' || table === 'problem') {
    needs = `the itil role (${access} on ${table}), or an ACL granting ${access} on ${table}`;
  } else {
    needs = `an ACL granting ${access} on ${subject}`;
  }
  const refused = `ServiceNow refused ${failure.method} ${failure.path} for source ${failure.sourceId} (403)`;
  const said = failure.vendorMessage;
  if (said === undefined) {
    return {
      message: `${refused}: the integration user probably lacks ${needs}`,
      hint: 'A data policy or business rule that aborts the update also answers 403; the instance sent no message saying which',
    };
  }
  const quoted = `${refused}. ServiceNow said: "${clip(said)}"`;
  if (/data policy/i.test(said)) {
    return {
      message: quoted,
      hint: `A data policy on ${subject} refused the ${access}: make the rule's write satisfy it (e.g. also set the mandatory field), or have the policy not apply to web services`,
    };
  }
  if (/\bACL\b|(not |un)authori[sz]ed|security constraints|insufficient rights/i.test(said)) {
    return {
      message: `${quoted}. The integration user probably lacks ${needs}`,
      hint: 'Grant the role or ACL, then retry the dead-lettered writes with deskbridge outbox retry',
    };
  }
  return {
    message: quoted,
    hint: `A business rule, data policy or ACL on the instance refused it; the message above says which. If it is access, the integration user needs ${needs}`,
  };
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/** `/api/now/table/incident/abc…` → `incident`. */
function tableOf(path: string): string | undefined {
  return /\/api\/now(?:\/v\d+)?\/table\/([a-z0-9_]+)/.exec(path)?.[1];
}

function vendor(failure: FailureContext): string {
  return failure.vendorMessage ? ` (ServiceNow said: ${failure.vendorMessage})` : '';
}

function retryAfter(failure: FailureContext): string {
  return failure.retryAfterSeconds === undefined ? '' : `; Retry-After ${failure.retryAfterSeconds} s`;
}
