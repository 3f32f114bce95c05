import type { Scalar } from 'yaml';

/**
 * Maps character indexes of a scalar's *value* back to offsets in the YAML *source*, so an error
 * found inside the value (a JSONata syntax error, a `${VAR}` reference) can be reported at the
 * exact column in the file.
 *
 * The result has `value.length + 1` entries; the last one is just past the last mapped character.
 *
 * Exact for plain and quoted single-line scalars and for `|` block scalars. For folded (`>`) and
 * multi-line flow scalars the YAML folding is undone by aligning non-blank characters, which puts
 * every visible character at its real line and column; only the synthetic spaces created by
 * folding land on the line break they replaced.
 */
export function scalarValueOffsets(text: string, scalar: Scalar, value: string): number[] {
  const range = scalar.range;
  if (range === undefined || range === null) return new Array<number>(value.length + 1).fill(0);
  const [start, end] = range;
  switch (scalar.type) {
    case 'QUOTE_DOUBLE':
      return align(text, value, start + 1, end, 'double');
    case 'QUOTE_SINGLE':
      return align(text, value, start + 1, end, 'single');
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      // Content starts on the line after the `|`/`>` header (which may carry a comment).
      return align(text, value, lineAfter(text, start), end, 'block');
    default:
      return align(text, value, start, end, 'plain');
  }
}

type Style = 'plain' | 'double' | 'single' | 'block';

function align(text: string, value: string, from: number, end: number, style: Style): number[] {
  const offsets = new Array<number>(value.length + 1);
  let j = from;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (style === 'double') {
      // `\` + line break is a continuation and contributes nothing to the value.
      while (text[j] === '\\' && (text[j + 1] === '\n' || text[j + 1] === '\r')) {
        j += 2;
        while (j < end && isBlank(text[j])) j++;
      }
      if (text[j] === '\\') {
        offsets[i] = j;
        j += escapeLength(text, j);
        continue;
      }
    }
    if (isBlank(c)) {
      offsets[i] = j;
      if (isBlank(text[j])) j++;
      continue;
    }
    let k = j;
    while (k < end && isBlank(text[k])) k++;
    if (text[k] === c) {
      offsets[i] = k;
      j = style === 'single' && c === "'" && text[k + 1] === "'" ? k + 2 : k + 1;
    } else {
      // Should not happen for well-formed input; keep going without losing our place.
      offsets[i] = k;
      j = k + 1;
    }
  }
  offsets[value.length] = j;
  return offsets;
}

function lineAfter(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Source length of the double-quoted escape starting at `at` (which holds the backslash). */
function escapeLength(text: string, at: number): number {
  switch (text[at + 1]) {
    case 'x':
      return 4;
    case 'u':
      return 6;
    case 'U':
      return 10;
    default:
      return 2;
  }
}

/**
 * Offset in the source of the value character at `index`; `index === value.length` means "just
 * after the value".
 */
export function offsetInScalar(offsets: readonly number[], index: number): number {
  const clamped = Math.max(0, Math.min(index, offsets.length - 1));
  return offsets[clamped] ?? 0;
}
