import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { DATA_SETS, missingData } from '../helpers/data.js';

const EVENT_LOG = DATA_SETS.eventLog;

/**
 * A backtest of real data with plausible figures: the first 1,000 incidents of the UCI event log
 * (6,800 versions), read from the zip and replayed through the shipped routing rules. About 15 s
 * on two cores, so it runs with the soaks rather than in `npm test`; reading and ordering the
 * whole log stays there (test/integration/backtest/full-event-log.test.ts).
 */
describe.skipIf(missingData('eventLog'))('backtest of the UCI event log', () => {
  it('replays the first 1,000 incidents with plausible figures', async () => {
    const report = await runBacktest({ input: EVENT_LOG, rules: 'rules/routing.yaml', mappings: 'mappings', limit: 1_000 });

    expect(report.input.records).toBe(141_712);
    expect(report.input.tickets).toBe(1_000);
    expect(report.input.versions).toBeGreaterThan(5_000);
    expect(report.mappingFailures.count).toBe(0);
    expect(report.routing.ticketsRouted).toBeGreaterThan(50);
    expect(report.routing.ticketsRouted).toBeLessThan(300);
    expect(report.history?.agreement.compared).toBeGreaterThan(0);
  });
});
