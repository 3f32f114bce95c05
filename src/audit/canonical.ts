/**
 * Canonical JSON: the exact byte string the audit hash chain is computed over.
 *
 * Auditors re-implement this, so the rules are spelled out (they match RFC 8785 "JCS" for the
 * values deskbridge writes: strings, integers, booleans, null, arrays and objects with ASCII keys):
 * - no whitespace anywhere;
 * - `null`, `true`, `false` as usual;
 * - numbers must be finite and are written the way ECMAScript `JSON.stringify` writes them
 *   (integers as plain digits; deskbridge only ever writes integers);
 * - strings are written the way `JSON.stringify` writes them: `"` and `\` are escaped, control
 *   characters U+0000–U+001F become `\b \f \n \r \t` or `\u00xx` (lower-case hex), every other
 *   character is written as itself in UTF-8 (`/` and U+2028/U+2029 are not escaped);
 * - arrays keep their order, elements joined by `,`;
 * - object members are sorted by key, comparing keys as UTF-16 code-unit sequences (plain byte order
 *   for ASCII keys), written `"key":value` joined by `,`, recursively; members whose value is
 *   `undefined` are left out (JSON has no undefined).
 * Anything else (bigint, functions, symbols, NaN/Infinity, class instances) is rejected rather than
 * silently coerced, because a hash over a coerced value could not be reproduced from the file.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value);
    default:
      throw new TypeError(`canonicalJson: cannot encode a value of type ${typeof value}`);
  }
}

function canonicalArray(items: readonly unknown[]): string {
  // JSON.stringify writes `null` for undefined array slots; keep that so file and hash agree.
  return `[${items.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
}

function canonicalObject(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError('canonicalJson: only plain objects can be encoded');
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what the documented rule says.
  const keys = Object.keys(record).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}
