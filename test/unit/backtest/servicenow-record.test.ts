import { describe, expect, it } from 'vitest';
import { csvRowToRecord, fieldForColumn, jsonRecordToRecord, normaliseDateTime, serviceNowField } from '../../../src/backtest/servicenow-record.js';
import { compilePlatformMappings, loadPlatformMappings, mapInbound } from '../../../src/mapping/mapper.js';
import { stableSysId } from '../../../src/sandbox/servicenow/seed-event-log.js';

/**
 * The event log's own mapping: the shipped one plus its custom symptom column as labels, as a site
 * maps a `u_` field (the shipped mapping reads no field only the sample data has).
 */
const shipped = loadPlatformMappings('mappings', 'servicenow');
const eventLogInbound = shipped.sources.inbound.replace(/"labels": [^\n]*/, '"labels": [$display(u_symptom)]');
if (eventLogInbound === shipped.sources.inbound) throw new Error('mappings/servicenow.inbound.jsonata no longer has a "labels" line; update the event-log mapping here');
const mappings = compilePlatformMappings('servicenow', eventLogInbound, shipped.sources.outbound);
const context = { platform: 'servicenow', sourceId: 'backtest', source: { table: 'incident', baseUrl: 'https://backtest.invalid' } };

const EVENT_LOG_HEADER =
  'number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at'.split(
    ',',
  );

/** A row of the UCI event log (INC0000045's first event), with a state and priority of choice. */
function eventRow(state = 'New', priority = '3 - Moderate', group = 'Group 56'): string[] {
  return `INC0000045,${state},true,0,0,0,true,Caller 2403,Opened by  8,29/2/2016 01:16,Created by 6,29/2/2016 01:23,Updated by 21,29/2/2016 01:23,Phone,Location 143,Category 55,Subcategory 170,Symptom 72,?,2 - Medium,2 - Medium,${priority},${group},?,true,false,Do Not Notify,?,?,?,?,code 5,Resolved by 149,29/2/2016 11:29,5/3/2016 12:00`.split(
    ',',
  );
}

describe('ServiceNow CSV rows (display values) to mapping input', () => {
  const fields = EVENT_LOG_HEADER.map(fieldForColumn);

  it('maps an event-log row to the ticket the daemon would see', async () => {
    const record = csvRowToRecord(fields, eventRow());

    const ticket = await mapInbound(mappings, record, context);

    expect(ticket).toMatchObject({
      key: `servicenow:backtest:${stableSysId('INC0000045')}`,
      version: '0',
      status: 'new',
      nativeStatus: 'New',
      priority: 3,
      category: 'Category 55',
      group: 'Group 56',
      requester: 'Caller 2403',
      contactType: 'Phone',
      createdAt: '2016-02-29T01:16:00Z',
      updatedAt: '2016-02-29T01:23:00Z',
      labels: ['Symptom 72'],
    });
    expect(ticket.assignee).toBeUndefined();
    expect(ticket.ci).toBeUndefined();
  });

  it('keeps the resolution the log repeats on every row off versions that are not resolved yet', async () => {
    const open = await mapInbound(mappings, csvRowToRecord(fields, eventRow('Active')), context);
    const resolved = await mapInbound(mappings, csvRowToRecord(fields, eventRow('Resolved')), context);

    expect(open.resolution).toBeUndefined();
    expect(open.resolvedAt).toBeUndefined();
    expect(resolved.resolution).toEqual({ code: 'code 5' });
    expect(resolved.resolvedAt).toBe('2016-02-29T11:29:00Z');
    expect(resolved.status).toBe('resolved');
  });

  it.each([
    ['New', '1', 'new'],
    ['Active', '2', 'in_progress'],
    ['Awaiting User Info', '3', 'on_hold'],
    ['Closed', '7', 'closed'],
    ['-100', '-100', 'open'],
  ])('reads state %s as value %s (%s)', async (label, value, status) => {
    const record = csvRowToRecord(fields, eventRow(label));

    expect(record['state']).toEqual({ value, display_value: label === '-100' ? '-100' : label });
    expect((await mapInbound(mappings, record, context)).status).toBe(status);
  });

  it('takes the stored priority from its label', async () => {
    const record = csvRowToRecord(fields, eventRow('New', '1 - Critical'));

    expect(record['priority']).toEqual({ value: '1', display_value: '1 - Critical' });
    expect((await mapInbound(mappings, record, context)).priority).toBe(1);
  });

  it('reads a list export with label headers and no sys_id or update counter', () => {
    const header = ['Number', 'Short description', 'State', 'Assignment group', 'Updated', 'Caller', 'Configuration item'].map(fieldForColumn);

    const record = csvRowToRecord(header, ['INC0010001', 'VPN down', 'In Progress', 'Network', '2024-05-14 09:12:03', 'Abel Tuter', 'VPN-GW-1']);

    expect(header).toEqual(['number', 'short_description', 'state', 'assignment_group', 'sys_updated_on', 'caller_id', 'cmdb_ci']);
    expect(record['state']).toEqual({ value: '2', display_value: 'In Progress' });
    expect(record['sys_id']?.value).toBe(stableSysId('INC0010001'));
    expect(record['sys_updated_on']).toEqual({ value: '2024-05-14 09:12:03', display_value: '2024-05-14 09:12:03' });
  });
});

