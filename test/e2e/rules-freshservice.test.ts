import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';
import { type E2eHarness, useE2e } from '../helpers/e2e.js';
import { freshserviceWrites as writes, writeFreshserviceConfig } from '../helpers/freshservice-env.js';

/**
 * The sandbox's clock: by default it stands still, minutes behind real time, and the tests move
 * it (fast, and no same-second accidents). The connector's hold-back cut comes from the `Date`
 * header, which the sandbox sends from this same clock (as Freshservice stamps records and answers
 * from one clock), so a ticket changed in the seconds before a pass is held back to the next one:
 * tests move the clock past the hold-back first. The paging test runs on real time and really waits.
 */
class TestClock {
  private ms = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  constructor(readonly still: boolean) {}
  readonly now = (): Date => (this.still ? new Date(this.ms) : new Date());
  /** Moves a still clock; real time moves itself. */
  advance(ms: number): void {
    if (this.still) this.ms += ms;
  }
  /** The time between two passes: moved on a still clock, waited out on real time. */
  async wait(ms: number): Promise<void> {
    if (this.still) this.ms += ms;
    else await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
/** Past the connector's 2 s hold-back: what changed before is read whole on the next pass. */
const PAST_HOLD_BACK_MS = 3_000;

const ROUTING = `rules:
  - id: network-route
    kind: routing
    when: category = "Network" and $not($exists(group)) and status in ["new", "open", "in_progress"]
    assign: { group: Network }
    note: { template: "deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}" }
  - id: software-route
    kind: routing
    when: category = "Software" and $not($exists(group)) and status in ["new", "open", "in_progress"]
    assign: { group: Applications }
    note: { template: "deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}" }
  - id: hardware-route
    kind: routing
    when: category = "Hardware" and $not($exists(group)) and status in ["new", "open", "in_progress"]
    assign: { group: Hardware }
    note: { template: "deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}" }
`;
const ROUTED_TO: Readonly<Record<string, string>> = { Network: 'Network', Software: 'Applications', Hardware: 'Hardware' };

const DEDUP = `rules:
  - id: likely-duplicates
    kind: dedup
    when: kind in ["incident", "request"]
    lookBack: { days: 30 }
    suggest: { threshold: 0.35, limit: 3 }
    link: { threshold: 0.99 }
`;

const QA = `rules:
  - id: fs-qa
    kind: qa
    when: kind = "incident"
    checks:
      - id: never-good-enough
        assert: "false"
        message: The resolution needs a second look
    onFail:
      note:
        visibility: internal
        template: "deskbridge QA: {{ $join($failed.message, '; ') }} ({{ $rule.id }})"
`;

const SLA = `rules:
  - id: fs-sla
    kind: sla
    when: kind = "incident" and subcategory = "Printer"
    targets:
      - { priority: 1, resolution: { hours: 1 } }
      - { priority: 2, resolution: { hours: 1 } }
      - { priority: 3, resolution: { hours: 1 } }
      - { priority: 4, resolution: { hours: 1 } }
    escalations:
      - id: breach
        at: { percent: 100, of: resolution }
        assign: { group: Major Incident Team }
        note: { template: "deskbridge SLA breached on {{ source.number }}: moved to the Major Incident Team." }
`;

interface Env {
  clock: TestClock;
  sandbox: FreshserviceSandbox;
  store: FreshserviceStore;
  /** The id of the agent deskbridge's API key belongs to. */
  integration: number;
}

async function start(e2e: E2eHarness, clock = new TestClock(true)): Promise<Env> {
  const store = new FreshserviceStore({ now: clock.now });
  const seeded = seedFixtures(store);
  const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null, now: clock.now }));
  return { clock, sandbox, store, integration: seeded.integrationAgent.id };
}

function config(e2e: E2eHarness, env: Env, rules: string, pageSize?: number): string {
  return writeFreshserviceConfig(e2e.tempDir(), env.sandbox, { rules, workspaces: env.store.workspaces().map((w) => w.id), ...(pageSize !== undefined ? { pageSize } : {}) });
}

