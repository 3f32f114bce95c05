import fs from 'node:fs';
import path from 'node:path';
import { formatDiagnostic, plural, sortDiagnostics } from '../diagnostics/diagnostics.js';
import type { Diagnostic, DiagnosticSeverity } from '../diagnostics/diagnostics.js';
import type { Env } from './env.js';
import { readConfig } from './load-config.js';
import { loadMappingFile } from './load-mappings.js';
import { loadRules, type LoadedRulesFile } from './load-rules.js';
import { fileProblem, readTextFile } from '../diagnostics/read-file.js';
import { mappingName, type Source } from './schema.js';
import { platformFieldDiagnostics } from './field-names.js';
import { kindNamed, RULE_KINDS, type Rule } from '../engine/kinds.js';
import type { PlatformNeed } from '../engine/rule-kind.js';
import { hasTopLevelKey, nodeAt, nodeStart, parseYamlSource, positionAt, type YamlSource } from '../diagnostics/yaml-source.js';
import { capabilitiesOf } from '../platforms/api.js';
import { isTeamFile, loadTeam, type Team } from '../team/index.js';
import { teamReferenceDiagnostics } from './team-references.js';
import { probeRuleEvaluations } from './evaluation-probe.js';
import { setEvaluationLimits } from '../mapping/limits.js';

export interface ValidateResult {
  diagnostics: Diagnostic[];
  /** Distinct files read (configs, rules files, mapping files). */
  filesChecked: number;
  /** The rules files as loaded, for checks that evaluate them (see evaluation-probe.ts). */
  rulesFiles: LoadedRulesFile[];
  /** The configs that loaded without errors, with their sources (environment references resolved). */
  configs: { file: string; sources: Source[]; mappings: string }[];
  /** The team file checked, if any (the first one). */
  teamFile: string | undefined;
}

/** What a check beyond the files (`validate --online`) adds to the report. */
export interface ExtraChecks {
  diagnostics: Diagnostic[];
  /** Printed before the diagnostics, e.g. what each source was checked against. */
  lines: string[];
  /** The check could not be made at all; fails validate even without diagnostics. */
  failed: boolean;
}

export interface ValidateOptions {
  /** Environment for `${VAR}` interpolation in configs; defaults to `process.env`. */
  env?: Env;
  /** Checks run after the offline ones, given their result (the CLI passes the online check). */
  extra?: (validated: ValidateResult) => Promise<ExtraChecks>;
}

type FileKind = 'config' | 'rules' | 'team' | 'mapping';

const YAML_EXTENSIONS = ['.yaml', '.yml'];

/**
 * Validates any mix of config files, rules files, mapping files and folders of them. A config
 * among the paths brings its rules and mappings folders along and supplies the source ids that
 * `scope.sources` is checked against.
 */
