import { vi } from 'vitest';
import type { Finished } from './cli-process.js';

/**
 * A CLI command's function (what its commander action calls) run in this process: its exit code
 * and what it printed, shaped like a spawned run's. A spawn costs seconds (node, tsx, loading the
 * modules again); the modules here are loaded already. For the second and later calls of a
 * command family in a test: the first stays a real `e2e.cli` spawn wherever the process boundary
 * (exit code, stdout/stderr, signals) is what the test pins.
 *
 * `command` gets the line writer the functions that take one expect (explain, revert, validate);
 * the others write to process.stdout/stderr, which are captured for the call.
 */
export async function inProcess(command: (out: (line: string) => void) => Promise<number>): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  let output = '';
  const text = (chunk: string | Uint8Array): string => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += text(chunk);
    output += text(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += text(chunk);
    output += text(chunk);
    return true;
  });
  try {
    const code = await command((line) => process.stdout.write(`${line}\n`));
    return { code, stdout, stderr, output };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}
