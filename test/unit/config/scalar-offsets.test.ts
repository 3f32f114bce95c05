import { isScalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scalarValueOffsets } from '../../../src/config/scalar-offsets.js';
import { parseYamlSource } from '../../../src/diagnostics/yaml-source.js';

/** Source offset of the first occurrence of `needle` in the scalar value at key `a`. */
function sourceIndexOf(yaml: string, needle: string): number {
  const { source } = parseYamlSource('x.yaml', yaml);
  const node = source.doc.get('a', true);
  if (!isScalar(node) || typeof node.value !== 'string') throw new Error('no string scalar at a');
  const offsets = scalarValueOffsets(source.text, node, node.value);
  return offsets[node.value.indexOf(needle)] ?? -1;
}

describe('scalarValueOffsets', () => {
  it.each([
    ['plain', 'a: one two three\n', 'three', 'a: one two '.length],
    ['double-quoted with escapes', 'a: "x \\"y\\" \\u00e9 zz"\n', 'zz', 'a: "x \\"y\\" \\u00e9 '.length],
    ['single-quoted with a doubled quote', "a: 'it''s here'\n", 'here', "a: 'it''s ".length],
    ['literal block', 'a: |\n  first\n    second\n', 'second', 'a: |\n  first\n    '.length],
    ['literal block with a header comment', 'a: |-  # note\n  first\n  second\n', 'second', 'a: |-  # note\n  first\n  '.length],
    ['folded block', 'a: >\n  first\n  second\n', 'second', 'a: >\n  first\n  '.length],
    ['multi-line plain', 'a: first\n  second\n', 'second', 'a: first\n  '.length],
  ])('maps value characters back to the source in a %s scalar', (_style, yaml, needle, expected) => {
    expect(sourceIndexOf(yaml, needle)).toBe(expected);
  });
});
