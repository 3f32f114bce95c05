import { describe, expect, it } from 'vitest';
import { adfToText, type StoredComment } from '../../src/sandbox/jira/index.js';
import { CLI_SANDBOX_ACCOUNT } from '../../src/sandbox/zendesk/index.js';
import { useE2e } from '../helpers/e2e.js';
import { ZENDESK_BOTH_WAYS_RULES, writeZendeskEscalationConfig } from '../helpers/escalation-env.js';
import { PAST_EXPORT_DELAY_MS, StillClock, startSeededZendesk } from '../helpers/zendesk-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

function jiraText(body: StoredComment['body']): string {
  return body.kind === 'adf' ? adfToText(body.doc) : body.text;
}

const AGENT = 'ana.costa@example.com';
const REQUESTER = 'priya.raman@example.com';

/**
 * A seeded Zendesk account and a Jira Cloud site, and `start`: the daemon over both, with one pass
 * of it at a time. Zendesk's export leaves out the last minute, so the account's clock moves past it
 * before each pass.
 */
async function zendeskAndJira(e2e: ReturnType<typeof useE2e>) {
  const clock = new StillClock();
  const zendesk = await startSeededZendesk(e2e, { now: clock.now });
  const jira = await e2e.jira('cloud', {});
  const start = (options: { rules?: string } = {}) => {
    const { daemon, lines } = e2e.daemon(writeZendeskEscalationConfig(zendesk, jira, options));
    const runPass = async () => {
      clock.advance(PAST_EXPORT_DELAY_MS);
      const result = await daemon.runOnce();
      expect(result.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    };
    return { runPass };
  };
  return { zendesk, jira, start };
}

describe('escalation between Zendesk and Jira Cloud (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('escalates a Zendesk ticket to one Jira copy, mirrors comments both ways once, and solves the ticket when the copy is resolved', async () => {
    const { zendesk, jira, start } = await zendeskAndJira(e2e);
    const { store } = zendesk;
    const agent = store.userByEmail(AGENT);
    const ticket = store.createTicketAs(REQUESTER, { subject: 'Checkout fails with error 500', comment: { body: 'Since this morning the checkout answers 500' } });
    // Zendesk solves only an assigned ticket.
    store.updateTicketAs(AGENT, ticket.id, { assignee_id: agent?.id });
    const { runPass } = start();

    await runPass();

    const copies = () => jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')));
    expect(copies()).toHaveLength(1);
    const copy = copies()[0];
    expect(copy?.summary).toContain(String(ticket.id));
    expect(copy?.labels).toContain('from-zendesk');
    expect(jira.store.remoteLinks(copy?.id ?? '').map((l) => l.object.title)).toEqual([String(ticket.id)]);
    const me = store.userByEmail(CLI_SANDBOX_ACCOUNT.email)?.id;
    const ownNotes = () =>
      store
        .comments(ticket.id)
        .filter((c) => c.author_id === me)
        .map((c) => ({ body: c.body, public: c.public }));
    // The announcement names the copy, as an internal note.
    expect(ownNotes().filter((n) => n.body.includes(copy?.key ?? '?'))).toEqual([expect.objectContaining({ public: false })]);

    // A developer comments on the copy; an agent leaves a tagged and an untagged internal note on the ticket.
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    jira.store.addComment(copy?.id ?? '', { body: 'Root cause: the cart service times out on coupons.' }, developer!.accountId);
    store.updateTicketAs(AGENT, ticket.id, { comment: { body: '#dev the customer says it happens with coupons only', public: false } });
    store.updateTicketAs(AGENT, ticket.id, { comment: { body: 'called the customer back', public: false } });

    for (let pass = 0; pass < 6; pass++) {
      await runPass();
      store.updateTicketAs(AGENT, ticket.id, { tags: [...(store.ticket(ticket.id)?.tags ?? []), `seen-${pass}`] });
      jira.store.updateIssue(copy?.id ?? '', { labels: [...(jira.store.get(copy?.id ?? '')?.labels ?? []), `seen-${pass}`] }, developer!.accountId);
    }
    const mirrored = ownNotes().filter((n) => n.body.includes('Root cause: the cart service times out'));
    expect(mirrored).toEqual([{ body: expect.stringContaining(developer!.displayName), public: false }]);
    const jiraComments = jira.store.comments(copy?.id ?? '').map((c) => jiraText(c.body));
    expect(jiraComments.filter((c) => c.includes('happens with coupons only'))).toHaveLength(1);
    expect(jiraComments.filter((c) => c.includes('called the customer back'))).toHaveLength(0);
    // deskbridge's own notes never cross (the announcement stays on Zendesk).
    expect(jiraComments.filter((c) => c.includes(copy?.key ?? '?'))).toHaveLength(0);
    expect(copies()).toHaveLength(1);

    // The developers resolve the copy: the ticket gets the note and is solved (the rule's set: status: solved).
    const resolve = jira.store.transitions(copy?.id ?? '').find((t) => t.name === 'Resolve Issue');
    jira.store.transition(copy?.id ?? '', resolve?.id ?? '', developer!.accountId);
    await runPass();
    await runPass();
    // The test's own tag edit after the last pass made the planned version stale: a write planned from the copy is sent all the same.
    expect(store.ticket(ticket.id)?.status).toBe('solved');
    expect(ownNotes().filter((n) => n.body.includes(`${copy?.key ?? '?'} was resolved`))).toHaveLength(1);
    // The ticket solved by deskbridge is not sent back to the copy as "the original was resolved".
    expect(
      jira.store
        .comments(copy?.id ?? '')
        .map((c) => jiraText(c.body))
        .filter((c) => c.includes('The original ticket')),
    ).toHaveLength(0);
  }, 120_000);

  it('escalates a Jira issue to one Zendesk copy, which is never escalated back though a rule matches it', async () => {
    const { zendesk, jira, start } = await zendeskAndJira(e2e);
    const { store } = zendesk;
    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    const issue = jira.store.createIssue({ project: 'HADOOP', issueType: 'Bug', summary: 'Payroll export fails for EU entities', description: 'Seen on every run since Monday' }, developer!.accountId);
    const { runPass } = start({ rules: ZENDESK_BOTH_WAYS_RULES });

    const copies = () => store.tickets().filter((t) => t.tags.some((tag) => tag.startsWith('deskbridge-esc-')));
    for (let pass = 0; pass < 4; pass++) {
      await runPass();
      // People work on both sides between passes: the support team's copy changes by a person's hand.
      for (const copy of copies()) store.updateTicketAs(AGENT, copy.id, { comment: { body: `looking into it (${pass})`, public: false } });
      jira.store.addComment(issue.id, { body: `still broken (${pass})` }, developer!.accountId);
    }

    // One Zendesk copy, found by its external_id, with the issue's key in its subject and an internal description.
    expect(copies()).toHaveLength(1);
    const copy = copies()[0];
    expect(copy?.subject).toContain(issue.key);
    expect(copy?.external_id).toMatch(/^deskbridge:esc:payroll-to-support:/);
    expect(copy?.tags).toContain('from-dev');
    expect(store.comments(copy?.id ?? 0)[0]?.public).toBe(false);
    // ...and no Jira copy of that copy, though payroll-to-dev matches it.
    expect(jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')))).toEqual([]);
    // The issue got the note naming its copy; the comments crossed once each, as internal notes on Zendesk.
    const comments = jira.store.comments(issue.id).map((c) => jiraText(c.body));
    expect(comments.filter((c) => c.includes(`Copy: ${String(copy?.id)}`))).toHaveLength(1);
    for (let pass = 0; pass < 3; pass++)
      expect(
        comments.filter((c) => c.includes(`looking into it (${pass})`)),
        `pass ${pass}`,
      ).toHaveLength(1);
    const me = store.userByEmail(CLI_SANDBOX_ACCOUNT.email)?.id;
    const notes = store.comments(copy?.id ?? 0).filter((c) => c.author_id === me);
    for (let pass = 0; pass < 3; pass++)
      expect(
        notes.filter((n) => n.body.includes(`still broken (${pass})`)).map((n) => n.public),
        `pass ${pass}`,
      ).toEqual([false]);
  }, 120_000);
});
