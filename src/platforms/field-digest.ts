import { createHash } from 'node:crypto';

/** JSON with every object's keys sorted, so the same content digests alike whatever order a vendor serialises it in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * 12 hex of SHA-256 over `values`: the content part of a version whose timestamp has one-second
 * resolution (Zendesk, Freshservice), so two edits in one second still make two versions.
 */
export function fieldDigest(values: unknown): string {
  return createHash('sha256').update(canonical(values), 'utf8').digest('hex').slice(0, 12);
}
