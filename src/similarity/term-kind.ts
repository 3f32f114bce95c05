/**
 * Kinds of index terms a dedup rule can mask (`mask:` on the rule): terms of a masked kind are not
 * counted as evidence by that rule, on either side. Masking happens when a query is scored, not
 * when a ticket is indexed, so one index serves rules that mask differently.
 */
export const MASKABLE_TERM_KINDS = ['urls', 'domains', 'emails', 'ips', 'issueRefs', 'ids', 'codeRefs'] as const;
export type MaskableTermKind = (typeof MASKABLE_TERM_KINDS)[number];

/**
 * The maskable kind of an index term as `tokenise` emits it, or undefined for plain words.
 * Decided from the term's own text (cheap, pure): the index stores it once per term.
 */
export function termKind(term: string): MaskableTermKind | undefined {
  switch (term) {
    case '__url__':
      return 'urls';
    case '__host__':
      return 'domains';
    case '__email__':
      return 'emails';
    case '__ip__':
      return 'ips';
    case '__id__':
      return 'ids';
    default:
      return /^(?:[a-z][a-z0-9]{1,15}-\d{1,7}|(?:inc|ritm|req|chg|prb|task|sctask|kb|ptask)\d{5,})$/.test(term) ? 'issueRefs' : undefined;
  }
}
