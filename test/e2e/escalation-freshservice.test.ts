import { describe, expect, it } from 'vitest';
import { FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';
import { adfToText, type JiraSandbox, type StoredComment } from '../../src/sandbox/jira/index.js';
import { type E2eHarness, useE2e } from '../helpers/e2e.js';
import { writeFreshserviceEscalationConfig } from '../helpers/escalation-env.js';
import '../helpers/freshservice-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

function jiraText(body: StoredComment['body']): string {
  return body.kind === 'adf' ? adfToText(body.doc) : body.text;
}

/**
 * The Freshservice sandbox's clock stands still and moves only between passes, past the
 * connector's 2 s hold-back (it cuts by the sandbox's `Date`), so what changed before a pass is
 * read whole by it and nothing depends on real seconds.
 */
class StillClock {
  private ms = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  readonly now = (): Date => new Date(this.ms);
  advance(ms = 3_000): void {
    this.ms += ms;
  }
}

async function freshservice(e2e: E2eHarness, clock: StillClock): Promise<{ fs: FreshserviceSandbox; store: FreshserviceStore; workspaces: number[] }> {
  const store = new FreshserviceStore({ now: clock.now });
  seedFixtures(store);
  const fs = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
  return { fs, store, workspaces: store.workspaces().map((workspace) => workspace.id) };
}

const jiraCopies = (jira: JiraSandbox) => jira.store.list().filter((issue) => issue.labels.some((label) => label.startsWith('deskbridge-esc-')));
const fsCopies = (store: FreshserviceStore) => store.tickets().filter((ticket) => ticket.tags.some((tag) => tag.startsWith('deskbridge-esc-')));

describe.each(['cloud', 'datacenter'] as const)('escalation between Freshservice and Jira %s (real HTTP, real SQLite)', (flavour) => {
  const e2e = useE2e();

  it('escalates a Freshservice ticket to Jira once, mirrors comments both ways once, and resolves the ticket when the copy is done', async () => {
    const clock = new StillClock();
    const { fs, store, workspaces } = await freshservice(e2e, clock);
    const jira = await e2e.jira(flavour, {});
    const requester = store.requesters()[0];
    const agent = store.agents().find((a) => !a.email.startsWith('deskbridge'));
    if (requester === undefined || agent === undefined) throw new Error('fixtures lack a requester or an agent');
    const ticket = store.createTicket({ subject: 'Checkout fails with error 500', description: 'Since this morning', requester_id: requester.id, priority: 3, workspace_id: workspaces[0] });
    const before = store.count();
    const { daemon, lines } = e2e.daemon(writeFreshserviceEscalationConfig(fs, jira, { workspaces }));
    const pass = async () => {
      clock.advance();
      const result = await daemon.runOnce();
      expect(result.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    };

    await pass();
    expect(jiraCopies(jira)).toHaveLength(1);
    const copy = jiraCopies(jira)[0];
    expect(copy?.summary).toContain(`INC-${ticket.id}`);
    expect(copy?.labels).toContain('from-service-desk');
    // The announcement on the Freshservice ticket names the copy, once.
    const announced = () => store.notes(ticket.id).filter((note) => note.body_text.startsWith('Escalated to') && note.body_text.includes(copy?.key ?? '?'));
    expect(announced()).toHaveLength(1);
    // The Jira copy matches dev-checkout-to-desk, but is a copy: nothing comes back to Freshservice.
    expect(store.count()).toBe(before);

    // A developer comments on the copy; an agent leaves a tagged and an untagged note on the ticket.
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    jira.store.addComment(copy?.id ?? '', { body: 'Root cause: the cart service times out on coupons.' }, developer!.accountId);
    store.addNote(ticket.id, { body: '<div>#dev the customer says it happens with coupons only</div>', private: true, user_id: agent.id });
    store.addNote(ticket.id, { body: '<div>called the customer back</div>', private: true, user_id: agent.id });
    for (let i = 0; i < 5; i++) await pass();

    const fsNotes = store.notes(ticket.id).map((note) => note.body_text);
    // With who wrote it and where.
    expect(fsNotes.filter((n) => n.includes('Root cause: the cart service times out'))).toEqual([expect.stringMatching(new RegExp(`^${developer!.displayName} on ${copy?.key ?? '?'}, `))]);
    const comments = jira.store.comments(copy?.id ?? '').map((c) => jiraText(c.body));
    expect(comments.filter((c) => c.includes('happens with coupons only'))).toHaveLength(1);
    expect(comments.filter((c) => c.includes('called the customer back'))).toHaveLength(0);
    expect(comments.filter((c) => c.includes('Escalated to'))).toHaveLength(0);
    expect(announced()).toHaveLength(1);
    expect(jiraCopies(jira)).toHaveLength(1);

    // The developers resolve the copy: the ticket gets a note and the configured status (resolved = 4).
    const resolve = jira.store.transitions(copy?.id ?? '').find((t) => t.name === 'Resolve Issue');
    jira.store.transition(copy?.id ?? '', resolve?.id ?? '', developer!.accountId);
    await pass();
    await pass();
    expect(store.ticket(ticket.id)?.status).toBe(4);
    expect(store.notes(ticket.id).filter((note) => note.body_text.includes(`${copy?.key ?? '?'} was resolved`))).toHaveLength(1);
    expect(store.count()).toBe(before);
  }, 120_000);

  it('escalates a Jira issue to Freshservice once (a tagged Incident), and the copy is never escalated back', async () => {
    const clock = new StillClock();
    const { fs, store, workspaces } = await freshservice(e2e, clock);
    const jira = await e2e.jira(flavour, {});
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    const issue = jira.store.createIssue({ project: 'HADOOP', issueType: 'Bug', summary: 'Checkout page times out for EU shoppers', description: 'Seen by the whole team' }, developer!.accountId);
    const before = store.count();
    const { daemon, lines } = e2e.daemon(writeFreshserviceEscalationConfig(fs, jira, { workspaces }));

    for (let pass = 0; pass < 4; pass++) {
      clock.advance();
      expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
      // The desk works on its copy between passes: the copy changes by a person's hand.
      for (const copy of fsCopies(store)) store.updateTicket(copy.id, { priority: pass % 2 === 0 ? 2 : 3 });
    }

    const copies = fsCopies(store);
    expect(copies).toHaveLength(1);
    expect(store.count()).toBe(before + 1);
    expect(copies[0]).toMatchObject({ type: 'Incident', status: 2, workspace_id: workspaces[0] });
    expect(copies[0]?.subject).toContain(issue.key);
    expect(copies[0]?.tags).toContain('from-dev');
    // No Jira copy of the Freshservice copy, though fs-checkout-to-dev matches its title.
    expect(jiraCopies(jira)).toEqual([]);
    const comments = jira.store.comments(issue.id).map((c) => jiraText(c.body));
    expect(comments.filter((c) => c.includes(`INC-${copies[0]?.id ?? '?'}`))).toHaveLength(1);
  }, 120_000);
});
