import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/** The connector's create-task against the ServiceNow sandbox over real HTTP. */
const KEY = 'qa:resolved-without-update';
const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, 'servicenow');

const task = (group?: string): Extract<Action, { type: 'create-task' }> => ({
  type: 'create-task',
  correlationKey: KEY,
  title: 'Follow up: resolved without a customer update',
  description: 'The incident was resolved with no public comment.',
  ...(group === undefined ? {} : { group }),
});

type Target = { nativeId: string; number: string; version: string };

function write(action: Action, fields: Record<string, unknown>, target: Target): WriteRequest {
  const planned: PlannedAction = {
    id: `qa-${target.number}`,
    sourceId: 'snow-prod',
    ruleId: 'qa-public-update',
    target: { ticketKey: `servicenow:snow-prod:${target.nativeId}`, ...target },
    action,
    explanation: 'Resolved without a public update',
  };
  return { planned, action, fields, marker: 'deskbridge:qa', firstAttempt: true };
}

async function mapped(action: Action, target: Target): Promise<Record<string, unknown>> {
  return mapOutbound(mappings, { action, target: { ticketKey: 'k', ...target }, marker: 'deskbridge:qa' });
}

describe('ServiceNow create-task against the sandbox', () => {
  let sandbox: ServiceNowSandbox;
  let connector: Connector;

  beforeAll(async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
    connector = harness(source({ baseUrl: sandbox.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, rateLimit: { requestsPerMinute: 60000, concurrency: 4 } })).connector;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('creates one incident_task of the incident with its group, finds it on a retry, and one per incident for the same key', async () => {
    const [first, second] = sandbox.store.list('incident');
    if (!first || !second) throw new Error('fixtures missing');
    const target = (r: typeof first) => ({ nativeId: r['sys_id'] ?? '', number: r['number'] ?? '', version: r['sys_mod_count'] ?? '' });
    const fields = await mapped(task('Service Desk'), target(first));

    const created = await connector.apply(write(task('Service Desk'), fields, target(first)));
    expect(created.outcome).toBe('created');
    await expect(connector.apply(write(task('Service Desk'), fields, target(first)))).resolves.toEqual({ outcome: 'unchanged', ref: created.ref });
    const other = await connector.apply(write(task('Service Desk'), fields, target(second)));
    expect(other.outcome).toBe('created');
    expect(other.ref).not.toBe(created.ref);

    const tasks = sandbox.store.list('incident_task');
    expect(tasks).toHaveLength(2);
    const response = await fetch(
      `${sandbox.url}/api/now/table/incident_task/${created.ref}?sysparm_display_value=all&sysparm_exclude_reference_link=true&sysparm_fields=number,incident,assignment_group,state,correlation_id,short_description`,
      { headers: { authorization: `Basic ${Buffer.from('deskbridge:deskbridge').toString('base64')}`, accept: 'application/json' } },
    );
    const body = (await response.json()) as { result: Record<string, { display_value: string; value: string }> };
    expect(body.result['number']?.value).toMatch(/^TASK\d{7}$/);
    expect(body.result['incident']).toEqual({ display_value: first['number'], value: first['sys_id'] });
    expect(body.result['assignment_group']?.display_value).toBe('Service Desk');
    expect(body.result['state']).toEqual({ display_value: 'Open', value: '1' });
    expect(body.result['correlation_id']?.value).toBe(KEY);
    expect(body.result['short_description']?.value).toBe('Follow up: resolved without a customer update');
  });
});
