import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/http/errors.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, ME, NETWORK, directory, harness, ticket, version } from './setup.js';

const http = useHttpMock();

describe('Freshservice init, get and validate --online look-ups', () => {
  it('learns which agent the API key belongs to from GET /api/v2/agents/me', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/agents/me')
      .reply(200, { agent: { id: ME, first_name: 'deskbridge', last_name: null, email: 'deskbridge@acme.example', active: true } });

    expect(await connector.init()).toEqual({ integrationUser: 'deskbridge@acme.example' });
  });

  it('says to check the API key on a 401, without the key in the message', async () => {
    const { connector } = harness();
    http.mock(BASE).get('/api/v2/agents/me').reply(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });

    const failure = await connector.init().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).message).toContain('check auth.apiKey');
    expect(JSON.stringify(failure)).not.toContain('fs-api-key');
  });

  it('gets a ticket by id or INC-number with its group named, and null for one that does not exist', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211')
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK }) })
      .get('/api/v2/tickets/9999')
      .reply(404, { code: 'not_found', message: 'The requested resource does not exist.' });

    const found = await connector.get('INC-4211', []);
    const missing = await connector.get('9999', []);

    expect(found).toMatchObject({ nativeId: '4211', version: version(ticket(4211, { group_id: NETWORK })), raw: { group_name: 'Network Operations' } });
    expect(missing).toBeNull();
    await expect(connector.get('ABC', [])).rejects.toThrow(/not a Freshservice ticket id/);
  });

  it('checks field, group and agent names with GETs only, and lists the known ones for "did you mean"', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get('/api/v2/ticket_form_fields')
      .reply(200, {
        ticket_fields: [
          { id: 1, name: 'subject', label: 'Subject', field_type: 'default_subject' },
          { id: 2, name: 'status', label: 'Status', field_type: 'default_status' },
          { id: 3, name: 'cf_impact_area', label: 'Impact area', field_type: 'custom_dropdown' },
        ],
      });

    const fields = await connector.directory?.fields();
    const groups = await connector.directory?.groups(['Network Operations', 'network operations', 'Storage']);
    const people = await connector.directory?.people(['ne1@acme.example', 'Beth Anglin', 'Nobody']);

    expect(fields?.names.has('cf_impact_area')).toBe(true);
    expect(fields?.names.has('group_name')).toBe(true);
    expect(fields?.labels?.get('Impact area')).toBe('cf_impact_area');
    expect(groups?.missing).toEqual([{ name: 'Storage' }]);
    expect(groups?.known).toEqual(['Network Operations', 'Service Desk']);
    expect(people?.missing).toEqual([{ name: 'Nobody' }]);
    expect(http.requests().every((r) => r.method === 'GET')).toBe(true);
  });
});
