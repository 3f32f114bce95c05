import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adfToText, JiraStore, seedFixtures, seedHadoop, type JiraSandbox } from '../../src/sandbox/jira/index.js';
import { readHadoopBugs, readHadoopDuplicates, type HadoopBugReport } from '../../src/sandbox/jira/seed-hadoop.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { jiraWrites, writeJiraConfig } from '../helpers/jira-env.js';
import { REPO } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-dedup');

/**
 * Real Apache Hadoop reports, re-opened so dedup applies: labelled duplicate pairs plus unrelated
 * reports around them, in a Jira Cloud sandbox.
 */
async function seed(e2e: E2eHarness, flavour: 'cloud' | 'datacenter'): Promise<{ sandbox: JiraSandbox; pairs: [HadoopBugReport, HadoopBugReport][] }> {
  const reports = await readHadoopBugs();
  const byId = new Map(reports.map((r) => [r.id, r]));
  const pairs: [HadoopBugReport, HadoopBugReport][] = [];
  for (const [a, b] of await readHadoopDuplicates()) {
    const x = byId.get(a);
    const y = byId.get(b);
    if (x && y && x.id !== y.id) pairs.push(x.created <= y.created ? [x, y] : [y, x]);
    if (pairs.length === 12) break;
  }
  const inPairs = new Set(pairs.flat().map((r) => r.id));
  const others = reports.filter((r) => !inPairs.has(r.id)).slice(0, 60);
  const open = [...pairs.flat(), ...others].map((r) => ({ ...r, status: 'Open', resolution: null, resolved: null }));
  const store = new JiraStore({ flavour });
  seedFixtures(store);
  await seedHadoop(store, { reports: open });
  return { sandbox: await e2e.jiraOn({ flavour, store }), pairs };
}

function deskbridgeComments(sandbox: JiraSandbox, idOrKey: string): string[] {
  const issue = sandbox.store.get(idOrKey);
  if (!issue) return [];
  return sandbox.store
    .comments(issue.id)
    .map((c) => (c.body.kind === 'adf' ? adfToText(c.body.doc) : c.body.text))
    .filter((text) => text.includes('deskbridge'));
}

describe.skipIf(missingData('hadoopBugs')).each(['cloud', 'datacenter'] as const)('dedup rules against the Jira %s sandbox (real Hadoop reports)', (flavour) => {
  const e2e = useE2e();

  it('links likely duplicates to their root once, suggests the rest once, and repeats nothing after a restart', async () => {
    const seeded = await seed(e2e, flavour);
    const { sandbox } = seeded;
    const loaded = e2e.load(writeJiraConfig(sandbox, { rules: RULES }));
    const capture = e2e.daemon(loaded);
    let { daemon } = capture;
    const firstRun = await daemon.runOnce();
    if (!firstRun.ok)
      console.log(
        capture.lines
          .filter((l) => l.includes('"error"') || l.includes('warn'))
          .slice(0, 10)
          .join('\n'),
      );
    expect(firstRun.ok).toBe(true);

    const links = sandbox.store.links().filter((l) => l.type === 'Duplicate');
    // Never a self-link, never a chain: no issue is both a duplicate and an original.
    const duplicates = new Set(links.map((l) => l.inwardId));
    const originals = new Set(links.map((l) => l.outwardId));
    for (const link of links) expect(link.inwardId).not.toBe(link.outwardId);
    for (const id of duplicates) expect(originals.has(id), id).toBe(false);
    // Each duplicate is linked once, and the original was created before it.
    expect(duplicates.size).toBe(links.length);
    for (const link of links) {
      const dup = sandbox.store.get(link.inwardId);
      const original = sandbox.store.get(link.outwardId);
      expect(Number(original?.created)).toBeLessThanOrEqual(Number(dup?.created));
      expect(deskbridgeComments(sandbox, link.inwardId).filter((c) => c.includes('as a duplicate of'))).toHaveLength(1);
      expect(deskbridgeComments(sandbox, link.outwardId).some((c) => c.includes(`${dup?.key ?? '?'} "`))).toBe(true);
    }

    // The labelled pairs: most later reports are linked to, or told about, their earlier report.
    let found = 0;
    for (const [earlier, later] of seeded.pairs) {
      const linked = links.some((l) => l.inwardId === later.id && l.outwardId === earlier.id);
      const suggested = deskbridgeComments(sandbox, later.id).some((c) => c.includes('may describe the same issue') && c.includes(earlier.key));
      if (linked || suggested) found++;
      // Suggested at most once.
      expect(deskbridgeComments(sandbox, later.id).filter((c) => c.includes('may describe the same issue')).length).toBeLessThanOrEqual(1);
    }
    // Ranking quality is measured by the benchmark on all 125 pairs; here it only has to work.
    expect(found).toBeGreaterThanOrEqual(4);

    const writes = jiraWrites(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    ({ daemon } = e2e.daemon(loaded));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(jiraWrites(sandbox)).toBe(writes);
  });
});
