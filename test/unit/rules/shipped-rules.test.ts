import { describe, expect, it } from 'vitest';
import { runTestCommand } from '../../../src/cli/test.js';

/** The tests written into the shipped rules files (`deskbridge test rules/`) are part of `npm test`. */
async function run(path: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runTestCommand([path], (line) => lines.push(line));
  return { code, lines };
}

describe('shipped rules', () => {
  it('routing never reassigns resolved or closed tickets (dispatch-category-61, network, hardware, applications)', async () => {
    const { code, lines } = await run('rules/routing.yaml');

    expect(lines.filter((l) => !l.startsWith('PASS '))).toEqual([expect.stringMatching(/^\d+ tests, \d+ passed, 0 failed$/)]);
    expect(lines.some((l) => l.includes('closed Category 61'))).toBe(true);
    expect(lines.some((l) => l.includes('resolved years ago'))).toBe(true);
    expect(code).toBe(0);
  });

  it('the SLA warning prints the resolution due time and reads well with or without an assignee or group', async () => {
    const { code, lines } = await run('rules/sla.yaml');

    expect(lines.filter((l) => !l.startsWith('PASS '))).toEqual([expect.stringMatching(/^\d+ tests, \d+ passed, 0 failed$/)]);
    expect(lines.filter((l) => l.startsWith('PASS '))).toHaveLength(4);
    expect(code).toBe(0);
  });
});