describe('ServiceNow JSON records to mapping input', () => {
  it('keeps {value, display_value} pairs as the Table API sends them', () => {
    const record = jsonRecordToRecord({ assignment_group: { value: 'd625', display_value: 'Service Desk' }, state: { value: '2', display_value: 'In Progress' } });

    expect(record).toEqual({ assignment_group: { value: 'd625', display_value: 'Service Desk' }, state: { value: '2', display_value: 'In Progress' } });
  });

  it('derives the missing half of plain stored values', () => {
    const record = jsonRecordToRecord({ state: '6', priority: 2, active: false, sys_updated_on: '2024-05-14 09:12:03' });

    expect(record).toEqual({
      state: { value: '6', display_value: 'Resolved' },
      priority: { value: '2', display_value: '2 - High' },
      active: { value: 'false', display_value: 'false' },
      sys_updated_on: { value: '2024-05-14 09:12:03', display_value: '2024-05-14 09:12:03' },
    });
  });

  it('derives stored values of plain display values', () => {
    const record = jsonRecordToRecord({ state: 'On Hold', priority: '4 - Low', opened_at: '2024-05-14T09:12:03+02:00' });

    expect(record['state']?.value).toBe('3');
    expect(record['priority']?.value).toBe('4');
    expect(record['opened_at']?.value).toBe('2024-05-14 07:12:03');
  });

  it('reads reference objects without display values, and drops nulls and nested objects without values', () => {
    const record = jsonRecordToRecord({ caller_id: { link: 'https://x/api/now/table/sys_user/46d4', value: '46d4' }, problem_id: null, location: {} });

    expect(record).toEqual({ caller_id: { value: '46d4', display_value: '46d4' } });
  });
});

describe('date-time normalisation', () => {
  it.each([
    ['29/2/2016 01:16', '2016-02-29 01:16:00'],
    ['5/3/2016 12:00:30', '2016-03-05 12:00:30'],
    ['2024-05-14 09:12:03', '2024-05-14 09:12:03'],
    ['2024-05-14T09:12:03Z', '2024-05-14 09:12:03'],
    ['2024-05-14T09:12:03.123-0400', '2024-05-14 13:12:03'],
    ['yesterday', undefined],
  ])('%s → %s', (text, expected) => {
    expect(normaliseDateTime(text)).toBe(expected);
  });

  it('leaves a non-date value of a date field as it is', () => {
    expect(serviceNowField('resolved_at', 'soon')).toEqual({ value: 'soon', display_value: 'soon' });
  });
});
