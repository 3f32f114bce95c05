import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { MAPPINGS, SEEDED_HISTORY_START } from '../helpers/sandbox-env.js';
import { CLI_SANDBOX_API_KEY, FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';

process.env['E2E_FS_API_KEY'] = CLI_SANDBOX_API_KEY;

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

/** A deskbridge.yaml with one Freshservice source over both seeded workspaces; returns its path. */
function writeConfig(dir: string, sandbox: FreshserviceSandbox, workspaces: readonly number[]): string {
  const rules = join(dir, 'rules');
  mkdirSync(rules, { recursive: true });
  writeFileSync(join(rules, 'routing.yaml'), RULES);
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(rules)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      '  - id: sandbox-fs',
      '    platform: freshservice',
      `    baseUrl: ${sandbox.url}`,
      '    auth: { type: apiKey, apiKey: "${E2E_FS_API_KEY}" }',
      `    workspaces: [${workspaces.join(', ')}]`,
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      '    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: 3000 }',
      '',
    ].join('\n'),
  );
  return path;
}

function writes(sandbox: FreshserviceSandbox): number {
  return sandbox.requestLog.filter((entry) => entry.method !== 'GET').length;
}

describe('daemon against the Freshservice sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('routes every matching ticket of both workspaces once with one private note, and a later pass writes nothing', async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null }));
    const network = store.groups().find((group) => group.name === 'Network');
    const expected = store.tickets().filter((ticket) => ticket.category === 'Network' && ticket.group_id === null && ticket.status !== 4 && ticket.status !== 5);
    const { daemon, lines } = e2e.daemon(
      writeConfig(
        e2e.tempDir(),
        sandbox,
        store.workspaces().map((w) => w.id),
      ),
    );

    const first = await daemon.runOnce();
    expect(first.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    expect(expected.length).toBeGreaterThan(0);
    for (const ticket of expected) {
      expect(store.ticket(ticket.id)?.group_id, String(ticket.id)).toBe(network?.id);
      const notes = store.notes(ticket.id).filter((note) => note.body.includes('deskbridge e2e'));
      expect(notes, String(ticket.id)).toHaveLength(1);
      expect(notes[0]?.private).toBe(true);
    }

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

  it('with 10% injected faults ends where a clean run ends: each matching ticket routed, one note each', async () => {
    const ends: Record<string, string>[] = [];
    for (const faults of [null, { rate: 0.1, seed: 7 }]) {
      const store = new FreshserviceStore();
      seedFixtures(store);
      const sandbox = e2e.closeAfter(await startFreshserviceSandbox({ store, rateLimit: null, faults }));
      const { daemon } = e2e.daemon(
        writeConfig(
          e2e.tempDir(),
          sandbox,
          store.workspaces().map((w) => w.id),
        ),
      );
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
});
