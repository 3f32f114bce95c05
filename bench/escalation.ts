/**
 * Escalation (ServiceNow → Jira Cloud and → Jira Data Center), over real sockets against the
 * sandboxes, requests counted from the sandboxes' own request logs (API paths only):
 *
 * - the escalation pass over N matching incidents (one copy each: the create, its remote link and
 *   the work note naming it, first attempt): ServiceNow + Jira requests per escalated ticket, and
 *   tickets/s, against the same pass over the same incidents without the escalate rule;
 * - a comment mirrored each way, N at once: the pass that copies them (the comment reads —
 *   ServiceNow's journal, one request per page of ≤100 records; Jira's, one per issue — and the
 *   writes) and the pass after it, in which the side written to reads its new versions and their
 *   comments (nothing is sent back). Original → copy against the same work notes and passes without
 *   the rule; copy → original has no such baseline (without the rule there is no copy to comment on);
 * - an idle pass over the N linked pairs (nothing changed), against the idle pass without the rule.
 *
 * The sandboxes run in this process (the figures are requests and ratios, not the daemon's memory);
 * neither has rate limits or search lag. Page sizes are the sources' defaults (ServiceNow 10,000
 * records, its journal read 1,000 rows per request over ≤100 records; Jira 1,000, as far as the
 * flavour's search allows). `npx tsx bench/escalation.ts [--incidents 200]`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DaemonConfig } from '../src/config/schema.js';
import { Daemon } from '../src/daemon/daemon.js';
import type { PassResult } from '../src/daemon/sync-loop.js';
import { silentLogger } from '../src/observability/logger.js';
import { JiraStore, startJiraSandbox, type JiraSandbox } from '../src/sandbox/jira/index.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../src/sandbox/servicenow/index.js';

const REPO = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const at = args.indexOf('--incidents');
const N = at >= 0 ? Number(args[at + 1]) : 200;

const ESCALATE_RULE = [
  'rules:',
  '  - id: checkout-defects-to-dev',
  '    kind: escalate',
  '    when: $contains($lowercase(title), "checkout")',
  '    scope: { sources: [bench-snow] }',
  '    to: bench-jira',
  '    copy: { container: HADOOP, issueType: Bug, labels: [from-service-desk] }',
  '    sync:',
  '      comments: { fromOriginal: tagged, tag: "#dev", fromCopy: all }',
  '',
].join('\n');
/** The baseline's rules: one that never matches (the pass still maps, evaluates and records every ticket). */
const NO_ESCALATION = ['rules:', '  - id: never', '    kind: routing', '    when: "false"', '    assign: { group: Service Desk }', ''].join('\n');

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(60)} ${value}\n`);
}

function rulesDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-bench-escalation-rules-'));
  writeFileSync(join(dir, 'rules.yaml'), text);
  return dir;
}

interface Logged {
  method: string;
  path: string;
}

/** One kind of request, for the breakdowns: method and path with ids, keys and table names generalised. */
function kind(r: Logged): string {
  const path = r.path
    .replace(/\/api\/now\/table\/sys_journal_field$/, '/journal')
    .replace(/\/api\/now\/table\/incident(\/[0-9a-f]{32})?$/, (_, id: string | undefined) => (id ? '/incident/{id}' : '/incident'))
    .replace(/\/rest\/api\/[23]\//, '/')
    .replace(/\/rest\/servicedeskapi\/request\/[^/]+/, '/servicedesk/request/{id}')
    .replace(/\/issue\/[^/]+/, '/issue/{id}');
  return `${r.method} ${path}`;
}

/** What one phase cost, from the two sandboxes' logs. */
interface Cost {
  snow: Logged[];
  jira: Logged[];
  seconds: number;
  pass: PassResult[];
}

const total = (c: Cost): number => c.snow.length + c.jira.length;
const count = (list: readonly Logged[], test: (k: string) => boolean): number => list.filter((r) => test(kind(r))).length;
const isApi = (r: { path: string }): boolean => r.path.startsWith('/api/') || r.path.startsWith('/rest/');

function breakdown(c: Cost): string {
  const by = new Map<string, number>();
  for (const [side, list] of [
    ['snow', c.snow],
    ['jira', c.jira],
  ] as const)
    for (const r of list) by.set(`${side} ${kind(r)}`, (by.get(`${side} ${kind(r)}`) ?? 0) + 1);
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/**
 * One run: fresh sandboxes (N matching incidents, an empty HADOOP project) and a fresh state, the
 * daemon with `rules`, the same steps whatever the rules: the first pass, a settling pass, a
 * tagged work note on every incident (two passes), a developer's comment on every copy if there are
 * copies (two passes), then an idle pass.
 */
async function run(
  flavour: 'cloud' | 'datacenter',
  rules: string,
): Promise<{ first: Cost; toCopy: [Cost, Cost]; toOriginal: [Cost, Cost] | undefined; idle: Cost; copies: number; mirrored: { toCopy: number; toOriginal: number } }> {
  const store = new ServiceNowStore();
  const incidents = Array.from({ length: N }, (_, i) =>
    store.insert(
      'incident',
      { short_description: `Checkout fails with error 500 for order ${10_000 + i}`, description: `Customer ${i} cannot pay at checkout since this morning`, urgency: '2', impact: '2' },
      'alice',
    ),
  );
  const snow: ServiceNowSandbox = await startServiceNowSandbox({ store });
  const jiraStore = new JiraStore({ flavour });
  const jira: JiraSandbox = await startJiraSandbox({ flavour, store: jiraStore });
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-bench-escalation-'));
  mkdirSync(join(dir, 'audit'));
  const limits = { rateLimit: { requestsPerMinute: 1_000_000, concurrency: 8 }, firstLivePass: { maxWrites: 'off' } };
  const config = DaemonConfig.parse({
    state: { path: join(dir, 'state.db') },
    audit: { dir: join(dir, 'audit') },
    rules,
    mappings: join(REPO, 'mappings'),
    log: { level: 'error' },
    sources: [
      { id: 'bench-snow', platform: 'servicenow', baseUrl: snow.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, overlapSeconds: 60, ...limits },
      {
        id: 'bench-jira',
        platform: 'jira',
        flavour,
        baseUrl: jira.url,
        jql: 'project in (HADOOP)',
        auth: { type: 'basic', username: flavour === 'cloud' ? 'deskbridge@example.com' : 'deskbridge', password: 'deskbridge' },
        groupField: 'customfield_10001',
        overlapSeconds: 60,
        ...limits,
      },
    ],
  });
  const daemon = new Daemon({ config, logger: silentLogger });
  const phase = async (): Promise<Cost> => {
    snow.resetRequestLog();
    jira.resetRequestLog();
    const started = performance.now();
    const { ok, results } = await daemon.runOnce();
    const seconds = (performance.now() - started) / 1000;
    if (!ok) throw new Error(`a ${flavour} pass did not complete: ${JSON.stringify(results.map((r) => ({ source: r.sourceId, written: r.written, pending: r.pendingWrites })))}`);
    return { snow: snow.requestLog.filter(isApi), jira: jira.requestLog.filter(isApi), seconds, pass: results };
  };
  try {
    const first = await phase();
    await phase(); // the copies and the announcing notes read back: own writes, nothing to do
    for (const [i, record] of incidents.entries()) store.update('incident', record['sys_id'] ?? '', { work_notes: `#dev the customer of order ${10_000 + i} says it fails with every card` }, 'alice');
    const toCopy: [Cost, Cost] = [await phase(), await phase()];
    const copies = jiraStore.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')));
    const developer = jiraStore.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'));
    let toOriginal: [Cost, Cost] | undefined;
    if (copies.length > 0 && developer) {
      for (const copy of copies) jiraStore.addComment(copy.id, { body: `Reproduced on ${copy.key}: the payment service times out on card tokens.` }, developer.accountId);
      toOriginal = [await phase(), await phase()];
    }
    const idle = await phase();
    const jiraComments = copies.reduce((n, c) => n + jiraStore.comments(c.id).filter((m) => m.author !== developer?.accountId).length, 0);
    const mirroredBack = incidents.reduce((n, r) => n + store.journal(r['sys_id'] ?? '', 'work_notes').filter((j) => j.value.includes('Reproduced on')).length, 0);
    return { first, toCopy, toOriginal, idle, copies: copies.length, mirrored: { toCopy: jiraComments, toOriginal: mirroredBack } };
  } finally {
    await daemon.stop();
    await snow.close();
    await jira.close();
  }
}

