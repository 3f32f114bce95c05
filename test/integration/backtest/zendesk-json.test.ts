import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/run-backtest.js';

describe('backtest of a Zendesk JSON export', () => {
  it('reads {"tickets": [...]} with its users and groups sideloads through the connector reader, and reports the ticket it could not read', async () => {
    const report = await runBacktest({ input: 'test/fixtures/backtest/zendesk-tickets.json', rules: 'rules/routing.yaml', mappings: 'mappings' });

    expect(report.input).toMatchObject({ format: 'zendesk-json', mapping: 'zendesk', records: 3, tickets: 2, unreadable: { count: 1 } });
    expect(report.mappingFailures.count).toBe(0);
    expect(report.routing.groups).toEqual([{ name: 'Network Operations', count: 1 }]);
  });
});