export function validatePaths(paths: readonly string[], options: ValidateOptions = {}): ValidateResult {
  const diagnostics: Diagnostic[] = [];
  const found = new Map<FileKind, string[]>([
    ['config', []],
    ['rules', []],
    ['team', []],
    ['mapping', []],
  ]);
  const seen = new Set<string>();
  const add = (kind: FileKind, file: string): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    found.get(kind)?.push(file);
  };

  for (const given of paths) {
    const listed = listPath(given, 'error');
    if ('diagnostic' in listed) {
      diagnostics.push(listed.diagnostic);
      continue;
    }
    for (const file of listed.files) add(classify(file), file);
  }

  // Evaluations (the range check below, the probes after) run under the limits `run` would use:
  // the first config's `limits:` (without a config, the process's: the defaults in the CLI).
  let limitsApplied = false;
  // Configs first: they decide which source ids exist and bring their own rules and mappings.
  let sourceIds: string[] | undefined;
  const sources: Source[] = [];
  const configs: ValidateResult['configs'] = [];
  const platforms = new Set<string>();
  const mappingDirs: string[] = [];
  for (const file of found.get('config') ?? []) {
    const result = readConfig(file, options.env ?? process.env);
    diagnostics.push(...result.diagnostics);
    if (result.config && !limitsApplied) {
      setEvaluationLimits(result.config.limits);
      limitsApplied = true;
    }
    sourceIds = [...new Set([...(sourceIds ?? []), ...result.sourceIds])];
    sources.push(...(result.config?.sources ?? []));
    if (result.config !== undefined) configs.push({ file, sources: result.config.sources, mappings: result.config.mappings });
    for (const platform of result.platforms) platforms.add(platform);
    // The config's own folders are optional companions; a missing one is worth a warning only.
    for (const [dir, kind] of [
      [result.rulesPath, 'rules'],
      [result.mappingsPath, 'mapping'],
    ] as const) {
      const listed = listPath(dir, 'warning');
      if ('diagnostic' in listed) {
        // readConfig already reported a missing location as an error, at its key in the config.
        if (result.diagnostics.some((d) => d.code === 'file-not-found' && d.file === file)) continue;
        diagnostics.push(companionFolderProblem(file, kind === 'rules' ? 'rules' : 'mappings', dir, listed.diagnostic));
        continue;
      }
      if (kind === 'mapping') mappingDirs.push(dir);
      for (const child of listed.files) {
        const childKind = classify(child);
        if (childKind === kind || (kind === 'rules' && childKind === 'team')) add(childKind, child);
      }
    }
  }

  const rulesFiles = found.get('rules') ?? [];
  let loadedRules: ReturnType<typeof loadRules> | undefined;
  if (rulesFiles.length > 0) {
    const rules = loadRules(rulesFiles, sourceIds === undefined ? {} : { sourceIds });
    loadedRules = rules;
    diagnostics.push(...rules.diagnostics);
    diagnostics.push(...capabilityWarnings(rules.files, sources));
    diagnostics.push(...escalationTargetProblems(rules.files, sources));
    // The daemon requests every rule's raw fields from every enabled source (see loadConfigSet).
    const enabledPlatforms = sources.length > 0 ? sources.filter((s) => s.enabled).map((s) => mappingName(s)) : platforms;
    diagnostics.push(...platformFieldDiagnostics(rules.files, enabledPlatforms));
  }

  const teamFiles = found.get('team') ?? [];
  let team: Team | undefined;
  let teamFile: string | undefined;
  for (const file of teamFiles) {
    teamFile ??= file;
    const loadedTeam = loadTeam(file);
    diagnostics.push(...loadedTeam.diagnostics);
    team ??= loadedTeam.team;
  }
  if (rulesFiles.length > 0) diagnostics.push(...teamReferenceDiagnostics(loadedRules?.files ?? [], team));

  const mappingFiles = found.get('mapping') ?? [];
  for (const file of mappingFiles) diagnostics.push(...loadMappingFile(file).diagnostics);
  diagnostics.push(...missingMappings(mappingDirs, platforms));

  return {
    diagnostics: sortDiagnostics(diagnostics),
    filesChecked: (found.get('config')?.length ?? 0) + rulesFiles.length + teamFiles.length + mappingFiles.length,
    rulesFiles: loadedRules?.files ?? [],
    configs,
    teamFile,
  };
}

/**
 * A config's rules or mappings folder that is missing or empty, reported at the config (at its
 * `rules:`/`mappings:` key when written) rather than at a path that does not exist: says which
 * folder, whether it was the default, and what to put there. Only reached when the config did not
 * parse, otherwise readConfig reports a missing location as an error.
 */
