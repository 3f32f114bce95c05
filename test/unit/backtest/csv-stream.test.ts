import { describe, expect, it } from 'vitest';
import { CsvStreamParser } from '../../../src/backtest/csv-stream.js';

function parseInChunks(text: string, size: number): string[][] {
  const parser = new CsvStreamParser();
  const rows: string[][] = [];
  for (let i = 0; i < text.length; i += size) rows.push(...parser.push(text.slice(i, i + size)));
  rows.push(...parser.end());
  return rows;
}

const TEXT = '\ufeffa,b,c\r\n1,"two, with comma","say ""hi"""\r\n\r\n3,"multi\nline",\n4,5,6';
const EXPECTED = [
  ['a', 'b', 'c'],
  ['1', 'two, with comma', 'say "hi"'],
  ['3', 'multi\nline', ''],
  ['4', '5', '6'],
];

describe('streaming CSV parser', () => {
  it.each([1, 2, 3, 5, 7, 64])('gives the same rows whatever the chunk size (%i)', (size) => {
    expect(parseInChunks(TEXT, size)).toEqual(EXPECTED);
  });

  it('returns rows as soon as their line ends', () => {
    const parser = new CsvStreamParser();

    expect(parser.push('x,y\n1,')).toEqual([['x', 'y']]);
    expect(parser.push('2\n')).toEqual([['1', '2']]);
    expect(parser.end()).toEqual([]);
  });
});
