import { describe, expect, it } from 'vitest';
import type { WriteEntry, WriteRecord } from '../../../src/audit/schema.js';
import { revertAction } from '../../../src/revert/apply.js';
import { decide } from '../../../src/revert/decide.js';
import { landedWrites, selectReverts, type RevertCandidate } from '../../../src/revert/select.js';

let seq = 0;

/** One action-log entry; `data` overrides the write record's fields. */
function entry(number: string, at: string, data: Partial<WriteRecord>): WriteEntry {
  seq++;
  return {
    seq,
    at,
    id: `e${seq}`,
    prev: '0'.repeat(64),
    hash: '0'.repeat(64),
    data: {
      kind: 'write',
      actionId: `action-${seq}`,
      ticket: { key: `servicenow:snow:${number.toLowerCase()}`, source: 'snow', number },
      rule: 'bad-move',
      action: 'assign to Network',
      type: 'assign',
      outcome: 'updated',
      attempt: 0,
      ...data,
    },
  };
}

function assign(number: string, at: string, rule: string, to: string, from: string | null, extra: Partial<WriteRecord> = {}): WriteEntry {
  return entry(number, at, { rule, values: { group: to, assignee: null }, previous: { group: from, assignee: null }, ...extra });
}

describe('selectReverts', () => {
  it("puts a ticket back to what the rule's write replaced, and expects what it wrote", () => {
    const log = [
      assign('INC1', '2026-01-01T10:00:00Z', 'bad-move', 'Network', 'Service Desk', { previous: { group: 'Service Desk', assignee: 'Beth' } }),
      assign('INC2', '2026-01-01T10:00:00Z', 'other', 'Hardware', 'Service Desk'),
    ];

    const { candidates, notReverted } = selectReverts(landedWrites(log), { rule: 'bad-move' });

    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ ticket: { number: 'INC1' }, restore: { group: 'Service Desk', assignee: 'Beth' }, expect: { group: 'Network', assignee: null } });
    expect(notReverted).toEqual([]);
  });

  it('undoes a run of selected assignments back to what the first replaced', () => {
    const log = [assign('INC1', '2026-01-01T10:00:00Z', 'bad-move', 'Network', 'Service Desk'), assign('INC1', '2026-01-01T11:00:00Z', 'bad-move', 'Hardware', 'Network')];

    const [candidate] = selectReverts(landedWrites(log), { rule: 'bad-move' }).candidates;

    expect(candidate?.writes.map((w) => w.actionId)).toEqual([log[0]?.data.actionId, log[1]?.data.actionId]);
    expect(candidate).toMatchObject({ restore: { group: 'Service Desk' }, expect: { group: 'Hardware' } });
  });

  it('leaves a ticket another rule reassigned afterwards, saying which write to select too', () => {
    const log = [assign('INC1', '2026-01-01T10:00:00Z', 'bad-move', 'Network', 'Service Desk'), assign('INC1', '2026-01-01T11:00:00Z', 'escalate', 'Major Incident Team', 'Network')];

    const { candidates, notReverted } = selectReverts(landedWrites(log), { rule: 'bad-move' });

    expect(candidates).toEqual([]);
    expect(notReverted[0]?.reason).toMatch(/^reassigned later by rule escalate at 2026-01-01T11:00:00Z/);
  });

  it('leaves a ticket already reverted', () => {
    const first = assign('INC1', '2026-01-01T10:00:00Z', 'bad-move', 'Network', 'Service Desk');
    const log = [first, assign('INC1', '2026-01-02T10:00:00Z', 'revert', 'Service Desk', 'Network', { reverts: first.data.actionId })];

    const { candidates, notReverted } = selectReverts(landedWrites(log), { rule: 'bad-move' });

    expect(candidates).toEqual([]);
    expect(notReverted[0]?.reason).toMatch(/^already reverted at 2026-01-02T10:00:00Z/);
  });

  it('selects by source, time range and ticket list', () => {
    const log = [
      assign('INC1', '2026-01-01T09:00:00Z', 'r', 'Network', 'Service Desk'),
      assign('INC2', '2026-01-01T10:00:00Z', 'r', 'Network', 'Service Desk'),
      assign('INC3', '2026-01-01T11:00:00Z', 'r', 'Network', 'Service Desk'),
      entry('INC4', '2026-01-01T10:30:00Z', { ticket: { key: 'jira:j:4', source: 'jira', number: 'INC4' }, values: { group: 'X', assignee: null }, previous: { group: 'Y', assignee: null } }),
    ];
    const numbers = (filter: Parameters<typeof selectReverts>[1]) => selectReverts(landedWrites(log), filter).candidates.map((c) => c.ticket.number);

    expect(numbers({ since: '2026-01-01T10:00:00Z', until: '2026-01-01T11:00:00Z' })).toEqual(['INC2', 'INC4']);
    expect(numbers({ source: 'snow', since: '2026-01-01T10:00:00Z' })).toEqual(['INC2', 'INC3']);
    expect(numbers({ tickets: ['inc1', 'INC3'] })).toEqual(['INC1', 'INC3']);
  });

  it('counts each write once, only when it landed', () => {
    const failed = assign('INC1', '2026-01-01T10:00:00Z', 'r', 'Network', 'Service Desk', { outcome: 'failed' });
    const landed = { ...failed, seq: failed.seq + 1, data: { ...failed.data, outcome: 'updated' as const, attempt: 1 } };
    const superseded = assign('INC2', '2026-01-01T10:00:00Z', 'r', 'Network', 'Service Desk', { outcome: 'superseded' });

    const writes = landedWrites([failed, landed, landed, superseded]);

    expect(writes.map((w) => w.actionId)).toEqual([failed.data.actionId]);
  });

  it('says why writes are not undone: no previous values recorded, and kinds that cannot be', () => {
    const log = [
      entry('INC1', '2026-01-01T10:00:00Z', {}),
      entry('INC3', '2026-01-01T10:00:00Z', { type: 'comment', action: 'work note: routed', outcome: 'created' }),
      entry('INC3', '2026-01-01T10:00:00Z', { type: 'link-duplicate', action: 'link as duplicate of INC1' }),
    ];

    const { candidates, notReverted } = selectReverts(landedWrites(log), {});

    expect(candidates).toEqual([]);
    expect(notReverted.map((n) => [n.ticket.number, n.reason])).toEqual([
      ['INC3', expect.stringMatching(/^comments and work notes cannot be unposted/)],
      ['INC3', expect.stringMatching(/^the duplicate link is not removed automatically/)],
      ['INC1', expect.stringMatching(/^written before deskbridge recorded the values/)],
    ]);
  });

  it('puts back "no group" and "no assignee": a ticket that had none gets the fields cleared', () => {
    const log = [assign('INC2', '2026-01-01T10:00:00Z', 'r', 'Network', null, { values: { group: 'Network', assignee: 'Alice Tech' } })];

    const { candidates, notReverted } = selectReverts(landedWrites(log), {});

    expect(notReverted).toEqual([]);
    expect(candidates.map((c) => [c.ticket.number, c.restore, c.expect])).toEqual([['INC2', { group: null, assignee: null }, { group: 'Network', assignee: 'Alice Tech' }]]);
    const [candidate] = candidates;
    if (!candidate) throw new Error('no candidate');
    const decision = decide(candidate, { nativeId: 'abc', version: '3', group: 'Network', assignee: 'Alice Tech' });
    if (decision.kind !== 'revert') throw new Error(`expected a revert, got ${decision.kind}`);
    // '' and no assignee: the connectors clear both fields (ServiceNow: assignment_group and assigned_to "").
    expect(revertAction(decision).action).toEqual({ type: 'assign', group: '' });
    // A ticket a person has since emptied already is where it was.
    expect(decide(candidate, { nativeId: 'abc', version: '4', group: null, assignee: null }).kind).toBe('unchanged');
  });
});

