import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultConfigError, faultControl } from '../../faults.js';
import { HttpError, badRequest, notFound, readJsonObject, recordInvalid, sendJson } from '../http.js';
import { renderTicket } from '../render.js';
import type { ZendeskRequestLogEntry, ZendeskSite } from '../site.js';
import { type TicketInput, type ZendeskUser, ZendeskValidationError } from '../store.js';

/**
 * The `/__sandbox/` control API for tests and demos — not part of Zendesk, no auth: health, the
 * request log, fault injection (shared with the other sandboxes), rate-limit reset, and ticket
 * changes made "by a person" (`?user=<email>`, default the first admin) or by the system.
 */
export async function handleControl(site: ZendeskSite, req: IncomingMessage, res: ServerResponse, url: URL, entry: ZendeskRequestLogEntry): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.slice('/__sandbox'.length);
  const { store } = site;
  const actor = (): ZendeskUser => {
    const email = url.searchParams.get('user');
    const user = email ? store.userByEmail(email) : store.users().find((u) => u.role === 'admin');
    if (!user) throw badRequest('InvalidValue', `Unknown user ${email ?? '(no admin in the store)'}`);
    return user;
  };
  const write = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ZendeskValidationError) throw error.status === 404 ? notFound() : recordInvalid(error.errors);
      throw error;
    }
  };
  if (method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', subdomain: site.subdomain, tickets: store.count() });
  const fault = await faultControl(site.faults, method, path, () => readJsonObject(req)).catch((error: unknown) => {
    if (error instanceof FaultConfigError) throw badRequest('InvalidValue', error.message);
    throw error;
  });
  if (fault) return sendJson(res, fault.status, fault.body);
  if (path === '/requests' && method === 'GET') return sendJson(res, 200, { requests: site.requestLog });
  if (path === '/requests' && method === 'DELETE') {
    site.requestLog.length = 0;
    return sendJson(res, 200, { cleared: true });
  }
  if (path === '/rate-limit/reset' && method === 'POST') {
    site.windows.clear();
    return sendJson(res, 200, { reset: true });
  }
  if (path === '/tickets' && method === 'GET') {
    return sendJson(res, 200, { tickets: store.allTickets().map((t) => renderTicket(site.baseUrl, store, t, { generated: true })) });
  }
  if (path === '/tickets' && method === 'POST') {
    const body = await readJsonObject(req);
    entry.body = body;
    const { ticket } = write(() => store.createTicket(body as TicketInput, actor().id));
    return sendJson(res, 201, { ticket: renderTicket(site.baseUrl, store, ticket) });
  }
  const match = /^\/tickets\/(\d+)(\/system-update)?$/.exec(path);
  if (match) {
    const id = Number(match[1]);
    if (method === 'PUT' && !match[2]) {
      const body = await readJsonObject(req);
      entry.body = body;
      const { ticket } = write(() => store.updateTicket(id, body as TicketInput, actor().id));
      return sendJson(res, 200, { ticket: renderTicket(site.baseUrl, store, ticket) });
    }
    if (method === 'DELETE' && !match[2]) {
      if (!store.deleteTicket(id)) throw notFound();
      return sendJson(res, 200, { deleted: id });
    }
    if (method === 'POST' && match[2]) {
      const ticket = store.systemUpdate(id);
      if (!ticket) throw notFound();
      return sendJson(res, 200, { ticket: renderTicket(site.baseUrl, store, ticket, { generated: true }) });
    }
  }
  throw new HttpError(404, { error: 'InvalidEndpoint', description: `Unknown sandbox control endpoint ${method} ${url.pathname}` });
}
