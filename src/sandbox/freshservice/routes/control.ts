import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultConfigError, faultControl } from '../../faults.js';
import { HttpError, readBody, sendJson } from '../http.js';
import { renderTicket } from '../render.js';
import type { FreshserviceSite } from '../site.js';

/**
 * The /__sandbox/ control API for tests and the demo: no auth, clearly not part of Freshservice.
 * `GET /health`, `GET|DELETE /requests`, `POST /rate-limit/reset`, `GET /tickets` (every stored
 * ticket, any workspace), `PATCH /tickets/{id}` (store patch, as a person in the agent UI would),
 * and the fault routes shared with the other sandboxes (`/faults`, `/faults/log`).
 */
export async function handleControl(site: FreshserviceSite, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.slice('/__sandbox'.length);
  const readObject = async (): Promise<Record<string, unknown>> => {
    const text = await readBody(req);
    if (text.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new HttpError(400, { code: 'invalid_json', message: 'Body must be a JSON object' });
  };
  if (method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', tickets: site.store.count(), workspaces: site.store.workspaces().length });
  const fault = await faultControl(site.faults, method, path, readObject).catch((error: unknown) => {
    if (error instanceof FaultConfigError) throw new HttpError(400, { code: 'invalid_value', message: error.message });
    throw error;
  });
  if (fault) return sendJson(res, fault.status, fault.body);
  if (method === 'GET' && path === '/requests') return sendJson(res, 200, { requests: site.requestLog });
  if (method === 'DELETE' && path === '/requests') {
    site.requestLog.length = 0;
    return sendJson(res, 200, { cleared: true });
  }
  if (method === 'POST' && path === '/rate-limit/reset') {
    site.limiter.reset();
    return sendJson(res, 200, { reset: true });
  }
  if (method === 'GET' && path === '/tickets') return sendJson(res, 200, { tickets: site.store.tickets().map((t) => ({ ...renderTicket(t), problem_id: t.problem_id })) });
  const ticketPath = /^\/tickets\/(\d+)$/.exec(path);
  if (ticketPath && method === 'PATCH') {
    const body = await readObject();
    const ticket = site.store.updateTicket(Number(ticketPath[1]), body);
    if (!ticket) throw new HttpError(404, { code: 'not_found', message: `No ticket ${ticketPath[1]}` });
    return sendJson(res, 200, { ticket: renderTicket(ticket) });
  }
  throw new HttpError(404, { code: 'not_found', message: `Unknown sandbox control endpoint ${method} ${url.pathname}` });
}
