import fs from 'node:fs';
import path from 'node:path';
import { LineCounter } from 'yaml';
import { mappingNames } from '../platforms/registry.js';
import { hasErrors, sortDiagnostics } from '../diagnostics/diagnostics.js';
import { inboundShapeProblems } from './mapping-shape.js';
import type { Diagnostic, DiagnosticSeverity } from '../diagnostics/diagnostics.js';
import { checkJsonata, jsonataHint } from './jsonata-lint.js';
import { checkNames } from './name-lint.js';
import { mappingScope } from './expression-scopes.js';
import { fileProblem, readTextFile } from '../diagnostics/read-file.js';

export type MappingDirection = 'inbound' | 'outbound';

/** One mapping file that compiled. */
export interface LoadedMapping {
  platform: string;
  direction: MappingDirection;
  /** Path as given (joined onto the directory that was passed in). */
  path: string;
  /** JSONata source text. */
  source: string;
}

export interface LoadMappingsResult {
  mappings: LoadedMapping[];
  diagnostics: Diagnostic[];
}

const MAPPING_FILE = /^([a-z0-9][a-z0-9-]*)\.(inbound|outbound)\.jsonata$/;

/** Mapping names the config schema can ask for; a mapping for anything else is never used. */
function knownPlatforms(): string[] {
  return mappingNames();
}

/**
 * Reads and compiles every `<platform>.inbound.jsonata` / `<platform>.outbound.jsonata` in `dir`.
 * Syntax errors are reported at their line and column inside the file.
 */
export function loadMappings(dir: string, options: { missingSeverity?: DiagnosticSeverity } = {}): LoadMappingsResult {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.jsonata'))
      .map((entry) => entry.name)
      .sort();
  } catch (err) {
    return { mappings: [], diagnostics: [fileProblem(dir, err, options.missingSeverity)] };
  }
  const mappings: LoadedMapping[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const result = loadMappingFile(path.join(dir, name));
    diagnostics.push(...result.diagnostics);
    if (result.mapping !== undefined) mappings.push(result.mapping);
  }
  return { mappings, diagnostics: sortDiagnostics(diagnostics) };
}

function linePosition(text: string, index: number): { line: number; col: number } {
  const lineCounter = new LineCounter();
  let offset = 0;
  for (const line of text.split('\n')) {
    lineCounter.addNewLine(offset);
    offset += line.length + 1;
  }
  return lineCounter.linePos(index);
}

/** Reads and compiles one mapping file; the name must be `<platform>.<direction>.jsonata`. */
export function loadMappingFile(file: string): { mapping?: LoadedMapping; diagnostics: Diagnostic[] } {
  const read = readTextFile(file);
  if ('diagnostic' in read) return { diagnostics: [read.diagnostic] };
  const diagnostics: Diagnostic[] = [];
  const name = path.basename(file);
  const match = MAPPING_FILE.exec(name);
  if (match === null) {
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      severity: 'warning',
      code: 'bad-value',
      message: `Mapping file name "${name}" is not <platform>.inbound.jsonata or <platform>.outbound.jsonata; it is never loaded`,
      hint: `rename it, e.g. servicenow.inbound.jsonata`,
    });
  } else if (!knownPlatforms().includes(match[1] ?? '')) {
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      severity: 'warning',
      code: 'bad-value',
      message: `Mapping for unknown platform "${match[1] ?? ''}". Must be one of: ${knownPlatforms().join(', ')}`,
    });
  }

  const problem = checkJsonata(read.text);
  if (problem !== undefined) {
    const { line, col } = linePosition(read.text, problem.index);
    const diagnostic: Diagnostic = {
      file,
      line,
      column: col,
      severity: 'error',
      code: 'bad-jsonata',
      message: `Invalid JSONata: ${problem.message} (${problem.code})`,
    };
    const hint = jsonataHint(problem.code);
    if (hint !== undefined) diagnostic.hint = hint;
    diagnostics.push(diagnostic);
    return { diagnostics };
  }
  if (match === null) return { diagnostics };
  for (const name of checkNames(read.text, mappingScope(match[2] as MappingDirection), `the ${match[2]} mapping`)) {
    const { line, col } = linePosition(read.text, name.index);
    diagnostics.push({ file, line, column: col, severity: name.severity, code: name.code, message: name.message, ...(name.hint === undefined ? {} : { hint: name.hint }) });
  }
  if (hasErrors(diagnostics)) return { diagnostics };
  if (match[2] === 'inbound') {
    for (const shape of inboundShapeProblems(read.text)) {
      const { line, col } = linePosition(read.text, shape.index);
      diagnostics.push({ file, line, column: col, severity: 'error', code: 'bad-mapping-output', message: shape.message, hint: shape.hint });
    }
    if (hasErrors(diagnostics)) return { diagnostics };
  }
  return {
    mapping: { platform: match[1] ?? '', direction: match[2] as MappingDirection, path: file, source: read.text },
    diagnostics,
  };
}
