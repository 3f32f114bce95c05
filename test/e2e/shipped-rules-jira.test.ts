import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JiraStore, seedFixtures } from '../../src/sandbox/jira/index.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { writeJiraConfig } from '../helpers/jira-env.js';
import { REPO } from '../helpers/sandbox-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The shipped rules/patterns.yaml on its own, as an admin would deploy it. */
function shippedPatterns(e2e: E2eHarness): string {
  const dir = e2e.tempDir('deskbridge-shipped-patterns-');
  copyFileSync(join(REPO, 'rules', 'patterns.yaml'), join(dir, 'patterns.yaml'));
  return dir;
}

describe('the shipped pattern rules on Jira Data Center', () => {
  const e2e = useE2e();

  it('group Jira incidents by component and label (category / subcategory) and open one problem for a spike', async () => {
    const store = new JiraStore({ flavour: 'datacenter' });
    seedFixtures(store);
    const raise = (ago: number, summary: string): string => {
      const at = Date.now() - ago;
      return store.createIssue({ project: 'ITSM', issueType: 'Incident', summary, components: ['Network'], labels: ['wifi'], created: at, updated: at }).key;
    };
    for (let week = 4; week >= 1; week--) raise(week * 7 * DAY, 'Wi-Fi drops now and then');
    const spike = [0, 1, 2, 3, 4, 5, 6].map((i) => raise((8 - i) * HOUR, `No Wi-Fi on floor ${i}`));
    const sandbox = await e2e.jiraOn({ flavour: 'datacenter', store });
    const { daemon } = e2e.daemon(writeJiraConfig(sandbox, { rules: shippedPatterns(e2e) }));

    expect((await daemon.runOnce()).ok).toBe(true);

    const opened = store.list().filter((i) => i.key.startsWith('PRB-') && i.labels.some((l) => l.startsWith('deskbridge-')));
    expect(opened.map((p) => p.summary)).toEqual([expect.stringMatching(/^Recurring incidents: Network \/ wifi \(7 since /)]);
    const members = store
      .links(opened[0]?.id ?? '')
      .filter((l) => l.type === 'Problem/Incident')
      .map((l) => store.get(l.inwardId === opened[0]?.id ? l.outwardId : l.inwardId)?.key);
    expect(members.sort()).toEqual([...spike].sort());
  });
});
