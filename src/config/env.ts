import { isScalar, visit } from 'yaml';
import type { Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtOffset } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A problem inside one string, positioned by character index in that string. */
export interface InterpolationProblem {
  kind: 'missing' | 'malformed';
  /** Index of the `$` that starts the reference. */
  index: number;
  /** Variable name (empty for malformed references). */
  name: string;
}

export interface InterpolatedString {
  value: string;
  /** Values taken from the environment (not defaults); these are secrets to redact. */
  used: string[];
  problems: InterpolationProblem[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?$/;

/**
 * Expands `${NAME}` and `${NAME:-default}` (default used when NAME is unset or empty, as in the
 * shell). `$${` is a literal `${`. A lone `$` is left alone so passwords containing `$` still work.
 */
export function interpolateString(input: string, env: Env): InterpolatedString {
  let value = '';
  const used: string[] = [];
  const problems: InterpolationProblem[] = [];
  let i = 0;
  while (i < input.length) {
    if (input.startsWith('$${', i)) {
      value += '${';
      i += 3;
      continue;
    }
    if (!input.startsWith('${', i)) {
      value += input[i];
      i++;
      continue;
    }
    const close = input.indexOf('}', i + 2);
    const match = close === -1 ? null : REFERENCE.exec(input.slice(i + 2, close));
    if (match === null) {
      problems.push({ kind: 'malformed', index: i, name: '' });
      value += input.slice(i, close === -1 ? input.length : close + 1);
      i = close === -1 ? input.length : close + 1;
      continue;
    }
    const name = match[1] ?? '';
    const fallback = match[2];
    const fromEnv = env[name];
    if (fromEnv !== undefined && (fromEnv !== '' || fallback === undefined)) {
      value += fromEnv;
      if (fromEnv !== '') used.push(fromEnv);
    } else if (fallback !== undefined) {
      value += fallback;
    } else {
      problems.push({ kind: 'missing', index: i, name });
    }
    i = close + 1;
  }
  return { value, used, problems };
}

export interface EnvInterpolation {
  diagnostics: Diagnostic[];
  /** Scalars with a missing or malformed reference; schema errors on them would only repeat it. */
  failedNodes: Set<Node>;
  /** Every distinct non-empty value substituted from the environment, for log redaction. */
  secrets: string[];
}

/**
 * Expands references in every string *value* of the document in place (keys are left alone), so
 * schema validation sees the final values while node ranges still point into the original file.
 */
export function interpolateEnv(source: YamlSource, env: Env): EnvInterpolation {
  const diagnostics: Diagnostic[] = [];
  const secrets = new Set<string>();
  const failedNodes = new Set<Node>();
  visit(source.doc, {
    Scalar(key, node) {
      if (key === 'key' || !isScalar(node) || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const result = interpolateString(original, env);
      for (const secret of result.used) secrets.add(secret);
      if (result.problems.length > 0) {
        failedNodes.add(node);
        const offsets = scalarValueOffsets(source.text, node, original);
        for (const problem of result.problems) {
          const offset = offsetInScalar(offsets, problem.index);
          diagnostics.push(
            problem.kind === 'missing'
              ? diagnosticAtOffset(
                  source,
                  offset,
                  'error',
                  'env-missing',
                  `Environment variable ${problem.name} is not set`,
                  { hint: `export ${problem.name}=… or write \${${problem.name}:-default}` },
                )
              : diagnosticAtOffset(source, offset, 'error', 'bad-value', 'Malformed ${…} reference', {
                  hint: 'use ${NAME} or ${NAME:-default}; write $${ for a literal ${',
                }),
          );
        }
      }
      node.value = result.value;
    },
  });
  return { diagnostics, failedNodes, secrets: [...secrets] };
}
