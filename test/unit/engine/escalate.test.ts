import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { escalationKey, type CompiledEscalateRule } from '../../../src/engine/escalate/index.js';
import { EscalateRule } from '../../../src/engine/escalate/schema.js';
import { planEscalationSync, type LinkedChange } from '../../../src/engine/escalate/sync.js';
import { evaluateTicket } from '../../../src/engine/index.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { compileRuleSet, rulesOfKind } from '../../../src/engine/rule-set.js';
import type { Evaluation } from '../../../src/engine/types.js';
import type { PlannedAction } from '../../../src/model/action.js';
import type { EscalationLink, RecordComment } from '../../../src/model/escalation.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { makeTicket } from '../../helpers/tickets.js';

const rule = (overrides: Record<string, unknown> = {}): EscalateRule =>
  EscalateRule.parse({ id: 'to-dev', kind: 'escalate', description: 'Checkout failures need the web team', when: '$contains($lowercase(title), "checkout")', to: 'jira-dev', ...overrides });

const checkout = (extra: Partial<Ticket> & { id?: string } = {}): Ticket =>
  makeTicket({ id: 'c1', title: 'Checkout   fails\nwith error 500', description: 'Card payments time out', priority: 2, ...extra });

async function judge(ticket: Ticket, rules: readonly EscalateRule[] = [rule()], sourceId = 'snow-test'): Promise<Evaluation> {
  const state = new BatchState(new Map(), new Map(), new MemoryState().history);
  return evaluateTicket(ticket, compileRuleSet(rules), state, { sourceId, now: new Date('2026-11-20T10:00:00Z') });
}

