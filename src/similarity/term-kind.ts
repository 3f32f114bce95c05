/**
 * Kinds of index terms a dedup rule can mask (`mask:` on the rule): terms of a masked kind are not
 * counted as evidence by that rule, on either side. Masking happens when a query is scored, not
 * when a ticket is indexed, so one index serves rules that mask differently.
 *
 * - `urls`: `__url__`, the path and query of a link (the link's host is a domain);
 * - `domains`: `@leo.org` — the registered domain of a host (dict.leo.org) or a URL (`__host__` when
 *   the tokeniser masks them);
 * - `emails`: `__email__`; `ips`: `__ip__`;
 * - `issueRefs`: `#hadoop-1234`, `#inc0012345`, `#752376`, `#cve-2022-42889` (`__ticket__` masked);
 * - `ids`: `__id__` — GUIDs, long hex and 5+ digit numbers;
 * - `codeRefs`: `filesystem.java:123`, `foo.py:12`, `program.cs:12` — source positions of stack frames.
 */
import type { MaskableTermKind } from '../model/history.js';

// The list lives with the query that carries a mask (src/model may import nothing from here).
export { MASKABLE_TERM_KINDS, type MaskableTermKind } from '../model/history.js';

const PLACEHOLDERS: Readonly<Record<string, MaskableTermKind>> = {
  __url__: 'urls',
  __host__: 'domains',
  __email__: 'emails',
  __ip__: 'ips',
  __ticket__: 'issueRefs',
  __id__: 'ids',
};

// Four parts of 0–255, as the tokeniser reads an IP (2.7.300.1 is a version).
const IP = /^(?:(?:25[0-5]|2[0-4]\d|[01]?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d?\d)(?::\d{1,5})?$/;

/**
 * The maskable kind of an index term as `tokenise` emits it, or undefined for words, identifiers
 * and versions. Pure, decided from the term's own text by its shape (the index stores it once per
 * term): `@` starts a host, `#` an issue reference, `__` a placeholder; a source position is the
 * only term with a `:`. Words never start with `@`, `#` or `_` (the tokeniser trims underscores)
 * and words, identifiers and versions never hold `:` or `@`, so no ordinary term is ever masked.
 * Ids kept whole with `numericIds: 'keep'` read as words (nothing tells them apart). Likewise a
 * four-part version of parts 0–255 (`2.7.3.1` after "version", `4.2.0.1` from v4.2.0.1) reads as
 * an IP kept whole (`addresses: 'keep'`): a rule masking `ips` drops it too.
 */
export function termKind(term: string): MaskableTermKind | undefined {
  const first = term.charCodeAt(0);
  if (first === 64) return 'domains'; // @
  if (first === 35) return 'issueRefs'; // #
  if (first === 95) return PLACEHOLDERS[term]; // _
  // Ids kept whole (`addresses: 'keep'`): URLs, e-mail addresses and IPs as written.
  if (term.includes('://')) return 'urls';
  if (term.includes('@')) return 'emails';
  if (first >= 48 && first <= 57 && IP.test(term)) return 'ips';
  if (term.includes(':')) return 'codeRefs';
  return undefined;
}
