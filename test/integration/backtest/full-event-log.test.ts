import { describe, expect, it } from 'vitest';
import { readHistory } from '../../../src/backtest/history.js';
import { DATA_SETS, missingData } from '../../helpers/data.js';

const EVENT_LOG = DATA_SETS.eventLog;

/**
 * The full event log, read straight from the zip. Replaying all 141,712 versions takes ~35 s on
 * a 2-core machine, longer than a test should; `npm run bench`-style `bench/backtest.ts` runs it.
 * Here: the whole file is read and ordered. Replaying the first 1,000 incidents (~15 s) is in
 * test/soak/backtest-event-log.test.ts (`npm run test:soak`).
 */
describe.skipIf(missingData('eventLog'))('backtest of the full UCI event log', () => {
  it('reads every row of the zip and puts the versions in time order', async () => {
    const history = await readHistory(EVENT_LOG);

    expect(history).toMatchObject({ format: 'servicenow-csv', records: 141_712, tickets: 24_918, versionCount: 141_712, unreadable: { count: 0 } });
    let previous = '';
    let count = 0;
    for (const version of history.versions()) {
      const updated = (version.record['sys_updated_on'] as { value: string }).value;
      expect(updated >= previous).toBe(true);
      previous = updated;
      if (++count === 2_000) break;
    }
  });
});
