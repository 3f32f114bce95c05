/**
 * What a diagnostic may quote of a value the user wrote. Diagnostics end up in CI logs, tickets
 * and chat, so a value under a secret-like key is never quoted (not even its type's value), and
 * any other value is cut to a short excerpt.
 */

/** Keys whose values are credentials, whatever the file (config auth, a team file, a mapping). */
const SECRET_KEY = /pass(word|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|authorization|cookie|^key$/i;

/** Longest excerpt of a value a diagnostic quotes, in characters. */
export const MAX_EXCERPT = 40;

export function isSecretKey(key: PropertyKey): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key);
}

/** True when any step of the path is a secret-like key (`sources[0].auth.password`). */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some(isSecretKey);
}

/** A short, quoted excerpt of a string: `"abc…" (1,024 characters)` past `MAX_EXCERPT`. */
export function excerpt(text: string): string {
  if (text.length <= MAX_EXCERPT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_EXCERPT))}… (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * Describes a value for "must be X, got Y": the kind always, the value only when it is short
 * and not under a secret-like key.
 */
export function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (value === null) return 'null (empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (isSecretPath(path)) return `a ${typeof value} (value not shown: ${String(path[path.length - 1])} is a secret)`;
  if (typeof value === 'string') return `string ${excerpt(value)}`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects and lists returned above; this is a scalar
  return `${typeof value} ${excerpt(String(value)).slice(1, -1)}`;
}

/** A value quoted as JSON, or a placeholder when it sits under a secret-like key. */
export function quoteValue(value: unknown, path: readonly PropertyKey[]): string {
  if (isSecretPath(path)) return '(value not shown: secret)';
  if (typeof value === 'string') return excerpt(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= MAX_EXCERPT ? json : `${json.slice(0, MAX_EXCERPT)}…`;
}
