/**
 * A small route table shared by the sandbox servers: each route names its method(s) and path,
 * and the first route matching both serves the request. Unmatched requests are the caller's to
 * answer (404 or 405 in the simulated platform's own shape).
 */
export interface Route<Call> {
  /** The method or methods served; '*' serves any (the handler then answers 405 itself). */
  method: string | readonly string[];
  /** An exact path, or a pattern whose capture groups are handed to the handler. */
  path: string | RegExp;
  handle: (call: Call, groups: readonly (string | undefined)[]) => Promise<void> | void;
}

/** The handler of the first route serving `method` at `path`, bound to its capture groups. */
export function findRoute<Call>(routes: readonly Route<Call>[], method: string, path: string): ((call: Call) => Promise<void> | void) | undefined {
  for (const route of routes) {
    if (!servesMethod(route.method, method)) continue;
    if (typeof route.path === 'string') {
      if (route.path === path) return (call) => route.handle(call, []);
      continue;
    }
    const match = route.path.exec(path);
    if (match) return (call) => route.handle(call, match.slice(1));
  }
  return undefined;
}

function servesMethod(served: string | readonly string[], method: string): boolean {
  if (typeof served === 'string') return served === '*' || served === method;
  return served.includes(method);
}
