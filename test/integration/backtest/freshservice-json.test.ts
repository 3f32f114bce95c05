import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/run-backtest.js';

describe('backtest of a Freshservice JSON export', () => {
  it('reads {"tickets": [...]} with groups and agents beside them through the connector reader, and reports the ticket it could not read', async () => {
    const report = await runBacktest({ input: 'test/fixtures/backtest/freshservice-tickets.json', rules: 'rules/routing.yaml', mappings: 'mappings' });

    expect(report.input).toMatchObject({ format: 'freshservice-json', mapping: 'freshservice', records: 3, tickets: 2, unreadable: { count: 1 } });
    expect(report.mappingFailures.count).toBe(0);
    expect(report.routing.groups).toEqual([{ name: 'Network Operations', count: 1 }]);
  });
});
