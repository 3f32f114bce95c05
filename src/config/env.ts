import { isPair, isScalar, visit } from 'yaml';
import type { Node } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtOffset } from '../diagnostics/yaml-source.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';

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

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Deepest `${A:-${B:-${C}}}` nesting accepted; deeper is reported as malformed. */
const MAX_NESTING = 8;

/**
 * Expands `${NAME}` and `${NAME:-default}` (default used when NAME is unset or empty, as in the
 * shell). The default may itself hold references, as in the shell: `${A:-${B}}` is A when set,
 * else B, and `${A:-${B:-x}}` falls back twice; a default is only expanded when it is used, so a
 * missing variable in an unused default is not an error. `$${` is a literal `${`. A lone `$` is
 * left alone so passwords containing `$` still work.
 */
export function interpolateString(input: string, env: Env): InterpolatedString {
  const used: string[] = [];
  const problems: InterpolationProblem[] = [];
  const value = expand(input, 0, input.length, env, used, problems, 0);
  return { value, used, problems };
}

/** Expands `input[from, to)`; problem indexes are positions in the whole input. */
function expand(input: string, from: number, to: number, env: Env, used: string[], problems: InterpolationProblem[], depth: number): string {
  let value = '';
  let i = from;
  while (i < to) {
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
    const close = matchingBrace(input, i + 2, to);
    const body = close === -1 ? '' : input.slice(i + 2, close);
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    if (close === -1 || !NAME.test(name) || depth >= MAX_NESTING) {
      problems.push({ kind: 'malformed', index: i, name: '' });
      value += input.slice(i, close === -1 ? to : close + 1);
      i = close === -1 ? to : close + 1;
      continue;
    }
    const fromEnv = env[name];
    if (fromEnv !== undefined && (fromEnv !== '' || separator === -1)) {
      value += fromEnv;
      if (fromEnv !== '') used.push(fromEnv);
    } else if (separator !== -1) {
      const defaultStart = i + 2 + separator + 2;
      value += expand(input, defaultStart, close, env, used, problems, depth + 1);
    } else {
      problems.push({ kind: 'missing', index: i, name });
    }
    i = close + 1;
  }
  return value;
}

/** Index of the `}` closing a reference whose body starts at `from`, counting nested `${`. */
function matchingBrace(input: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    if (input.startsWith('$${', i)) {
      i += 2;
    } else if (input.startsWith('${', i)) {
      depth++;
      i++;
    } else if (input[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Keys whose values identify rather than authenticate: an instance address, an account name. Their
 * environment values are not redacted from logs — redacting a user named `deskbridge` would blank
 * every state file name, marker and message holding the word. Anything else (passwords, tokens,
 * client secrets, keys no one foresaw) is treated as a secret.
 */
const ADDRESS_KEYS = new Set(['baseurl', 'url', 'host', 'port']);
const ACCOUNT_KEYS = new Set(['username', 'user', 'integrationuser', 'email']);

function holdsIdentifier(path: readonly unknown[], value: string): boolean {
  const parent = path[path.length - 1];
  if (!isPair(parent) || !isScalar(parent.key) || typeof parent.key.value !== 'string') return false;
  const key = parent.key.value.toLowerCase();
  // An address carrying credentials (https://user:pass@host) stays secret.
  if (ADDRESS_KEYS.has(key)) return !/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value);
  return ACCOUNT_KEYS.has(key);
}

export interface EnvInterpolation {
  diagnostics: Diagnostic[];
  /** Scalars with a missing or malformed reference; schema errors on them would only repeat it. */
  failedNodes: Set<Node>;
  /** Every distinct non-empty value substituted from the environment into a secret-bearing key, for log redaction. */
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
    Scalar(key, node, path) {
      if (key === 'key' || !isScalar(node) || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const result = interpolateString(original, env);
      const identifier = holdsIdentifier(path, result.value);
      if (!identifier) for (const secret of result.used) secrets.add(secret);
      if (result.problems.length > 0) {
        failedNodes.add(node);
        const offsets = scalarValueOffsets(source.text, node, original);
        for (const problem of result.problems) {
          const offset = offsetInScalar(offsets, problem.index);
          diagnostics.push(
            problem.kind === 'missing'
              ? diagnosticAtOffset(source, offset, 'error', 'env-missing', `Environment variable ${problem.name} is not set`, {
                  hint: `export ${problem.name}=… or write \${${problem.name}:-default}`,
                })
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
