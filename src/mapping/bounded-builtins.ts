/**
 * Built-in JSONata functions that can do unbounded work in one native call, where the per-node
 * limits (time, depth, sequence) cannot interrupt them, replaced by versions that refuse first:
 * `$pad` with a huge width allocates it at once (1e8 took 17 s and 1 GB); `$string` of an object
 * that shares its parts (`{"a": $o, "b": $o}` doubled 24 times) serialises 2^24 copies and
 * aborts the process. The same tree-size check guards templates and mapping output, which are
 * serialised or validated the same way.
 */
import jsonata from 'jsonata';

/** Longest string `$pad` may produce, in characters. */
export const MAX_PAD_WIDTH = 1_000_000;
/** Most nodes a value may have, counted as a tree (shared parts once per reference), before it is serialised. */
export const MAX_TREE_NODES = 1_000_000;
/** Longest string an evaluation that can loop may build (checked after each step of such expressions). */
export const MAX_STRING_LENGTH = 10_000_000;

type Builtin = { implementation: (this: unknown, ...args: unknown[]) => unknown };

let builtinString: Builtin | undefined;
let builtinPad: Builtin | undefined;

/** JSONata's own implementations, looked up once; evaluations wait for it on first use. */
export const builtinsReady: Promise<void> = (async () => {
  builtinString = (await jsonata('$string').evaluate(undefined)) as Builtin;
  builtinPad = (await jsonata('$pad').evaluate(undefined)) as Builtin;
})();

export class ValueTooLargeError extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** Throws when `value`, walked as JSON.stringify walks it, has more than `max` nodes. Stops counting there. */
export function assertTreeSize(value: unknown, max = MAX_TREE_NODES): void {
  if (typeof value !== 'object' || value === null) return;
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (++count > max) throw new ValueTooLargeError(`a value with more than ${max} parts`);
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const child of node)
        if (typeof child === 'object' && child !== null) stack.push(child);
        else count++;
    } else {
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) stack.push(child);
        else count++;
      }
    }
  }
}

export function boundedString(this: unknown, arg: unknown, prettify?: unknown): unknown {
  if (typeof arg === 'object') assertTreeSize(arg);
  return builtinString?.implementation.call(this, arg, prettify);
}

export function boundedPad(this: unknown, str: unknown, width: unknown, char: unknown): unknown {
  if (typeof width === 'number' && Math.abs(Math.trunc(width)) > MAX_PAD_WIDTH) {
    throw new ValueTooLargeError(`$pad to ${Math.trunc(width)} characters (at most ${MAX_PAD_WIDTH})`);
  }
  return builtinPad?.implementation.call(this, str, width, char);
}
