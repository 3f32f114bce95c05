import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JiraSandbox } from '../../src/sandbox/jira/index.js';
import { useE2e } from '../helpers/e2e.js';
import { expectedJiraRouting, jiraSnapshot, writeJiraConfig } from '../helpers/jira-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

/** The source's opt-out: a label an agent puts on an issue to keep deskbridge off it (canonical labels, or Jira's own field). */
const SKIP = { cloud: `'deskbridge-skip' in labels`, datacenter: `'deskbridge-skip' in raw.labels` } as const;

/** Writes (anything but a read) the sandbox received for one issue, by id or key. */
function writesTo(sandbox: JiraSandbox, issue: { id: string; key: string }): string[] {
  return sandbox.requestLog
    .filter((r) => r.method !== 'GET' && r.path.startsWith('/rest/') && !r.path.includes('/search'))
    .filter((r) => r.path.includes(`/issue/${issue.id}`) || r.path.includes(`/issue/${issue.key}`) || JSON.stringify(r).includes(`"${issue.key}"`))
    .map((r) => `${r.method} ${r.path}`);
}

describe.each(['cloud', 'datacenter'] as const)('skip: against the Jira %s sandbox (real HTTP, real SQLite)', (flavour) => {
  const skip = SKIP[flavour];
  const e2e = useE2e();

  it('an issue labelled deskbridge-skip is never written over several passes while its neighbours are routed, and explain says it is skipped', async () => {
    const sandbox = await e2e.jira(flavour);
    const expected = expectedJiraRouting(sandbox);
    // Two issues the rules would route, opted out by an agent; the rest routed as usual.
    const [first, second, ...others] = [...expected.keys()];
    if (first === undefined || second === undefined || others.length === 0) throw new Error('the fixtures route too few issues for this test');
    const person = sandbox.store.findUser('praman')?.accountId ?? 'praman';
    const skipped = [first, second].map((key) => {
      const issue = sandbox.store.list().find((i) => i.key === key);
      if (!issue) throw new Error(`no ${key}`);
      sandbox.store.updateIssue(issue.id, { labels: [...issue.labels, 'deskbridge-skip'] }, person);
      return { id: issue.id, key };
    });
    const before = jiraSnapshot(sandbox);
    const config = writeJiraConfig(sandbox);
    appendFileSync(config, `    skip: ${JSON.stringify(skip)}\n`);
    const { daemon, lines } = e2e.daemon(config);

    const counts: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await daemon.runOnce();
      expect(result.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
      counts.push(result.results[0]?.skipped);
      // A person keeps working on them: new versions, judged again — and still left alone.
      for (const issue of skipped) sandbox.store.updateIssue(issue.id, { summary: `still mine (${i + 1}) ${issue.key}` }, person);
    }

    const after = jiraSnapshot(sandbox);
    for (const issue of skipped) {
      expect(writesTo(sandbox, issue), issue.key).toEqual([]);
      expect(after[issue.key]?.team, issue.key).toBe(before[issue.key]?.team);
      expect(after[issue.key]?.assignee, issue.key).toBe(before[issue.key]?.assignee);
      expect(after[issue.key]?.notes, issue.key).toEqual([]);
    }
    for (const key of others) {
      expect(after[key]?.team, key).toBe(expected.get(key)?.team);
      expect(after[key]?.notes, key).toHaveLength(1);
    }
    // Every pass that read them counted them (the later ones read only the issues people touched).
    expect(counts).toEqual([2, 2, 2]);

    const explained = await e2e.cli(['explain', '--ticket', first, '--config', config], { env: { E2E_JIRA_TOKEN: 'deskbridge' } });
    expect(explained.code, explained.output).toBe(0);
    expect(explained.output).toContain('Skipped — deskbridge leaves this ticket alone');
    expect(explained.output).toContain(skip);
    expect(writesTo(sandbox, skipped[0] ?? { id: '?', key: '?' })).toEqual([]);
  }, 60_000);
});
