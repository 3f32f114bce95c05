export { startJiraSandbox } from './server.js';
export type { JiraRequestLogEntry, JiraSandbox, JiraSandboxOptions, JiraSandboxToken } from './server.js';
export { JiraStore, JiraValidationError, accountIdFor } from './store.js';
export type {
  ChangeItem,
  ChangelogHistory,
  CreateIssueInput,
  IssuePatch,
  JiraStoreOptions,
  JiraUser,
  StoredComment,
  StoredIssue,
  StoredLink,
} from './store.js';
export {
  DEFAULT_PROJECTS,
  DEFAULT_TEAMS,
  DEFAULT_USERS,
  LINK_TYPES,
  STATUSES,
  TEAM_FIELD_ID,
  TRANSITIONS,
} from './catalogue.js';
export type { JiraFlavour, JiraUserInput, ProjectDef, TeamDef } from './catalogue.js';
export { adfToText, isAdfDoc, textToAdf, wikiToAdf } from './adf.js';
export type { AdfDoc, AdfNode, RichText } from './adf.js';
export {
  DEFAULT_HADOOP_BUGS_PATH,
  DEFAULT_HADOOP_DUPLICATES_PATH,
  parseHadoopDate,
  readHadoopBugs,
  readHadoopDuplicates,
  seedHadoop,
} from './seed-hadoop.js';
export type { HadoopBugReport, SeedHadoopOptions, SeedHadoopResult } from './seed-hadoop.js';
export { FIXTURE_INCIDENTS, seedFixtures } from './fixtures.js';
export type { FixtureIncident } from './fixtures.js';
export { formatJiraTimestamp, parseJqlDate } from './time.js';
export { FAULT_KINDS, FaultConfigError, parseFaultSpec, resolveFaultConfig } from '../faults.js';
export type { FaultConfig, FaultCounts, FaultKind, FaultLogEntry, FaultPhase, ResolvedFaultConfig } from '../faults.js';
