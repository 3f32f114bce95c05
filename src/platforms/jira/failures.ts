import type { FailureContext, FailureDescription } from '../../http/client.js';
import type { JiraAuthMode } from './auth.js';

export type JiraFlavour = 'cloud' | 'datacenter';

/** Operation labels the connector passes to the HTTP client; failures are worded per operation. */
export type JiraOperation =
  | 'myself'
  | 'pull'
  | 'get'
  | 'version-check'
  | 'user-search'
  | 'field-list'
  | 'update'
  | 'transitions'
  | 'transition'
  | 'comment-lookup'
  | 'comment'
  | 'servicedesk-comment'
  | 'problem-lookup'
  | 'team-lookup'
  | 'create-problem'
  | 'link-lookup'
  | 'link'
  | 'duplicate-link'
  | 'problem-states'
  | 'problem-status'
  | 'update-problem'
  | 'task-lookup'
  | 'create-task'
  | 'task-link'
  | 'escalation-lookup'
  | 'escalate'
  | 'escalation-link'
  | 'project-read';

const SCOPES_HINT =
  'With a scoped API token or an OAuth 2.0 app, also check its scopes: read:jira-work, write:jira-work, read:jira-user ' + '(and write:servicedesk-request for Service Desk comments)';

/**
 * Words Jira failures so the admin knows what to change: which credential, which project
 * permission. Only facts from the failure go in (status, path, Jira's own error text) — never a
 * header, body or credential.
 */
export function describeJiraFailure(flavour: JiraFlavour, mode: JiraAuthMode, problemProject: string | undefined) {
  const label = flavour === 'cloud' ? 'Jira Cloud' : 'Jira Data Center';
  return (failure: FailureContext): FailureDescription | undefined => {
    const source = failure.sourceId;
    switch (failure.code) {
      case 'auth':
        return credentialsRejected(label, flavour, mode, source);
      case 'forbidden':
        return {
          message:
            `${label} refused ${failure.method} ${failure.path} for source ${source} (403): the integration user probably lacks ` +
            `${permissionFor(failure.operation, problemProject)}${vendor(failure)}`,
          hint: flavour === 'cloud' ? SCOPES_HINT : 'Project permissions are under Project settings > Permissions',
        };
      case 'not-found':
        if (failure.operation === 'servicedesk-comment') {
          return {
            message: `${label} found no customer request at ${failure.path} for source ${source}${vendor(failure)}`,
            hint: 'The issue is not in a Jira Service Management service project; set serviceDesk: false for sources that sync plain Jira projects',
          };
        }
        return {
          message: `${label} found nothing at ${failure.method} ${failure.path} for source ${source}${vendor(failure)}`,
          hint: 'The issue may have been deleted or moved, or the integration user cannot browse it',
        };
      case 'rate-limited':
        return {
          message: `${label} rate limited source ${source} (429)${retryAfter(failure)}`,
          hint: 'Jira budgets requests per user and per site, shared with every integration that uses the same account; ' + 'lower rateLimit.requestsPerMinute for this source',
        };
      case 'bad-request':
        return {
          message: `${label} rejected ${failure.method} ${failure.path} for source ${source} (${String(failure.status)})${vendor(failure)}`,
          hint: badRequestHint(failure.operation),
        };
      default:
        return undefined;
    }
  };
}

function credentialsRejected(label: string, flavour: JiraFlavour, mode: JiraAuthMode, source: string): FailureDescription {
  if (flavour === 'cloud' && mode === 'basic') {
    return {
      message:
        `${label} rejected the credentials for source ${source}: auth.username must be the Atlassian account e-mail and ` +
        'auth.password an API token (id.atlassian.com > Security > API tokens), not the account password; ' +
        'check that the token has not expired or been revoked',
      hint: 'Scoped API tokens work only with https://api.atlassian.com/ex/jira/<cloudId> as baseUrl; classic tokens with https://<site>.atlassian.net',
    };
  }
  if (flavour === 'cloud') {
    return {
      message: `${label} rejected the OAuth 2.0 access token for source ${source}: it has probably expired ` + '(access tokens last about an hour and deskbridge does not refresh them) or was revoked',
      hint: 'OAuth 2.0 (3LO) tokens work only with https://api.atlassian.com/ex/jira/<cloudId> as baseUrl',
    };
  }
  if (mode === 'basic') {
    return {
      message:
        `${label} rejected the username/password for source ${source}: check auth.username and auth.password and that the ` +
        'account is active; after several failed logins Jira demands a CAPTCHA and refuses Basic auth until someone logs in through the browser',
      hint: 'A personal access token (auth.type: bearer) avoids CAPTCHA lock-outs',
    };
  }
  return {
    message: `${label} rejected the personal access token for source ${source}: it may have expired or been revoked ` + '(Profile > Personal Access Tokens), or the account it belongs to is inactive',
  };
}

