import type { z } from 'zod';
import { describeValue, quoteValue } from './excerpt.js';
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAtNode, formatPath, keyNodeAt, mapValue, nearestNode, nodeAt } from './yaml-source.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

export interface IssueContext {
  source: YamlSource;
  /** Root schema the data was parsed with; used to suggest known keys for typos. */
  schema: z.ZodType;
  /** The plain data that was validated (after env interpolation). */
  data: unknown;
  /**
   * Discriminator keys whose unknown values mean "unknown rule kind" rather than a plain bad value.
   * Defaults to `kind`.
   */
  kindDiscriminators?: readonly string[];
}

/** Turns zod issues into positioned diagnostics, one (or one per unknown key) per issue. */
export function issuesToDiagnostics(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const typos = misspelledRequired(issues, ctx);
  // A list of 200,000 wrong items is one mistake; positioning each would take minutes and flood the terminal.
  for (const issue of issues.slice(0, MAX_ISSUES_PER_FILE)) out.push(...issueToDiagnostics(issue, { ...ctx, typos }));
  const rest = issues.length - MAX_ISSUES_PER_FILE;
  const next = issues[MAX_ISSUES_PER_FILE];
  if (rest > 0 && next !== undefined) {
    const path = next.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as PropertyKey[];
    out.push(
      diagnosticAtNode(
        ctx.source,
        nodeAt(ctx.source, path) ?? nearestNode(ctx.source, path).node,
        'error',
        'bad-value',
        `…and ${rest.toLocaleString('en-US')} more problems in this file (only the first ${MAX_ISSUES_PER_FILE} are listed)`,
      ),
    );
  }
  return out;
}

/** Schema problems listed per file; the rest are counted in one last diagnostic. */
export const MAX_ISSUES_PER_FILE = 50;

/**
 * A misspelled required key is two zod issues (the unknown key, the missing one) but one mistake:
 * the pairs, keyed by `typoKey(object path, required field)`, so the missing field is reported
 * with the unknown key that was meant to be it, once.
 */
function misspelledRequired(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): ReadonlySet<string> {
  const missing = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || issue.path.length === 0 || getData(ctx.data, issue.path) !== undefined) continue;
    missing.add(typoKey(issue.path.slice(0, -1), String(issue.path[issue.path.length - 1])));
  }
  const typos = new Set<string>();
  if (missing.size === 0) return typos;
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = knownKeys(ctx, issue.path);
    for (const key of issue.keys) {
      const suggestion = closest(key, known);
      if (suggestion !== undefined && missing.has(typoKey(issue.path, suggestion))) typos.add(typoKey(issue.path, suggestion));
    }
  }
  return typos;
}

function typoKey(path: readonly PropertyKey[], field: string): string {
  return JSON.stringify([...path.map(String), field]);
}

function issueToDiagnostics(issue: z.core.$ZodIssue, ctx: IssueContext & { typos: ReadonlySet<string> }): Diagnostic[] {
  const { source } = ctx;
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as PropertyKey[];
  const where = formatPath(path);

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(ctx, path);
      return issue.keys.map((key) => {
        const suggestion = closest(key, known);
        const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : known.length > 0 ? `allowed here: ${known.join(', ')}` : undefined;
        const node = keyNodeAt(source, path, key) ?? nodeAt(source, path);
        const at = path.length === 0 ? '' : ` in ${where}`;
        const meant = suggestion !== undefined && ctx.typos.has(typoKey(path, suggestion)) ? `, and the required field "${suggestion}" is missing` : '';
        return diagnosticAtNode(source, node, 'error', 'unknown-field', `Unknown field "${key}"${at}${meant}`, { hint });
      });
    }

    case 'invalid_union': {
      const { discriminator, options, note } = issue as { discriminator?: unknown; options?: unknown; note?: unknown };
      if (note === 'No matching discriminator' && typeof discriminator === 'string') {
        return [discriminatorDiagnostic(ctx, path, discriminator, Array.isArray(options) ? options : [])];
      }
      return [diagnosticAtNode(source, nearestNode(source, path).node, 'error', 'bad-value', `${where}: ${issue.message}`)];
    }

    case 'invalid_type': {
      const node = nodeAt(source, path);
      const missing = node === undefined || getData(ctx.data, path) === undefined;
      if (missing && path.length > 0) {
        const field = String(path[path.length - 1]);
        const parentPath = path.slice(0, -1);
        // Reported with the misspelled key that was meant to be it.
        if (ctx.typos.has(typoKey(parentPath, field))) return [];
        const parent = nearestNode(source, parentPath).node;
        const inside = parentPath.length === 0 ? '' : ` in ${formatPath(parentPath)}`;
        return [
          diagnosticAtNode(source, parent, 'error', 'missing-field', `Missing required field "${field}"${inside}`, {
            hint: `add "${field}:" with ${article(issue.expected)}`,
          }),
        ];
      }
      const received = describeValue(getData(ctx.data, path), path);
      return [diagnosticAtNode(source, node ?? nearestNode(source, path).node, 'error', 'bad-type', `${where} must be ${article(issue.expected)}, got ${received}`)];
    }

    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [
        diagnosticAtNode(source, nodeAt(source, path) ?? nearestNode(source, path).node, 'error', 'bad-value', `${where} is ${quoteValue(getData(ctx.data, path), path)}; must be one of: ${allowed}`),
      ];
    }

    default:
      return [diagnosticAtNode(source, nodeAt(source, path) ?? nearestNode(source, path).node, 'error', 'bad-value', `${where}: ${issue.message}`)];
  }
}

