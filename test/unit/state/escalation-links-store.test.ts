import { afterEach, expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { EscalationLink } from '../../../src/model/escalation.js';
import { StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import type { BatchCommit, StateStore } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

const T0 = Date.parse('2026-12-07T09:00:00.000Z');
const TTL = { ttlMs: 30_000 };

/** A process on host `h`; `host` other than `h`: its pid is never judged (it is taken over by its TTL only). */
function proc(pid: number, host = 'h'): ProcessIdentity {
  return { pid, host, pidNamespace: 'pid:[1]', pidAlive: () => true };
}

/** An `escalate` write planned on source `fs` for ticket `nativeId`, opening its copy on `jira`. */
function escalate(id: string, nativeId: string, correlationKey: string, sourceId = 'fs'): PlannedAction {
  return {
    id,
    sourceId,
    ruleId: 'escalate-outages',
    target: { ticketKey: `freshservice:${sourceId}:${nativeId}`, nativeId, number: `#${nativeId}`, version: '2026-12-07T08:00:00Z' },
    action: { type: 'escalate', to: 'jira', correlationKey, title: 'Outage', description: `Escalated from #${nativeId}`, origin: { number: `#${nativeId}` } },
    explanation: 'test',
  };
}

function batch(actions: PlannedAction[], sourceId = 'fs'): BatchCommit {
  return { sourceId, watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] };
}

/** The link of escalation `correlationKey`: fs ticket `nativeId` copied to Jira issue `copyKey` (a url on the origin end only). */
function link(correlationKey: string, nativeId: string, copyKey: string, createdAt: string, origin = 'fs'): EscalationLink {
  return {
    correlationKey,
    ruleId: 'escalate-outages',
    origin: { sourceId: origin, nativeId, number: `#${nativeId}`, url: `https://fs.example.com/a/tickets/${nativeId}` },
    copy: { sourceId: 'jira', nativeId: `100${nativeId}`, number: copyKey },
    createdAt,
  };
}

describeEachStore('escalation links', (kit) => {
  let now = T0;
  const clock = (): Date => new Date(now);
  const open = (identity?: ProcessIdentity): Promise<StateStore> => kit.open({ clock, ...(identity ? { identity } : {}) });
  afterEach(() => {
    now = T0;
  });

  it('records the link with the write marked done, found by its key, from either end and per source, oldest first', async () => {
    const store = await open();
    await store.commitBatch(batch([escalate('w1', '42', 'esc-42'), escalate('w2', '43', 'esc-43')]));
    await store.commitBatch(batch([escalate('w3', '7', 'esc-7', 'sd')], 'sd'));
    const first = link('esc-42', '42', 'OPS-1', '2026-12-07T09:00:05.000Z');
    // Recorded later but created earlier: the list is in createdAt order, not in the order recorded.
    const earlier = link('esc-43', '43', 'OPS-2', '2026-12-07T09:00:01.000Z');
    const other = link('esc-7', '7', 'OPS-3', '2026-12-07T09:00:09.000Z', 'sd');

    await store.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: first });
    await store.outbox.markDone('w2', { outcome: 'created', ref: '100043', link: earlier });
    await store.outbox.markDone('w3', { outcome: 'created', ref: '1007', link: other });

    expect(await store.escalations.get('esc-42')).toEqual(first);
    // An end without a url comes back without the key (not `url: undefined`), as it was written.
    expect(Object.keys((await store.escalations.get('esc-42'))?.copy ?? {})).toEqual(['sourceId', 'nativeId', 'number']);
    expect(await store.escalations.get('esc-nope')).toBeUndefined();
    expect(await store.escalations.ofTicket('fs', '42')).toEqual([first]);
    expect(await store.escalations.ofTicket('jira', '10042')).toEqual([first]);
    // Same native id, other source: not this ticket.
    expect(await store.escalations.ofTicket('sd', '42')).toEqual([]);
    expect(await store.escalations.ofTicket('fs', '10042')).toEqual([]);

    expect(await store.escalations.list()).toEqual([earlier, first, other]);
    expect(await store.escalations.list({ sourceId: 'fs' })).toEqual([earlier, first]);
    expect(await store.escalations.list({ sourceId: 'jira' })).toEqual([earlier, first, other]);
    expect(await store.escalations.list({ sourceId: 'jira', limit: 2 })).toEqual([earlier, first]);
    expect(await store.escalations.list({ limit: 1 })).toEqual([earlier]);
    expect(await store.escalations.list({ sourceId: 'nowhere' })).toEqual([]);
    expect((await store.outbox.list({})).map((e) => [e.id, e.status, e.ref])).toEqual([
      ['w3', 'done', '1007'],
      ['w2', 'done', '100043'],
      ['w1', 'done', '100042'],
    ]);

    // Another store on the same state (the console, an admin command) reads them too.
    expect(await (await open()).escalations.list()).toEqual([earlier, first, other]);
  });

  it('keeps the first link of a correlation key: a second write for it records nothing over it', async () => {
    const store = await open();
    await store.commitBatch(batch([escalate('w1', '42', 'esc-42'), escalate('w2', '42', 'esc-42')]));
    const first = link('esc-42', '42', 'OPS-1', '2026-12-07T09:00:05.000Z');
    await store.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: first });
    // A second write for the same escalation (the copy found by its correlation key, or another copy): the first link stays.
    await store.outbox.markDone('w2', { outcome: 'created', ref: '100099', link: { ...link('esc-42', '42', 'OPS-9', '2026-12-07T09:10:00.000Z'), ruleId: 'other-rule' } });
    // The same write marked done twice with its link (an outcome recorded again): still one row.
    await store.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: first });

    expect(await store.escalations.get('esc-42')).toEqual(first);
    expect(await store.escalations.list()).toEqual([first]);
    expect(await store.escalations.ofTicket('jira', '10042')).toEqual([first]);
    expect(await store.escalations.ofTicket('jira', '100099')).toEqual([]);
    // The second write's own outcome is recorded all the same.
    expect((await store.outbox.list({ status: 'done' })).map((e) => e.id).sort()).toEqual(['w1', 'w2']);
  });

  it('records no link when marking the write done fails: a daemon that lost the state lease records neither', async () => {
    const paused = await open(proc(101, 'other'));
    await paused.leases.acquire(TTL);
    await paused.commitBatch(batch([escalate('w1', '42', 'esc-42')]));
    now = T0 + 45_000;
    const successor = await open(proc(202));
    await successor.leases.acquire(TTL);

    await expect(paused.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: link('esc-42', '42', 'OPS-1', new Date(now).toISOString()) })).rejects.toBeInstanceOf(StateLeaseLostError);
    expect(await successor.escalations.get('esc-42')).toBeUndefined();
    expect(await successor.escalations.list()).toEqual([]);
    expect((await successor.outbox.list({})).map((e) => [e.id, e.status])).toEqual([['w1', 'pending']]);
  });

  it('refuses a link the model refuses, and the write is not marked done either', async () => {
    const store = await open();
    await store.commitBatch(batch([escalate('w1', '42', 'esc-42')]));
    const bad = { ...link('esc-42', '42', 'OPS-1', '2026-12-07T09:00:05.000Z'), copy: { sourceId: 'jira', nativeId: '', number: 'OPS-1' } };
    await expect(store.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: bad })).rejects.toThrow(/nativeId/);
    expect(await store.escalations.list()).toEqual([]);
    expect((await store.outbox.list({})).map((e) => [e.id, e.status])).toEqual([['w1', 'pending']]);
  });

  // Several daemons sharing the sources (PostgreSQL): markDone is fenced by the entry's source lease, and the link with it.
  it.runIf(kit.name === 'postgres')('records no link when the daemon no longer holds the source lease of the write', async () => {
    const paused = await open(proc(101, 'other'));
    const successor = await open(proc(202));
    if (!paused.shared || !successor.shared) throw new Error('a PostgreSQL store shares its sources');
    await paused.shared.acquireSource('fs', TTL);
    await paused.commitBatch(batch([escalate('w1', '42', 'esc-42')]));
    now = T0 + 31_000;
    await successor.shared.acquireSource('fs', TTL);

    await expect(paused.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: link('esc-42', '42', 'OPS-1', new Date(now).toISOString()) })).rejects.toBeInstanceOf(StateLeaseLostError);
    expect(await successor.escalations.get('esc-42')).toBeUndefined();
    expect(await successor.escalations.ofTicket('fs', '42')).toEqual([]);

    // The source's holder marks it done: now the link is there.
    const recorded = link('esc-42', '42', 'OPS-1', new Date(now).toISOString());
    await successor.outbox.markDone('w1', { outcome: 'created', ref: '100042', link: recorded });
    expect(await successor.escalations.ofTicket('fs', '42')).toEqual([recorded]);
  });
});