function permissionFor(operation: string | undefined, problemProject: string | undefined): string {
  switch (operation) {
    case 'pull':
    case 'get':
    case 'version-check':
    case 'comment-lookup':
    case 'link-lookup':
    case 'transitions':
      return 'the "Browse projects" permission in the projects source.jql covers';
    case 'team-lookup':
      return 'the "Browse projects" permission in a project whose issues carry the team';
    case 'problem-lookup':
    case 'problem-states':
    case 'problem-status':
      return `the "Browse projects" permission in the problem project${problemProject ? ` ${problemProject}` : ''}`;
    case 'update':
      return 'the "Edit issues" and "Assign issues" permissions in the issue\'s project (the assignee also needs "Assignable user")';
    case 'transition':
      return 'the "Transition issues" permission in the issue\'s project';
    case 'comment':
      return 'the "Add comments" permission in the issue\'s project';
    case 'servicedesk-comment':
      return 'a Jira Service Management agent licence and the "Add comments" permission in the service project ' + '(customers and unlicensed users cannot post internal comments)';
    case 'create-problem':
      return `the "Create issues" permission in the problem project${problemProject ? ` ${problemProject}` : ''}`;
    case 'task-lookup':
      return 'the "Browse projects" permission in the ticket\'s project';
    case 'create-task':
      return 'the "Create issues" permission in the ticket\'s project (the Task issue type must be in its issue type scheme)';
    case 'link':
    case 'duplicate-link':
    case 'task-link':
      return 'the "Link issues" permission in both projects (and issue linking must be enabled)';
    case 'escalation-lookup':
      return 'the "Browse projects" permission in the project escalations open issues in';
    case 'escalate':
      return 'the "Create issues" permission in the project escalations open issues in';
    case 'escalation-link':
      return 'the "Link issues" permission in the project escalations open issues in (and issue linking must be enabled)';
    case 'update-problem':
      return `the "Edit issues" permission in the problem project${problemProject ? ` ${problemProject}` : ''} (a Closed issue of the classic workflow is not editable until reopened)`;
    case 'project-read':
      return 'the "Browse projects" permission in the projects source.jql names (read by `deskbridge validate --online` for their components)';
    case 'field-list':
      return 'access to the field list (every logged-in user has it; read by `deskbridge validate --online` and for groupField)';
    case 'user-search':
      return 'the global "Browse users and groups" permission (needed to turn display names in rules into accounts)';
    case 'myself':
      return 'access to Jira (product access for the account)';
    default:
      return 'a permission for this call';
  }
}

function badRequestHint(operation: string | undefined): string | undefined {
  switch (operation) {
    case 'pull':
      return "Check source.jql in Jira's issue search; Jira Cloud also refuses unbounded JQL (add a project or other restriction)";
    case 'update':
      return "A field that is not on the issue's edit screen cannot be set; the value must also have the shape the field type takes";
    case 'create-problem':
      return 'Check problems.projectKey and problems.issueType, and that every required field of that issue type is set by the outbound mapping';
    case 'create-task':
      return "The ticket's project must offer the Task issue type (or the one the create-task branch of the outbound mapping names in fields.issuetype), and every required field of it must be set by the mapping";
    case 'escalate':
      return "The project (the rule's container, else the first project source.jql names) must offer the issue type (the rule's issueType, default Task), and every required field of it must be set by the escalate branch of the outbound mapping; priority names must exist in the site's priority scheme";
    case 'escalation-link':
      return 'The origin link needs a URL and a title; issue linking must be enabled (Jira admin > Issue linking)';
    case 'task-link':
      return 'Jira must have the "Relates" link type (Jira admin > Issue linking); it ships with it';
    case 'link':
      return 'Check problemLinkType names an existing link type (Jira admin > Issue linking)';
    case 'duplicate-link':
      return 'Check duplicateLinkType names an existing link type (Jira admin > Issue linking; Jira ships "Duplicate")';
    case 'update-problem':
      return "summary and description must be on the problem issue type's edit screen; a status whose jira.issue.editable property is false (classic Closed) refuses edits";
    case 'problem-states':
      return 'Check problems.projectKey names an existing project the integration user can browse';
    default:
      return undefined;
  }
}

function vendor(failure: FailureContext): string {
  return failure.vendorMessage ? ` (Jira said: ${failure.vendorMessage})` : '';
}

function retryAfter(failure: FailureContext): string {
  return failure.retryAfterSeconds === undefined ? '' : `; Retry-After ${failure.retryAfterSeconds} s`;
}