process.stdout.write(`\nEscalation: ${N} matching ServiceNow incidents → one Jira copy each, comments both ways, idle passes (requests from the sandboxes' logs)\n`);
let failed = false;
for (const flavour of ['cloud', 'datacenter'] as const) {
  try {
    const base = await run(flavour, rulesDir(NO_ESCALATION));
    const esc = await run(flavour, rulesDir(ESCALATE_RULE));
    const name = `Jira ${flavour === 'cloud' ? 'Cloud' : 'Data Center'}`;
    if (esc.copies !== N) throw new Error(`${esc.copies} copies opened for ${N} matching incidents`);
    process.stdout.write(`\n   ServiceNow → ${name}\n`);

    // The escalation pass.
    const extra = total(esc.first) - total(base.first);
    const snowExtra = esc.first.snow.length - base.first.snow.length;
    const jiraExtra = esc.first.jira.length - base.first.jira.length;
    line(
      `   requests per escalated ticket (first attempt)`,
      `${(extra / N).toFixed(2)} (ServiceNow ${(snowExtra / N).toFixed(2)} + Jira ${(jiraExtra / N).toFixed(2)}, over the pass without the rule)`,
    );
    line(
      `      Jira: creates / remote links / look-ups per ticket`,
      `${(count(esc.first.jira, (k) => k === 'POST /issue') / N).toFixed(2)} / ${(count(esc.first.jira, (k) => k.endsWith('/remotelink')) / N).toFixed(2)} / ${(
        (count(esc.first.jira, (k) => /search/.test(k)) - count(base.first.jira, (k) => /search/.test(k))) /
        N
      ).toFixed(2)} (label searches: is there a copy already?)`,
    );
    line(`      ServiceNow: notes (PATCH) per ticket`, `${(count(esc.first.snow, (k) => k.startsWith('PATCH')) / N).toFixed(2)}`);
    line(`      the pass: requests, ratio to the pass without the rule`, `${total(esc.first)} / ${total(base.first)} = ${(total(esc.first) / total(base.first)).toFixed(1)}`);
    line(`   escalation pass: tickets/s`, `${(N / esc.first.seconds).toFixed(0)} (${N} escalated in ${esc.first.seconds.toFixed(2)} s; without the rule ${(N / base.first.seconds).toFixed(0)}/s)`);
    line(`      throughput ratio to the pass without the rule`, `${(base.first.seconds / esc.first.seconds).toFixed(2)}`);

    // Original → copy.
    const [aTo, bTo] = esc.toCopy;
    const [aBase, bBase] = base.toCopy;
    const toCopyReq = total(aTo) + total(bTo);
    const toCopyBase = total(aBase) + total(bBase);
    line(
      `   requests per comment mirrored ServiceNow → Jira`,
      `${((toCopyReq - toCopyBase) / Math.max(1, esc.mirrored.toCopy)).toFixed(2)} (${esc.mirrored.toCopy} mirrored; ${toCopyReq} requests in the two passes, ${toCopyBase} without the rule)`,
    );
    line(
      `      journal reads (pages) / Jira comment writes / Jira comment reads`,
      `${count([...aTo.snow, ...bTo.snow], (k) => k === 'GET /journal')} / ${count([...aTo.jira, ...bTo.jira], (k) => k.endsWith('/comment') && k.startsWith('POST'))} / ${count([...aTo.jira, ...bTo.jira], (k) => k === 'GET /issue/{id}/comment')} (writes: ${count([...aTo.jira, ...bTo.jira], (k) => k.startsWith('POST /servicedesk'))} of them Service Desk API probes answered 404; reads: the copies' new versions, the pass after)`,
    );
    line(`      the two passes, ratio to those without the rule`, `${(toCopyReq / toCopyBase).toFixed(2)}`);

    // Copy → original.
    if (esc.toOriginal) {
      const [aBack, bBack] = esc.toOriginal;
      const backReq = total(aBack) + total(bBack);
      line(
        `   requests per comment mirrored Jira → ServiceNow`,
        `${(backReq / Math.max(1, esc.mirrored.toOriginal)).toFixed(2)} (${esc.mirrored.toOriginal} mirrored; ${backReq} requests in the two passes, no baseline: no copies without the rule)`,
      );
      line(
        `      Jira comment reads / ServiceNow note writes / journal reads (pages)`,
        `${count([...aBack.jira, ...bBack.jira], (k) => k === 'GET /issue/{id}/comment')} / ${count([...aBack.snow, ...bBack.snow], (k) => k.startsWith('PATCH'))} / ${count([...aBack.snow, ...bBack.snow], (k) => k === 'GET /journal')}`,
      );
      line(
        `      pulls: Jira searches / ServiceNow incident reads`,
        `${count([...aBack.jira, ...bBack.jira], (k) => /search/.test(k))} / ${count([...aBack.snow, ...bBack.snow], (k) => k === 'GET /incident')}`,
      );
    }

    // Idle.
    line(
      `   requests per idle pass, ${N} linked pairs`,
      `${total(esc.idle)} (ServiceNow ${esc.idle.snow.length}, Jira ${esc.idle.jira.length}); without the rule ${total(base.idle)}: ratio ${(total(esc.idle) / Math.max(1, total(base.idle))).toFixed(2)}`,
    );
    line(
      `      of which comment reads / writes`,
      `${count([...esc.idle.snow, ...esc.idle.jira], (k) => k === 'GET /journal' || k === 'GET /issue/{id}/comment')} / ${[...esc.idle.snow, ...esc.idle.jira].filter((r) => r.method !== 'GET' && !/search/.test(r.path)).length}`,
    );
    if (process.env['DESKBRIDGE_BENCH_REQUESTS']) {
      for (const [label, c] of [
        ['escalation pass', esc.first],
        ['baseline first pass', base.first],
        ['mirror to copy', aTo],
        ['after mirror to copy', bTo],
        ['idle', esc.idle],
        ['baseline idle', base.idle],
      ] as const)
        process.stdout.write(`      ${label}: ${breakdown(c)}\n`);
      if (esc.toOriginal) process.stdout.write(`      mirror to original: ${breakdown(esc.toOriginal[0])}\n      after mirror to original: ${breakdown(esc.toOriginal[1])}\n`);
    }
  } catch (error) {
    failed = true;
    line(`   ${flavour}`, `FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
}
if (failed) process.exitCode = 1;
