import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load-config.js';
import { Daemon } from '../daemon/daemon.js';
import type { PassResult, SyncEvent } from '../daemon/sync-loop.js';
import { createLogger } from '../observability/logger.js';
import { describeAction } from '../outbox/writer.js';
import { loadTicketTexts, raiseIncident, readEventLog, replayEventLog, seedFixtures, seedFromEventLog, ServiceNowStore, startServiceNowSandbox } from '../sandbox/servicenow/index.js';
import { startJiraSandbox } from '../sandbox/jira/index.js';
import { formatVerifyResult, verifyAll, type AuditLogName, type ChainHead } from '../audit/index.js';
import { demoJiraStore, demoTeamIds } from './demo-jira.js';
import { demoFreshserviceStore, demoZendeskStore } from './demo-helpdesk.js';
import { CLI_SANDBOX_ACCOUNT as ZENDESK_ACCOUNT, startZendeskSandbox } from '../sandbox/zendesk/index.js';
import { CLI_SANDBOX_ACCOUNT as FRESHSERVICE_ACCOUNT, startFreshserviceSandbox } from '../sandbox/freshservice/index.js';

/** Before anything the demo's sandboxes hold: the demo acts on all of it. */
const DEMO_ACT_FROM = '2000-01-01T00:00:00Z';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * `deskbridge demo`: a simulated ServiceNow seeded with real incidents (UCI event log) and a few
 * hand-written ones, the daemon routing them with the example rules in rules/, a wave of new
 * incidents arriving, and a last pass showing that nothing is written twice.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const work = join(REPO_ROOT, '.deskbridge', 'demo');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  out(
    'deskbridge demo — simulated ServiceNow, Jira Cloud, Zendesk and Freshservice side by side, the same example rules in rules/ (routing by shift, duplicates, recurring patterns, QA, SLA), the real daemon.',
  );
  const sandboxes = await startDemoSandboxes(options);
  const { store, jiraStore, sandbox, jira, zendesk, freshservice } = sandboxes;
  const configPath = writeDemoConfig(work, {
    console: options.console,
    snow: sandbox.url,
    jira: jira.url,
    zendesk: zendesk.url,
    freshservice: freshservice.url,
    freshserviceWorkspaces: sandboxes.freshserviceStore.workspaces().map((w) => w.id),
  });
  out(`Config: ${configPath}`);

  const { config, secrets } = loadConfig(configPath);
  const logger = createLogger({ ...config.log, secrets });
  const { onEvent, findings } = narrator();
  const daemon = new Daemon({ config, logger, onEvent, secrets });
  const { totals, tally } = passTotals();

  try {
    out();
    out('Pass 1 — first sync of the queue:');
    const first = tally((await daemon.runOnce()).results);
    out(`  pulled ${first?.pulled ?? 0} tickets from the four platforms, routed ${first ? count(first.routedByGroup) : 0}, ${first?.written.sent ?? 0} writes.`);

    out();
    await newTicketsArrive(sandboxes);
    out('Pass 2 — incremental sync (only what changed since the watermark):');
    const second = tally((await daemon.runOnce()).results);
    out(
      `  pulled ${second?.pulled ?? 0} records: ${second?.alreadySeen ?? 0} already processed (overlap window), ${second?.ownWrites ?? 0} deskbridge's own writes from pass 1 (recognised, left alone); routed ${second ? count(second.routedByGroup) : 0}.`,
    );

    out();
    // Jira's search index lags behind writes: the portal requests may not have been searchable
    // during pass 2. The overlap window brings them in on the next pass; nothing is lost.
    await new Promise((resolve) => setTimeout(resolve, 700));
    out("Pass 3 — Jira's search index has caught up with anything it was still indexing:");
    const third = tally((await daemon.runOnce()).results);
    out(`  pulled ${third?.pulled ?? 0} (${third?.alreadySeen ?? 0} already processed, ${third?.ownWrites ?? 0} own writes), routed ${third ? count(third.routedByGroup) : 0}.`);

    out();
    techniciansResolve(store);
    out('Pass 4 — QA checks the newly resolved incidents:');
    const verdictsBefore = totals.verdicts;
    const qaPass = tally((await daemon.runOnce()).results);
    out(`  ${totals.verdicts - verdictsBefore} QA verdicts logged; ${qaPass?.written.sent ?? 0} QA notes written (checks failed, or picked for a review).`);
    const audit = verifyAll(config.audit.dir, await auditHeads(daemon));
    for (const r of audit.results) out(`  audit verify: ${formatVerifyResult(r)}`);

    out();
    out('Pass 5 — nothing changed, so nothing is written:');
    await new Promise((resolve) => setTimeout(resolve, 700));
    const fourth = tally((await daemon.runOnce()).results);
    out(`  pulled ${fourth?.pulled ?? 0} (${fourth?.alreadySeen ?? 0} already processed, ${fourth?.ownWrites ?? 0} own writes), planned ${fourth?.planned ?? 0}, wrote ${fourth?.written.sent ?? 0}.`);

    out();
    printSummary({
      store,
      jiraStore,
      zendeskStore: sandboxes.zendeskStore,
      freshserviceStore: sandboxes.freshserviceStore,
      totals,
      findings,
      requests: daemon.totalRequests(),
      auditDir: config.audit.dir,
      configPath,
      work,
    });
    if (options.console) {
      const url = await daemon.serveConsole();
      out();
      out(`Console: ${url ?? ''}  — the sources, the five passes above, the outbox, tickets with a live explain, rules and reports.`);
      out(`  Sign in with the token ${options.console.token} to retry writes. The sandboxes stay up while it runs; Ctrl-C stops everything.`);
      await untilInterrupted();
    }
    return 0;
  } finally {
    await daemon.stop();
    await sandbox.close();
    await jira.close();
    await zendesk.close();
    await freshservice.close();
  }
}

