import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './sandbox-env.js';

/** The CLI as an operator runs it: the compiled build when there is one, else the sources through tsx. */
export const BIN = join(REPO, 'bin', 'deskbridge.js');

export interface SpawnOptions {
  /** Added to this process's environment (which the child inherits). */
  env?: Record<string, string>;
  /** The child's working directory; the repository by default, so relative paths in args resolve there. */
  cwd?: string;
  /** Killed with SIGKILL after this long (then `code` is null). */
  timeoutMs?: number;
}

/** A child process whose output is collected as it arrives. */
export interface SpawnedProcess {
  child: ChildProcess;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr interleaved in the order they arrived. */
  output: () => string;
}

/** The result of a child process run to its end. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/**
 * Starts `node <nodeArgs>` without blocking this process (which often serves the sandbox the
 * child talks to). Output is read continuously, so a chatty child never stalls on a full pipe.
 */
export function spawnNode(nodeArgs: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
  return spawnCommand(process.execPath, nodeArgs, options);
}

/** As spawnNode, for any program (`bash -c …`, say). */
export function spawnCommand(file: string, args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
  const child = spawn(file, [...args], { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  // 'close', not 'exit': the collected output is complete once the promise settles.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr, output: () => output };
}

/** Waits for a spawned process to end and hands back what it printed. */
export async function finished(spawned: SpawnedProcess): Promise<Finished> {
  const code = await spawned.exited;
  return { code, stdout: spawned.stdout(), stderr: spawned.stderr(), output: spawned.output() };
}
