/**
 * deskbridge benchmarks — figures, not pass/fail. Run with `npm run bench`.
 *
 * 1. Rules throughput: canonical mapping + routing over real incident records, against raw
 *    JSONata evaluation of the same expressions (the inbound mapping and every rule condition,
 *    compiled once) — the ratio says what our pipeline (zod validation, state, planning) costs.
 * 2. Full sync of the sandbox seeded with the whole UCI ServiceNow event log (24,918 incidents):
 *    tickets per second and API calls per ticket, with writes, against a dry-run pass of the same
 *    data (pull + plan, no writes) as the baseline.
 * 3. Peak memory (max RSS) of the process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jsonata from 'jsonata';
import { DaemonConfig } from '../src/config/schema.js';
import { Daemon } from '../src/daemon/daemon.js';
import { BatchState } from '../src/daemon/batch-state.js';
import { evaluateTicket, planActions } from '../src/engine/index.js';
import { compileRuleSet } from '../src/engine/rule-set.js';
import { loadPlatformMappings, mapInbound } from '../src/mapping/mapper.js';
import { RulesFile } from '../src/model/rule.js';
import { silentLogger } from '../src/observability/logger.js';
import { createServiceNowConnector } from '../src/platforms/servicenow/index.js';
import { readEventLog, seedFromEventLog, ServiceNowStore, startServiceNowSandbox } from '../src/sandbox/servicenow/index.js';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';

const REPO = resolve(import.meta.dirname, '..');
const RULES_DIR = join(REPO, 'rules');
const MAPPINGS_DIR = join(REPO, 'mappings');

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}

function sourceConfig(url: string, dir: string, dryRun: boolean): DaemonConfig {
  return DaemonConfig.parse({
    state: { path: join(dir, dryRun ? 'dry.db' : 'full.db') },
    rules: RULES_DIR,
    mappings: MAPPINGS_DIR,
    dryRun,
    log: { level: 'error' },
    sources: [
      {
        id: 'bench-snow',
        platform: 'servicenow',
        baseUrl: url,
        auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' },
        pageSize: 500,
        rateLimit: { requestsPerMinute: 1_000_000, concurrency: 8 },
      },
    ],
  });
}

async function main(): Promise<void> {
  process.stdout.write('deskbridge bench (Node ' + process.version + ')\n\n');
  const rows = await readEventLog();
  const rulesFile = RulesFile.parse(parse(readFileSync(join(RULES_DIR, 'routing.yaml'), 'utf8')));
  const ruleSet = compileRuleSet(rulesFile.rules);
  const mappings = loadPlatformMappings(MAPPINGS_DIR, 'servicenow');

  // --- 1. rules throughput ------------------------------------------------------------------
  const recordStore = new ServiceNowStore();
  await seedFromEventLog(recordStore, { stage: 'last', titles: true, rows });
  const sandbox = await startServiceNowSandbox({ store: recordStore });
  const connector = createServiceNowConnector(sourceConfig(sandbox.url, tmpdir(), true).sources[0]!, {});
  const records: Record<string, unknown>[] = [];
  for await (const page of connector.pull({ from: null, fields: [...mappings.inbound.rootFields] })) for (const r of page.records) records.push(r.raw);
  await sandbox.close();
  const context = { platform: 'servicenow', sourceId: 'bench-snow', container: 'incident', baseUrl: sandbox.url };

  const rawInbound = jsonata(mappings.sources.inbound);
  const rawConditions = ruleSet.rules.map((r) => jsonata(r.rule.when));
  async function rawPass(): Promise<number> {
    let matches = 0;
    for (const record of records) {
      const ticket = (await rawInbound.evaluate(record, { source: { id: 'bench-snow', table: 'incident', baseUrl: sandbox.url } })) as Record<string, unknown>;
      for (const condition of rawConditions) if (await condition.evaluate(ticket)) matches++;
    }
    return matches;
  }
  async function oursPass(): Promise<number> {
    let planned = 0;
    const state = new BatchState(new Map(), new Map());
    for (const record of records) {
      const ticket = await mapInbound(mappings, record, context);
      const evaluation = await evaluateTicket(ticket, ruleSet, state, { sourceId: 'bench-snow', now: new Date() });
      planned += planActions(ticket, evaluation.decisions, 'bench-snow').length;
    }
    return planned;
  }
  await rawPass(); // warm-up
  await oursPass();
  const t0 = performance.now();
  await rawPass();
  const rawSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const planned = await oursPass();
  const oursSeconds = (performance.now() - t1) / 1000;
  const rawTps = records.length / rawSeconds;
  const oursTps = records.length / oursSeconds;
  process.stdout.write(`1. Mapping + routing over ${records.length} real incidents (${ruleSet.rules.length} rules, example rules/routing.yaml)\n`);
  line('   raw JSONata (inbound mapping + every condition)', `${Math.round(rawTps).toLocaleString('en')} tickets/s`);
  line('   deskbridge (map + zod validate + route + plan)', `${Math.round(oursTps).toLocaleString('en')} tickets/s (${planned} actions)`);
  line('   ratio deskbridge / raw JSONata', `${(oursTps / rawTps).toFixed(2)}`);

  // --- 2. full sync -------------------------------------------------------------------------
  process.stdout.write(`\n2. Full sync of the sandbox seeded with the whole event log (stage: as first reported)\n`);
  const results: Record<string, { seconds: number; tickets: number; requests: number; writes: number }> = {};
  for (const mode of ['dry-run', 'full'] as const) {
    const store = new ServiceNowStore();
    const seeded = await seedFromEventLog(store, { stage: 'first', titles: true, rows });
    const sb = await startServiceNowSandbox({ store });
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-bench-'));
    const daemon = new Daemon({ config: sourceConfig(sb.url, dir, mode === 'dry-run'), logger: silentLogger });
    const start = performance.now();
    const { results: passResults } = await daemon.runOnce();
    const seconds = (performance.now() - start) / 1000;
    const requests = sb.requestLog.filter((r) => r.path.startsWith('/api/')).length;
    const writes = sb.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').length;
    results[mode] = { seconds, tickets: seeded.incidents, requests, writes };
    const pass = passResults[0];
    line(`   ${mode}: tickets/s`, `${Math.round(seeded.incidents / seconds).toLocaleString('en')} (${seconds.toFixed(1)} s, ${pass?.planned ?? 0} actions planned)`);
    line(`   ${mode}: API calls per ticket`, `${(requests / seeded.incidents).toFixed(3)} (${requests} requests, ${writes} writes)`);
    await daemon.stop();
    await sb.close();
  }
  const dry = results['dry-run']!;
  const full = results['full']!;
  line('   API calls per ticket, full / dry-run', `${(full.requests / full.tickets / (dry.requests / dry.tickets)).toFixed(2)}`);
  line('   throughput, full / dry-run', `${(full.tickets / full.seconds / (dry.tickets / dry.seconds)).toFixed(2)}`);

  // --- 3. memory ----------------------------------------------------------------------------
  process.stdout.write('\n3. Memory\n');
  line('   peak RSS of this process (sandbox + daemon + data)', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

await main();