function companionFolderProblem(config: string, key: 'rules' | 'mappings', dir: string, listed: Diagnostic): Diagnostic {
  const read = readTextFile(config);
  const source = 'text' in read ? parseYamlSource(config, read.text).source : undefined;
  const node = source === undefined ? undefined : nodeAt(source, [key]);
  const at = source === undefined || node === undefined ? { line: 1, column: 1 } : positionAt(source, nodeStart(node));
  const what = key === 'rules' ? 'Rules folder' : 'Mappings folder';
  const shown = path.relative(path.dirname(path.resolve(config)), dir) || '.';
  const where = node === undefined ? `"${shown}" (the default: ${path.basename(config)} sets no "${key}:")` : `"${shown}"`;
  const contents = key === 'rules' ? 'rules files (.yaml)' : '<platform>.inbound.jsonata and <platform>.outbound.jsonata (copy them from the mappings/ folder of deskbridge)';
  const fix =
    node === undefined
      ? `set "${key}:" in ${path.basename(config)} to the folder holding ${contents}, or create ${dir} with them`
      : `fix the path (relative to the config file) or put ${contents} in ${dir}`;
  let message = `${what} ${where}: ${listed.message}`;
  if (listed.message === 'File or directory not found') message = `${what} ${where} not found (resolved to ${dir})`;
  else if (listed.message.startsWith('Folder has no')) message = `${what} ${where} has no files to validate`;
  return { file: config, line: at.line, column: at.column, severity: 'warning', code: 'file-not-found', message, hint: fix };
}

/** The daemon needs both directions for every configured platform. */
function missingMappings(dirs: readonly string[], platforms: ReadonlySet<string>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const dir of dirs) {
    for (const platform of platforms) {
      for (const direction of ['inbound', 'outbound']) {
        const file = path.join(dir, `${platform}.${direction}.jsonata`);
        if (fs.existsSync(file)) continue;
        diagnostics.push({
          file,
          line: 1,
          column: 1,
          severity: 'error',
          code: 'file-not-found',
          message: `No ${direction} mapping for platform "${platform}", which a configured source uses`,
          hint: `create ${path.basename(file)} in the mappings folder`,
        });
      }
    }
  }
  return diagnostics;
}

function listPath(given: string, severity: DiagnosticSeverity): { files: string[] } | { diagnostic: Diagnostic } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(given);
  } catch (err) {
    return { diagnostic: fileProblem(given, err, severity) };
  }
  if (!stat.isDirectory()) return { files: [given] };
  const files = fs
    .readdirSync(given, { withFileTypes: true })
    .filter((e) => e.isFile() && [...YAML_EXTENSIONS, '.jsonata'].some((ext) => e.name.endsWith(ext)))
    .map((e) => path.join(given, e.name))
    .sort();
  if (files.length === 0) {
    return {
      diagnostic: {
        file: given,
        line: 1,
        column: 1,
        severity: 'warning',
        code: 'file-not-found',
        message: 'Folder has no .yaml, .yml or .jsonata files to validate',
      },
    };
  }
  return { files };
}

/** A config has `sources:`, a rules file has `rules:`; anything else is judged by its name. */
function classify(file: string): FileKind {
  if (file.endsWith('.jsonata')) return 'mapping';
  // Unreadable, too large or not UTF-8: judged by name; the loader then reports the problem.
  const read = readTextFile(file);
  const { source } = parseYamlSource(file, 'text' in read ? read.text : '');
  if (hasTopLevelKey(source, 'sources')) return 'config';
  if (hasTopLevelKey(source, 'rules')) return 'rules';
  if (isTeamFile(file) || (hasTopLevelKey(source, 'people') && hasTopLevelKey(source, 'groups'))) return 'team';
  return /deskbridge[^/\\]*\.ya?ml$/.test(path.basename(file)) ? 'config' : 'rules';
}

/**
 * `deskbridge validate [paths…]`: prints one `file:line:col severity code: message` line per
 * problem and a summary. Returns the exit code: 1 when there are errors, 0 otherwise (warnings
 * alone do not fail).
 */