describe('decide', () => {
  const candidate = (): RevertCandidate => {
    const [c] = selectReverts(landedWrites([assign('INC1', '2026-01-01T10:00:00Z', 'r', 'Network', 'Service Desk')]), {}).candidates;
    if (!c) throw new Error('no candidate');
    return c;
  };
  const now = { nativeId: 'abc', version: '7' };

  it('reverts a ticket that still holds what deskbridge wrote (names compared as a person reads them)', () => {
    expect(decide(candidate(), { ...now, group: 'network ', assignee: null }).kind).toBe('revert');
  });

  it('skips a ticket a person changed since, saying what changed', () => {
    const decision = decide(candidate(), { ...now, group: 'Network', assignee: 'Alice Tech' });

    expect(decision).toMatchObject({ kind: 'skip', reason: 'changed since deskbridge\'s write: assignee is now "Alice Tech" (deskbridge set (none))' });
  });

  it('has nothing to do for a ticket already back where it was, or gone', () => {
    expect(decide(candidate(), { ...now, group: 'Service Desk', assignee: null }).kind).toBe('unchanged');
    expect(decide(candidate(), null)).toMatchObject({ kind: 'skip', reason: 'the ticket is no longer found on the platform' });
  });

  it('plans the reverse write from the version just read, referencing the write it undoes', () => {
    const decision = decide(candidate(), { ...now, group: 'Network', assignee: null });
    if (decision.kind !== 'revert') throw new Error('expected a revert');

    const action = revertAction(decision);

    expect(action).toMatchObject({
      ruleId: 'revert',
      action: { type: 'assign', group: 'Service Desk' },
      target: { nativeId: 'abc', version: '7', number: 'INC1' },
      reverts: decision.candidate.writes[0]?.actionId,
    });
    expect(action.action).not.toHaveProperty('assignee');
    expect(revertAction(decision).id).toBe(action.id);
  });
});
