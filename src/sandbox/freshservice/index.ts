export { CLI_SANDBOX_ACCOUNT, CLI_SANDBOX_API_KEY, startFreshserviceSandbox } from './server.js';
export type { FreshserviceRequestLogEntry, FreshserviceSandbox, FreshserviceSandboxOptions } from './server.js';
export { DEFAULT_CUSTOM_FIELDS, FreshserviceStore, PROBLEM_IMPACTS, PROBLEM_STATUSES, TICKET_PRIORITIES, TICKET_SOURCES, TICKET_STATUSES, URGENCY_LEVELS, htmlToText, textToHtml } from './store.js';
export type {
  Agent,
  AgentInput,
  CreateProblemInput,
  CreateTicketInput,
  CustomFieldDef,
  FreshserviceStoreOptions,
  Group,
  GroupInput,
  NoteInput,
  ProblemPatch,
  Requester,
  RequesterInput,
  StoredConversation,
  StoredProblem,
  StoredTicket,
  TicketPatch,
  TicketStatus,
  Workspace,
  WorkspaceInput,
} from './store.js';
export { FIXTURE_AGENTS, FIXTURE_GROUPS, FIXTURE_REQUESTERS, FIXTURE_TICKETS, seedFixtures } from './fixtures.js';
export type { FixtureTicket, SeededFixtures } from './fixtures.js';
export { PLAN_RATE_LIMITS, resolveRateLimit } from './rate-limit.js';
export type { FreshservicePlan, LimitedOperation, RateLimitConfig, RateLimitOption, SimpleRateLimit } from './rate-limit.js';
export { formatFreshserviceTimestamp, parseFreshserviceDate } from './time.js';
export { FAULT_KINDS, FaultConfigError, parseFaultSpec, resolveFaultConfig } from '../faults.js';
export type { FaultConfig, FaultCounts, FaultKind, FaultLogEntry, FaultPhase, ResolvedFaultConfig } from '../faults.js';
export { DEFAULT_HELPDESK_TICKETS_PATH, readHelpdeskTickets, seedHelpdeskTickets } from './seed-helpdesk.js';
export type { HelpdeskTicketRow, SeedHelpdeskOptions, SeedHelpdeskResult } from './seed-helpdesk.js';
