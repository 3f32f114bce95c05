import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { mulberry32 } from '../../src/sandbox/faults.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const INCIDENTS = 300;
const KILLS = 12;
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-soak');

/** Problems by correlation id, with their members (incident numbers) and final text. */
function problemsOf(sandbox: ServiceNowSandbox): Map<string, { members: string[]; title: string; description: string }> {
  const { store } = sandbox;
  const byId = new Map<string, string>();
  const out = new Map<string, { members: string[]; title: string; description: string }>();
  for (const p of store.list('problem')) {
    const key = p['correlation_id'] ?? '';
    // Problems the event log itself references are seeded too; only deskbridge's count here.
    if (!key.startsWith('deskbridge:')) continue;
    expect(out.has(key), `two problems for ${key}`).toBe(false);
    byId.set(p['sys_id'] ?? '', key);
    out.set(key, { members: [], title: p['short_description'] ?? '', description: p['description'] ?? '' });
  }
  for (const incident of store.list('incident')) {
    const key = byId.get(incident['problem_id'] ?? '');
    if (key !== undefined) out.get(key)?.members.push(incident['number'] ?? '');
  }
  for (const p of out.values()) p.members.sort();
  return out;
}

function routingOf(sandbox: ServiceNowSandbox): Record<string, string> {
  const { store } = sandbox;
  return Object.fromEntries(store.list('incident').map((r) => [r['number'] ?? '', `${store.displayValue('incident', r, 'assignment_group')}/${store.displayValue('incident', r, 'assigned_to')}`]));
}

describe('crash soak with dedup and pattern rules', () => {
  const e2e = useE2e();

  it(`after ${KILLS} SIGKILLs under 10% faults: one problem per pattern with the same members as an uninterrupted run, no duplicate note, link or chain`, async () => {
    const reference = await e2e.serviceNow({ eventLogIncidents: INCIDENTS });
    const faults = {
      rate: 0.1,
      seed: 4242,
      kinds: ['server-error', 'rate-limit', 'timeout', 'reset', 'truncated-json'] as const,
      afterApplyShare: 0.5,
      retryAfterSeconds: 1,
      timeoutMs: null,
      slowMs: 200,
    };
    const faulty = await e2e.serviceNow({ eventLogIncidents: INCIDENTS }, { faults: { ...faults, kinds: [...faults.kinds] } });

    const { daemon } = e2e.daemon(writeConfig(reference.url, { rules: RULES }), { logger: silentLogger });
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const expectedProblems = problemsOf(reference);
    expect(expectedProblems.size).toBeGreaterThan(0);

    const configPath = writeConfig(faulty.url, { rules: RULES, requestsPerMinute: 12_000, timeoutMs: 400, breakerCooldownSeconds: 1 });
    const random = mulberry32(11);
    let kills = 0;
    let succeeded = false;
    for (let runs = 0; !succeeded && runs < KILLS + 40; runs++) {
      const { child, exited } = e2e.spawnCli(['run', '--once', '--config', configPath]);
      if (kills >= KILLS) {
        succeeded = (await exited) === 0;
        continue;
      }
      const start = faulty.requestLog.length;
      const budget = 3 + Math.floor(random() * 12);
      let code: number | null | undefined;
      void exited.then((c) => {
        code = c;
      });
      while (code === undefined && faulty.requestLog.length - start < budget) await new Promise((r) => setTimeout(r, 2));
      if (code === undefined) {
        child.kill('SIGKILL');
        await exited;
        kills++;
      }
    }
    expect(kills).toBe(KILLS);
    expect(succeeded).toBe(true);

    // Routing and patterns depend on counts and order only: exactly the uninterrupted result.
    expect(routingOf(faulty)).toEqual(routingOf(reference));
    const actualProblems = problemsOf(faulty);
    expect([...actualProblems.keys()].sort()).toEqual([...expectedProblems.keys()].sort());
    for (const [key, problem] of expectedProblems) {
      expect(actualProblems.get(key)?.members, key).toEqual(problem.members);
      expect(actualProblems.get(key)?.title, key).toBe(problem.title);
      for (const number of problem.members) expect(actualProblems.get(key)?.description, key).toContain(number);
    }

    // Duplicates (text scores depend on what the index held at the time, so not compared with
    // the reference): no note twice, at most one dedup verdict per ticket, no self-link, no chain.
    const { store } = faulty;
    const parents = new Map<string, string>();
    for (const incident of store.list('incident')) {
      const notes = store
        .journal(incident['sys_id'] ?? '')
        .filter((j) => j.value.includes('[deskbridge:'))
        .map((j) => j.value);
      expect(new Set(notes).size, incident['number']).toBe(notes.length);
      const verdicts = notes.filter((n) => n.includes('may describe the same issue') || n.includes('linked this ticket as a duplicate'));
      expect(verdicts.length, incident['number']).toBeLessThanOrEqual(1);
      const parent = incident['parent_incident'] ?? '';
      if (parent !== '') parents.set(incident['sys_id'] ?? '', parent);
    }
    // The run did exercise every kind of write.
    expect(parents.size).toBeGreaterThan(0);
    expect([...actualProblems.values()].reduce((n, p) => n + p.members.length, 0)).toBeGreaterThan(expectedProblems.size);
    for (const [child, parent] of parents) {
      expect(parent).not.toBe(child);
      expect(parents.has(parent), `chain through ${parent}`).toBe(false);
    }
  }, 480_000);
});