export async function runValidate(paths: readonly string[], out: (line: string) => void, options: ValidateOptions = {}): Promise<number> {
  const targets = paths.length > 0 ? paths : ['deskbridge.yaml'];
  const validated = validatePaths(targets, options);
  const { filesChecked } = validated;
  const extra = options.extra === undefined ? undefined : await options.extra(validated);
  const diagnostics = sortDiagnostics([...validated.diagnostics, ...(await probeRuleEvaluations(validated.rulesFiles)), ...(extra?.diagnostics ?? [])]);
  for (const line of extra?.lines ?? []) out(line);
  for (const d of diagnostics) out(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const checked = `${plural(filesChecked, 'file')} checked`;
  out(diagnostics.length === 0 ? `${checked}, no problems found` : `${checked}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return errors > 0 || extra?.failed === true ? 1 : 0;
}

/** What the rule asks of the platforms it writes to: its kind says (see `platformNeeds` in src/engine/<kind>/). */
function capabilityNeeds(rule: Rule): PlatformNeed[] {
  return kindNamed(RULE_KINDS, rule.kind)?.platformNeeds(rule) ?? [];
}

/**
 * Escalate rules whose `to:` cannot hold their copies: a platform without an escalation write
 * (an error: every escalation would be dead-lettered), or a source that is disabled or in dry-run
 * (a warning: nothing is opened there until it runs live). Unknown ids are reported by loadRules.
 */
function escalationTargetProblems(files: readonly LoadedRulesFile[], sources: readonly Source[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const loaded of files) {
    let yaml: YamlSource | undefined;
    loaded.rules.forEach((rule, index) => {
      if (rule.kind !== 'escalate') return;
      const target = sources.find((s) => s.id === rule.to);
      if (!target) return;
      const problem = !capabilitiesOf(target).escalationTarget
        ? {
            severity: 'error' as const,
            message: `Rule ${rule.id} escalates to ${target.id}, a ${target.platform} source, which cannot take escalated copies yet`,
            hint: 'escalate to a source whose platform takes copies (ServiceNow, Jira, Zendesk, Freshservice)',
          }
        : !target.enabled || target.dryRun === true
          ? {
              severity: 'warning' as const,
              message: `Rule ${rule.id} escalates to ${target.id}, which is ${target.enabled ? 'in dry-run' : 'disabled'}: its copies are dead-lettered until it runs live`,
              hint: `run source ${target.id} live first, or keep this rule's source in dry-run too`,
            }
          : undefined;
      if (!problem) return;
      yaml ??= parseYamlSource(loaded.file, fs.readFileSync(loaded.file, 'utf8')).source;
      const at = positionAt(yaml, nodeStart(nodeAt(yaml, ['rules', index, 'to']) ?? nodeAt(yaml, ['rules', index])));
      diagnostics.push({ file: loaded.file, line: at.line, column: at.column, code: 'escalation-target', ...problem });
    });
  }
  return diagnostics;
}

/**
 * Rules that ask a source for something it cannot do: an internal note on a source without
 * internal comments would be posted where the requester can read it, or not at all.
 */
function capabilityWarnings(files: readonly LoadedRulesFile[], sources: readonly Source[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (sources.length === 0) return diagnostics;
  for (const loaded of files) {
    let yaml: YamlSource | undefined;
    loaded.rules.forEach((rule, index) => {
      for (const need of capabilityNeeds(rule)) {
        const inScope = sources.filter((s) => s.enabled && (rule.scope?.sources ?? [s.id]).includes(s.id));
        const lacking = inScope.filter((s) => !capabilitiesOf(s)[need.capability]);
        if (lacking.length === 0) continue;
        yaml ??= parseYamlSource(loaded.file, fs.readFileSync(loaded.file, 'utf8')).source;
        const node = nodeAt(yaml, ['rules', index, need.key]) ?? nodeAt(yaml, ['rules', index]);
        const at = positionAt(yaml, nodeStart(node));
        diagnostics.push({
          file: loaded.file,
          line: at.line,
          column: at.column,
          severity: 'warning',
          code: 'capability-missing',
          message: `Rule ${rule.id} ${need.what}, but source${lacking.length > 1 ? 's' : ''} ${lacking.map((s) => s.id).join(', ')} ${need.lacking}`,
          hint: need.hint,
        });
      }
    });
  }
  return diagnostics;
}
