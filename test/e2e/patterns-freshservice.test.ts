import { describe, expect, it } from 'vitest';
import { FreshserviceStore, seedFixtures, startFreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';
import { useE2e } from '../helpers/e2e.js';
import { freshserviceWrites, writeFreshserviceConfig } from '../helpers/freshservice-env.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RULES = `rules:
  - id: category-pattern
    kind: pattern
    when: kind = "incident" and category = "Printing"
    groupBy: [category]
    window: { hours: 24 }
    baseline: { days: 28 }
    trigger: { minCount: 3, factor: 3, maxPValue: 0.01 }
    problem:
      title: "Recurring incidents: {{ key }}"
      description: |-
        {{ trigger }}
        {{ count }} incidents.
`;

describe('pattern rules against the Freshservice sandbox', () => {
  const e2e = useE2e();

  it('opens one problem for a spike, associates its incidents, and a later pass writes nothing', async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    const requester = store.requesters()[0]?.id ?? 0;
    const raise = (ago: number, subject: string): number => {
      const at = Math.floor((Date.now() - ago) / 1000) * 1000;
      return store.createTicket({ subject, description: subject, requester_id: requester, category: 'Printing', created_at: at, updated_at: at }).id;
    };
    for (let week = 6; week >= 1; week--) raise(week * 7 * DAY, 'Printer jams now and then');
    const spike = [raise(5 * HOUR, 'Printer offline on floor 3'), raise(4 * HOUR, 'Cannot print in the east wing'), raise(3 * HOUR, 'Print queue stuck')];
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
    const { daemon, lines } = e2e.daemon(writeFreshserviceConfig(e2e.tempDir(), sandbox, { rules: RULES, workspaces: store.workspaces().map((w) => w.id) }));

    const first = await daemon.runOnce();
    expect(first.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    const opened = store.problems().filter((p) => p.subject.includes('[deskbridge '));
    expect(opened.map((p) => p.subject.replace(/ \[deskbridge [0-9a-f]+\]$/, ''))).toEqual(['Recurring incidents: Printing']);
    const members = store.problemTickets(opened[0]?.id ?? 0).map((t) => t.id);
    expect(members).toEqual(expect.arrayContaining(spike));

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    sandbox.resetRequestLog();
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(freshserviceWrites(sandbox)).toBe(0);
    expect(store.problems().filter((p) => p.subject.includes('[deskbridge '))).toHaveLength(1);
  }, 60_000);
});