/** Resolves on Ctrl-C (or SIGTERM): the demo's console stays up until then. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      out('Stopping the console and the sandboxes.');
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export interface DemoOptions {
  /** Serve the console after the passes (until Ctrl-C) on this port (0: any free one), signed in with this token; undefined: exit after the passes. */
  console: { port: number; token: string } | undefined;
  incidents: number;
  jiraIssues: number;
  /** Real help-desk tickets (Endava) loaded into each of the Zendesk and Freshservice sandboxes. */
  helpdeskTickets: number;
}

interface DemoSandboxes {
  store: ServiceNowStore;
  rows: Awaited<ReturnType<typeof readEventLog>>;
  seeded: Awaited<ReturnType<typeof seedFromEventLog>>;
  sandbox: Awaited<ReturnType<typeof startServiceNowSandbox>>;
  jiraStore: Awaited<ReturnType<typeof demoJiraStore>>;
  jira: Awaited<ReturnType<typeof startJiraSandbox>>;
  zendeskStore: ReturnType<typeof demoZendeskStore>;
  zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  freshserviceStore: Awaited<ReturnType<typeof demoFreshserviceStore>>;
  freshservice: Awaited<ReturnType<typeof startFreshserviceSandbox>>;
}

/** A ServiceNow seeded from the UCI event log plus fixtures, and a Jira Cloud with Hadoop bug reports and JSM incidents. */
async function startDemoSandboxes(options: DemoOptions): Promise<DemoSandboxes> {
  const store = new ServiceNowStore();
  seedFixtures(store);
  const rows = await readEventLog();
  const seeded = await seedFromEventLog(store, { stage: 'first', limit: options.incidents, titles: true, rows });
  const sandbox = await startServiceNowSandbox({ store });
  out(`Sandbox ServiceNow at ${sandbox.url}: ${store.count('incident')} incidents (${seeded.incidents} from the UCI ServiceNow event log, the rest hand-written).`);
  const jiraStore = await demoJiraStore({ hadoopIssues: options.jiraIssues });
  const jira = await startJiraSandbox({ flavour: 'cloud', store: jiraStore, searchLagMs: 500 });
  out(`Sandbox Jira Cloud at ${jira.url}: ${jiraStore.count()} issues (${options.jiraIssues} Apache Hadoop bug reports, the rest JSM incidents); search lags writes by 0.5 s, like the real index.`);
  // No rate limits in the demo: it shows what the rules do, the benchmarks show pacing.
  const zendeskStore = demoZendeskStore({ tickets: options.helpdeskTickets });
  const zendesk = await startZendeskSandbox({ store: zendeskStore, rateLimit: null, exportRateLimit: null, ticketUpdateLimit: null });
  out(`Sandbox Zendesk at ${zendesk.url}: ${zendeskStore.count()} tickets (${options.helpdeskTickets} real help-desk tickets, the rest hand-written).`);
  const freshserviceStore = await demoFreshserviceStore({ tickets: options.helpdeskTickets });
  const freshservice = await startFreshserviceSandbox({ store: freshserviceStore, rateLimit: null });
  out(`Sandbox Freshservice at ${freshservice.url}: ${freshserviceStore.count()} tickets in two workspaces (${options.helpdeskTickets} real help-desk tickets, the rest hand-written).`);
  return { store, rows, seeded, sandbox, jiraStore, jira, zendeskStore, zendesk, freshserviceStore, freshservice };
}

