import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** A real winston logger whose JSON lines are kept in memory, so tests can read what would be logged. */
export function captureLogger(secrets: readonly string[] = [], level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.length > 0),
      );
      callback();
    },
  });
  return { logger: createLogger({ level, format: 'json', secrets, stream }), lines };
}
