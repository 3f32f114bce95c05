import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load-config.js';
import { Daemon } from '../daemon/daemon.js';
import type { PassResult, SyncEvent } from '../daemon/sync-loop.js';
import type { EscalationLink } from '../model/escalation.js';
import { createLogger } from '../observability/logger.js';
import { describeAction } from '../outbox/writer.js';
import { loadTicketTexts, raiseIncident, readEventLog, replayEventLog, seedFixtures, seedFromEventLog, ServiceNowStore, startServiceNowSandbox } from '../sandbox/servicenow/index.js';
import { startJiraSandbox, type JiraStore } from '../sandbox/jira/index.js';
import { formatVerifyResult, verifyAll, type AuditLogName, type ChainHead } from '../audit/index.js';
import { DEMO_DEV_PROJECT, DEMO_DEV_TEAM, DEMO_DEVELOPER, demoJiraStore, demoTeamIds } from './demo-jira.js';
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
 * incidents arriving, an application defect escalated to the developers' Jira project and kept in
 * step with its copy, and a last pass showing that nothing is written twice.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const work = join(REPO_ROOT, '.deskbridge', 'demo');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  out(
    "deskbridge demo — simulated ServiceNow, Jira Cloud, Zendesk and Freshservice side by side, the same example rules in rules/ (routing by shift, duplicates, recurring patterns, QA, SLA) plus an escalation from ServiceNow to the developers' Jira, the real daemon.",
  );
  const sandboxes = await startDemoSandboxes(options);
  const { store, jiraStore, sandbox, jira, zendesk, freshservice } = sandboxes;
  const rulesDir = writeDemoRules(work);
  const configPath = writeDemoConfig(work, rulesDir, {
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
    let pass = 0;
    const nextPass = (): number => ++pass;
    out(`Pass ${nextPass()} — first sync of the queue:`);
    const first = tally((await daemon.runOnce()).results);
    out(`  pulled ${first?.pulled ?? 0} tickets from the four platforms, routed ${first ? count(first.routedByGroup) : 0}, ${first?.written.sent ?? 0} writes.`);

    out();
    await newTicketsArrive(sandboxes);
    out(`Pass ${nextPass()} — incremental sync (only what changed since the watermark):`);
    const second = tally((await daemon.runOnce()).results);
    out(
      `  pulled ${second?.pulled ?? 0} records: ${second?.alreadySeen ?? 0} already processed (overlap window), ${second?.ownWrites ?? 0} deskbridge's own writes from pass 1 (recognised, left alone); routed ${second ? count(second.routedByGroup) : 0}.`,
    );

    out();
    // Jira's search index lags behind writes: the portal requests may not have been searchable
    // during pass 2. The overlap window brings them in on the next pass; nothing is lost.
    await new Promise((resolve) => setTimeout(resolve, 700));
    out(`Pass ${nextPass()} — Jira's search index has caught up with anything it was still indexing:`);
    const third = tally((await daemon.runOnce()).results);
    out(`  pulled ${third?.pulled ?? 0} (${third?.alreadySeen ?? 0} already processed, ${third?.ownWrites ?? 0} own writes), routed ${third ? count(third.routedByGroup) : 0}.`);

    out();
    await escalationAct({ daemon, store, jiraStore, tally, nextPass });

    out();
    techniciansResolve(store);
    out(`Pass ${nextPass()} — QA checks the newly resolved incidents:`);
    const verdictsBefore = totals.verdicts;
    const qaPass = tally((await daemon.runOnce()).results);
    out(`  ${totals.verdicts - verdictsBefore} QA verdicts logged; ${qaPass?.written.sent ?? 0} QA notes written (checks failed, or picked for a review).`);
    const audit = verifyAll(config.audit.dir, await auditHeads(daemon));
    for (const r of audit.results) out(`  audit verify: ${formatVerifyResult(r)}`);

    out();
    out(`Pass ${nextPass()} — nothing changed, so nothing is written:`);
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
      out(`Console: ${url ?? ''}  — the sources, the ${pass} passes above, the outbox, tickets with a live explain, rules and reports.`);
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
  const jiraStore = await demoJiraStore({ hadoopIssues: options.jiraIssues, devProject: true });
  const jira = await startJiraSandbox({ flavour: 'cloud', store: jiraStore, searchLagMs: 500 });
  out(
    `Sandbox Jira Cloud at ${jira.url}: ${jiraStore.count()} issues (${options.jiraIssues} Apache Hadoop bug reports, the rest JSM incidents), and the web shop developers' project ${DEMO_DEV_PROJECT.key}, empty; search lags writes by 0.5 s, like the real index.`,
  );
  // No rate limits in the demo: it shows what the rules do, the benchmarks show pacing.
  const zendeskStore = demoZendeskStore({ tickets: options.helpdeskTickets });
  const zendesk = await startZendeskSandbox({ store: zendeskStore, rateLimit: null, exportRateLimit: null, ticketUpdateLimit: null });
  out(`Sandbox Zendesk at ${zendesk.url}: ${zendeskStore.count()} tickets (${options.helpdeskTickets} real help-desk tickets, the rest hand-written).`);
  const freshserviceStore = await demoFreshserviceStore({ tickets: options.helpdeskTickets });
  const freshservice = await startFreshserviceSandbox({ store: freshserviceStore, rateLimit: null });
  out(`Sandbox Freshservice at ${freshservice.url}: ${freshserviceStore.count()} tickets in two workspaces (${options.helpdeskTickets} real help-desk tickets, the rest hand-written).`);
  return { store, rows, seeded, sandbox, jiraStore, jira, zendeskStore, zendesk, freshserviceStore, freshservice };
}

/**
 * The demo's rules folder: the example rules of rules/ as they are (and the team file beside them),
 * plus the escalate rule of the escalation act, which names the demo's sources (`to:` must be a
 * configured source, so it has no place among the starter rules). Returns its path.
 */
function writeDemoRules(work: string): string {
  const dir = join(work, 'rules');
  mkdirSync(dir, { recursive: true });
  const examples = join(REPO_ROOT, 'rules');
  for (const file of readdirSync(examples).filter((f) => /\.ya?ml$/.test(f))) copyFileSync(join(examples, file), join(dir, file));
  writeFileSync(join(dir, 'escalate.yaml'), ESCALATE_RULES);
  return dir;
}

/** The escalation act's rule (written beside the example rules, see writeDemoRules). */
const ESCALATE_RULE_ID = 'checkout-defects-to-web-team';
const ESCALATE_RULES = [
  '# Written by `deskbridge demo`: the escalation act. Application defects the service desk cannot fix',
  "# get a linked copy in the web shop developers' Jira project; the two are then kept in step.",
  'rules:',
  `  - id: ${ESCALATE_RULE_ID}`,
  '    kind: escalate',
  "    description: Checkout failures are defects in the web shop's code, fixed by its developers",
  '    when: $contains($lowercase(title), "checkout") and status in ["new", "open", "in_progress"]',
  '    scope: { sources: [sandbox-snow] }',
  '    to: sandbox-jira',
  '    copy:',
  `      container: ${DEMO_DEV_PROJECT.key}`,
  '      issueType: Bug',
  '      labels: [from-service-desk]',
  '    sync:',
  '      # Developers see the work notes the desk tags #dev; the desk sees every comment of the developers.',
  '      comments: { fromOriginal: tagged, tag: "#dev", fromCopy: all }',
  '      copyResolved:',
  '        set:',
  '          state: Resolved',
  '          close_code: Solved (Permanently)',
  '          close_notes: "Fixed by the web shop developers in {{ $copy.number }}"',
  '',
].join('\n');

/** The demo's deskbridge.yaml: the four sandboxes as sources, the demo's rules (see writeDemoRules) and the example mappings. Returns its path. */
function writeDemoConfig(
  work: string,
  rulesDir: string,
  urls: { console: DemoOptions['console']; snow: string; jira: string; zendesk: string; freshservice: string; freshserviceWorkspaces: number[] },
): string {
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
      `rules: ${JSON.stringify(rulesDir)}`,
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
      `    jql: project in (ITSM, HADOOP, ${DEMO_DEV_PROJECT.key})`,
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

type Findings = { duplicates: number; suggestions: number; problems: number; problemLinks: number; sla: number; escalated: number; mirrored: number; resolvedFromCopy: number };

/** Prints each planned action once it is written, and counts what the demo found. */
function narrator(): { onEvent: (event: SyncEvent) => void; findings: Findings } {
  const routed = new Map<string, string>();
  const findings = { duplicates: 0, suggestions: 0, problems: 0, problemLinks: 0, sla: 0, escalated: 0, mirrored: 0, resolvedFromCopy: 0 };
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
      if (action.type === 'escalate')
        routed.set(
          event.action.id,
          `${platform}  ${number} escalated to ${action.to}${action.container ? ` (project ${action.container})` : ''}: "${truncate(action.title, 60)}"  [rule ${event.action.ruleId}]`,
        );
    }
    // Escalation sync: a write planned on one end of an escalation for the other end (`via` its source).
    if (event.type === 'planned' && event.action.via !== undefined && event.action.via !== event.sourceId) {
      const { action, target, via, ruleId } = event.action;
      const what = event.action.explanation.replace(/^Escalation [^:]*: /, '');
      const other = (PLATFORM_LABELS[via] ?? via).trim();
      if (action.type === 'comment' && event.action.plan?.includes(':comment:')) {
        // The mirrored text is "<who> on <where>, <when>:" and a blank line before the comment itself.
        const said = action.body.split('\n\n').slice(1).join(' ');
        routed.set(event.action.id, `${platform}  ${what}, as ${noteKind(via, action.visibility)}: "${truncate(said, 60)}"  [rule ${ruleId}]`);
      } else if (action.type === 'comment') {
        routed.set(event.action.id, `${platform}  ${what}: ${noteKind(via, action.visibility)} on ${other} ${target.number} says "${truncate(action.body, 50)}"  [rule ${ruleId}]`);
      }
      if (action.type === 'set-field') routed.set(event.action.id, `${platform}  ${what} = "${String(action.value)}"  [rule ${ruleId}]`);
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
        if (action.type === 'escalate') findings.escalated++;
        if (event.action.plan?.includes(':comment:') && event.action.via !== undefined) findings.mirrored++;
        if (event.action.plan?.includes(':copy-done:') && action.type === 'set-field' && action.field === 'state') findings.resolvedFromCopy++;
      }
    }
    if (event.type === 'quarantined') out(`  quarantined ${event.nativeId ?? '(unreadable record)'}: ${event.error}`);
  };
  return { onEvent, findings };
}