/** The demo's deskbridge.yaml: the four sandboxes as sources, the example rules and mappings. Returns its path. */
function writeDemoConfig(work: string, urls: { console: DemoOptions['console']; snow: string; jira: string; zendesk: string; freshservice: string; freshserviceWorkspaces: number[] }): string {
  process.env['DEMO_SN_PASSWORD'] = 'deskbridge';
  process.env['DEMO_JIRA_TOKEN'] = 'deskbridge';
  process.env['DEMO_ZENDESK_TOKEN'] = ZENDESK_ACCOUNT.apiToken;
  process.env['DEMO_FRESHSERVICE_KEY'] = FRESHSERVICE_ACCOUNT.apiKey;
  if (urls.console) process.env['DEMO_CONSOLE_TOKEN'] = urls.console.token;
  const configPath = join(work, 'deskbridge.yaml');
  writeFileSync(
    configPath,
    [
      '# Written by `deskbridge demo`; a real config looks the same with your instance URL.',
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(join(REPO_ROOT, 'rules'))}`,
      `mappings: ${JSON.stringify(join(REPO_ROOT, 'mappings'))}`,
      'log: { level: warn, format: pretty }',
      // The console listens on this machine only; its token is made up for this run and printed at the end.
      ...(urls.console ? [`console: { port: ${urls.console.port}, auth: { token: "\${DEMO_CONSOLE_TOKEN}" } }`] : []),
      'sources:',
      '  - id: sandbox-snow',
      '    platform: servicenow',
      `    baseUrl: ${urls.snow}`,
      '    table: incident',
      '    auth: { type: basic, username: deskbridge, password: "${DEMO_SN_PASSWORD}" }',
      '    pageSize: 100',
      // The sandboxes hold tickets last updated years ago (the event log is from 2016). A real
      // first sync only learns from such history; the demo opts in to acting on it, as
      // `deskbridge run --from 2000-01-01` would.
      `    actFrom: "${DEMO_ACT_FROM}"`,
      // …and to acting on all of it in its first live pass: no catch on the volume.
      '    firstLivePass: { maxWrites: off }',
      '  - id: sandbox-jira',
      '    platform: jira',
      '    flavour: cloud',
      `    baseUrl: ${urls.jira}`,
      '    jql: project in (ITSM, HADOOP)',
      '    auth: { type: basic, username: deskbridge@example.com, password: "${DEMO_JIRA_TOKEN}" }',
      '    groupField: customfield_10001',
      `    teams: ${JSON.stringify(demoTeamIds())}`,
      '    problems: { projectKey: PRB }',
      '    overlapSeconds: 60',
      `    actFrom: "${DEMO_ACT_FROM}"`,
      '    firstLivePass: { maxWrites: off }',
      '  - id: sandbox-zendesk',
      '    platform: zendesk',
      `    baseUrl: ${urls.zendesk}`,
      `    auth: { type: token, email: ${ZENDESK_ACCOUNT.email}, token: "\${DEMO_ZENDESK_TOKEN}" }`,
      // Zendesk allows 10 export requests a minute and 200–700 requests a minute by plan; the demo's
      // sandboxes have no limits, and the benchmarks show the pacing.
      '    exportRequestsPerMinute: 600',
      '    rateLimit: { requestsPerMinute: 60000 }',
      `    actFrom: "${DEMO_ACT_FROM}"`,
      '    firstLivePass: { maxWrites: off }',
      '  - id: sandbox-freshservice',
      '    platform: freshservice',
      `    baseUrl: ${urls.freshservice}`,
      '    auth: { type: apiKey, apiKey: "${DEMO_FRESHSERVICE_KEY}" }',
      `    workspaces: ${JSON.stringify(urls.freshserviceWorkspaces)}`,
      '    rateLimit: { requestsPerMinute: 60000 }',
      `    actFrom: "${DEMO_ACT_FROM}"`,
      '    firstLivePass: { maxWrites: off }',
      '',
    ].join('\n'),
  );
  return configPath;
}

/** Each demo source's label in the narration, padded to one width. */
const PLATFORM_LABELS: Readonly<Record<string, string>> = { 'sandbox-snow': 'snow ', 'sandbox-jira': 'jira ', 'sandbox-zendesk': 'zdesk', 'sandbox-freshservice': 'fresh' };

type Findings = { duplicates: number; suggestions: number; problems: number; problemLinks: number; sla: number };

/** Prints each planned action once it is written, and counts what the demo found. */
function narrator(): { onEvent: (event: SyncEvent) => void; findings: Findings } {
  const routed = new Map<string, string>();
  const findings = { duplicates: 0, suggestions: 0, problems: 0, problemLinks: 0, sla: 0 };
  const onEvent = (event: SyncEvent): void => {
    const platform = PLATFORM_LABELS[event.sourceId] ?? event.sourceId;
    if (event.type === 'planned' && event.ticket && event.action.action.type === 'assign') {
      routed.set(
        event.action.id,
        `${platform}  ${event.ticket.source.number.padEnd(12)} ${truncate(event.ticket.title, 44).padEnd(44)}  → ${describeAction(event.action.action).replace('assign to ', '')}  [rule ${event.action.ruleId}]`,
      );
    }
    if (event.type === 'planned' && event.ticket) {
      const { action } = event.action;
      const number = event.action.target.number.padEnd(12);
      if (action.type === 'link-duplicate')
        routed.set(event.action.id, `${platform}  ${number} is a duplicate of ${action.original.number}: linked, with a note on both  [rule ${event.action.ruleId}]`);
      if (action.type === 'comment' && action.body.startsWith('deskbridge found earlier tickets')) {
        const first = action.body.split('\n')[1] ?? '';
        routed.set(event.action.id, `${platform}  ${number} may duplicate ${truncate(first.replace(/^1\. /, ''), 70)}  [rule ${event.action.ruleId}]`);
      }
      if (action.type === 'create-problem') routed.set(event.action.id, `${platform}  problem opened: "${truncate(action.title, 60)}"  [rule ${event.action.ruleId}]`);
    }
    if (event.type === 'written') {
      const line = routed.get(event.action.id);
      if (line) out(`  ${line}${event.outcome === 'unchanged' ? ' (already done)' : ''}`);
      if (event.outcome !== 'unchanged' && event.outcome !== 'superseded' && event.outcome !== 'skipped') {
        const { action } = event.action;
        if (action.type === 'link-duplicate') findings.duplicates++;
        if (action.type === 'comment' && action.body.startsWith('deskbridge found earlier tickets')) findings.suggestions++;
        if (action.type === 'create-problem') findings.problems++;
        if (action.type === 'link-problem') findings.problemLinks++;
        if (event.action.explanation.startsWith('SLA rule')) findings.sla++;
      }
    }
    if (event.type === 'quarantined') out(`  quarantined ${event.nativeId ?? '(unreadable record)'}: ${event.error}`);
  };
  return { onEvent, findings };
}

type Totals = { pulled: number; ownWrites: number; written: number; verdicts: number; byGroup: Map<string, number> };

/** Totals over every pass, and a tally that adds a pass's results to them. */
function passTotals(): { totals: Totals; tally: (results: PassResult[]) => PassResult | undefined } {
  const totals = { pulled: 0, ownWrites: 0, written: 0, verdicts: 0, byGroup: new Map<string, number>() };
  /** Adds a pass to the totals and returns it summed over both sources. */
  const tally = (results: PassResult[]): PassResult | undefined => {
    for (const r of results) {
      totals.pulled += r.pulled;
      totals.ownWrites += r.ownWrites;
      totals.written += r.written.sent;
      totals.verdicts += r.verdicts;
      for (const [group, n] of Object.entries(r.routedByGroup)) totals.byGroup.set(group, (totals.byGroup.get(group) ?? 0) + n);
    }
    return results.reduce<PassResult | undefined>((sum, r) => (sum ? addPass(sum, r) : r), undefined);
  };
  return { totals, tally };
}

/** New ServiceNow incidents from the event log, a burst about e-mail on phones, and Jira portal requests. */
async function newTicketsArrive({ store, rows, seeded, jiraStore, zendeskStore, freshserviceStore }: DemoSandboxes): Promise<void> {
  out('New incidents arrive (the next 25 from the event log that came in without a group, stamped now):');
  const arriving = nextIncidents(rows, new Set(seeded.numbers), 25);
  const replay = replayEventLog(store, arriving, { timestamps: 'clock', titles: await loadTicketTexts() });
  const applied = replay.applyNext(arriving.length);
  out(`  ${applied.filter((e) => e.action === 'inserted').length} new ServiceNow incidents.`);
  // A burst nobody has seen before: e-mail stops syncing on phones all over the company.
  const burst = [
    'Outlook on my phone stopped syncing mail',
    'Mobile mail not syncing since this morning',
    'Phone e-mail app stuck, no new mail',
    'Cannot receive e-mail on my iPhone',
    'Mail sync on Android fails with a server error',
    'New mail does not arrive on the mobile app',
    'Mobile Outlook says cannot connect to server',
  ];
  for (const [i, title] of burst.entries()) raiseIncident(store, { title, category: 'software', subcategory: 'Email', openedAgoMs: (burst.length - i) * 5 * 60_000 });
  out(`  ${burst.length} ServiceNow incidents within the last hour about e-mail on phones (Software / Email had none for weeks).`);
  const portal = [
    { summary: 'Wi-Fi unavailable on the 4th floor since the access point reboot', components: ['Network'] },
    { summary: 'Cannot install the VPN client on a new laptop', components: ['Network'] },
    { summary: 'Payroll report export fails with a database timeout', components: ['Database'] },
    // The same outage, reported again by someone else.
    { summary: 'No Wi-Fi on the 4th floor after the access point reboot', components: ['Network'] },
  ];
  const requester = jiraStore.findUser('praman')?.accountId ?? null;
  for (const p of portal) jiraStore.createIssue({ project: 'ITSM', issueType: 'Incident', summary: p.summary, priority: 'Medium', components: p.components, reporter: requester }, requester);
  out(`  ${portal.length} new Jira Service Management requests from the portal.`);

  // Zendesk's export leaves out the last minute of changes: these came in two minutes ago.
  const requesterId = zendeskStore.users().find((u) => u.role === 'end-user')?.id ?? zendeskStore.agents()[0]?.id ?? 0;
  const zendeskNew = ['VPN disconnects when switching Wi-Fi networks', 'Laptop docking station not detected', 'Shared mailbox missing from Outlook'];
  for (const subject of zendeskNew) zendeskStore.createTicket({ subject, comment: { body: `${subject}. Reported by e-mail.` } }, requesterId, { createdAt: Date.now() - 120_000, via: 'email' });
  out(`  ${zendeskNew.length} new Zendesk tickets by e-mail.`);
  const freshserviceRequester = freshserviceStore.requesters()[0]?.id ?? 0;
  const freshserviceNew = [
    { subject: 'Firewall blocks the supplier portal', category: 'Network' },
    { subject: 'Monitor flickers after the driver update', category: 'Hardware' },
  ];
  for (const t of freshserviceNew) freshserviceStore.createTicket({ subject: t.subject, description: t.subject, requester_id: freshserviceRequester, category: t.category, status: 2, priority: 2 });
  out(`  ${freshserviceNew.length} new Freshservice tickets from the service portal.`);
}

/** Three ServiceNow incidents resolved: one well, one with "Fixed.", one without a word to the customer. */
function techniciansResolve(store: ServiceNowStore): void {
  out('Technicians resolve three ServiceNow incidents — one well, one with "Fixed.", one without a word to the customer:');
  const open = store
    .list('incident')
    .filter((r) => ['1', '2'].includes(r['state'] ?? ''))
    .slice(0, 3);
  const [good, lazy, silent] = open.map((r) => r['sys_id'] ?? '');
  const resolve = (sysId: string | undefined, fields: Record<string, string>): void => {
    if (sysId) store.update('incident', sysId, fields, 'beth.anglin', { inputDisplayValue: true });
  };
  resolve(good, { comments: 'We are replacing the access point on your floor this afternoon.' });
  resolve(good, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Replaced the faulty access point on floor 4 and re-enabled the SSID.' });
  resolve(lazy, { comments: 'Looking into it.' });
  resolve(lazy, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Fixed.' });
  resolve(silent, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Reinstalled the VPN client and reset the profile on the laptop.' });
  out(`  ${open.map((r) => r['number']).join(', ')} resolved.`);
}

function printSummary(summary: {
  store: ServiceNowStore;
  jiraStore: DemoSandboxes['jiraStore'];
  zendeskStore: DemoSandboxes['zendeskStore'];
  freshserviceStore: DemoSandboxes['freshserviceStore'];
  totals: Totals;
  findings: Findings;
  requests: number;
  auditDir: string;
  configPath: string;
  work: string;
}): void {
  const { store, jiraStore, totals, findings, configPath, work } = summary;
  out('Summary');
  out(
    `  tickets on the platforms: ServiceNow ${store.count('incident')}, Jira ${jiraStore.count()}, Zendesk ${summary.zendeskStore.count()}, Freshservice ${summary.freshserviceStore.count()}; records pulled: ${totals.pulled}; own writes ignored: ${totals.ownWrites}`,
  );
  out(
    `  routed per group: ${
      [...totals.byGroup]
        .sort((a, b) => b[1] - a[1])
        .map(([g, n]) => `${g} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  out(`  writes made: ${totals.written} (assignments, notes, links, problems); HTTP requests: ${summary.requests}`);
  out(
    `  duplicates linked: ${findings.duplicates}; tickets given a list of likely originals: ${findings.suggestions}; problems opened for recurring patterns: ${findings.problems} (${findings.problemLinks} incidents linked to them)`,
  );
  out(`  SLA escalation writes (notes, reassignments, escalation tasks) on tickets past a threshold: ${findings.sla}`);
  out(`  QA verdicts: ${totals.verdicts}, in the hash-chained log ${summary.auditDir}/qa-*.jsonl (every write is in actions-*.jsonl)`);
  out(`  every note ends "— automated note by deskbridge (rule …) · note id [deskbridge:…]": the id is how a retried write is found instead of repeated.`);
  out(`  try: npx deskbridge audit report -c ${configPath} --format html -o qa.html`);
  out(`  State (outbox, ledger, watermark) is in ${join(work, 'state.db')}; try: npx deskbridge outbox list -c ${configPath}`);
}

function addPass(a: PassResult, b: PassResult): PassResult {
  const routedByGroup = { ...a.routedByGroup };
  for (const [group, n] of Object.entries(b.routedByGroup)) routedByGroup[group] = (routedByGroup[group] ?? 0) + n;
  return {
    ...a,
    pulled: a.pulled + b.pulled,
    alreadySeen: a.alreadySeen + b.alreadySeen,
    ownWrites: a.ownWrites + b.ownWrites,
    evaluated: a.evaluated + b.evaluated,
    skipped: a.skipped + b.skipped,
    planned: a.planned + b.planned,
    quarantined: a.quarantined + b.quarantined,
    routedByGroup,
    written: {
      sent: a.written.sent + b.written.sent,
      wouldSend: a.written.wouldSend + b.written.wouldSend,
      unchanged: a.written.unchanged + b.written.unchanged,
      superseded: a.written.superseded + b.written.superseded,
      failed: a.written.failed + b.written.failed,
      dead: a.written.dead + b.written.dead,
    },
  };
}

/** The first event of the next `n` incidents in the log that were reported without a group. */
function nextIncidents<T extends { number: string; assignment_group: string }>(rows: readonly T[], seeded: ReadonlySet<string>, n: number): T[] {
  const picked: T[] = [];
  const numbers = new Set<string>();
  for (const row of rows) {
    if (seeded.has(row.number) || numbers.has(row.number)) continue;
    numbers.add(row.number);
    if (row.assignment_group !== '') continue;
    picked.push(row);
    if (picked.length >= n) break;
  }
  return picked;
}

function count(byGroup: Record<string, number>): number {
  return Object.values(byGroup).reduce((a, b) => a + b, 0);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The heads the daemon recorded for its audit logs (what `audit verify` checks the files against). */
async function auditHeads(daemon: Daemon): Promise<Partial<Record<AuditLogName, ChainHead>>> {
  const heads: Partial<Record<AuditLogName, ChainHead>> = {};
  for (const log of ['qa', 'actions'] as const) {
    const head = await daemon.store.audit.head(log);
    if (head) heads[log] = head;
  }
  return heads;
}
