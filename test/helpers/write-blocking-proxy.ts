import { startRequestHookProxy } from './request-hook-proxy.js';

/**
 * A real HTTP proxy in front of the sandbox that can refuse writes (503, Retry-After: 0) while
 * reads go through — to hold deskbridge's writes in the outbox while a person edits a ticket.
 */
export async function startWriteBlockingProxy(target: string, refusal: 503 | 403 = 503): Promise<{ url: string; blockWrites: boolean; close(): Promise<void> }> {
  const state = { blockWrites: false };
  const proxy = await startRequestHookProxy(target, (req, res) => {
    if (!state.blockWrites || req.method === 'GET' || !req.url?.startsWith('/api/')) return false;
    res.writeHead(refusal, { 'Content-Type': 'application/json', ...(refusal === 503 ? { 'Retry-After': '0' } : {}) });
    const message = refusal === 503 ? 'Service Unavailable' : 'Operation Failed';
    res.end(JSON.stringify({ error: { message, detail: 'write refused by test proxy' }, status: 'failure' }));
    return true;
  });
  return {
    url: proxy.url,
    get blockWrites() {
      return state.blockWrites;
    },
    set blockWrites(value: boolean) {
      state.blockWrites = value;
    },
    close: () => proxy.close(),
  };
}
