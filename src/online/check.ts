import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { nodeAt, nodeStart, parseYamlSource, positionAt } from '../diagnostics/yaml-source.js';
import type { LoadedRulesFile } from '../config/load-rules.js';
import type { Source } from '../config/schema.js';
import { isPlatformError } from '../http/errors.js';
import { createConnector } from '../platforms/api.js';
import type { ConnectorDeps } from '../platforms/deps.js';
import type { Connector, PlatformDirectory } from '../platforms/types.js';
import { appliesTo, fieldDiagnostics, nameDiagnostics, type SourceAnswers } from './match.js';
import { collectReferences, type References } from './references.js';

/**
 * `deskbridge validate --online`: asks each enabled source, with the credentials the daemon would
 * use and through its connector (auth, retries, pacing, failure wording), which native fields its
 * records have and whether the groups and people the rules name exist. GET requests only, and
 * only those a reference needs.
 */

export interface OnlineInput {
  /** Valid configs, with `${VAR}`s already taken from the environment. */
  configs: readonly { file: string; sources: readonly Source[]; mappings: string }[];
  rulesFiles: readonly LoadedRulesFile[];
  teamFile?: string | undefined;
}

export interface OnlineReport {
  diagnostics: Diagnostic[];
  /** One line per source: what was checked against what, in how many requests. */
  lines: string[];
  /** True when the check could not be made at all (no sources); errors are in `diagnostics`. */
  failed: boolean;
  requests: number;
}

/** A failed request is retried once, briefly: validate is interactive, and the daemon's patience is for unattended passes. */
const RETRY = { maxRetries: 1, baseDelayMs: 250, maxDelayMs: 1000, maxRetryAfterSeconds: 5 } as const;

/** Failures after which the next request to the source would fail the same way. */
const STOPS = new Set(['auth', 'network', 'timeout', 'circuit-open']);

export async function checkOnline(input: OnlineInput, deps: ConnectorDeps = {}): Promise<OnlineReport> {
  const placed = input.configs.flatMap((config) => config.sources.map((source, index) => ({ file: config.file, index, source })));
  const enabled = placed.filter(({ source }) => source.enabled);
  if (enabled.length === 0) {
    const why = placed.length === 0 ? 'no valid config with sources: was given (pass deskbridge.yaml, and fix its errors first)' : 'every source has enabled: false';
    return { diagnostics: [], lines: [`online: nothing checked: ${why}`], failed: true, requests: 0 };
  }
  const references = collectReferences(input.rulesFiles, input.configs, input.teamFile);
  const ids = enabled.map(({ source }) => source.id);
  const answers = new Map<string, SourceAnswers>();
  const diagnostics: Diagnostic[] = [];
  const lines: string[] = [];
  let requests = 0;
  for (const { file, index, source } of enabled) {
    let connector: Connector;
    try {
      connector = createConnector(source, { ...deps, retryOverrides: { ...RETRY, ...deps.retryOverrides } });
    } catch (error) {
      // A source the connector refuses to build (a query it cannot send) is the config check's finding too; say it here as well.
      diagnostics.push(atSource(file, index, `validate --online could not check source ${source.id}: ${error instanceof Error ? error.message : String(error)}`, undefined));
      lines.push(`online: source ${source.id} (${source.platform}): not checked`);
      continue;
    }
    try {
      const result = await checkSource(connector, references, ids);
      answers.set(source.id, result.answers);
      lines.push(`online: source ${source.id} (${source.platform}): ${result.summary.length > 0 ? result.summary.join('; ') : 'nothing to look up'} (${connector.requestCount()} GET requests)`);
      for (const failure of result.failures) diagnostics.push(atSource(file, index, failure.message, failure.hint));
    } finally {
      requests += connector.requestCount();
      await connector.close();
    }
  }
  diagnostics.push(...fieldDiagnostics(references.fields, answers, ids), ...nameDiagnostics(references.names, answers, ids));
  return { diagnostics, lines, failed: false, requests };
}

interface SourceResult {
  answers: SourceAnswers;
  summary: string[];
  failures: { message: string; hint?: string | undefined }[];
}

async function checkSource(connector: Connector, references: References, enabled: readonly string[]): Promise<SourceResult> {
  const id = connector.sourceId;
  const result: SourceResult = { answers: {}, summary: [], failures: [] };
  const directory: PlatformDirectory | undefined = connector.directory;
  if (directory === undefined) {
    result.summary.push(`platform ${connector.platform} offers no online checks`);
    return result;
  }
  const applies = (sources: Parameters<typeof appliesTo>[0]): boolean => appliesTo(sources, enabled).includes(id);
  const fields = new Set(references.fields.filter((reference) => applies(reference.sources)).map((reference) => reference.field));
  const names = (kind: 'group' | 'person'): string[] => [...new Set(references.names.filter((reference) => reference.kind === kind && applies(reference.sources)).map((reference) => reference.name))];
  const groups = names('group');
  const people = names('person');

  const steps = [
    {
      needed: fields.size > 0,
      what: 'the field dictionary',
      request: directory.requests.fields,
      run: async () => {
        const dictionary = await directory.fields();
        result.answers.fields = dictionary;
        result.summary.push(`${fields.size} native field${fields.size === 1 ? '' : 's'} against ${dictionary.checkedAgainst} (${dictionary.names.size} fields)`);
      },
    },
    {
      needed: groups.length > 0,
      what: 'the assignment groups',
      request: directory.requests.groups,
      run: async () => {
        const check = await directory.groups(groups);
        result.answers.groups = check;
        result.summary.push(check.unchecked ?? `${groups.length} group${groups.length === 1 ? '' : 's'} in ${check.checkedAgainst}`);
      },
    },
    {
      needed: people.length > 0,
      what: 'the people',
      request: directory.requests.people,
      run: async () => {
        const check = await directory.people(people);
        result.answers.people = check;
        result.summary.push(check.unchecked ?? `${people.length} ${people.length === 1 ? 'person' : 'people'} in ${check.checkedAgainst}`);
      },
    },
  ];
  for (const step of steps) {
    if (!step.needed) continue;
    try {
      await step.run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.failures.push({ message: `validate --online could not read ${step.what} of source ${id} (${step.request}): ${message}`, hint: isPlatformError(error) ? error.details.hint : undefined });
      result.summary.push(`${step.what}: not checked`);
      if (isPlatformError(error) && STOPS.has(error.code)) break;
    }
  }
  return result;
}

/** A problem with a source as a whole, reported at its entry in the config. */
function atSource(file: string, index: number, message: string, hint: string | undefined): Diagnostic {
  const read = readTextFile(file);
  const source = 'text' in read ? parseYamlSource(file, read.text).source : undefined;
  const at = source === undefined ? { line: 1, column: 1 } : positionAt(source, nodeStart(nodeAt(source, ['sources', index, 'id']) ?? nodeAt(source, ['sources', index])));
  return { file, line: at.line, column: at.column, severity: 'error', code: 'online-check-failed', message, ...(hint === undefined ? {} : { hint }) };
}
