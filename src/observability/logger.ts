import winston from 'winston';

/** The logging surface the rest of the code depends on (so tests can capture lines). */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

const SECRET_KEYS = /^(authorization|password|passwd|secret|client_?secret|token|access_?token|refresh_?token|api_?token|api_?key|cookie|set-cookie)$/i;
const REDACTED = '[redacted]';

/**
 * Replaces secrets wherever they hide: values under secret-looking keys, and any registered
 * secret value (every `${ENV}` the config interpolated) inside any string, including messages
 * and error stacks. Done in the transport format so no call site can forget it.
 */
export function createRedactor(secrets: readonly string[]): (value: unknown) => unknown {
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const scrubString = (text: string): string => {
    let out = text;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // Basic/Bearer credentials that were never registered (e.g. built at run time).
    return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g, `$1 ${REDACTED}`);
  };
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return { name: value.name, message: scrubString(value.message), stack: value.stack ? scrubString(value.stack) : undefined };
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) ? REDACTED : scrub(v, depth + 1);
    return out;
  };
  return (value) => scrub(value, 0);
}

export interface LoggerOptions {
  level?: 'error' | 'warn' | 'info' | 'debug';
  format?: 'json' | 'pretty';
  file?: string | undefined;
  secrets?: readonly string[];
  /** Extra transport, e.g. an in-memory stream in tests. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = createRedactor(options.secrets ?? []);
  const redaction = winston.format((info) => {
    const cleaned = redact({ ...info }) as Record<string | symbol, unknown>;
    for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
    Object.assign(info, cleaned);
    return info;
  });
  const format =
    options.format === 'pretty'
      ? winston.format.combine(redaction(), winston.format.timestamp(), winston.format.printf(prettyLine))
      : winston.format.combine(redaction(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [];
  if (options.stream) transports.push(new winston.transports.Stream({ stream: options.stream }));
  else transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }));
  if (options.file) transports.push(new winston.transports.File({ filename: options.file }));
  const base = winston.createLogger({ level: options.level ?? 'info', format, transports, silent: options.silent ?? false });
  return wrap(base);
}

function prettyLine(info: winston.Logform.TransformableInfo): string {
  const { level, message, timestamp, ...rest } = info;
  const meta = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${String(timestamp)} ${level} ${String(message)}${meta}`;
}

function wrap(logger: winston.Logger): Logger {
  return {
    error: (message, meta) => logger.error(message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    info: (message, meta) => logger.info(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    child: (meta) => wrap(logger.child(meta)),
  };
}

/** A logger that drops everything (library use, benchmarks). */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
