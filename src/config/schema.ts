import { z } from 'zod';
import { platformSourceSchemas } from '../platforms/registry.js';

/**
 * One item of `sources:`: the source schema of whichever registered platform its `platform:`
 * names (src/platforms/registry.ts); config knows no platform itself.
 */
export const Source = z.discriminatedUnion('platform', platformSourceSchemas());
export type Source = z.infer<typeof Source>;

/**
 * The mapping files a source uses: `<name>.inbound.jsonata` / `<name>.outbound.jsonata` (the
 * platform decides, e.g. one pair per Jira flavour).
 */
export { mappingName } from '../platforms/registry.js';

export const LogConfig = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  format: z.enum(['json', 'pretty']).default('json'),
  file: z.string().optional(),
});

/** Addresses only this machine can reach: a console there may show pages without a login. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Who may use the web console: a bearer token, or a user name and password, from the environment
 * (`${DESKBRIDGE_CONSOLE_TOKEN}`). Browsers sign in once through the login form; scripts send the
 * `Authorization` header with each request.
 */
export const ConsoleAuth = z
  .strictObject({
    token: z.string().min(16, 'a console token shorter than 16 characters can be guessed; generate one, e.g. `openssl rand -hex 24`').optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(12, 'a console password shorter than 12 characters can be guessed').optional(),
  })
  .refine((a) => a.token !== undefined || (a.username !== undefined && a.password !== undefined), { error: 'give console.auth a token, or a username and a password' })
  .refine((a) => (a.username === undefined) === (a.password === undefined), { error: 'console.auth needs both username and password' });
export type ConsoleAuth = z.infer<typeof ConsoleAuth>;

export const ConsoleConfig = z
  .strictObject({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1).default('127.0.0.1'),
    /** Needed for anything that changes state (retrying a write, a quarantined record). */
    auth: ConsoleAuth.optional(),
    /** Whether reading pages needs a login too: by default only when the console listens beyond this machine. */
    readAccess: z.enum(['open', 'signed-in']).optional(),
    /**
     * A reverse proxy (TLS) forwards to the console: client address, scheme and host are read from
     * its X-Forwarded-* headers, and pages need a sign-in, since every visitor comes from the proxy.
     */
    behindProxy: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.readAccess === 'signed-in' && c.auth === undefined)
      ctx.addIssue({ code: 'custom', path: ['readAccess'], message: 'readAccess: signed-in needs console.auth (there is nothing to sign in with): add a token, or remove readAccess' });
    if (c.behindProxy && c.auth === undefined)
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'a console behind a proxy is reachable by whoever reaches the proxy: set console.auth (a token from the environment)' });
    if (c.behindProxy && c.readAccess === 'open')
      ctx.addIssue({ code: 'custom', path: ['readAccess'], message: 'behind a proxy every visitor looks local: pages need a sign-in (remove readAccess: open)' });
    if (LOOPBACK_HOSTS.has(c.host)) return;
    if (c.auth === undefined)
      ctx.addIssue({ code: 'custom', path: ['auth'], message: `a console on ${c.host} is reachable from other machines: set console.auth (a token from the environment), or listen on 127.0.0.1` });
    else if (c.readAccess === 'open') ctx.addIssue({ code: 'custom', path: ['readAccess'], message: `pages show ticket titles and people: on ${c.host} they need a login (remove readAccess: open)` });
  });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

export const DaemonConfig = z.strictObject({
  /** SQLite file holding watermarks, the ledger, ticket state and the outbox. */
  state: z
    .strictObject({
      path: z.string().min(1).default('./deskbridge.db'),
      /**
       * A PostgreSQL database instead of the SQLite file (`postgres://user:${PGPASSWORD}@host:5432/db`,
       * or the PG* environment variables for what the URL leaves out): several daemons may then
       * share the sources. Dry-run sources keep their state in the schema `deskbridge_dry_run`.
       */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//i, { error: 'state.url must be a postgres:// (or postgresql://) URL; leave it out to keep the state in the SQLite file state.path' })
        .optional(),
      /**
       * Days of ticket versions kept for `deskbridge report` (counted back from each source's
       * watermark); older ones are deleted after each pass. 0 keeps them all.
       */
      keepVersionsDays: z.number().int().min(0).default(400),
      /** One writer per state: the daemon's lock is renewed every `heartbeatSeconds`; without a heartbeat for `ttlSeconds` another daemon may take it over. */
      lease: z
        .strictObject({ ttlSeconds: z.number().positive().default(30), heartbeatSeconds: z.number().positive().default(5) })
        .refine((l) => l.heartbeatSeconds * 2 <= l.ttlSeconds, { error: 'heartbeatSeconds must be at most half of ttlSeconds, or a busy daemon loses its lock' })
        .prefault({}),
    })
    .prefault({}),
  rules: z.string().min(1).default('./rules'),
  mappings: z.string().min(1).default('./mappings'),
  dryRun: z.boolean().default(false),
  log: LogConfig.prefault({}),
  /** Prometheus `/metrics` and `/healthz` on this port (127.0.0.1 unless `host` says otherwise); off when unset. */
  metrics: z.strictObject({ port: z.number().int().min(0).max(65535), host: z.string().min(1).default('127.0.0.1') }).optional(),
  /** The web console (overview, outbox, quarantine, tickets, rules, reports) on this port; off when unset. */
  console: ConsoleConfig.optional(),
  outbox: z
    .strictObject({
      concurrency: z.number().int().positive().default(4),
      maxAttempts: z.number().int().positive().default(8),
    })
    .prefault({}),
  /**
   * The append-only, hash-chained audit logs: `qa-YYYY-MM-DD.jsonl` (every QA verdict) and
   * `actions-YYYY-MM-DD.jsonl` (every write made or tried). Dry-run sources log under `dry-run/`.
   */
  audit: z
    .strictObject({
      dir: z.string().min(1).default('./audit'),
      /** A day's file is continued in `…-YYYY-MM-DD.1.jsonl` past this size. */
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(50 * 1024 * 1024),
    })
    .prefault({}),
  /** Bounds of every rule and mapping evaluation: a rule that breaks one fails for that ticket (see src/mapping/limits.ts). */
  limits: z
    .strictObject({
      evaluationMs: z.number().int().min(10).max(60_000).default(1000),
      depth: z.number().int().min(50).max(10_000).default(500),
      sequence: z.number().int().min(1000).max(10_000_000).default(1_000_000),
    })
    .prefault({}),
  sources: z.array(Source).min(1),
});
export type DaemonConfig = z.infer<typeof DaemonConfig>;
