import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { revertCommand } from '../../src/cli/revert.js';
import { DEFAULT_PROJECTS, JiraStore, seedFixtures, type JiraSandbox } from '../../src/sandbox/jira/index.js';
import { useE2e } from '../helpers/e2e.js';
import { jiraSnapshot, writeJiraConfig } from '../helpers/jira-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

/** The issues a rule routed (its note names it), by key. */
function routedBy(sandbox: JiraSandbox, rule: string): string[] {
  return Object.entries(jiraSnapshot(sandbox))
    .filter(([, s]) => s.notes.some((n) => n.includes(`(${rule})`) || n.includes(`by ${rule}`)))
    .map(([key]) => key)
    .sort();
}

/** A site whose ITSM project has components named after the rules' groups, so they can be the group field. */
function storeWithDeskComponents(flavour: 'cloud' | 'datacenter'): JiraStore {
  const projects = DEFAULT_PROJECTS.map((p) => (p.key === 'ITSM' ? { ...p, components: [...p.components, 'Service Desk', 'Network Operations'] } : p));
  const store = new JiraStore({ flavour, projects });
  seedFixtures(store);
  return store;
}

function issue(sandbox: JiraSandbox, key: string): NonNullable<ReturnType<JiraSandbox['store']['list']>[number]> {
  const found = sandbox.store.list().find((i) => i.key === key);
  if (!found) throw new Error(`no ${key}`);
  return found;
}

describe.each([
  ['cloud', 'the Team field'],
  ['datacenter', 'the Team field'],
  ['cloud', 'components'],
] as const)('deskbridge revert on the Jira %s sandbox, group in %s', (flavour, groupField) => {
  const e2e = useE2e();

  it('puts issues that had no group and no assignee back to none (the group field cleared, unassigned), leaving alone the issue a person took since', async () => {
    const sandbox = groupField === 'components' ? await e2e.jiraOn({ flavour, store: storeWithDeskComponents(flavour) }) : await e2e.jira(flavour);
    // Fresh issues in no group (no team, no component), assigned to no one.
    const requester = sandbox.store.findUser('praman')?.accountId ?? null;
    for (let i = 0; i < 3; i++) sandbox.store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Cannot print (${i})`, reporter: requester }, requester);
    const path = writeJiraConfig(sandbox);
    if (groupField === 'components') writeFileSync(path, readFileSync(path, 'utf8').replace('groupField: customfield_10001', 'groupField: components'));
    const { daemon, lines } = e2e.daemon(path);
    const pass = await daemon.runOnce();
    expect(pass.ok, lines.filter((l) => l.includes('"error"') || l.includes('"warn"')).join('\n')).toBe(true);
    await daemon.stop();

    const routed = routedBy(sandbox, 'unassigned-to-desk');
    const [taken, ...reverted] = routed;
    if (taken === undefined || reverted.length === 0) throw new Error('the fixtures route too few unassigned issues for this test');
    const before = jiraSnapshot(sandbox);
    for (const key of routed) expect(before[key]?.assignee, key).not.toBe('');
    const inDesk = (key: string) => (groupField === 'components' ? issue(sandbox, key).components.includes('Service Desk') : before[key]?.team === 'Service Desk');
    for (const key of routed) expect(inDesk(key), key).toBe(true);
    // A person takes one over after deskbridge routed it: that decision survives the revert.
    const person = sandbox.store.findUser('praman')?.accountId ?? 'praman';
    sandbox.store.updateIssue(issue(sandbox, taken).id, { assignee: person }, person);

    const plan: string[] = [];
    expect(await revertCommand({ config: path, rule: 'unassigned-to-desk' }, (line) => plan.push(line))).toBe(0);
    for (const key of reverted) expect(plan.find((l) => l.includes(`  ${key}  `))).toMatch(/revert .*group "Service Desk" -> \(none\), assignee ".+" -> \(none\)/);
    expect(plan.find((l) => l.includes(`  ${taken}  `))).toMatch(/skip .*changed since deskbridge's write: assignee is now/);

    const applied: string[] = [];
    const code = await revertCommand({ config: path, rule: 'unassigned-to-desk', apply: true }, (line) => applied.push(line));
    expect(code, applied.join('\n')).toBe(0);
    for (const key of reverted) {
      expect(applied, key).toContain(`  ${key}: updated`);
      const after = issue(sandbox, key);
      expect(after.assignee, key).toBeNull();
      if (groupField === 'components') expect(after.components, key).toEqual([]);
      else expect(after.team, key).toBeNull();
    }
    expect(issue(sandbox, taken).assignee).toBe(person);
    expect(inDesk(taken)).toBe(true);
  }, 60_000);
});
