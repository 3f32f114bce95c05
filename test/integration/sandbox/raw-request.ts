import { request } from 'node:http';

export type RawOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; body: string; ms: number }
  | { kind: 'error'; code: string; ms: number }
  | { kind: 'timeout'; ms: number };

/**
 * One request over a fresh connection (no keep-alive pool, no retries), so a reset or an
 * unanswered request shows exactly as the socket saw it. `timeoutMs` plays the client's timeout.
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}): Promise<RawOutcome> {
  const started = Date.now();
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const req = request(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started });
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ kind: 'error', code: error.code ?? error.message, ms: Date.now() - started });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ kind: 'timeout', ms: Date.now() - started });
    }, init.timeoutMs ?? 5000);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ kind: 'error', code: error.code ?? error.message, ms: Date.now() - started });
    });
    req.end(payload);
  });
}
