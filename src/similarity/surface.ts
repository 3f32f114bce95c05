import { DEFAULT_NORMALISE_OPTIONS, tokenise, type NormaliseOptions } from './normalise.js';

/**
 * Index terms are stems ("minut", "disconnect"): right for matching, odd in a note a technician
 * reads. This maps each term back to a word people wrote. Display only: what matches is decided
 * on the stems, untouched.
 */
export class SurfaceForms {
  /** Term → surface form → how often it was written. */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(private readonly options: NormaliseOptions = DEFAULT_NORMALISE_OPTIONS) {}

  /** Records the words of one text under the terms they index as. */
  add(text: string): this {
    const terms = tokenise(text, this.options);
    // Same tokeniser without the stemmer: token for token the same list, each word as written
    // (lower-cased); stop words and ids are dropped or masked alike on both sides.
    const words = tokenise(text, { ...this.options, stem: false });
    if (words.length !== terms.length) return this;
    terms.forEach((term, i) => {
      const word = words[i];
      if (word === undefined || term.startsWith('__')) return;
      const written = asWritten(text, word);
      const forms = this.seen.get(term) ?? new Map<string, number>();
      forms.set(written, (forms.get(written) ?? 0) + 1);
      this.seen.set(term, forms);
    });
    return this;
  }

  /** The form most often written for a term (ties: the shorter, then alphabetical); the term itself when never seen. */
  show(term: string): string {
    const forms = this.seen.get(term);
    if (!forms) return term;
    return [...forms.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))[0]?.[0] ?? term;
  }
}

/** Terms shown as the words written in `texts`. */
export function showTerms(terms: readonly string[], texts: readonly string[]): string[] {
  const forms = new SurfaceForms();
  for (const text of texts) forms.add(text);
  return terms.map((term) => forms.show(term));
}

/** The word with the case it was written in ("VPN"), when it stands on its own in the text; else lower-cased. */
function asWritten(text: string, word: string): string {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'i').exec(text);
  return match?.[0] ?? word;
}
