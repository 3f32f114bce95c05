import { CLI_SANDBOX_ACCOUNT, FIXTURE_INCIDENTS, seedFixtures, seedFromEventLog, startServiceNowSandbox, ServiceNowStore } from '../sandbox/servicenow/index.js';
import { startJiraSandbox } from '../sandbox/jira/index.js';
import { demoJiraStore } from './demo-jira.js';
import { demoFreshserviceStore, demoZendeskStore } from './demo-helpdesk.js';
import { CLI_SANDBOX_ACCOUNT as ZENDESK_ACCOUNT, startZendeskSandbox } from '../sandbox/zendesk/index.js';
import { CLI_SANDBOX_ACCOUNT as FRESHSERVICE_ACCOUNT, PLAN_RATE_LIMITS, startFreshserviceSandbox, type RateLimitConfig } from '../sandbox/freshservice/index.js';
import { parseFaultSpec } from '../sandbox/faults.js';
import { SANDBOX_SEEDS, type SandboxPlatform } from './sandbox-seeds.js';

export { DEFAULT_SANDBOX, SANDBOX_SEEDS, type SandboxPlatform } from './sandbox-seeds.js';

export interface SandboxCommandOptions {
  platform: SandboxPlatform;
  flavour: 'cloud' | 'datacenter';
  port: string;
  seed: 'fixtures' | 'event-log' | 'hadoop' | 'helpdesk' | 'none';
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
  if (opts.platform === 'zendesk') {
    const store = demoZendeskStore({ tickets: opts.seed === 'helpdesk' ? Number(opts.limit) : 0, fixtures: opts.seed !== 'none' });
    // No --rate-limit: no limits at all (like the other sandboxes). With it: the account limit
    // given, and the export's documented 10 requests a minute beside it.
    const limits = opts.rateLimit ? { rateLimit: { limit: Number(opts.rateLimit), windowSeconds: Number(opts.rateWindow) } } : { rateLimit: null, exportRateLimit: null, ticketUpdateLimit: null };
    const sandbox = await startZendeskSandbox({ port: Number(opts.port), store, ...limits, ...faults });
    process.stdout.write(`Zendesk sandbox listening on ${sandbox.url} (API token: ${ZENDESK_ACCOUNT.email}/token, token ${ZENDESK_ACCOUNT.apiToken}; ${store.count()} tickets). Ctrl-C stops it.\n`);
    close = () => sandbox.close();
  } else if (opts.platform === 'freshservice') {
    const store = await demoFreshserviceStore({ tickets: opts.seed === 'helpdesk' ? Number(opts.limit) : 0, fixtures: opts.seed !== 'none' });
    const limits = { rateLimit: opts.rateLimit ? freshserviceLimits(Number(opts.rateLimit) * (60 / Number(opts.rateWindow))) : null };
    const sandbox = await startFreshserviceSandbox({ port: Number(opts.port), store, ...limits, ...faults });
    process.stdout.write(`Freshservice sandbox listening on ${sandbox.url} (API key ${FRESHSERVICE_ACCOUNT.apiKey}, password X; ${store.count()} tickets). Ctrl-C stops it.\n`);
    close = () => sandbox.close();
  } else if (opts.platform === 'jira') {
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

/**
 * Freshservice limits per minute for an account limit of `perMinute`: the per-operation
 * sub-limits in the proportions of the documented Pro plan (listing tickets 120 of 400).
 */
function freshserviceLimits(perMinute: number): RateLimitConfig {
  const pro = PLAN_RATE_LIMITS.pro;
  const scale = perMinute / pro.total;
  const subLimits = Object.fromEntries(Object.entries(pro.subLimits).map(([operation, n]) => [operation, Math.max(1, Math.round(n * scale))])) as RateLimitConfig['subLimits'];
  return { total: Math.round(perMinute), subLimits };
}
