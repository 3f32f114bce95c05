import { assertSerialisable, compileExpression, type CompiledExpression } from './expression.js';

type Part = { text: string } | { expression: CompiledExpression };

/** A text with `{{ jsonata }}` placeholders, compiled once. */
export interface CompiledTemplate {
  readonly source: string;
  render(input: unknown, bindings?: Record<string, unknown>): Promise<string>;
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

export function compileTemplate(source: string): CompiledTemplate {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: source.slice(last, match.index) });
    parts.push({ expression: compileExpression((match[1] ?? '').trim()) });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  return {
    source,
    async render(input, bindings) {
      let out = '';
      for (const part of parts) {
        if ('text' in part) {
          out += part.text;
          continue;
        }
        const value = await part.expression.evaluate(input, bindings);
        if (typeof value === 'object') assertSerialisable(value);
        out += value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      }
      return out;
    },
  };
}
