import type { AuthHook } from '../../http/client.js';
import type { ZendeskSource } from './source.js';

export interface ZendeskAuth extends AuthHook {
  readonly mode: 'token' | 'bearer';
}

/**
 * API token: Basic with `{email}/token:{token}`; OAuth: Bearer. Neither is renewed here, so a 401
 * is final and the source stops with a message naming the credential to fix.
 * https://developer.zendesk.com/api-reference/introduction/security-and-auth/
 */
export function createZendeskAuth(auth: ZendeskSource['auth']): ZendeskAuth {
  const header = auth.type === 'token' ? `Basic ${Buffer.from(`${auth.email}/token:${auth.token}`, 'utf8').toString('base64')}` : `Bearer ${auth.token}`;
  return { mode: auth.type, headers: () => Promise.resolve({ Authorization: header }) };
}
