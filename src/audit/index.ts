/** Append-only, hash-chained audit logs (QA verdicts, writes): writer, verifier, reader, report. */
export { AuditLog, DEFAULT_DEDUP_WINDOW, DEFAULT_MAX_BYTES, readHead } from './audit-log.js';
export type { AppendResult, AuditEvent, AuditLogOptions, TailEntry, TailInspection, TailProblem } from './audit-log.js';
export { AUDIT_HMAC_ENV, auditKeyFromEnv, createAuditKey } from './hmac.js';
export type { AuditKey } from './hmac.js';
export { canonicalJson } from './canonical.js';
export { EMPTY_HEAD, GENESIS_HASH, entryHash } from './chain.js';
export type { HashedFields, Head } from './chain.js';
export { AuditLogError } from './errors.js';
export type { AuditLogErrorCode } from './errors.js';
export { readAuditLog } from './read.js';
export { buildQaReport } from './report.js';
export type { QaReportOptions, ReportFormat } from './report.js';
export { aggregateQa } from './report-stats.js';
export type { PeriodOptions, QaStats, RateRow, SampledTicket } from './report-stats.js';
export * from './schema.js';
export { formatVerifyResult, verifyAll, verifyAuditLog } from './verify.js';
export type { ProblemKind, QueuedEvent, SegmentReport, VerifyAllResult, VerifyOptions, VerifyProblem, VerifyResult } from './verify.js';
