import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { freshserviceWrites as writes, writeFreshserviceConfig } from '../helpers/freshservice-env.js';
import { FreshserviceStore, seedFixtures, startFreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';

const RULES = `rules:
  - id: network-to-network
    kind: routing
    description: Network tickets without a group go to the Network group
    when: category = "Network" and $not($exists(group)) and status in ["new", "open", "in_progress"]
    assign:
      group: Network
    note:
      template: "deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}"
`;

describe('daemon against the Freshservice sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('routes every matching ticket of both workspaces once with one private note, and a later pass writes nothing', async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
    const network = store.groups().find((group) => group.name === 'Network');
    const expected = store.tickets().filter((ticket) => ticket.category === 'Network' && ticket.group_id === null && ticket.status !== 4 && ticket.status !== 5);
    const { daemon, lines } = e2e.daemon(writeFreshserviceConfig(e2e.tempDir(), sandbox, { rules: RULES, workspaces: store.workspaces().map((w) => w.id) }));

    const first = await daemon.runOnce();
    expect(first.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    expect(expected.length).toBeGreaterThan(0);
    for (const ticket of expected) {
      expect(store.ticket(ticket.id)?.group_id, String(ticket.id)).toBe(network?.id);
      const notes = store.notes(ticket.id).filter((note) => note.body.includes('deskbridge e2e'));
      expect(notes, String(ticket.id)).toHaveLength(1);
      expect(notes[0]?.private).toBe(true);
    }
    // Requests per routed ticket: the PUT and the note (a record of its own), no read of the ticket
    // before or after them; the version check is one updated_since list per workspace for the batch.
    const routed = expected.length;
    const log = sandbox.requestLog;
    expect(log.filter((r) => r.method === 'PUT' && /^\/api\/v2\/tickets\/\d+$/.test(r.path))).toHaveLength(routed);
    expect(log.filter((r) => r.method === 'POST' && /^\/api\/v2\/tickets\/\d+\/notes$/.test(r.path))).toHaveLength(routed);
    expect(writes(sandbox)).toBe(2 * routed);
    expect(log.filter((r) => r.method === 'GET' && /^\/api\/v2\/tickets\/\d+$/.test(r.path))).toEqual([]);
    const lists = log.filter((r) => r.method === 'GET' && r.path === '/api/v2/tickets');
    // The pull and the version read: one page each per workspace.
    expect(lists).toHaveLength(2 * store.workspaces().length);

    // Past the hold-back of writes made during the first pass: the next pass reads them and must recognise them as its own.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    sandbox.resetRequestLog();
    const second = await daemon.runOnce();
    expect(second.ok).toBe(true);
    expect(writes(sandbox)).toBe(0);
    // The routed tickets were read again, at the versions deskbridge's own writes left: not judged as people's edits.
    expect(second.results[0]?.ownWrites).toBeGreaterThanOrEqual(expected.length);
    const third = await daemon.runOnce();
    expect(third.ok).toBe(true);
    expect(writes(sandbox)).toBe(0);
  }, 60_000);

  it("a person's edit between plan and write wins: the write is superseded, sent nothing, and their value is kept", async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
    const workspaces = store.workspaces().map((w) => w.id);
    const target = store.tickets().find((ticket) => ticket.category === 'Network' && ticket.group_id === null && ticket.status === 2);
    if (target === undefined) throw new Error('no ticket to route in the fixtures');
    // Right after the pull's last list page (the plan is made from what it read), a person raises the priority.
    const push = sandbox.requestLog.push.bind(sandbox.requestLog);
    let lists = 0;
    sandbox.requestLog.push = (...entries) => {
      const n = push(...entries);
      for (const entry of entries) if (entry.method === 'GET' && entry.path === '/api/v2/tickets' && ++lists === workspaces.length) store.updateTicket(target.id, { priority: 4 });
      return n;
    };
    const { daemon, lines } = e2e.daemon(writeFreshserviceConfig(e2e.tempDir(), sandbox, { rules: RULES, workspaces }));

    expect((await daemon.runOnce()).ok).toBe(true);

    expect(lines.some((l) => l.includes(`"ticket":"INC-${target.id}"`) && l.includes('"outcome":"superseded"'))).toBe(true);
    expect(sandbox.requestLog.filter((r) => r.method !== 'GET' && r.path.startsWith(`/api/v2/tickets/${target.id}`))).toEqual([]);
    expect(store.ticket(target.id)).toMatchObject({ group_id: null, priority: 4 });
    expect(store.notes(target.id).filter((note) => note.body.includes('deskbridge e2e'))).toHaveLength(0);

    // The next pass plans on the person's version: routed, their priority kept.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(store.ticket(target.id)).toMatchObject({ group_id: store.groups().find((group) => group.name === 'Network')?.id, priority: 4 });
    expect(store.notes(target.id).filter((note) => note.body.includes('deskbridge e2e'))).toHaveLength(1);
  }, 60_000);

  it('with 10% injected faults ends where a clean run ends: each matching ticket routed, one note each', async () => {
    const ends: Record<string, string>[] = [];
    for (const faults of [null, { rate: 0.1, seed: 7 }]) {
      const store = new FreshserviceStore();
      seedFixtures(store);
      const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null, faults }));
      const { daemon } = e2e.daemon(writeFreshserviceConfig(e2e.tempDir(), sandbox, { rules: RULES, workspaces: store.workspaces().map((w) => w.id) }));
      for (let pass = 0; pass < 8; pass++) {
        const result = await daemon.runOnce();
        if (result.ok && pass > 0) break;
      }
      if (faults !== null) expect(sandbox.faultLog.length).toBeGreaterThan(0);
      sandbox.setFaults(null);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await daemon.runOnce();
      ends.push(Object.fromEntries(store.tickets().map((ticket) => [ticket.id, `${ticket.group_id ?? '-'}:${store.notes(ticket.id).filter((note) => note.body.includes('deskbridge e2e')).length}`])));
    }
    expect(ends[1]).toEqual(ends[0]);
  }, 120_000);

  it('loses no ticket created between passes in one second across small pages of two workspaces', async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
    const workspaces = store.workspaces().map((w) => w.id);
    const { daemon } = e2e.daemon(writeFreshserviceConfig(e2e.tempDir(), sandbox, { rules: RULES, workspaces, pageSize: 2 }));
    expect((await daemon.runOnce()).ok).toBe(true);
    const requester = store.requesters()[0]?.id ?? 0;
    const second = Math.floor(Date.now() / 1000) * 1000;
    const tied = [0, 1, 2, 3, 4].map(
      (n) =>
        store.createTicket({ subject: `VPN down ${n}`, description: 'x', requester_id: requester, category: 'Network', workspace_id: workspaces[0] ?? 2, created_at: second, updated_at: second }).id,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await daemon.runOnce()).ok).toBe(true);
    const network = store.groups().find((group) => group.name === 'Network')?.id;
    for (const id of tied) {
      expect(store.ticket(id)?.group_id, String(id)).toBe(network);
      expect(
        store.notes(id).filter((note) => note.body.includes('deskbridge e2e')),
        String(id),
      ).toHaveLength(1);
    }
  }, 60_000);
});
