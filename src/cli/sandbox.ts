import { CLI_SANDBOX_ACCOUNT, FIXTURE_INCIDENTS, seedFixtures, seedFromEventLog, startServiceNowSandbox, ServiceNowStore } from '../sandbox/servicenow/index.js';
import { startJiraSandbox } from '../sandbox/jira/index.js';
import { demoJiraStore } from './demo-jira.js';
import { parseFaultSpec } from '../sandbox/faults.js';
import { SANDBOX_SEEDS, type SandboxPlatform } from './sandbox-seeds.js';

export { DEFAULT_SANDBOX, SANDBOX_SEEDS, type SandboxPlatform } from './sandbox-seeds.js';

export interface SandboxCommandOptions {
  platform: SandboxPlatform;
  flavour: 'cloud' | 'datacenter';
  port: string;
  seed: 'fixtures' | 'event-log' | 'hadoop' | 'none';
  limit: string;
  rateLimit?: string;
  rateWindow: string;
  searchLagMs?: string;
  faults?: string;
}

/** `deskbridge sandbox`: a simulated ServiceNow or Jira to point a config at. Runs until Ctrl-C. */
export async function sandboxCommand(opts: SandboxCommandOptions): Promise<void> {
  const fits: readonly string[] = SANDBOX_SEEDS[opts.platform];
  if (!fits.includes(opts.seed)) {
    throw new Error(`--seed ${opts.seed} does not fit --platform ${opts.platform}; use one of: ${fits.join(', ')}`);
  }
  const rateLimit = opts.rateLimit ? { rateLimit: { limit: Number(opts.rateLimit), windowSeconds: Number(opts.rateWindow) } } : {};
  const faults = opts.faults ? { faults: parseFaultSpec(opts.faults) } : {};
  let close: () => Promise<void>;
  if (opts.platform === 'jira') {
    const store = await demoJiraStore({ hadoopIssues: opts.seed === 'hadoop' ? Number(opts.limit) : 0, flavour: opts.flavour, fixtures: opts.seed !== 'none' });
    const sandbox = await startJiraSandbox({ flavour: opts.flavour, port: Number(opts.port), store, ...rateLimit, ...faults, ...(opts.searchLagMs ? { searchLagMs: Number(opts.searchLagMs) } : {}) });
    process.stdout.write(`Jira ${opts.flavour} sandbox listening on ${sandbox.url} (deskbridge@example.com or deskbridge / token deskbridge; ${store.count()} issues). Ctrl-C stops it.\n`);
    close = () => sandbox.close();
  } else {
    const store = new ServiceNowStore();
    if (opts.seed === 'fixtures') seedFixtures(store);
    if (opts.seed === 'event-log') {
      const seeded = await seedFromEventLog(store, { stage: 'first', limit: Number(opts.limit), titles: true });
      process.stdout.write(`seeded ${seeded.incidents} incidents from the UCI ServiceNow event log\n`);
    }
    const sandbox = await startServiceNowSandbox({ port: Number(opts.port), store, users: [CLI_SANDBOX_ACCOUNT], ...rateLimit, ...faults });
    process.stdout.write(
      `ServiceNow sandbox listening on ${sandbox.url} (user ${CLI_SANDBOX_ACCOUNT.userName} / password ${CLI_SANDBOX_ACCOUNT.password}; ${store.count('incident')} incidents${opts.seed === 'fixtures' ? `, ${FIXTURE_INCIDENTS.length} fixtures` : ''}). Ctrl-C stops it.\n`,
    );
    close = () => sandbox.close();
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await close();
}
