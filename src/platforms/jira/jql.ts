/**
 * JQL building. Values from rules, records and configuration (project keys, labels, dates) are
 * always written as quoted JQL strings, so a value can never add clauses of its own; the admin's
 * own `jql` is trusted as a filter but may not carry an ORDER BY, because the incremental pull
 * appends its own bound and ordering to it.
 */

export class JqlError extends Error {
  override readonly name = 'JqlError';
}

/** A JQL string literal: `"…"` with `"` and `\` escaped. Control characters are refused. */
export function jqlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new JqlError(`Value ${JSON.stringify(value)} contains a control character, which a JQL string cannot carry`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Removes quoted strings so keywords inside them are not mistaken for clauses. */
function withoutStrings(jql: string): string {
  return jql.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

/**
 * Checks the source's `jql`. It is wrapped in parentheses and ANDed with the update bound, so any
 * filter works, but an `ORDER BY` inside it would either be a syntax error or override the
 * `updated ASC, id ASC` ordering that gap-free paging depends on.
 */
export function configuredJql(jql: string): string {
  const trimmed = jql.trim();
  if (trimmed === '') {
    throw new JqlError('source jql is empty; give a filter such as project = ITSM');
  }
  if (/\border\s+by\b/i.test(withoutStrings(trimmed))) {
    throw new JqlError('source jql may not contain ORDER BY: the connector orders by updated and id itself');
  }
  return trimmed;
}

/** `(<filter>) AND updated >= "<bound>" ORDER BY updated ASC, id ASC`; no bound = everything. */
export function incrementalJql(filter: string, bound: string | undefined): string {
  const range = bound === undefined ? '' : ` AND updated >= ${jqlString(bound)}`;
  return `(${filter})${range} ORDER BY updated ASC, id ASC`;
}
