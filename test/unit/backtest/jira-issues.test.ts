import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectJiraFlavour, jiraBaseUrl, jiraIssues, jiraIssueToRecord } from '../../../src/backtest/jira-issues.js';
import { loadPlatformMappings, mapInbound } from '../../../src/mapping/mapper.js';
// Binds the platforms' mapping helpers (Jira's $adfText, $isoUtc), as the daemon does through its config.
import '../../../src/platforms/registry.js';

const cloudPage = JSON.parse(readFileSync('test/fixtures/platforms/jira/cloud/search-page-1.json', 'utf8')) as unknown;
const dcIssues = JSON.parse(readFileSync('test/fixtures/backtest/jira-datacenter-issues.json', 'utf8')) as unknown;

describe('Jira JSON exports to mapping input', () => {
  it('takes the issues of a search response or a bare array', () => {
    expect(jiraIssues(cloudPage)).toHaveLength(2);
    expect(jiraIssues(dcIssues)).toHaveLength(3);
    expect(jiraIssues({ result: [] })).toBeUndefined();
  });

  it('tells Cloud (ADF, accountId) from Data Center (wiki text, name)', () => {
    expect(detectJiraFlavour(jiraIssues(cloudPage) ?? [])).toBe('cloud');
    expect(detectJiraFlavour(jiraIssues(dcIssues) ?? [])).toBe('datacenter');
    expect(detectJiraFlavour([])).toBe('cloud');
  });

  it('finds the site for ticket links in an issue’s self', () => {
    expect(jiraBaseUrl(jiraIssues(dcIssues) ?? [])).toBe('https://jira.acme.internal');
  });

  it('lifts fields to the top level like the connector, and the mapping reads the result', async () => {
    const [first] = jiraIssues(dcIssues) ?? [];
    const read = jiraIssueToRecord(first, 'datacenter');
    if ('error' in read) throw new Error(read.error);
    const mappings = loadPlatformMappings('mappings', 'jira-datacenter');

    const ticket = await mapInbound(mappings, read.raw, {
      platform: 'jira',
      sourceId: 'backtest',
      source: { id: 'backtest', flavour: 'datacenter', baseUrl: 'https://jira.acme.internal', groupField: 'components' },
    });

    expect(read).toMatchObject({ nativeId: '20001', version: '2024-05-14T10:00:00.000-0400', updatedAt: '2024-05-14T14:00:00.000Z' });
    expect(read.raw['summary']).toBe('Wi-Fi unavailable on the 4th floor');
    expect(ticket).toMatchObject({ key: 'jira:backtest:20001', title: 'Wi-Fi unavailable on the 4th floor', priority: 2, status: 'open', requester: 'Abel Tuter' });
    expect(ticket.source.url).toBe('https://jira.acme.internal/browse/ITSM-1');
  });

  it('accepts an issue that is already flat (fields at the top level)', () => {
    const read = jiraIssueToRecord({ id: '7', key: 'X-7', summary: 'flat', updated: '2024-05-14T10:00:00.000+0000' }, 'cloud');

    expect(read).toMatchObject({ nativeId: '7', raw: { id: '7', key: 'X-7', summary: 'flat' } });
  });

  it('reports an issue the connector could not read', () => {
    const read = jiraIssueToRecord((jiraIssues(dcIssues) ?? [])[2], 'datacenter');

    expect(read).toEqual({ error: expect.stringContaining('issue id is not numeric') });
  });
});