describe('escalate rules: what the kind decides', () => {
  it('plans the copy from the default templates and the original priority, then the note, both keyed by the escalation', async () => {
    const ticket = checkout({ source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', nativeId: 'c1', number: 'INC0010001', url: 'https://snow.example/c1' } });

    const { decisions, trace } = await judge(ticket);

    const key = escalationKey('to-dev', ticket.key);
    expect(decisions.map((d) => d.action)).toEqual([
      {
        type: 'escalate',
        to: 'jira-dev',
        correlationKey: key,
        // Whitespace in the title is folded to single spaces.
        title: 'INC0010001: Checkout fails with error 500',
        description: 'Card payments time out\n\nEscalated by the service desk from INC0010001 (https://snow.example/c1).',
        priority: 2,
        origin: { number: 'INC0010001', url: 'https://snow.example/c1' },
      },
      { type: 'announce-escalation', to: 'jira-dev', correlationKey: key, body: 'Escalated to jira-dev.' },
    ]);
    expect(decisions.map((d) => [d.ruleId, d.explanation])).toEqual([
      ['to-dev', 'Escalate rule to-dev: Checkout failures need the web team'],
      ['to-dev', 'Escalate rule to-dev: Checkout failures need the web team'],
    ]);
    expect(trace).toEqual([{ ruleId: 'to-dev', kind: 'escalate', outcome: 'matched', reason: 'escalate to jira-dev: "INC0010001: Checkout fails with error 500" (priority 2)' }]);
  });

  it('renders the rule’s own title, description, note, container, issue type, labels and priority expression', async () => {
    const custom = rule({
      copy: {
        container: 'WEB',
        issueType: 'Bug',
        title: '[{{ category }}] {{ title }}',
        description: 'From {{ source.number }} ({{ $rule.id }})',
        priority: 'priority <= 2 ? 1 : priority + 1',
        labels: ['from-desk'],
      },
      note: { body: 'Sent to the web team on {{ $to }}' },
    });

    const [copy, note] = (await judge(checkout({ category: 'Web', priority: 2 }), [custom])).decisions.map((d) => d.action);
    const [lower] = (await judge(checkout({ category: 'Web', priority: 3 }), [custom])).decisions.map((d) => d.action);

    expect(copy).toMatchObject({ container: 'WEB', issueType: 'Bug', title: '[Web] Checkout fails with error 500', description: 'From INCc1 (to-dev)', priority: 1, labels: ['from-desk'] });
    expect(note).toMatchObject({ body: 'Sent to the web team on jira-dev' });
    expect(lower).toMatchObject({ priority: 4 });
  });

  it.each([
    ['out of range', '7', '7'],
    ['not whole', '2.5', '2.5'],
    ['not a number', '"high"', '"high"'],
  ])('a priority expression giving a value %s is an error on the trace, and nothing is decided', async (_name, expression, shown) => {
    const { decisions, trace } = await judge(checkout(), [rule({ copy: { priority: expression } })]);

    expect(decisions).toEqual([]);
    expect(trace).toEqual([{ ruleId: 'to-dev', kind: 'escalate', outcome: 'error', reason: `copy could not be rendered: copy.priority gave ${shown}; it must be a whole number from 1 to 5` }]);
  });

  it('takes a priority given as a numeric string', async () => {
    const [copy] = (await judge(checkout(), [rule({ copy: { priority: '"1"' } })])).decisions.map((d) => d.action);

    expect(copy).toMatchObject({ type: 'escalate', priority: 1 });
  });

  it('keys the escalation by rule and ticket only: the same across versions and edits, different for another rule or ticket', async () => {
    const keyOf = async (ticket: Ticket, rules: readonly EscalateRule[] = [rule()]): Promise<string | undefined> => {
      const [first] = (await judge(ticket, rules)).decisions;
      return first?.action.type === 'escalate' ? first.action.correlationKey : undefined;
    };

    const first = await keyOf(checkout());
    const edited = await keyOf(checkout({ version: '7', title: 'Checkout still fails', priority: 1, updatedAt: '2026-11-21T09:00:00Z' }));
    const otherTicket = await keyOf(checkout({ id: 'c2' }));
    const otherRule = await keyOf(checkout(), [rule({ id: 'to-ops' })]);

    expect(first).toMatch(/^deskbridge:esc:to-dev:[0-9a-f]{24}$/);
    expect(edited).toBe(first);
    expect(new Set([first, otherTicket, otherRule]).size).toBe(3);
    expect(escalationKey('x'.repeat(200), 'servicenow:snow:1').length).toBeLessThanOrEqual(100);
  });

  it('does not escalate a ticket already on the target source, nor a copy deskbridge opened, nor one the rule does not match', async () => {
    const onTarget = await judge(checkout(), [rule()], 'jira-dev');
    const copy = await judge(checkout({ labels: ['deskbridge-esc-0123456789abcdef'] }));
    const printer = await judge(checkout({ title: 'Printer jams' }));

    expect(onTarget.decisions).toEqual([]);
    expect(onTarget.trace).toEqual([{ ruleId: 'to-dev', kind: 'escalate', outcome: 'not-applicable', reason: 'the ticket is already on jira-dev' }]);
    expect(copy.decisions).toEqual([]);
    expect(copy.trace).toEqual([{ ruleId: 'to-dev', kind: 'escalate', outcome: 'not-applicable', reason: 'the ticket is a copy deskbridge opened for an escalation' }]);
    expect(printer.decisions).toEqual([]);
    expect(printer.trace[0]).toMatchObject({ outcome: 'no-match' });
  });
});

// --- planEscalationSync ----------------------------------------------------------------------

const LINKED_AT = '2026-11-20T10:00:00.000Z';

const link = (ruleId = 'to-dev'): EscalationLink => ({
  correlationKey: escalationKey(ruleId, 'servicenow:snow-test:c1'),
  ruleId,
  origin: { sourceId: 'snow-test', nativeId: 'c1', number: 'INCc1' },
  copy: { sourceId: 'jira-dev', nativeId: '10042', number: 'DEV-42' },
  createdAt: LINKED_AT,
});

const original = (extra: Partial<Ticket> = {}): Ticket => checkout({ status: 'in_progress', updatedAt: '2026-11-20T12:00:00Z', ...extra });
const copyTicket = (extra: Partial<Ticket> = {}): Ticket =>
  makeTicket({
    id: '10042',
    key: 'jira:jira-dev:10042',
    source: { platform: 'jira', instance: 'jira-dev', container: 'WEB', nativeId: '10042', number: 'DEV-42' },
    title: 'INCc1: Checkout fails',
    status: 'in_progress',
    labels: ['deskbridge-esc-0123456789ab'],
    updatedAt: '2026-11-20T12:00:00Z',
    ...extra,
  });

let commentIds = 0;
const comment = (body: string, extra: Partial<RecordComment> = {}): RecordComment => ({
  id: `cm${++commentIds}`,
  nativeId: 'c1',
  author: 'Ann Lee',
  createdAt: '2026-11-20T11:00:00.000Z',
  body,
  visibility: 'internal',
  own: false,
  ...extra,
});

function change(ticket: Ticket, extra: Partial<LinkedChange> = {}): LinkedChange {
  const asOriginal = ticket.source.instance === 'snow-test';
  return {
    ticket,
    link: link(),
    other: asOriginal ? { ticketKey: 'jira:jira-dev:10042', version: '5' } : { ticketKey: 'servicenow:snow-test:c1', version: '9' },
    previousStatus: ticket.status,
    ownWrite: false,
    comments: [],
    ...extra,
  };
}

function compiled(...rules: EscalateRule[]): Map<string, CompiledEscalateRule> {
  return new Map(rulesOfKind(compileRuleSet(rules.length > 0 ? rules : [rule()]), 'escalate').map((c) => [c.rule.id, c]));
}

async function sync(changes: LinkedChange[], rules = compiled(), sourceId?: string) {
  return planEscalationSync(changes, rules, sourceId ?? changes[0]?.ticket.source.instance ?? 'snow-test');
}

const bodies = (actions: readonly PlannedAction[]): string[] => actions.map((a) => ('body' in a.action ? a.action.body : `${a.action.type}`));

describe('planEscalationSync: comments', () => {
  it('copies a tagged comment on the original to the copy, via the copy’s source, from this source’s outbox', async () => {
    const shared = comment('#shared Root cause: the payment certificate expired');

    const plan = await sync([change(original(), { comments: [shared] })]);

    expect(plan.actions).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        sourceId: 'snow-test',
        ruleId: 'to-dev',
        target: { ticketKey: 'jira:jira-dev:10042', nativeId: '10042', number: 'DEV-42', version: '5' },
        action: { type: 'comment', visibility: 'public', body: 'Ann Lee on INCc1, 2026-11-20 11:00 UTC:\n\n#shared Root cause: the payment certificate expired' },
        explanation: "Escalation to-dev: Ann Lee's comment on INCc1 copied to DEV-42",
        via: 'jira-dev',
        plan: `escalation:${link().correlationKey}:comment:${shared.id}`,
      },
    ]);
    expect(plan.notes).toEqual([]);
  });

  it('gives the same id to the same comment seen again in a later pass, and different ids to different comments', async () => {
    const shared = comment('#shared first');
    const other = comment('#shared second');

    const first = await sync([change(original(), { comments: [shared] })]);
    const later = await sync([change(original({ version: '3', updatedAt: '2026-11-20T13:00:00Z' }), { comments: [shared, other], other: { ticketKey: 'jira:jira-dev:10042', version: '6' } })]);

    expect(later.actions.map((a) => a.id)).toEqual([first.actions[0]?.id, expect.any(String)]);
    expect(later.actions[1]?.id).not.toBe(first.actions[0]?.id);
  });

  it('never copies deskbridge’s own comments or notes carrying its marker; which comments are read is the platform clock’s business, not compared with the link’s time', async () => {
    const plan = await sync([
      change(original(), {
        comments: [
          comment('#shared Escalated to jira-dev', { own: true }),
          comment('#shared copied from DEV-42 [deskbridge:0123abcd]'),
          comment('#shared (deskbridge:89abcdef01) on Jira'),
          comment('#shared first look', { createdAt: '2026-11-20T09:59:59.000Z' }),
          comment('#shared at the very moment', { createdAt: LINKED_AT }),
        ],
      }),
    ]);

    expect(bodies(plan.actions)).toEqual([expect.stringContaining('#shared first look'), expect.stringContaining('#shared at the very moment')]);
  });

  const sample = [
    comment('#SHARED tagged work note'),
    comment('untagged work note'),
    comment('untagged public reply', { visibility: 'public' }),
    comment('#shared tagged public reply', { visibility: 'public' }),
  ];
  it.each<[string, string, string[]]>([
    ['none', 'none', []],
    ['tagged (any case)', 'tagged', ['#SHARED tagged work note', '#shared tagged public reply']],
    ['public', 'public', ['untagged public reply', '#shared tagged public reply']],
    ['internal', 'internal', ['#SHARED tagged work note', 'untagged work note']],
    ['all', 'all', ['#SHARED tagged work note', 'untagged work note', 'untagged public reply', '#shared tagged public reply']],
  ])('fromOriginal: %s', async (_name, policy, shared) => {
    const plan = await sync([change(original(), { comments: sample })], compiled(rule({ sync: { comments: { fromOriginal: policy } } })));

    expect(bodies(plan.actions).map((b) => b.split('\n\n')[1])).toEqual(shared);
  });

  it.each<[string, string[]]>([
    ['none', []],
    ['tagged', ['#SHARED tagged work note', '#shared tagged public reply']],
    ['public', ['untagged public reply', '#shared tagged public reply']],
    ['internal', ['#SHARED tagged work note', 'untagged work note']],
    ['all', ['#SHARED tagged work note', 'untagged work note', 'untagged public reply', '#shared tagged public reply']],
  ])('fromCopy: %s, posted on the original with toOriginal’s visibility', async (policy, shared) => {
    const onCopy = sample.map((c) => ({ ...c, nativeId: '10042' }));

    const plan = await sync([change(copyTicket(), { comments: onCopy })], compiled(rule({ sync: { comments: { fromCopy: policy, fromOriginal: 'none' } } })));

    expect(bodies(plan.actions).map((b) => b.split('\n\n')[1])).toEqual(shared);
    for (const action of plan.actions) {
      expect(action.target).toEqual({ ticketKey: 'servicenow:snow-test:c1', nativeId: 'c1', number: 'INCc1', version: '9' });
      expect(action.via).toBe('snow-test');
      expect(action.action).toMatchObject({ type: 'comment', visibility: 'internal' });
    }
  });

  it('uses the rule’s tag, visibilities and mirror template', async () => {
    const custom = rule({ sync: { comments: { tag: '#dev', toCopy: 'internal', body: '{{ $comment.author }} ({{ $from.number }}): {{ $comment.body }}' } } });

    const plan = await sync([change(original(), { comments: [comment('#shared not this one'), comment('#dev this one')] })], compiled(custom));

    expect(plan.actions.map((a) => a.action)).toEqual([{ type: 'comment', visibility: 'internal', body: 'Ann Lee (INCc1): #dev this one' }]);
  });
});

