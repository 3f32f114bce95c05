import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoFreshserviceStore, demoZendeskStore } from '../../src/cli/demo-helpdesk.js';
import { mulberry32, type FaultConfig, type FaultLogEntry } from '../../src/sandbox/faults.js';
import { CLI_SANDBOX_API_KEY, startFreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';
import { CLI_SANDBOX_ACCOUNT as ZENDESK_ACCOUNT, startZendeskSandbox } from '../../src/sandbox/zendesk/index.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { MAPPINGS, REPO, SEEDED_HISTORY_START } from '../helpers/sandbox-env.js';

/**
 * Issue 14: the crash soak of crash-soak.test.ts (ServiceNow) for the two help desks. A fault-free
 * uninterrupted run (an in-process daemon) against one sandbox is the reference; against an
 * identically seeded sandbox that injects 10% faults, `deskbridge run --once` child processes are
 * SIGKILLed after a random number of their own API requests, KILLS times, then one more run goes
 * to its end. Both sandboxes must end in the same state, with no internal note posted twice.
 */

process.env['E2E_ZD_TOKEN'] = ZENDESK_ACCOUNT.apiToken;
process.env['E2E_FS_API_KEY'] = CLI_SANDBOX_API_KEY;
const HELPDESK_TICKETS = 150;
// Replay and exploration aids: SOAK_SEED varies the faults and the kill points (the default is
// what CI runs); SOAK_LOG_DIR keeps each CLI run's log lines there, at SOAK_LOG_LEVEL (info).
const SEED = Number(process.env['SOAK_SEED'] ?? 0);
const KILLS = 10;

const FAULTS: FaultConfig = {
  rate: 0.1,
  seed: 20261205 + SEED,
  kinds: ['server-error', 'rate-limit', 'timeout', 'reset', 'slow', 'truncated-json', 'malformed-json'],
  afterApplyShare: 0.5,
  retryAfterSeconds: 1,
  timeoutMs: null,
  slowMs: 200,
};

/** What an observer sees per ticket: its group, its person, and deskbridge's internal notes (marker cut out, sorted). */
type Snapshot = Record<string, { group: string; person: string; notes: string[] }>;

interface SoakSandbox {
  url: string;
  /** Freshservice: the account's workspace ids (numbered from 2), all of which the source reads. */
  workspaces?: readonly number[];
  requestLog: readonly unknown[];
  faultLog: readonly FaultLogEntry[];
  snapshot(): Snapshot;
  writes(): number;
}

interface Retry {
  timeoutMs: number;
  breakerCooldownSeconds: number;
}

interface Platform {
  start(e2e: E2eHarness, faults?: FaultConfig): Promise<SoakSandbox>;
  /** The `sources:` entry (indented lines) for a sandbox at `url`. */
  source(sandbox: SoakSandbox, retry: Retry): string[];
}

/**
 * The write's idempotency marker (`deskbridge:<outbox id>`) names an outbox entry of one state
 * file; the reference and the faulty run keep separate ones, so it is cut out before comparing.
 * Doubles are still caught: two notes of one plan have the same text.
 */
function withoutMarker(body: string): string {
  return body.replace(/deskbridge:[0-9a-zA-Z_-]+/g, 'deskbridge:…');
}

const zendesk: Platform = {
  async start(e2e, faults) {
    const store = demoZendeskStore({ tickets: HELPDESK_TICKETS });
    const sandbox = e2e.closeAfter(await startZendeskSandbox({ store, rateLimit: null, exportRateLimit: null, ticketUpdateLimit: null, ...(faults ? { faults } : {}) }));
    return {
      url: sandbox.url,
      requestLog: sandbox.requestLog,
      faultLog: sandbox.faultLog,
      snapshot() {
        const out: Snapshot = {};
        for (const t of store.tickets()) {
          out[`${t.id} ${t.subject}`] = {
            group: t.group_id === null ? '' : (store.group(t.group_id)?.name ?? `#${t.group_id}`),
            person: t.assignee_id === null ? '' : (store.user(t.assignee_id)?.name ?? `#${t.assignee_id}`),
            notes: store
              .comments(t.id)
              .filter((c) => !c.public && c.body.includes('deskbridge:'))
              .map((c) => withoutMarker(c.body))
              .sort(),
          };
        }
        return out;
      },
      writes: () => sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').length,
    };
  },
  source({ url }, retry) {
    return [
      '  - id: soak-zendesk',
      '    platform: zendesk',
      `    baseUrl: ${url}`,
      `    auth: { type: token, email: ${ZENDESK_ACCOUNT.email}, token: "\${E2E_ZD_TOKEN}" }`,
      // Unlimited sandbox: no pacing of the export (Zendesk's own limit is 10 a minute).
      '    exportRequestsPerMinute: 6000',
      // Small pages: more checkpoints for a kill to land between.
      '    pageSize: 50',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      `    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: ${retry.timeoutMs}, breakerCooldownSeconds: ${retry.breakerCooldownSeconds} }`,
    ];
  },
};

const freshservice: Platform = {
  async start(e2e, faults) {
    const store = await demoFreshserviceStore({ tickets: HELPDESK_TICKETS });
    // A ticket can only be assigned to a group of its own workspace, and the demo's store has the
    // rules' groups in the primary one only: the same groups, with the same people, in the others.
    const primary = store.primaryWorkspace().id;
    for (const workspace of store.workspaces()) {
      if (workspace.id === primary) continue;
      for (const group of store.groups().filter((g) => g.workspace_id === primary)) {
        if (!store.groupByName(group.name, workspace.id)) store.addGroup({ name: group.name, workspace_id: workspace.id, members: [...group.members] });
      }
    }
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null, ...(faults ? { faults } : {}) }));
    return {
      url: sandbox.url,
      workspaces: store.workspaces().map((w) => w.id),
      requestLog: sandbox.requestLog,
      faultLog: sandbox.faultLog,
      snapshot() {
        const out: Snapshot = {};
        for (const t of store.tickets()) {
          const agent = t.responder_id === null ? undefined : store.agent(t.responder_id);
          out[`${t.id} ${t.subject}`] = {
            group: t.group_id === null ? '' : `${store.group(t.group_id)?.name ?? `#${t.group_id}`} (workspace ${store.group(t.group_id)?.workspace_id})`,
            person: t.responder_id === null ? '' : agent ? `${agent.first_name} ${agent.last_name ?? ''}`.trim() : `#${t.responder_id}`,
            notes: store
              .notes(t.id)
              .filter((n) => n.private && n.body_text.includes('deskbridge:'))
              .map((n) => withoutMarker(n.body_text))
              .sort(),
          };
        }
        return out;
      },
      writes: () => sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').length,
    };
  },
  source({ url, workspaces }, retry) {
    return [
      '  - id: soak-freshservice',
      '    platform: freshservice',
      `    baseUrl: ${url}`,
      '    auth: { type: apiKey, apiKey: "${E2E_FS_API_KEY}" }',
      `    workspaces: [${(workspaces ?? []).join(', ')}]`,
      '    pageSize: 30',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      `    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: ${retry.timeoutMs}, breakerCooldownSeconds: ${retry.breakerCooldownSeconds} }`,
    ];
  },
};

