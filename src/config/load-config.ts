import path from 'node:path';
import { isMap, isScalar } from 'yaml';
import { DaemonConfig, mappingName } from './schema.js';
import { ConfigError, hasErrors, sortDiagnostics } from '../diagnostics/diagnostics.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { interpolateEnv } from './env.js';
import type { Env } from './env.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { diagnosticAtNode, mapValue, nodeAt, parseYamlSource, positionAt, seqItems, stringScalar } from '../diagnostics/yaml-source.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';
import { issuesToDiagnostics } from '../diagnostics/zod-issues.js';
import { configSemanticDiagnostics } from './source-checks.js';
import { defaultMappingsDir } from '../util/package-files.js';

export interface ConfigReadResult {
  file: string;
  /** Set only when there are no error diagnostics. Paths inside are absolute. */
  config: DaemonConfig | undefined;
  /** Values substituted from the environment; register them with the logger for redaction. */
  secrets: string[];
  diagnostics: Diagnostic[];
  /**
   * Source ids written in the file, collected even when the config is invalid so rule files can
   * still be checked against them.
   */
  sourceIds: string[];
  /** Platforms of the sources written in the file, collected like `sourceIds`. */
  platforms: string[];
  /** Rules and mappings locations (absolute), from the file or the defaults. */
  rulesPath: string;
  mappingsPath: string;
  /** False when the file could not be read or parsed as YAML at all. */
  parsed: boolean;
}

export interface LoadedConfig {
  config: DaemonConfig;
  secrets: string[];
  /** Warnings only; errors throw. */
  diagnostics: Diagnostic[];
}

/**
 * Loads `deskbridge.yaml`: `${ENV}` interpolation, schema validation, cross-field checks. Throws a
 * `ConfigError` carrying every diagnostic when anything is wrong.
 */
export function loadConfig(file: string, env: Env = process.env): LoadedConfig {
  const result = readConfig(file, env);
  if (result.config === undefined || hasErrors(result.diagnostics)) {
    throw new ConfigError(result.diagnostics, `Invalid configuration in ${file}`);
  }
  return { config: result.config, secrets: result.secrets, diagnostics: result.diagnostics };
}

/** Same checks as `loadConfig` but never throws; for `validate` and hot reload. */
export function readConfig(file: string, env: Env = process.env): ConfigReadResult {
  const dir = path.dirname(path.resolve(file));
  const result: ConfigReadResult = {
    file,
    config: undefined,
    secrets: [],
    diagnostics: [],
    sourceIds: [],
    platforms: [],
    rulesPath: path.resolve(dir, DaemonConfig.shape.rules.def.defaultValue),
    mappingsPath: defaultMappingsDir(dir),
    parsed: false,
  };
  const read = readTextFile(file);
  if ('diagnostic' in read) {
    result.diagnostics.push(read.diagnostic);
    return result;
  }
  const { source, diagnostics: syntax } = parseYamlSource(file, read.text);
  const diagnostics = [...syntax];
  result.parsed = true;

  const interpolation = interpolateEnv(source, env);
  diagnostics.push(...interpolation.diagnostics);
  result.secrets = interpolation.secrets;

  const raw = rawLocations(source);
  result.sourceIds = raw.sourceIds;
  result.platforms = raw.platforms;
  if (raw.rules !== undefined) result.rulesPath = path.resolve(dir, raw.rules);
  if (raw.mappings !== undefined) result.mappingsPath = path.resolve(dir, raw.mappings);

  // A tree recovered from broken YAML produces confusing schema errors; fix the syntax first.
  if (!hasErrors(syntax)) {
    const data: unknown = source.doc.toJS() ?? {};
    const parsed = DaemonConfig.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues.filter((issue) => {
        const node = nodeAt(source, issue.path);
        return node === undefined || !interpolation.failedNodes.has(node);
      });
      diagnostics.push(...issuesToDiagnostics(issues, { source, schema: DaemonConfig, data }));
    }
    diagnostics.push(...duplicateSourceIds(source));
    if (parsed.success) diagnostics.push(...configSemanticDiagnostics(source, parsed.data, dir));
    if (parsed.success && !hasErrors(diagnostics)) result.config = resolvePaths(parsed.data, dir, raw.mappings !== undefined);
  }
  result.diagnostics = sortDiagnostics(diagnostics);
  return result;
}

/**
 * Relative paths in the config mean "next to the config file", not "wherever the daemon was
 * started"; mappings left unset are the config folder's `mappings/` or the shipped ones.
 */
function resolvePaths(config: DaemonConfig, dir: string, mappingsWritten: boolean): DaemonConfig {
  return {
    ...config,
    state: { ...config.state, path: path.resolve(dir, config.state.path) },
    audit: { ...config.audit, dir: path.resolve(dir, config.audit.dir) },
    rules: path.resolve(dir, config.rules),
    mappings: mappingsWritten ? path.resolve(dir, config.mappings) : defaultMappingsDir(dir),
    log: config.log.file === undefined ? config.log : { ...config.log, file: path.resolve(dir, config.log.file) },
  };
}

interface RawLocations {
  sourceIds: string[];
  platforms: string[];
  rules?: string;
  mappings?: string;
}

function rawLocations(source: YamlSource): RawLocations {
  const root = source.doc.contents;
  const sources = seqItems(mapValue(root, 'sources'));
  const strings = (key: string): string[] => sources.map((item) => stringScalar(mapValue(item, key))?.value).filter((v): v is string => v !== undefined);
  // Mapping names (`jira-cloud`, `servicenow`…): what validate checks the mappings folder for.
  const names = sources.map((item) => {
    const platform = stringScalar(mapValue(item, 'platform'))?.value;
    return platform === undefined ? undefined : mappingName({ ...writtenStrings(item), platform });
  });
  const out: RawLocations = { sourceIds: strings('id'), platforms: [...new Set(names.filter((n): n is string => n !== undefined))] };
  const rules = stringScalar(mapValue(root, 'rules'))?.value;
  const mappings = stringScalar(mapValue(root, 'mappings'))?.value;
  if (rules !== undefined && rules !== '') out.rules = rules;
  if (mappings !== undefined && mappings !== '') out.mappings = mappings;
  return out;
}

/** The string values written directly in a source item, for its platform to pick a mapping name from. */
function writtenStrings(item: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(item)) return out;
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = stringScalar(pair.value)?.value;
    if (typeof key === 'string' && value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function duplicateSourceIds(source: YamlSource): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const first = new Map<string, { index: number; line: number }>();
  for (const [index, item] of seqItems(mapValue(source.doc.contents, 'sources')).entries()) {
    const idNode = stringScalar(mapValue(item, 'id'));
    if (idNode === undefined) continue;
    const previous = first.get(idNode.value);
    if (previous === undefined) {
      first.set(idNode.value, { index, line: positionAt(source, idNode.range?.[0] ?? 0).line });
      continue;
    }
    diagnostics.push(
      diagnosticAtNode(source, idNode, 'error', 'duplicate-id', `Source id "${idNode.value}" in sources[${index}] is already used by sources[${previous.index}] on line ${previous.line}`, {
        hint: 'source ids key watermarks and state; give each source its own id',
      }),
    );
  }
  return diagnostics;
}
