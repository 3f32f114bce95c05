/** Stable codes so the CLI and daemon can react without parsing messages. */
export type AuditLogErrorCode =
  | 'invalid-event'
  | 'corrupt-tail'
  | 'malformed-entry'
  | 'write-failed'
  /** The log's last entry is not the head the caller expected (see AuditTrail). */
  | 'head-mismatch';

export class AuditLogError extends Error {
  override readonly name = 'AuditLogError';

  constructor(
    readonly code: AuditLogErrorCode,
    message: string,
    /** File (full path) and 1-based line the error is about, when there is one. */
    readonly location?: { file: string; line: number },
  ) {
    super(message);
  }
}
