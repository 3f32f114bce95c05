import path from 'node:path';
import { ConfigError, formatDiagnostic } from '../diagnostics/diagnostics.js';
import { readConfig } from '../config/load-config.js';
import type { DaemonConfig } from '../config/schema.js';
import { StateOpenError } from '../state/open.js';

/** What the failing command was working with, so the one line can name the path or port. */
export interface FatalContext {
  command: string;
  configFile?: string;
}

interface ErrnoLike {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  port?: unknown;
  address?: unknown;
  message?: unknown;
}

/**
 * Turns an error nothing else handled into what an operator can act on: one line naming the
 * file or port and what to do, never a stack trace (set DESKBRIDGE_DEBUG=1 for that). Values
 * taken from the environment (passwords, tokens) are masked in case a message quotes one.
 */
export function describeFatal(error: unknown, context: FatalContext): string[] {
  if (error instanceof ConfigError) return [...error.diagnostics.map(formatDiagnostic), `deskbridge ${context.command}: fix the problems above and run again.`];
  const loaded = context.configFile === undefined ? undefined : tryReadConfig(context.configFile);
  const config = loaded?.config;
  const where = context.configFile === undefined ? '' : ` in ${context.configFile}`;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrnoLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = firstLine(error instanceof Error ? error.message : String(error));
  const line = describe(code, e, message, config, where) ?? `unexpected error: ${message} (set DESKBRIDGE_DEBUG=1 to print the stack trace and report it)`;
  return [mask(`deskbridge ${context.command}: ${line}`, loaded?.secrets ?? [])];
}

function describe(code: string | undefined, e: ErrnoLike, message: string, config: DaemonConfig | undefined, where: string): string | undefined {
  if (e.syscall === 'listen' || code === 'EADDRINUSE') {
    // Two things listen: /metrics and the console. The port in the error says which one failed.
    const setting = config?.console !== undefined && typeof e.port === 'number' && e.port === config.console.port ? 'console' : 'metrics';
    const configured = setting === 'console' ? config?.console : config?.metrics;
    const port = typeof e.port === 'number' ? e.port : configured?.port;
    const host = typeof e.address === 'string' ? e.address : (configured?.host ?? '127.0.0.1');
    if (code === 'EADDRINUSE') return `${setting} port ${port} on ${host} is already in use (another deskbridge or another program); stop it, or set ${setting}.port${where} to a free port.`;
    if (code === 'EACCES') return `not allowed to listen on ${setting} port ${port} on ${host}; use a port above 1023 (${setting}.port${where}).`;
    if (code === 'EADDRNOTAVAIL') return `${setting}.host ${host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0 (${setting}.host${where}).`;
    return `cannot listen on ${setting} port ${port} on ${host}: ${message}`;
  }
  // Already one line naming the state (password masked) and what to check.
  if (e instanceof StateOpenError) return message;
  const statePath = config?.state.path;
  if (isSqliteOpenError(code, message) && statePath !== undefined) {
    return `cannot open the state database ${statePath}: ${message}; make sure its folder exists and this user can write to it (state.path${where}).`;
  }
  if (typeof e.path === 'string' && code !== undefined) {
    const reason = ERRNO_REASONS[code] ?? message;
    const which = whichSetting(e.path, config, where);
    const fix =
      code === 'ENOSPC'
        ? 'free some space'
        : code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST'
          ? 'fix the path or move the file out of the way'
          : 'give this user write access or choose another location';
    return `cannot ${verb(e.syscall)} ${e.path}: ${reason}${which}; ${fix}.`;
  }
  if (isSqliteOpenError(code, message)) return `cannot open the state database: ${message}; make sure its folder exists and this user can write to it.`;
  return undefined;
}

const ERRNO_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name is in the way',
};

function isSqliteOpenError(code: string | undefined, message: string): boolean {
  return (code !== undefined && /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR|AUTH|NOTADB|CORRUPT)/.test(code)) || /Cannot open database because the directory does not exist/.test(message);
}

function verb(syscall: unknown): string {
  switch (syscall) {
    case 'mkdir':
      return 'create the folder';
    case 'open':
      return 'open';
    case 'write':
    case 'appendfile':
      return 'write to';
    case 'rename':
      return 'rename';
    default:
      return typeof syscall === 'string' ? `${syscall}` : 'access';
  }
}

/** Names the config setting a failing path belongs to. */
function whichSetting(failing: string, config: DaemonConfig | undefined, where: string): string {
  if (config === undefined) return '';
  const abs = path.resolve(failing);
  const under = (dir: string): boolean => abs === dir || abs.startsWith(`${dir}${path.sep}`) || dir.startsWith(`${abs}${path.sep}`);
  if (under(path.dirname(config.state.path))) return ` (state.path${where})`;
  if (under(config.audit.dir)) return ` (audit.dir${where})`;
  if (config.log.file !== undefined && under(path.dirname(config.log.file))) return ` (log.file${where})`;
  return '';
}

function tryReadConfig(file: string): { config: DaemonConfig | undefined; secrets: string[] } | undefined {
  try {
    const result = readConfig(file);
    return { config: result.config, secrets: result.secrets };
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
