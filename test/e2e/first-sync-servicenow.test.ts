import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHistoryReport } from '../../src/engine/history-report.js';
import { parseFrom } from '../../src/daemon/start-point.js';
import { raiseIncident, seedFromEventLog, ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { TestClock } from '../helpers/clock.js';
import { useE2e } from '../helpers/e2e.js';
import { eventLogRows, REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-first-sync');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const USERS = [
  { userName: 'deskbridge', password: 'deskbridge' },
  { userName: 'beth.anglin', password: 'beth' },
];

function raise(store: ServiceNowStore, ago: number, title: string, options: { state?: string; category?: string; subcategory?: string; logged?: 'opened' | 'now' } = {}): string {
  return (
    raiseIncident(store, {
      title,
      category: options.category ?? 'network',
      subcategory: options.subcategory ?? 'VPN',
      openedAgoMs: ago,
      ...(options.logged === 'now' ? {} : { logged: 'opened' }),
      fields: { state: options.state ?? '7' },
    })['number'] ?? ''
  );
}

/**
 * A desk with a closed year behind it: real resolved incidents from the UCI event log (2016), a
 * VPN incident every week for a year, a VPN outage 200 days ago (six incidents in five hours),
 * and a few incidents still open from last month (unowned, two of them the same printer fault).
 */
async function closedYear(): Promise<{ store: ServiceNowStore; burst: string[]; openOld: string[] }> {
  const store = new ServiceNowStore();
  await seedFromEventLog(store, { stage: 'last', limit: 60, titles: true, rows: await eventLogRows() });
  for (let week = 52; week >= 1; week--) raise(store, week * 7 * DAY + 3 * HOUR, 'VPN drops now and then');
  const burst = [0, 1, 2, 3, 4, 5].map((i) => raise(store, 200 * DAY - i * 50 * 60_000, `VPN tunnel down on floor ${i + 1}`));
  const openOld = [
    raise(store, 30 * DAY, 'Printer on floor 3 jams on every page', { state: '1', category: 'hardware', subcategory: 'Printer' }),
    raise(store, 29 * DAY, 'Printer on floor 3 jams on every page again', { state: '1', category: 'hardware', subcategory: 'Printer' }),
    raise(store, 20 * DAY, 'Cannot open the expense app', { state: '2', category: 'software', subcategory: 'Application' }),
  ];
  return { store, burst, openOld };
}

/** Problems deskbridge opened (the event log brings problem records of its own). */
function problems(sandbox: ServiceNowSandbox): Record<string, string>[] {
  return sandbox.store
    .list('problem')
    .map((r) => ({ ...r }))
    .filter((p) => (p['correlation_id'] ?? '').startsWith('deskbridge:'));
}

function linkedTo(sandbox: ServiceNowSandbox, problemSysId: string): string[] {
  return sandbox.store
    .list('incident')
    .filter((r) => r['problem_id'] === problemSysId)
    .map((r) => r['number'] ?? '')
    .sort();
}

/**
 * The outage's problem: opened by the burst (its members from the start of the window that
 * spiked), gaining the weekly VPN incidents that came after it while nobody closed it — but none
 * of the quiet weeks before it, which were its baseline.
 */
function expectOutageProblem(sandbox: ServiceNowSandbox, problem: Record<string, string>, burst: readonly string[]): void {
  const linked = linkedTo(sandbox, problem['sys_id'] ?? '');
  for (const number of burst) expect(linked).toContain(number);
  const burstStart = Math.min(...burst.map((n) => Date.parse(`${openedAt(sandbox, n).replace(' ', 'T')}Z`)));
  for (const number of linked) expect(Date.parse(`${openedAt(sandbox, number).replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(burstStart);
  expect(problem['description']).toMatch(/^3 incidents in 24 h against a normal/);
}

function openedAt(sandbox: ServiceNowSandbox, number: string): string {
  return sandbox.store.list('incident').find((r) => r['number'] === number)?.['opened_at'] ?? '';
}

describe.skipIf(missingData('eventLog', 'ticketTexts'))('first sync against the ServiceNow sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();
  const runCli = (args: string[]) => e2e.cli(args, { env: { E2E_SN_PASSWORD: 'deskbridge' } });

  it('first sync of a closed year writes nothing by default, reports what it would have done, and the next live spike opens one problem on the learned baseline', async () => {
    const { store, burst } = await closedYear();
    const total = store.count('incident');
    const sandbox = await e2e.serviceNowOn({ store, users: USERS });
    const log = e2e.daemon(writeConfig(sandbox.url, { rules: RULES, actFrom: null }));
    const { daemon } = log;

    const first = await daemon.runOnce();
    expect(first.ok).toBe(true);
    expect(writesIn(sandbox)).toBe(0);
    const report = first.results[0]?.history;
    expect(report?.tickets).toBe(total);
    // What acting on the year would have done: the old outage's problem, routing, duplicates.
    expect(report?.problems).toBeGreaterThanOrEqual(1);
    expect(report?.wouldHave['pattern']?.writes).toBeGreaterThan(report?.problems ?? 0);
    expect(report?.wouldHave['routing']?.tickets).toBe(3);
    expect(report?.wouldHave['dedup']?.tickets).toBeGreaterThanOrEqual(1);
    expect(report?.examples.length).toBeGreaterThan(0);
    const lines = formatHistoryReport('sandbox-snow', report ?? { actFrom: '', tickets: 0, wouldHave: {}, problems: 0, verdicts: 0, examples: [] });
    expect(lines.join('\n')).toMatch(/--from/);
    expect(log.lines.some((l) => l.includes('History before the start point was learned from, not acted on'))).toBe(true);

    // An incident of the old outage that only now becomes visible (an import): a live version,
    // but its spike lies entirely in history — no problem for last March.
    raise(store, 200 * DAY - 30 * 60_000, 'VPN tunnel down on floor 7', { logged: 'now' });
    // And someone comments on one of the old outage's incidents.
    const old = store.list('incident').find((r) => r['number'] === burst[0]);
    store.update('incident', old?.['sys_id'] ?? '', { comments: 'Still fine since the fix.' }, 'beth.anglin', { inputDisplayValue: true });
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(problems(sandbox)).toHaveLength(0);

    // A live spike of the same group: one problem, on the baseline the year taught (a weekly
    // rate), with only the live incidents as members.
    const spike = [
      raise(store, 0, 'VPN login fails', { state: '1', logged: 'now' }),
      raise(store, 0, 'Cannot connect to VPN', { state: '1', logged: 'now' }),
      raise(store, 0, 'VPN tunnel keeps dropping', { state: '1', logged: 'now' }),
    ];
    expect((await daemon.runOnce()).ok).toBe(true);
    const opened = problems(sandbox);
    expect(opened).toHaveLength(1);
    const problem = opened[0] ?? {};
    expect(problem['description']).toMatch(/3 incidents in 24 h against a normal 0\.\d+ per 24 h over the previous 28 days/);
    expect(linkedTo(sandbox, problem['sys_id'] ?? '')).toEqual([...spike].sort());
  }, 180_000);

  it('SLA steps already past at the first sync are recorded, not sent; a step that falls due after it fires live', async () => {
    const store = new ServiceNowStore();
    // 75% of the one-hour target went by a quarter of an hour ago; the hour runs out in 4 s.
    const late =
      raiseIncident(store, {
        title: 'Core switch flapping in building B',
        category: 'network',
        openedAgoMs: 60 * 60_000 - 4_000,
        logged: 'opened',
        fields: { state: '2', assignment_group: 'Network Operations' },
      })['sys_id'] ?? '';
    const sandbox = await e2e.serviceNowOn({ store, users: USERS });
    // The rules' clock: moved past the hour instead of waiting for it.
    const clock = new TestClock();
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: join(REPO, 'test', 'fixtures', 'e2e', 'rules-sla'), actFrom: null }), { ruleNow: clock.now });
    const slaNotes = (): string[] =>
      store
        .journal(late)
        .filter((j) => j.value.includes('SLA'))
        .map((j) => j.value);

    const first = await daemon.runOnce();
    expect(first.ok).toBe(true);
    expect(writesIn(sandbox)).toBe(0);
    expect(first.results[0]?.history?.wouldHave['sla']?.writes).toBe(1);

    clock.advance(4_500);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(slaNotes()).toHaveLength(1);
    expect(slaNotes()[0]).toContain('SLA breached');
  }, 60_000);

  it('with --from, the first sync acts on the history since then: the old outage gets its problem, open incidents are routed', async () => {
    const { store, burst, openOld } = await closedYear();
    const sandbox = await e2e.serviceNowOn({ store, users: USERS });
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: RULES, actFrom: null }), { actFrom: parseFrom('210d', new Date()) });

    const first = await daemon.runOnce();
    expect(first.ok).toBe(true);
    const vpn = problems(sandbox).filter((p) => p['short_description'] === 'Recurring incidents: Network / VPN');
    expect(vpn).toHaveLength(1);
    expectOutageProblem(sandbox, vpn[0] ?? {}, burst);
    for (const number of openOld) expect(store.list('incident').find((r) => r['number'] === number)?.['assignment_group']).not.toBe('');
    // Still history: the 2016 incidents and the weeks before the start point.
    expect(first.results[0]?.history?.tickets).toBeGreaterThan(60);
  }, 60_000);

  it('deskbridge run --once prints the report; run --once --from then acts on that history on the same state', async () => {
    const { store, burst, openOld } = await closedYear();
    const sandbox = await e2e.serviceNowOn({ store, users: USERS });
    const configPath = writeConfig(sandbox.url, { rules: RULES, actFrom: null, logLevel: 'warn' });

    const first = await runCli(['run', '--once', '--config', configPath]);
    expect(first.code).toBe(0);
    expect(writesIn(sandbox)).toBe(0);
    expect(first.stdout).toMatch(/sandbox-snow: \d[\d,]* ticket versions updated before the start point .* were learned from as history \(no writes\)\./);
    expect(first.stdout).toMatch(/pattern: \d+ problems? opened/);
    expect(first.stdout).toContain('--from');

    // The admin opts in to the last 210 days: read again and acted on, once.
    const second = await runCli(['run', '--once', '--config', configPath, '--from', '210d']);
    expect(second.code).toBe(0);
    const vpn = problems(sandbox).filter((p) => p['short_description'] === 'Recurring incidents: Network / VPN');
    expect(vpn).toHaveLength(1);
    expectOutageProblem(sandbox, vpn[0] ?? {}, burst);
    for (const number of openOld) expect(store.list('incident').find((r) => r['number'] === number)?.['assignment_group']).not.toBe('');
    const writes = writesIn(sandbox);

    const third = await runCli(['run', '--once', '--config', configPath]);
    expect(third.code).toBe(0);
    expect(writesIn(sandbox)).toBe(writes);
  }, 90_000);
});