/** Notes deskbridge wrote on a ticket (a person's notes are by other agents). */
function ownNotes(env: Env, id: number): string[] {
  return (
    env.store
      .notes(id)
      .filter((note) => note.user_id === env.integration)
      // The marker footer ("— automated note by deskbridge … note id (…)") differs per write: left off.
      .map((note) => `${note.private ? 'private' : 'public'}:${note.body_text.split('\n— automated note')[0] ?? ''}`)
  );
}

/** Every ticket's group, status and deskbridge notes: what a pass that writes nothing leaves alone. */
function snapshot(env: Env): Record<number, { group: string; status: number; updated: number; notes: string[] }> {
  return Object.fromEntries(
    env.store
      .tickets()
      .map((t) => [t.id, { group: t.group_id === null ? '' : (env.store.group(t.group_id)?.name ?? String(t.group_id)), status: t.status, updated: t.updated_at, notes: ownNotes(env, t.id) }]),
  );
}

function groupId(env: Env, name: string): number {
  const group = env.store.groupByName(name);
  if (!group) throw new Error(`no group ${name}`);
  return group.id;
}

function ticketBySubject(env: Env, start: string): number {
  const ticket = env.store.tickets().find((t) => t.subject.startsWith(start));
  if (!ticket) throw new Error(`no ticket ${start}`);
  return ticket.id;
}

/** Calls `hook` after each answered ticket-list page, before the connector asks for the next. */
function afterEachListPage(sandbox: FreshserviceSandbox, hook: (page: number) => void): void {
  const log = sandbox.requestLog;
  const push = log.push.bind(log);
  let page = 0;
  log.push = (...entries) => {
    const n = push(...entries);
    for (const entry of entries) if (entry.method === 'GET' && entry.path === '/api/v2/tickets' && entry.status === 200) hook(++page);
    return n;
  };
}

/** Two more passes, each past the hold-back, write nothing and change nothing. */
async function expectQuiet(env: Env, daemon: { runOnce(): Promise<{ ok: boolean }> }): Promise<void> {
  const before = snapshot(env);
  for (let pass = 0; pass < 2; pass++) {
    await env.clock.wait(PAST_HOLD_BACK_MS);
    env.sandbox.resetRequestLog();
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writes(env.sandbox), `pass ${pass + 2}`).toBe(0);
  }
  expect(snapshot(env)).toEqual(before);
}

