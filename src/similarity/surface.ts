import { DEFAULT_NORMALISE_OPTIONS, tokeniseWithForms, type NormaliseOptions } from './normalise.js';

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
    // Each term beside what it stands for: the word before stemming, or for a host, an issue
    // reference or a source position the text as written ("@leo.org" → leo.org, "#752376" →
    // Bug 752376, "filesystem.java:123" → FileSystem.java:123). Placeholders show as themselves.
    const { terms, forms: written } = tokeniseWithForms(text, this.options);
    terms.forEach((term, i) => {
      const word = written[i];
      if (word === undefined || term.startsWith('__')) return;
      const shown = asWritten(text, word);
      const forms = this.seen.get(term) ?? new Map<string, number>();
      forms.set(shown, (forms.get(shown) ?? 0) + 1);
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
