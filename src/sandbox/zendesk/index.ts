export { CLI_SANDBOX_ACCOUNT, startZendeskSandbox } from './server.js';
export type { RateLimit, ZendeskOAuthToken, ZendeskRequestLogEntry, ZendeskSandbox, ZendeskSandboxOptions } from './server.js';
export { TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES, ZendeskStore, ZendeskValidationError, normaliseTag } from './store.js';
export type {
  AuditEvent,
  CommentInput,
  CustomFieldValue,
  FieldError,
  GroupMembership,
  JobStatus,
  StoredAudit,
  StoredComment,
  StoredTicket,
  TicketField,
  TicketInput,
  TicketPriority,
  TicketStatus,
  TicketType,
  UserRole,
  ZendeskGroup,
  ZendeskStoreOptions,
  ZendeskUser,
  ZendeskUserInput,
} from './store.js';
export { FIXTURE_AGENTS, FIXTURE_FIELDS, FIXTURE_GROUPS, FIXTURE_REQUESTERS, FIXTURE_TICKETS, seedFixtures } from './fixtures.js';
export type { FixtureAgent, FixtureTicket } from './fixtures.js';
export { DEFAULT_HELPDESK_TICKETS_PATH, readHelpdeskTickets, seedHelpdeskTickets } from './seed-helpdesk.js';
export type { HelpdeskRow, SeedHelpdeskOptions } from './seed-helpdesk.js';
export { FAULT_KINDS, FaultConfigError, parseFaultSpec, resolveFaultConfig } from '../faults.js';
export type { FaultConfig, FaultCounts, FaultKind, FaultLogEntry, FaultPhase, ResolvedFaultConfig } from '../faults.js';
