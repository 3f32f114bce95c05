export { startServiceNowSandbox } from './server.js';
export type {
  RequestLogEntry,
  SandboxDataPolicy,
  SandboxOAuthClient,
  SandboxUser,
  ServiceNowSandbox,
  ServiceNowSandboxOptions,
} from './server.js';
export { ServiceNowStore, newSysId } from './store.js';
export type { JournalEntry, SandboxRecord, ServiceNowStoreOptions, WriteOptions } from './store.js';
export {
  DEFAULT_EVENT_LOG_PATH,
  DEFAULT_TICKET_TEXT_PATH,
  loadTicketTexts,
  readEventLog,
  replayEventLog,
  seedFromEventLog,
} from './seed-event-log.js';
export type {
  EventLogReplay,
  EventRow,
  ReplayEventLogOptions,
  ReplayedEvent,
  SeedFromEventLogOptions,
  SeedResult,
  TicketText,
} from './seed-event-log.js';
export { FIXTURE_INCIDENTS, raiseIncident, seedFixtures } from './fixtures.js';
export type { FixtureIncident, RaisedIncident } from './fixtures.js';
export { toGlideDateTime, parseGlideDateTime } from './glide-date-time.js';
export { FAULT_KINDS, FaultConfigError, parseFaultSpec, resolveFaultConfig } from '../faults.js';
export type { FaultConfig, FaultCounts, FaultKind, FaultLogEntry, FaultPhase, ResolvedFaultConfig } from '../faults.js';