describe('planEscalationSync: one side done', () => {
  const resolving = rule({ sync: { copyResolved: { set: { state: 'Resolved', close_notes: 'Fixed in {{ $copy.number }}: {{ resolution.notes }}' } }, originalClosed: { set: { status: 'Done' } } } });

  it('the copy resolved by a person: a note on the original and its fields set, in that order', async () => {
    const resolved = copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z', resolution: { notes: 'Certificate renewed' } });

    const plan = await sync([change(resolved, { previousStatus: 'in_progress' })], compiled(resolving));

    expect(plan.actions.map((a) => [a.action, a.target.number, a.via])).toEqual([
      [{ type: 'comment', visibility: 'internal', body: 'DEV-42 was resolved: Certificate renewed' }, 'INCc1', 'snow-test'],
      [{ type: 'set-field', field: 'state', value: 'Resolved' }, 'INCc1', 'snow-test'],
      [{ type: 'set-field', field: 'close_notes', value: 'Fixed in DEV-42: Certificate renewed' }, 'INCc1', 'snow-test'],
    ]);
    expect(new Set(plan.actions.map((a) => a.id)).size).toBe(3);
    expect(new Set(plan.actions.map((a) => a.plan))).toEqual(new Set([`escalation:${link().correlationKey}:copy-done:2026-11-20T15:00:00Z`]));
  });

  it('the original closed or cancelled: a note on the copy (and its fields set)', async () => {
    for (const status of ['closed', 'cancelled'] as const) {
      const plan = await sync([change(original({ status }), { previousStatus: 'on_hold' })], compiled(resolving));

      expect(plan.actions.map((a) => [a.action, a.target.number])).toEqual([
        [{ type: 'comment', visibility: 'internal', body: `The original ticket INCc1 was ${status}.` }, 'DEV-42'],
        [{ type: 'set-field', field: 'status', value: 'Done' }, 'DEV-42'],
      ]);
    }
  });

  it.each<[string, Ticket['status'], Ticket['status'] | undefined, number]>([
    ['into resolved', 'resolved', 'in_progress', 1],
    ['first seen resolved', 'resolved', undefined, 1],
    ['still resolved', 'resolved', 'resolved', 0],
    ['resolved to closed', 'closed', 'resolved', 0],
    ['cancelled to closed', 'closed', 'cancelled', 0],
    ['reopened', 'in_progress', 'resolved', 0],
    ['on hold', 'on_hold', 'in_progress', 0],
  ])('tells the other side only on the transition into done: %s', async (_name, status, previousStatus, notes) => {
    const plan = await sync([change(copyTicket({ status, resolvedAt: status === 'resolved' || status === 'closed' ? '2026-11-20T15:00:00Z' : undefined }), { previousStatus })]);

    expect(plan.actions).toHaveLength(notes);
  });

  it('resolved again after a reopen (a new resolvedAt) is a new note; the same resolution seen again is the same write', async () => {
    const first = await sync([change(copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z' }), { previousStatus: 'in_progress' })]);
    const replayed = await sync([change(copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z', version: '4' }), { previousStatus: 'in_progress' })]);
    const again = await sync([change(copyTicket({ status: 'resolved', resolvedAt: '2026-11-22T09:00:00Z', version: '8' }), { previousStatus: 'in_progress' })]);

    expect(replayed.actions.map((a) => a.id)).toEqual(first.actions.map((a) => a.id));
    expect(again.actions).toHaveLength(1);
    expect(again.actions[0]?.id).not.toBe(first.actions[0]?.id);
  });

  it('the other end is done already (deskbridge resolved this one because of it): nothing sent back, a note says so', async () => {
    const plan = await sync(
      [
        change(original({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z' }), {
          previousStatus: 'in_progress',
          ownWrite: true,
          other: { ticketKey: 'jira:jira-dev:10042', version: '5', status: 'resolved' },
        }),
      ],
      compiled(resolving),
    );

    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual([{ ticketKey: 'servicenow:snow-test:c1', ruleId: 'to-dev', reason: 'INCc1 is resolved, and DEV-42 is resolved already: nothing to tell it' }]);
  });

  it('a person resolved this side and deskbridge wrote to it after (a mirrored comment): the resolution still travels', async () => {
    const plan = await sync([change(copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z' }), { previousStatus: 'in_progress', ownWrite: true })], compiled(resolving));

    expect(plan.actions.map((a) => a.action.type)).toContain('comment');
  });

  it('the other end never pulled (version unknown): the note only, its fields not set, and a note says why', async () => {
    const resolved = copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z' });

    const plan = await sync([change(resolved, { previousStatus: 'in_progress', other: { ticketKey: 'servicenow:snow-test:c1', version: undefined } })], compiled(resolving));

    expect(plan.actions.map((a) => a.action.type)).toEqual(['comment']);
    expect(plan.actions[0]?.target.version).toBe('');
    expect(plan.notes).toEqual([{ ticketKey: 'jira:jira-dev:10042', ruleId: 'to-dev', reason: 'INCc1 was never pulled by deskbridge: its fields are not set (only the note is sent)' }]);
  });

  it('a link whose rule is gone: a note, no action', async () => {
    const plan = await sync([change(original({ status: 'resolved' }), { previousStatus: 'in_progress', link: link('retired-rule'), comments: [comment('#shared hello')] })]);

    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual([{ ticketKey: 'servicenow:snow-test:c1', ruleId: 'retired-rule', reason: 'rule retired-rule is no longer loaded: the escalation is not kept in step' }]);
  });

  it('a template that fails leaves a note and skips that write only', async () => {
    const broken = rule({ sync: { copyResolved: { body: '{{ $undefinedFunction() }}', set: { state: 'Resolved' } } } });

    const plan = await sync([change(copyTicket({ status: 'resolved', resolvedAt: '2026-11-20T15:00:00Z' }), { previousStatus: 'in_progress' })], compiled(broken));

    expect(plan.actions.map((a) => a.action)).toEqual([{ type: 'set-field', field: 'state', value: 'Resolved' }]);
    expect(plan.notes).toEqual([{ ticketKey: 'jira:jira-dev:10042', ruleId: 'to-dev', reason: expect.stringMatching(/^template failed: /) }]);
  });
});

describe('escalate: found by these tests and fixed', () => {
  it('the mirror template’s raw fields are requested like every other template’s', () => {
    const ruleSet = compileRuleSet([rule({ sync: { comments: { body: '{{ raw.u_team }}: {{ $comment.body }}' } } })]);

    expect([...ruleSet.rawFields]).toContain('u_team');
  });

  it('a cancelled copy does not resolve the original', async () => {
    const resolving = rule({ sync: { copyResolved: { set: { state: 'Resolved' } } } });

    const plan = await sync([change(copyTicket({ status: 'cancelled' }), { previousStatus: 'in_progress' })], compiled(resolving));

    expect(plan.actions.filter((a) => a.action.type === 'set-field')).toEqual([]);
  });
});