function discriminatorDiagnostic(ctx: IssueContext, path: PropertyKey[], discriminator: string, options: readonly unknown[]): Diagnostic {
  const { source } = ctx;
  // zod 4 puts the discriminator key at the end of the path; older versions stop at the object.
  const objectPath = path[path.length - 1] === discriminator ? path.slice(0, -1) : path;
  const valuePath = [...objectPath, discriminator];
  const valid = options.map(String).join(', ');
  const value = getData(ctx.data, valuePath);
  const isKind = (ctx.kindDiscriminators ?? ['kind']).includes(discriminator);
  const where = formatPath(objectPath);
  if (value === undefined) {
    return diagnosticAtNode(source, nearestNode(source, objectPath).node, 'error', 'missing-field', `Missing required field "${discriminator}" in ${where}`, { hint: `must be one of: ${valid}` });
  }
  const node = nodeAt(source, valuePath) ?? mapValue(nodeAt(source, objectPath), discriminator);
  const label = isKind ? 'rule kind' : discriminator;
  return diagnosticAtNode(source, node, 'error', isKind ? 'unknown-kind' : 'bad-value', `Unknown ${label} ${quoteValue(value, valuePath)} in ${where}. Must be one of: ${valid}`);
}

function getData(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

// ---- "did you mean" support -------------------------------------------------------------------

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
  values?: unknown[];
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Keys an object schema accepts at `path`; empty when the schema cannot be followed there. */
function knownKeys(ctx: IssueContext, path: YamlPath): string[] {
  const schema = schemaAt(ctx.schema, path, ctx.data);
  const def = defOf(schema === undefined ? undefined : unwrap(schema, getData(ctx.data, path)));
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

function schemaAt(schema: z.ZodType, path: YamlPath, data: unknown): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  let value = data;
  for (const step of path) {
    if (current === undefined) return undefined;
    const def = defOf(unwrap(current, value));
    if (def?.type === 'object' && typeof step === 'string') current = def.shape?.[step];
    else if (def?.type === 'array' && typeof step === 'number') current = def.element;
    else return undefined;
    value = getData(value, [step]);
  }
  return current;
}

/** Peels optional/default/pipe wrappers and picks the union member matching the data. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(current);
    if (def === undefined) return current;
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else if (def.type === 'union' && def.options !== undefined) {
      const picked = pickOption(def.options, def.discriminator, value);
      if (picked === undefined) return current;
      current = picked;
    } else return current;
  }
  return current;
}

function pickOption(options: z.ZodType[], discriminator: string | undefined, value: unknown): z.ZodType | undefined {
  if (discriminator === undefined || value === null || typeof value !== 'object') return options[0];
  const tag = (value as Record<string, unknown>)[discriminator];
  return options.find((option) => defOf(defOf(option)?.shape?.[discriminator])?.values?.includes(tag));
}

/** Closest candidate within a small edit distance, for typo hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
