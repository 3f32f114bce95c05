import { FIXTURE_INCIDENTS, seedFixtures, seedFromEventLog, startServiceNowSandbox, ServiceNowStore } from '../sandbox/servicenow/index.js';

/** `deskbridge sandbox`: a simulated ServiceNow to point a config at. Runs until Ctrl-C. */
export async function sandboxCommand(opts: { port: string; seed: 'fixtures' | 'event-log' | 'none'; limit: string; rateLimit?: string }): Promise<void> {
  const store = new ServiceNowStore();
  if (opts.seed === 'fixtures') seedFixtures(store);
  if (opts.seed === 'event-log') {
    const seeded = await seedFromEventLog(store, { stage: 'first', limit: Number(opts.limit), titles: true });
    process.stdout.write(`seeded ${seeded.incidents} incidents from the UCI ServiceNow event log\n`);
  }
  const sandbox = await startServiceNowSandbox({
    port: Number(opts.port),
    store,
    ...(opts.rateLimit ? { rateLimit: { limit: Number(opts.rateLimit), windowSeconds: 60 } } : {}),
  });
  process.stdout.write(
    `ServiceNow sandbox listening on ${sandbox.url} (user deskbridge / password deskbridge; ${store.count('incident')} incidents${opts.seed === 'fixtures' ? `, ${FIXTURE_INCIDENTS.length} fixtures` : ''}). Ctrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}
