import type { JiraSource } from './source.js';
import type { AuthHook } from '../../http/client.js';

export type JiraAuthMode = 'basic' | 'bearer';

export interface JiraAuth extends AuthHook {
  readonly mode: JiraAuthMode;
}

/**
 * Basic: Cloud e-mail + API token, or Data Center username + password. Bearer: a Data Center
 * personal access token or a Cloud OAuth 2.0 access token. Neither can be renewed here, so a 401
 * is final (no `invalidate`): the source stops with a message saying which credential to fix.
 */
export function createJiraAuth(auth: JiraSource['auth']): JiraAuth {
  if (auth.type === 'basic') {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    return { mode: 'basic', headers: () => Promise.resolve({ Authorization: header }) };
  }
  const header = `Bearer ${auth.token}`;
  return { mode: 'bearer', headers: () => Promise.resolve({ Authorization: header }) };
}
