import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of a sandbox that runs `before(request, response)` ahead of forwarding
 * each request — to make a person's edit land at an exact point of deskbridge's work (e.g. after it
 * planned, just before its batched version read), which no timing could hit reliably. `before`
 * sees the request body and returns true when it answered the request itself (nothing is forwarded).
 */
export async function startRequestHookProxy(target: string, before: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | void): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    // The body is read first so a hook can look at it (Jira's JQL travels in a POST body).
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (before(req, res, body) === true) return;
      const forward = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
