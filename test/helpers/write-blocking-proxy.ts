import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of the sandbox that can refuse writes (503, Retry-After: 0) while
 * reads go through — to hold deskbridge's writes in the outbox while a person edits a ticket.
 */
export async function startWriteBlockingProxy(target: string, refusal: 503 | 403 = 503): Promise<{ url: string; blockWrites: boolean; close(): Promise<void> }> {
  const state = { blockWrites: false };
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    if (state.blockWrites && req.method !== 'GET' && req.url?.startsWith('/api/')) {
      req.resume();
      res.writeHead(refusal, { 'Content-Type': 'application/json', ...(refusal === 503 ? { 'Retry-After': '0' } : {}) });
      const message = refusal === 503 ? 'Service Unavailable' : 'Operation Failed';
      res.end(JSON.stringify({ error: { message, detail: 'write refused by test proxy' }, status: 'failure' }));
      return;
    }
    const forward = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get blockWrites() {
      return state.blockWrites;
    },
    set blockWrites(value: boolean) {
      state.blockWrites = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
