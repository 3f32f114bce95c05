import { describe, expect, it } from 'vitest';
import { adfToText, type StoredComment } from '../../src/sandbox/jira/index.js';
import { useE2e } from '../helpers/e2e.js';
import { BOTH_WAYS_RULES, writeEscalationConfig } from '../helpers/escalation-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

function jiraText(body: StoredComment['body']): string {
  return body.kind === 'adf' ? adfToText(body.doc) : body.text;
}

describe.each(['cloud', 'datacenter'] as const)('escalation from ServiceNow to Jira %s (real HTTP, real SQLite)', (flavour) => {
  const e2e = useE2e();

  it('opens one linked copy per matching incident, mirrors comments both ways once, and resolves the incident when the copy is done, without loops over 10 passes', async () => {
    const snow = await e2e.serviceNow({});
    const jira = await e2e.jira(flavour, {});
    const incident = (title: string) => snow.store.insert('incident', { short_description: title, description: `${title} since this morning`, urgency: '1', impact: '2' }, 'alice');
    const escalated = [incident('Checkout fails with error 500'), incident('Checkout button does nothing on mobile')];
    const untouched = incident('Printer out of toner');
    const { daemon, lines } = e2e.daemon(writeEscalationConfig(snow, jira));

    expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);

    // One copy each, in HADOOP, labelled, with a remote link back to the incident.
    const copies = () => jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')));
    expect(copies()).toHaveLength(2);
    for (const record of escalated) {
      const number = record['number'] ?? '';
      const copy = copies().find((i) => i.summary.includes(number));
      expect(copy, number).toBeDefined();
      expect(copy?.labels).toContain('from-service-desk');
      expect(jira.store.remoteLinks(copy?.id ?? '').map((l) => l.object.title)).toEqual([number]);
      const notes = snow.store.journal(record['sys_id'] ?? '', 'work_notes').map((j) => j.value);
      expect(notes.filter((n) => n.includes(copy?.key ?? '?'))).toHaveLength(1);
    }
    expect(snow.store.journal(untouched['sys_id'] ?? '')).toHaveLength(0);

    // A developer comments on the copy; an agent leaves a tagged and an untagged work note on the incident.
    const [first] = escalated;
    const firstCopy = copies().find((i) => i.summary.includes(first?.['number'] ?? '?'));
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    jira.store.addComment(firstCopy?.id ?? '', { body: 'Root cause: the cart service times out on coupons.' }, developer!.accountId);
    snow.store.update('incident', first?.['sys_id'] ?? '', { work_notes: '#dev the customer says it happens with coupons only' }, 'alice');
    snow.store.update('incident', first?.['sys_id'] ?? '', { work_notes: 'called the customer back' }, 'alice');

    // Both sides keep editing for 10 passes: nothing is mirrored twice, nothing echoes back.
    for (let pass = 0; pass < 10; pass++) {
      expect((await daemon.runOnce()).ok).toBe(true);
      snow.store.update('incident', first?.['sys_id'] ?? '', { description: `still failing (pass ${pass})` }, 'alice');
      jira.store.updateIssue(firstCopy?.id ?? '', { labels: [...(jira.store.get(firstCopy?.id ?? '')?.labels ?? []), `seen-${pass}`] }, developer!.accountId);
    }
    const snowNotes = snow.store.journal(first?.['sys_id'] ?? '', 'work_notes').map((j) => j.value);
    const mirrored = snowNotes.filter((n) => n.includes('Root cause: the cart service times out'));
    // With who wrote it, where, and when.
    expect(mirrored).toEqual([expect.stringMatching(new RegExp(`^${developer!.displayName} on ${firstCopy?.key ?? '?'}, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC:`))]);
    const jiraComments = jira.store.comments(firstCopy?.id ?? '').map((c) => jiraText(c.body));
    expect(jiraComments.filter((c) => c.includes('happens with coupons only'))).toHaveLength(1);
    expect(jiraComments.filter((c) => c.includes('called the customer back'))).toHaveLength(0);
    // deskbridge's own notes are never mirrored (the announcement stays on ServiceNow only).
    expect(jiraComments.filter((c) => c.includes('Escalated to'))).toHaveLength(0);
    expect(snowNotes.filter((n) => n.includes('Root cause') && n.includes('happens with coupons'))).toHaveLength(0);
    expect(copies()).toHaveLength(2);

    // The desk lowers the incident's priority (urgency 1 → 3: P2 → P4): the copy follows.
    expect(jira.store.get(firstCopy?.id ?? '')?.priority).toBe(flavour === 'cloud' ? 'High' : 'Critical');
    snow.store.update('incident', first?.['sys_id'] ?? '', { urgency: '3' }, 'alice');
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(jira.store.get(firstCopy?.id ?? '')?.priority).toBe(flavour === 'cloud' ? 'Low' : 'Minor');

    // The developers resolve the copy: the incident gets a note and is resolved with the configured fields.
    const resolve = jira.store.transitions(firstCopy?.id ?? '').find((t) => t.name === 'Resolve Issue');
    jira.store.transition(firstCopy?.id ?? '', resolve?.id ?? '', developer!.accountId);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect((await daemon.runOnce()).ok).toBe(true);
    const resolved = snow.store.get('incident', first?.['sys_id'] ?? '');
    expect(resolved?.['state']).toBe('6');
    expect(resolved?.['close_notes']).toContain(firstCopy?.key ?? '?');
    const afterResolve = snow.store.journal(first?.['sys_id'] ?? '', 'work_notes').map((j) => j.value);
    expect(afterResolve.filter((n) => n.includes(`${firstCopy?.key ?? '?'} was resolved`))).toHaveLength(1);
    // The incident resolved by deskbridge is not sent back to the copy as "the original was resolved".
    expect(
      jira.store
        .comments(firstCopy?.id ?? '')
        .map((c) => jiraText(c.body))
        .filter((c) => c.includes('The original ticket')),
    ).toHaveLength(0);
  }, 120_000);

  it('escalates from Jira to ServiceNow too, and a copy is never escalated back, even by a rule that matches every ticket', async () => {
    const snow = await e2e.serviceNow({});
    const jira = await e2e.jira(flavour, {});
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    const issue = jira.store.createIssue({ project: 'HADOOP', issueType: 'Bug', summary: 'VPN client drops every 10 minutes', description: 'Seen by the whole team' }, developer!.accountId);
    const { daemon, lines } = e2e.daemon(writeEscalationConfig(snow, jira, { rules: BOTH_WAYS_RULES }));

    for (let pass = 0; pass < 4; pass++) {
      expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
      // People work on both copies between passes: the desk's copy changes by a person's hand.
      const desk = snow.store.list('incident');
      for (const record of desk) snow.store.update('incident', record['sys_id'] ?? '', { work_notes: `looking into it (${pass})` }, 'alice');
      jira.store.addComment(issue.id, { body: `still broken (${pass})` }, developer!.accountId);
    }

    // One ServiceNow copy of the Jira issue, found by its correlation id, with the issue's key in its title.
    const incidents = snow.store.list('incident');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.['short_description']).toContain(issue.key);
    expect(incidents[0]?.['correlation_id']).toMatch(/^deskbridge:esc:vpn-to-desk:/);
    // ...and no Jira copy of that copy, though all-to-dev matches every incident.
    expect(jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')))).toEqual([]);
    // The issue got the note naming its copy; the comments crossed once each.
    const comments = jira.store.comments(issue.id).map((c) => jiraText(c.body));
    expect(comments.filter((c) => c.includes(`Copy: ${incidents[0]?.['number'] ?? '?'}`))).toHaveLength(1);
    for (let pass = 0; pass < 3; pass++)
      expect(
        comments.filter((c) => c.includes(`looking into it (${pass})`)),
        `pass ${pass}`,
      ).toHaveLength(1);
    const notes = snow.store.journal(incidents[0]?.['sys_id'] ?? '', 'work_notes').map((j) => j.value);
    for (let pass = 0; pass < 3; pass++)
      expect(
        notes.filter((n) => n.includes(`still broken (${pass})`)),
        `pass ${pass}`,
      ).toHaveLength(1);
  }, 120_000);
});
