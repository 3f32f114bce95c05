import { parseLine } from './entry.js';
import { AuditLogError } from './errors.js';
import { listLogFiles, readLines } from './files.js';
import { isBreak, type AuditEntry, type AuditLogName, type PayloadByLog } from './schema.js';

/**
 * Yields a log's entries file by file in chain order, one line in memory at a time. It checks each
 * line's shape, not the chain: run `verifyAuditLog` first when the result must be trusted.
 * Throws `AuditLogError('malformed-entry')` at the first unreadable line; an unfinished last line
 * (a write interrupted by a crash, never acknowledged) is skipped, and so are break records
 * (`audit acknowledge`), which describe the log rather than a verdict or a write.
 * With `fromDay`, only the files of that UTC day and later are read.
 */
export function* readAuditLog<L extends AuditLogName>(dir: string, log: L, fromDay?: string): Generator<AuditEntry<PayloadByLog[L]>> {
  for (const file of listLogFiles(dir, log)) {
    // `fromDay` (YYYY-MM-DD): the files of earlier days are not read (entries of a day are in its files).
    if (fromDay !== undefined && file.day < fromDay) continue;
    for (const raw of readLines(file.path)) {
      const parsed = parseLine(raw.text, log);
      if (parsed.ok) {
        const { entry } = parsed;
        if (!isBreak(entry.data)) yield { ...entry, data: entry.data };
        continue;
      }
      if (!raw.terminated) continue;
      throw new AuditLogError('malformed-entry', `${file.name}:${raw.line}: ${parsed.reason}`, {
        file: file.path,
        line: raw.line,
      });
    }
  }
}