/** A deskbridge.yaml in a fresh folder with the example routing rules (rules/routing.yaml + rules/team.yaml, as the demo and bench use). */
function writeConfig(e2e: E2eHarness, platform: Platform, sandbox: SoakSandbox, retry: Retry): string {
  const dir = e2e.tempDir('deskbridge-soak-');
  const rules = e2e.tempDir('deskbridge-soak-rules-');
  for (const file of ['routing.yaml', 'team.yaml']) copyFileSync(join(REPO, 'rules', file), join(rules, file));
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(rules)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      `log: { level: ${process.env['SOAK_LOG_LEVEL'] ?? 'info'}, format: json }`,
      'sources:',
      ...platform.source(sandbox, retry),
      '',
    ].join('\n'),
  );
  return path;
}

function duplicatedNotes(snapshot: Snapshot): [string, string[]][] {
  return Object.entries(snapshot)
    .filter(([, t]) => new Set(t.notes).size !== t.notes.length)
    .map(([ticket, t]) => [ticket, t.notes]);
}

describe.each([
  ['zendesk', zendesk],
  ['freshservice', freshservice],
] as const)('crash soak against a faulty %s', (name, platform) => {
  const e2e = useE2e();

  it(`ends, after ${KILLS} SIGKILLs at random points under 10% injected faults, exactly where a fault-free uninterrupted run ends`, async () => {
    const started = Date.now();
    const reference = await platform.start(e2e);
    const faulty = await platform.start(e2e, FAULTS);

    const { daemon, lines } = e2e.daemon(writeConfig(e2e, platform, reference, { timeoutMs: 30_000, breakerCooldownSeconds: 30 }));
    expect(
      (await daemon.runOnce()).ok,
      lines
        .filter((l) => /"level":"(error|warn)"/.test(l))
        .join('\n')
        .slice(0, 6000),
    ).toBe(true);
    await daemon.stop();
    const expected = reference.snapshot();
    // The rules act on the seeded tickets: otherwise this soak would prove nothing.
    const routed = Object.values(expected).filter((t) => t.notes.length > 0).length;
    expect(routed).toBeGreaterThan(20);

    const configPath = writeConfig(e2e, platform, faulty, { timeoutMs: 400, breakerCooldownSeconds: 1 });
    // Seeded, so a failing run can be replayed.
    const random = mulberry32((name === 'zendesk' ? 11 : 13) + SEED);
    let kills = 0;
    let runs = 0;
    let succeeded = false;
    let lastOutput = '';
    while (!succeeded && runs < KILLS + 30) {
      runs++;
      const spawned = e2e.spawnCli(['run', '--once', '--config', configPath]);
      const { child, exited } = spawned;
      if (kills < KILLS) {
        // Killed after a random number (3–24) of its own API requests: in a pull, a write, or the
        // look-up a retried write makes first, whatever the machine's speed.
        const start = faulty.requestLog.length;
        const budget = 3 + Math.floor(random() * 22);
        let done = false;
        let code: number | null = null;
        void exited.then((c) => {
          done = true;
          code = c;
        });
        while (!done && faulty.requestLog.length - start < budget) await new Promise((r) => setTimeout(r, 2));
        if (!done) {
          child.kill('SIGKILL');
          await exited;
          kills++;
        } else {
          succeeded = code === 0 && kills >= KILLS;
        }
      } else {
        succeeded = (await exited) === 0;
      }
      lastOutput = spawned.output();
      if (process.env['SOAK_LOG_DIR']) writeFileSync(join(process.env['SOAK_LOG_DIR'], `${name}-${runs}.log`), lastOutput);
    }

    const actual = faulty.snapshot();
    const faultsAfter = faulty.faultLog.filter((f) => f.phase === 'after').length;
    process.stdout.write(
      `${name} (seed ${SEED}): ${runs} runs, ${kills} kills, ${faulty.faultLog.length} faults injected (${faultsAfter} after the write applied), ${faulty.requestLog.length} requests, ${faulty.writes()} writes (reference ${reference.writes()}), ${routed} tickets routed, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    expect(kills).toBe(KILLS);
    expect(succeeded, lastOutput.slice(-3000)).toBe(true);
    expect(faulty.faultLog.length).toBeGreaterThan(20);
    expect(faultsAfter).toBeGreaterThan(0);
    expect(duplicatedNotes(actual)).toEqual([]);
    expect(actual).toEqual(expected);
    expect(faulty.writes()).toBeGreaterThanOrEqual(reference.writes());
  }, 480_000);
});
