import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { closest } from '../diagnostics/zod-issues.js';
import type { FieldDictionary, NameCheck } from '../platforms/types.js';
import type { Applies, FieldReference, NameReference } from './references.js';

/**
 * Turns what the platforms answered into positioned diagnostics. Pure: the lookups happened
 * before (see check.ts); a source whose lookup failed has no entry and is not judged.
 */

/** What one source answered; a step left out failed or was not needed. */
export interface SourceAnswers {
  fields?: FieldDictionary | undefined;
  groups?: NameCheck | undefined;
  people?: NameCheck | undefined;
}

/** The enabled source ids a reference applies to. */
export function appliesTo(applies: Applies, enabled: readonly string[]): string[] {
  return 'only' in applies ? enabled.filter((id) => applies.only.includes(id)) : enabled.filter((id) => !applies.except.includes(id));
}

/**
 * A `raw.<field>` no source it applies to has is an error: the condition reads an empty value
 * everywhere, so a rule never matches and a skip never applies. One that only some of them lack
 * is a warning (a rule may span platforms on purpose, `raw.u_symptom or raw.customfield_10050`).
 */
export function fieldDiagnostics(references: readonly FieldReference[], answers: ReadonlyMap<string, SourceAnswers>, enabled: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const reference of references) {
    const checked = appliesTo(reference.sources, enabled).filter((id) => answers.get(id)?.fields !== undefined);
    const lacking = checked.filter((id) => !(answers.get(id)?.fields?.names.has(reference.field) ?? true));
    if (lacking.length === 0) continue;
    const everywhere = lacking.length === checked.length;
    // A mapping's missing field leaves a ticket field empty; rules on it say so themselves.
    const severity = everywhere && reference.where !== 'mapping' ? 'error' : 'warning';
    const first = answers.get(lacking[0] ?? '')?.fields;
    const suggestion = first === undefined ? undefined : suggestField(reference.field, first);
    const where = lacking.map((id) => `${id} (${answers.get(id)?.fields?.checkedAgainst ?? ''})`).join(', ');
    const has = checked.filter((id) => !lacking.includes(id));
    const written = reference.where === 'mapping' ? reference.field : `raw.${reference.field}`;
    const message =
      `${written} in ${reference.owner} is not a field of source${lacking.length > 1 ? 's' : ''} ${where}` +
      (suggestion === undefined ? '' : `; did you mean ${reference.where === 'mapping' ? '' : 'raw.'}${suggestion}?`) +
      (everywhere ? '' : `; source${has.length > 1 ? 's' : ''} ${has.join(', ')} ${has.length > 1 ? 'have' : 'has'} it`);
    const consequence =
      reference.where === 'skip'
        ? 'the opt-out reads an empty value, so it never leaves a ticket alone'
        : reference.where === 'mapping'
          ? 'the mapping reads an empty value there, so the ticket field it fills stays empty'
          : `the field is always empty there, so a condition on it never matches${everywhere ? '' : ' on that source'}`;
    out.push({
      file: reference.file,
      line: reference.line,
      column: reference.column,
      severity,
      code: 'unknown-native-field',
      message,
      hint: `${consequence}; use the field's name (not its label), or create the field on the platform`,
    });
  }
  return out;
}

/**
 * A group or person that a source it applies to does not have: an error (every write naming it
 * fails or leaves the ticket unassigned), or a warning when the platform cannot say for sure.
 */
export function nameDiagnostics(references: readonly NameReference[], answers: ReadonlyMap<string, SourceAnswers>, enabled: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const reference of references) {
    const step = reference.kind === 'group' ? 'groups' : 'people';
    const lacking = appliesTo(reference.sources, enabled).flatMap((id) => {
      const check = answers.get(id)?.[step];
      const missing = check?.missing.find((entry) => entry.name === reference.name);
      return check === undefined || missing === undefined ? [] : [{ id, check, missing }];
    });
    const [first] = lacking;
    if (first === undefined) continue;
    const known = first.check.known ?? [];
    const suggestion = known.includes(reference.name) ? undefined : closest(reference.name, known);
    const what = reference.kind === 'group' ? `Assignment group "${reference.name}"` : `Person "${reference.name}"`;
    const where = lacking.map(({ id, check }) => `${id} (${check.checkedAgainst})`).join(', ');
    const detail = first.missing.detail === undefined ? '' : `: ${first.missing.detail}`;
    out.push({
      file: reference.file,
      line: reference.line,
      column: reference.column,
      severity: lacking.every(({ missing }) => missing.uncertain === true) ? 'warning' : 'error',
      code: reference.kind === 'group' ? 'unknown-group' : 'unknown-person',
      message: `${what} in ${reference.owner} was not found on source${lacking.length > 1 ? 's' : ''} ${where}${detail}${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
      hint:
        first.missing.hint ??
        (reference.kind === 'group'
          ? 'create the group on the platform before the first live pass, or fix the name: every assignment to it would fail'
          : 'create or activate the account, or fix the name (rules name people as the platform displays them): the assignment would fail'),
    });
  }
  return out;
}

/** A close name from the dictionary, or the name of a field whose label was written instead. */
function suggestField(field: string, dictionary: FieldDictionary): string | undefined {
  const squash = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (const [label, name] of dictionary.labels ?? []) if (squash(label) === squash(field)) return name;
  return closest(field, [...dictionary.names]);
}
