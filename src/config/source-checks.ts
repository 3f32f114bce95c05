import fs from 'node:fs';
import path from 'node:path';
import { validateDetailed } from 'node-cron';
import type { Node } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { DaemonConfig } from './schema.js';
import { diagnosticAtNode, diagnosticAtOffset, formatPath, nodeAt, stringScalar } from '../diagnostics/yaml-source.js';
import { checkJsonata, jsonataHint } from './jsonata-lint.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';
import { defaultMappingsDir } from '../util/package-files.js';

/**
 * Checks on a schema-valid config that the schema cannot express but `run` would trip over:
 * cron schedules node-cron refuses (an uncaught throw when the daemon starts), URLs that are not
 * http(s), and rules/mappings locations that do not exist. `validate` and `run` both get them
 * through `readConfig`, so what one accepts the other does too.
 */
export function configSemanticDiagnostics(source: YamlSource, config: DaemonConfig, dir: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  config.sources.forEach((s, index) => {
    const schedule = scheduleProblem(source, s.schedule, ['sources', index, 'schedule']);
    if (schedule !== undefined) diagnostics.push(schedule);
    diagnostics.push(...urlProblems(source, s.baseUrl, ['sources', index, 'baseUrl']));
    if (s.skip !== undefined) diagnostics.push(...skipProblems(source, s.skip, ['sources', index, 'skip']));
    if (s.auth.type === 'oauth' && s.auth.tokenUrl !== undefined) {
      diagnostics.push(...urlProblems(source, s.auth.tokenUrl, ['sources', index, 'auth', 'tokenUrl']));
    }
  });
  diagnostics.push(...locationProblems(source, config, dir));
  return diagnostics;
}

/**
 * A source's `skip:` is JSONata like a rule's `when`: a syntax error would make every ticket fail
 * the condition (and be left alone to be safe), so nothing would ever be acted on.
 */
function skipProblems(source: YamlSource, expression: string, at: PropertyKey[]): Diagnostic[] {
  const problem = checkJsonata(expression);
  if (problem === undefined) return [];
  const message = `Invalid JSONata in ${formatPath(at)}: ${problem.message} (${problem.code})`;
  const hint = jsonataHint(problem.code) ?? 'a JSONata condition over the canonical ticket, e.g. "\'vip\' in labels or raw.u_deskbridge_skip = true"';
  const scalar = stringScalar(nodeAt(source, at));
  if (scalar === undefined) return [diagnosticAtNode(source, nodeAt(source, at.slice(0, -1)), 'error', 'bad-jsonata', message, { hint })];
  const offsets = scalarValueOffsets(source.text, scalar, scalar.value);
  return [diagnosticAtOffset(source, offsetInScalar(offsets, problem.index), 'error', 'bad-jsonata', message, { hint })];
}

/** node-cron's own validator: exactly what `schedule()` will accept when the daemon starts. */
function scheduleProblem(source: YamlSource, expression: string, at: PropertyKey[]): Diagnostic | undefined {
  const result = validateDetailed(expression);
  if (result.valid) return undefined;
  const node = nodeAt(source, at);
  const first = result.errors[0];
  const reason = first?.message ?? 'not a cron expression';
  const hint = 'five fields (minute hour day-of-month month day-of-week) or six with seconds first, e.g. "*/5 * * * *"';
  const message = `Invalid cron schedule: ${reason}`;
  if (node === undefined) return diagnosticAtNode(source, nodeAt(source, at.slice(0, -1)), 'error', 'bad-schedule', message, { hint });
  return diagnosticAtOffset(source, tokenOffset(source, node, expression, first?.value), 'error', 'bad-schedule', message, { hint });
}

/** Offset of the offending cron field inside the scalar when it can be found verbatim, else the scalar. */
function tokenOffset(source: YamlSource, node: Node, expression: string, token: unknown): number {
  const [start, end] = node.range ?? [0, 0];
  const written = source.text.slice(start, end);
  const exprAt = written.indexOf(expression);
  if (exprAt === -1 || typeof token !== 'string' || token === expression) return start;
  const fields = expression.split(/(\s+)/);
  let index = 0;
  for (const part of fields) {
    if (part === token) return start + exprAt + index;
    index += part.length;
  }
  return start;
}

/**
 * Platforms are reached over HTTP(S) only: `file:`, `ftp:` and the like would make the HTTP
 * client fail on every pass (or read local files). Plain http sends credentials in the clear, so
 * it is allowed with a warning, except to this machine (sandboxes, a local TLS proxy).
 */
function urlProblems(source: YamlSource, value: string, at: PropertyKey[]): Diagnostic[] {
  const node = nodeAt(source, at);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const field = String(at[at.length - 1]);
  if (url.protocol === 'https:') return [];
  if (url.protocol === 'http:') {
    // A sandbox or a TLS-terminating proxy on this machine: nothing crosses the network in clear.
    if (LOOPBACK_HOSTS.has(url.hostname)) return [];
    return [
      diagnosticAtNode(source, node, 'warning', 'insecure-url', `${field} uses http://: credentials and ticket data travel unencrypted`, {
        hint: 'use https:// unless this is a local sandbox or a TLS-terminating proxy on the same host',
      }),
    ];
  }
  return [
    diagnosticAtNode(source, node, 'error', 'bad-url', `${field} must be an http:// or https:// URL, not ${url.protocol}`, {
      hint: 'write the instance address, e.g. https://example.service-now.com or https://example.atlassian.net',
    }),
  ];
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The rules location (a folder or one file) and the mappings folder must exist when the daemon starts. */
function locationProblems(source: YamlSource, config: DaemonConfig, dir: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [key, given, wantDir] of [
    ['rules', config.rules, false],
    ['mappings', config.mappings, true],
  ] as const) {
    const written = nodeAt(source, [key]) !== undefined;
    const resolved = key === 'mappings' && !written ? defaultMappingsDir(dir) : path.resolve(dir, given);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(resolved);
    } catch {
      stat = undefined;
    }
    const node = nodeAt(source, [key]);
    const what = key === 'rules' ? 'Rules folder or file' : 'Mappings folder';
    const where = written ? `"${given}"` : `"${given}" (the default)`;
    if (stat === undefined) {
      diagnostics.push(
        diagnosticAtNode(source, node, 'error', 'file-not-found', `${what} ${where} not found (resolved to ${resolved})`, {
          hint: written ? 'paths are relative to the config file; fix the path or create it' : `set "${key}:" in the config, or create ${resolved}`,
        }),
      );
    } else if (wantDir && !stat.isDirectory()) {
      diagnostics.push(diagnosticAtNode(source, node, 'error', 'file-not-found', `${what} ${where} is a file, not a folder (resolved to ${resolved})`));
    }
  }
  return diagnostics;
}
