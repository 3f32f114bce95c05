import type { Route } from '../../route-table.js';
import { badRequest, notFound, sendJson } from '../http.js';
import { renderField, renderGroup, renderMembership, renderUser } from '../render.js';
import type { Call } from '../site.js';
import { paginate } from './pagination.js';

/**
 * Who works the tickets: users (https://developer.zendesk.com/api-reference/ticketing/users/users/),
 * groups (…/groups/groups/), group memberships (…/groups/group_memberships/) and the ticket fields
 * (…/tickets/ticket_fields/). Lists use cursor pagination with `page[size]`, offset otherwise.
 * `GET /api/v2/users/me` is served by the server itself (it also answers anonymous callers).
 */

const J = '(?:\\.json)?';
const ROLES = ['end-user', 'agent', 'admin'];

/** The anonymous user Zendesk returns from users/me to a caller it did not authenticate. */
export function anonymousUser(): Record<string, unknown> {
  return { id: null, url: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user', active: true, verified: false, locale: 'en-US', time_zone: 'UTC' };
}

export const peopleRoutes: readonly Route<Call>[] = [
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/users/me${J}$`),
    handle(call) {
      sendJson(call.res, 200, { user: renderUser(call.site.baseUrl, call.user) });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/users${J}$`),
    handle(call) {
      const q = call.url.searchParams;
      const roles = [...q.getAll('role'), ...q.getAll('role[]')];
      const unknown = roles.find((r) => !ROLES.includes(r));
      if (unknown !== undefined) throw badRequest('InvalidValue', `role: ${unknown} is not one of ${ROLES.join(', ')}`);
      const users = call.site.store.users().filter((u) => roles.length === 0 || roles.includes(u.role));
      sendJson(
        call.res,
        200,
        paginate(call.url, 'users', users, (u) => renderUser(call.site.baseUrl, u)),
      );
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/users/(\\d+)${J}$`),
    handle(call, [id]) {
      const user = call.site.store.user(Number(id));
      if (!user) throw notFound();
      sendJson(call.res, 200, { user: renderUser(call.site.baseUrl, user) });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/users/(\\d+)/group_memberships${J}$`),
    handle(call, [id]) {
      const user = call.site.store.user(Number(id));
      if (!user) throw notFound();
      const list = call.site.store.memberships().filter((m) => m.user_id === user.id);
      sendJson(
        call.res,
        200,
        paginate(call.url, 'group_memberships', list, (m) => renderMembership(call.site.baseUrl, m)),
      );
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/groups${J}$`),
    handle(call) {
      sendJson(
        call.res,
        200,
        paginate(call.url, 'groups', call.site.store.groups(), (g) => renderGroup(call.site.baseUrl, g)),
      );
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/groups/(\\d+)${J}$`),
    handle(call, [id]) {
      const group = call.site.store.group(Number(id));
      if (!group || group.deleted) throw notFound();
      sendJson(call.res, 200, { group: renderGroup(call.site.baseUrl, group) });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/groups/(\\d+)/memberships${J}$`),
    handle(call, [id]) {
      const group = call.site.store.group(Number(id));
      if (!group || group.deleted) throw notFound();
      const list = call.site.store.memberships().filter((m) => m.group_id === group.id);
      sendJson(
        call.res,
        200,
        paginate(call.url, 'group_memberships', list, (m) => renderMembership(call.site.baseUrl, m)),
      );
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/group_memberships${J}$`),
    handle(call) {
      sendJson(
        call.res,
        200,
        paginate(call.url, 'group_memberships', call.site.store.memberships(), (m) => renderMembership(call.site.baseUrl, m)),
      );
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/ticket_fields${J}$`),
    handle(call) {
      sendJson(
        call.res,
        200,
        paginate(call.url, 'ticket_fields', call.site.store.ticketFields(), (f) => renderField(call.site.baseUrl, f)),
      );
    },
  },
];