/** What a copied comment becomes on the other side: a work note or an additional comment on ServiceNow, a comment on Jira. */
function noteKind(sourceId: string, visibility: 'internal' | 'public'): string {
  if (sourceId === 'sandbox-snow') return visibility === 'internal' ? 'a work note' : 'an additional comment';
  return visibility === 'internal' ? 'an internal comment' : 'a comment';
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

/**
 * The escalation act: an application defect reported to the service desk gets a linked copy in the
 * developers' Jira project (the escalate rule of writeDemoRules); a developer's comment comes back
 * to the incident as a work note, the agent's work note tagged #dev goes to the copy (the untagged
 * one stays on the desk), and the developer resolving the copy resolves the incident with a note.
 */
async function escalationAct(act: { daemon: Daemon; store: ServiceNowStore; jiraStore: JiraStore; tally: (results: PassResult[]) => PassResult | undefined; nextPass: () => number }): Promise<void> {
  const { daemon, store, jiraStore, tally, nextPass } = act;
  out("A customer reports that checkout fails on the web shop — a defect in the shop's code, which only its developers can fix:");
  const incident = raiseIncident(store, {
    title: 'Checkout fails with error 500 when paying by card',
    category: 'software',
    fields: {
      description: 'Since this morning every card payment at checkout ends in "Error 500 — something went wrong". PayPal still works. Several customers have called.',
      urgency: '2',
      impact: '2',
    },
  });
  const number = incident['number'] ?? '';
  const sysId = incident['sys_id'] ?? '';
  out(`  ${number} "${incident['short_description'] ?? ''}" raised in ServiceNow.`);
  out(`Pass ${nextPass()} — the escalate rule opens one linked copy in the developers' Jira project ${DEMO_DEV_PROJECT.key} and names it on the incident:`);
  tally((await daemon.runOnce()).results);
  const link: EscalationLink | undefined = (await daemon.store.escalations.ofTicket('sandbox-snow', sysId)).find((l) => l.ruleId === ESCALATE_RULE_ID);
  if (!link) {
    out(`  no copy was opened for ${number}; see the outbox (npx deskbridge outbox list).`);
    return;
  }
  const copy = jiraStore.get(link.copy.nativeId);
  const copyKey = link.copy.number;
  const labels = (copy?.labels ?? []).map((l) => l.replace(/^(deskbridge-esc-).+$/, '$1…'));
  out(`  copy: ${copyKey} "${copy?.summary ?? ''}" (${copy?.issueType ?? ''}, labels ${labels.join(', ')}) — ${link.copy.url ?? ''}`);
  const remote = jiraStore.remoteLinks(link.copy.nativeId).map((l) => `${l.object.title} (${l.object.url})`);
  out(`  ${copyKey} links back to ${remote.join(', ') || '(no remote link)'}`);
  const announced = store
    .journal(sysId, 'work_notes')
    .map((j) => j.value)
    .find((note) => note.includes(copyKey));
  out(`  work note on ${number}: "${(announced ?? '').split('\n').slice(0, 2).join(' ')}"`);

  out();
  const developer = jiraStore.findUser(DEMO_DEVELOPER.name);
  out(
    `${developer?.displayName ?? 'A developer'} takes ${copyKey} (team ${DEMO_DEV_TEAM.name}) and comments on it; the agent leaves two work notes on ${number}, one tagged #dev for the developers, one for the desk only:`,
  );
  jiraStore.updateIssue(link.copy.nativeId, { team: DEMO_DEV_TEAM.id, assignee: developer?.accountId ?? null }, developer?.accountId ?? '');
  jiraStore.addComment(link.copy.nativeId, { body: 'Reproduced: since the 09:30 release the payment service rejects the new card tokens. Rolling the tokenizer back.' }, developer?.accountId ?? '');
  store.update('incident', sysId, { work_notes: '#dev Visa and Mastercard both fail; the customer sees it on the phone and on the desktop site.' }, 'beth.anglin');
  store.update('incident', sysId, { work_notes: 'Called the customer back and suggested PayPal meanwhile.' }, 'beth.anglin');
  // Jira's search index lags writes by 0.5 s: the comment's update is searchable after that.
  await new Promise((resolve) => setTimeout(resolve, 700));
  out(`Pass ${nextPass()} — each shared comment is copied to the other side once (deskbridge's own notes, and the untagged work note, stay where they are):`);
  tally((await daemon.runOnce()).results);

  out();
  out(`${developer?.displayName ?? 'The developer'} deploys the fix, says so on ${copyKey} and resolves it:`);
  jiraStore.addComment(link.copy.nativeId, { body: 'Fixed in release 2026.12.2: the tokenizer is rolled back and card payments go through again.' }, developer?.accountId ?? '');
  const resolveIssue = jiraStore.transitions(link.copy.nativeId).find((t) => t.name === 'Resolve Issue');
  if (resolveIssue) jiraStore.transition(link.copy.nativeId, resolveIssue.id, developer?.accountId ?? '');
  out(`  ${copyKey} is ${jiraStore.get(link.copy.nativeId)?.status ?? '?'}.`);
  await new Promise((resolve) => setTimeout(resolve, 700));
  out(`Pass ${nextPass()} — ${number} is told, and resolved, because its copy is:`);
  tally((await daemon.runOnce()).results);
  const after = store.get('incident', sysId);
  out(`  ${number}: state ${after?.['state'] === '6' ? 'Resolved' : (after?.['state'] ?? '?')}, close code "${after?.['close_code'] ?? ''}", close notes "${after?.['close_notes'] ?? ''}".`);
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
  out(
    `  escalated to the developers' Jira: ${findings.escalated} ${findings.escalated === 1 ? 'incident' : 'incidents'} (one linked copy each, a remote link back, a work note naming it); comments copied across: ${findings.mirrored}; incidents resolved because their copy was: ${findings.resolvedFromCopy}`,
  );
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