describe('rules against the Freshservice sandbox through the daemon (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('dedup: a near-duplicate gets one private note naming the earlier ticket, and later passes write nothing', async () => {
    const env = await start(e2e);
    const older = ticketBySubject(env, 'VPN drops every few minutes');
    const requester = env.store.requesters()[1]?.id ?? 0;
    // Another user reports the same fault in nearly the same words.
    const newer = env.store.createTicket({
      subject: 'VPN disconnects every few minutes',
      description: 'Since this morning the VPN drops every few minutes and I must sign in again.',
      requester_id: requester,
      category: 'Network',
    }).id;
    // Past the hold-back: a ticket created in the very seconds a pass lists is left to the next pass.
    await env.clock.wait(PAST_HOLD_BACK_MS);
    const { daemon, lines } = e2e.daemon(config(e2e, env, DEDUP), { ruleNow: env.clock.now });

    expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    const notes = ownNotes(env, newer);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^private:/);
    expect(notes[0]).toContain(`INC-${older}`);
    expect(ownNotes(env, older)).toEqual([]);
    // A suggestion only (link threshold 0.99): no field set on either ticket.
    expect(env.sandbox.requestLog.filter((r) => r.method === 'PUT')).toEqual([]);

    await expectQuiet(env, daemon);
  });

  it('QA: a ticket a person resolves gets one private QA note, and later passes write nothing', async () => {
    const env = await start(e2e);
    const monitor = ticketBySubject(env, 'Monitor flickers');
    env.store.updateTicket(monitor, { status: 4, group_id: groupId(env, 'Hardware') });
    await env.clock.wait(PAST_HOLD_BACK_MS);
    const { daemon, lines } = e2e.daemon(config(e2e, env, QA), { ruleNow: env.clock.now });

    expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    const after = snapshot(env);
    expect(after[monitor]?.notes).toEqual([expect.stringMatching(/^private:deskbridge QA: The resolution needs a second look \(fs-qa\)/)]);
    expect(after[monitor]?.status).toBe(4);
    for (const [id, v] of Object.entries(after)) if (Number(id) !== monitor) expect(v.notes, id).toEqual([]);

    await expectQuiet(env, daemon);
  });

  it('SLA: an old open printer ticket past its target is escalated once (reassigned, one note), and later passes write nothing', async () => {
    const env = await start(e2e);
    const printer = ticketBySubject(env, 'Printer on 3rd floor');
    const { daemon, lines } = e2e.daemon(config(e2e, env, SLA), { ruleNow: env.clock.now });

    expect((await daemon.runOnce()).ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    const after = snapshot(env);
    expect(after[printer]?.group).toBe('Major Incident Team');
    expect(after[printer]?.notes).toEqual([`private:deskbridge SLA breached on INC-${printer}: moved to the Major Incident Team.`]);
    for (const [id, v] of Object.entries(after)) if (Number(id) !== printer) expect(v.notes, id).toEqual([]);

    await expectQuiet(env, daemon);
  });

  it("a person's edit between plan and write wins: the write is superseded and the next pass plans on the person's version", async () => {
    const env = await start(e2e);
    const vpn = ticketBySubject(env, 'VPN drops every few minutes');
    // After the first list page (ticket read, planned for Network), a person re-files it as Software.
    afterEachListPage(env.sandbox, (page) => {
      if (page === 1) env.store.updateTicket(vpn, { category: 'Software', sub_category: null });
    });
    const { daemon, lines } = e2e.daemon(config(e2e, env, ROUTING), { ruleNow: env.clock.now });

    expect((await daemon.runOnce()).ok).toBe(true);
    expect(
      lines.some((l) => l.includes(`"ticket":"INC-${vpn}"`) && l.includes('"outcome":"superseded"')),
      lines.filter((l) => l.includes('superseded') || l.includes(`"${vpn}"`)).join('\n'),
    ).toBe(true);
    expect(env.sandbox.requestLog.filter((r) => r.method !== 'GET' && r.path.startsWith(`/api/v2/tickets/${vpn}`))).toEqual([]);
    expect(snapshot(env)[vpn]).toMatchObject({ group: '', notes: [] });

    await env.clock.wait(PAST_HOLD_BACK_MS);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(snapshot(env)[vpn]).toMatchObject({ group: 'Applications', notes: ['private:deskbridge e2e: routed to Applications by software-route'] });
    await expectQuiet(env, daemon);
  });

  it("a person's edit after deskbridge's write is judged as theirs, not taken for deskbridge's own", async () => {
    const env = await start(e2e);
    const monitor = ticketBySubject(env, 'Monitor flickers');
    const { daemon } = e2e.daemon(config(e2e, env, ROUTING), { ruleNow: env.clock.now });
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(snapshot(env)[monitor]?.group).toBe('Hardware');

    // A second later (Freshservice versions are seconds: the same second would read as deskbridge's own),
    // a person says it is a network fault and takes the group off.
    env.clock.advance(1_000);
    env.store.updateTicket(monitor, { category: 'Network', sub_category: null, group_id: null });
    await env.clock.wait(PAST_HOLD_BACK_MS);
    expect((await daemon.runOnce()).ok).toBe(true);

    expect(snapshot(env)[monitor]).toMatchObject({
      group: 'Network',
      notes: ['private:deskbridge e2e: routed to Hardware by hardware-route', 'private:deskbridge e2e: routed to Network by network-route'],
    });
    await expectQuiet(env, daemon);
  });

  it('a restarted daemon on the same state file writes nothing on its own earlier writes', async () => {
    const env = await start(e2e);
    const path = config(e2e, env, ROUTING);
    const first = e2e.daemon(path, { logger: silentLogger, ruleNow: env.clock.now }).daemon;
    expect((await first.runOnce()).ok).toBe(true);
    await first.stop();
    const after = snapshot(env);
    const routed = Object.values(after).filter((v) => v.notes.length > 0).length;
    expect(routed).toBeGreaterThan(4);
    expect(writes(env.sandbox)).toBe(2 * routed);

    await env.clock.wait(PAST_HOLD_BACK_MS);
    env.sandbox.resetRequestLog();
    const restarted = e2e.daemon(path, { logger: silentLogger, ruleNow: env.clock.now }).daemon;
    const pass = await restarted.runOnce();
    expect(pass.ok).toBe(true);
    // It read every routed ticket again, at the versions the first daemon's writes left.
    expect(env.sandbox.requestLog.some((r) => r.path === '/api/v2/tickets')).toBe(true);
    expect(pass.results[0]?.ownWrites).toBeGreaterThanOrEqual(routed);
    expect(writes(env.sandbox)).toBe(0);
    expect(snapshot(env)).toEqual(after);
  });

  it('loses no ticket edited or created while small pages are read: every matching ticket routed exactly once by the end of the next pass', async () => {
    const env = await start(e2e, new TestClock(false));
    const requester = env.store.requesters()[0]?.id ?? 0;
    const it = env.store.primaryWorkspace().id;
    const byCreation = env.store
      .tickets()
      .filter((t) => t.workspace_id === it)
      .sort((a, b) => a.created_at - b.created_at || a.id - b.id);
    const created: number[] = [];
    const edited: number[] = [];
    // Two tickets a page: after each of the first three pages, a second passes, a person edits a
    // ticket of a later page and raises a new one; after the second, a person also re-files a
    // ticket the first page listed (read in its old version: planned on it, then superseded).
    const refiled = ticketBySubject(env, 'Monitor flickers');
    expect(byCreation.slice(0, 2).map((t) => t.id)).toContain(refiled);
    afterEachListPage(env.sandbox, (page) => {
      if (page > 3) return;
      if (page === 2) env.store.updateTicket(refiled, { category: 'Software', sub_category: null });
      const later = byCreation[byCreation.length - page];
      if (later) {
        env.store.updateTicket(later.id, { priority: 3 });
        edited.push(later.id);
      }
      created.push(env.store.createTicket({ subject: `Ethernet port dead at desk ${page}`, description: 'No link light.', requester_id: requester, category: 'Network', workspace_id: it }).id);
    });
    const matching = env.store
      .tickets()
      .filter((t) => t.category !== null && t.category in ROUTED_TO && t.group_id === null)
      .map((t) => t.id);
    const { daemon } = e2e.daemon(config(e2e, env, ROUTING, 2), { logger: silentLogger, ruleNow: env.clock.now });

    expect((await daemon.runOnce()).ok).toBe(true);
    expect(env.sandbox.requestLog.filter((r) => r.path === '/api/v2/tickets').length).toBeGreaterThan(4);
    // Changed during paging, so held back (or superseded) on this pass: the next one routes them.
    const firstPass = snapshot(env);
    for (const id of [...created, refiled]) expect(firstPass[id]?.notes, String(id)).toEqual([]);
    await env.clock.wait(PAST_HOLD_BACK_MS);
    expect((await daemon.runOnce()).ok).toBe(true);

    expect(created).toHaveLength(3);
    expect(edited).toHaveLength(3);
    const after = snapshot(env);
    expect(after[refiled]?.group).toBe('Applications');
    for (const id of [...matching, ...created]) {
      const category = env.store.ticket(id)?.category ?? '';
      expect(after[id]?.group, String(id)).toBe(ROUTED_TO[category]);
      expect(after[id]?.notes, String(id)).toHaveLength(1);
    }
    for (const [id, v] of Object.entries(after)) if (![...matching, ...created].includes(Number(id))) expect(v.notes, id).toEqual([]);
    await expectQuiet(env, daemon);
  });
});
