import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultConfig } from '../../src/sandbox/faults.js';
import {
  CLI_SANDBOX_ACCOUNT,
  DEFAULT_HELPDESK_TICKETS_PATH,
  seedFixtures,
  seedHelpdeskTickets,
  startZendeskSandbox,
  ZendeskStore,
  type StoredTicket,
  type ZendeskSandbox,
} from '../../src/sandbox/zendesk/index.js';
import type { E2eHarness } from './e2e.js';
import { MAPPINGS, REPO, SEEDED_HISTORY_START } from './sandbox-env.js';

/** Routing rules that read Zendesk tags and name the sandbox fixtures' groups and agents. */
export const ZENDESK_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'zendesk-rules');
/** The env var the written configs take the API token from. */
export const ZENDESK_TOKEN_ENV = 'E2E_ZENDESK_TOKEN';

export interface ZendeskSeed {
  /** Help-desk data set rows added after the fixtures, when the data set is there (DESKBRIDGE_DATA_DIR); else none. */
  helpdeskTickets?: number;
  /** The account's clock (writes, the export's last-minute cutoff, rate-limit windows). */
  now?: () => Date;
  faults?: FaultConfig;
  /** Extra tickets from a fixed list (no data set needed): "Mailbox full (n)" and the like, spread over the last day. */
  extraTickets?: number;
}

const EXTRA_SUBJECTS = ['Mailbox full', 'VPN token expired', 'Monitor flickers', 'Shared drive read-only', 'Teams call drops', 'Badge reader refuses card'] as const;
const EXTRA_TAGS = ['email', 'network', 'hardware', 'access', 'network', 'facilities'] as const;

/** Adds `count` deterministic tickets by the fixtures' first requester, created over the last day. */
export function seedExtraTickets(store: ZendeskStore, count: number): void {
  const requester = store.users().find((u) => u.role === 'end-user');
  if (!requester) throw new Error('seed the fixtures first');
  const nowMs = store.now().getTime();
  for (let i = 0; i < count; i++) {
    const subject = `${EXTRA_SUBJECTS[i % EXTRA_SUBJECTS.length]} (${i + 1})`;
    const tag = EXTRA_TAGS[i % EXTRA_TAGS.length] ?? 'other';
    store.createTicket({ subject, type: 'incident', tags: [tag], comment: { body: `${subject}: reported by phone.` } }, requester.id, { createdAt: nowMs - (count - i) * 60_000 - 5 * 60_000 });
  }
}

/** A sandbox seeded with the fixtures (and helpdesk tickets), closed after the test. */
export async function startSeededZendesk(e2e: E2eHarness, seed: ZendeskSeed = {}): Promise<ZendeskSandbox> {
  process.env[ZENDESK_TOKEN_ENV] = CLI_SANDBOX_ACCOUNT.apiToken;
  const store = new ZendeskStore(seed.now ? { now: seed.now } : {});
  seedFixtures(store);
  if (seed.extraTickets) seedExtraTickets(store, seed.extraTickets);
  if (seed.helpdeskTickets && existsSync(DEFAULT_HELPDESK_TICKETS_PATH)) seedHelpdeskTickets(store, { limit: seed.helpdeskTickets });
  const sandbox = await startZendeskSandbox({
    store,
    ...(seed.now ? { now: seed.now } : {}),
    // The tests pace nothing: Zendesk's own limits are the connector unit tests' business.
    rateLimit: null,
    exportRateLimit: null,
    ticketUpdateLimit: null,
    ...(seed.faults ? { faults: seed.faults } : {}),
  });
  return e2e.closeAfter(sandbox);
}

/** A deskbridge.yaml with one Zendesk source for `sandbox`; returns its path. */
export function writeZendeskConfig(sandbox: ZendeskSandbox, extra: { rules?: string; pageSize?: number; timeoutMs?: number; breakerCooldownSeconds?: number } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-zendesk-e2e-'));
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(extra.rules ?? ZENDESK_RULES)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      '  - id: sandbox-zendesk',
      '    platform: zendesk',
      `    baseUrl: ${sandbox.url}`,
      `    auth: { type: token, email: ${CLI_SANDBOX_ACCOUNT.email}, token: "\${${ZENDESK_TOKEN_ENV}}" }`,
      `    pageSize: ${extra.pageSize ?? 1000}`,
      // The sandbox has no export limit in these tests; Zendesk's 10 a minute would make them wait.
      '    exportRequestsPerMinute: 6000',
      // Seeded tickets were last updated before the daemon started: act on them.
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      '    firstLivePass: { maxWrites: off }',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      `    retry: { maxRetries: 6, baseDelayMs: 20, maxDelayMs: 500, timeoutMs: ${extra.timeoutMs ?? 30000}, breakerCooldownSeconds: ${extra.breakerCooldownSeconds ?? 30} }`,
      '',
    ].join('\n'),
  );
  return path;
}

export interface ZendeskTicketView {
  type: string;
  status: string;
  group: string;
  assignee: string;
  tags: string[];
  problem_id: number | null;
  /** deskbridge's comments, `internal:` or `public:` and the body. */
  notes: string[];
}

/** What a person sees in Zendesk, per ticket id. */
export function zendeskSnapshot(sandbox: ZendeskSandbox): Record<number, ZendeskTicketView> {
  const { store } = sandbox;
  const me = store.userByEmail(CLI_SANDBOX_ACCOUNT.email)?.id;
  const out: Record<number, ZendeskTicketView> = {};
  for (const ticket of store.allTickets()) out[ticket.id] = view(sandbox, ticket, me);
  return out;
}

function view(sandbox: ZendeskSandbox, ticket: StoredTicket, me: number | undefined): ZendeskTicketView {
  const { store } = sandbox;
  return {
    type: ticket.type ?? '',
    status: ticket.deleted ? 'deleted' : ticket.status,
    group: ticket.group_id === null ? '' : (store.group(ticket.group_id)?.name ?? String(ticket.group_id)),
    assignee: ticket.assignee_id === null ? '' : (store.user(ticket.assignee_id)?.name ?? String(ticket.assignee_id)),
    tags: [...ticket.tags].sort(),
    problem_id: ticket.problem_id,
    notes: store
      .comments(ticket.id)
      .filter((c) => c.author_id === me)
      .map((c) => `${c.public ? 'public' : 'internal'}:${c.body}`),
  };
}

/** Writes that reached the API (control calls and reads left out), faulted ones included. */
export function zendeskWrites(sandbox: ZendeskSandbox): number {
  return sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').length;
}

/** API requests of any kind. */
export function zendeskRequests(sandbox: ZendeskSandbox): number {
  return sandbox.requestLog.filter((r) => r.path.startsWith('/api/')).length;
}

/** Replaces deskbridge's markers (they hold the ticket version, which differs between two seeded sandboxes). */
export function withoutMarkers(snapshot: Record<number, ZendeskTicketView>): Record<number, ZendeskTicketView> {
  return Object.fromEntries(Object.entries(snapshot).map(([id, v]) => [id, { ...v, notes: v.notes.map((n) => n.replace(/deskbridge:[0-9a-f]+/g, 'deskbridge:…')) }]));
}

/** What the routing rules must do to each ticket, from its initial state. */
export function expectedZendeskRouting(sandbox: ZendeskSandbox): Map<number, { group: string; rule: string }> {
  const expected = new Map<number, { group: string; rule: string }>();
  for (const ticket of sandbox.store.tickets()) {
    if (ticket.group_id !== null || !['new', 'open'].includes(ticket.status)) continue;
    if (ticket.tags.includes('outage')) expected.set(ticket.id, { group: 'Major Incident Team', rule: 'outage-to-major-incident' });
    else if (ticket.tags.includes('network')) expected.set(ticket.id, { group: 'Network Operations', rule: 'network-to-netops' });
    else expected.set(ticket.id, { group: 'Service Desk', rule: 'unassigned-to-desk' });
  }
  return expected;
}

/**
 * A clock that stands still until moved: every change the sandbox makes in between falls into the
 * same millisecond (same-second edits), and moving it past a minute lets the export show them.
 * Starts at real time, so the connector's real-time clamp of `start_time` stays in the past.
 */
export class StillClock {
  private ms = Date.now();
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Past the export's one-minute exclusion: what changed before is exported on the next pass. */
export const PAST_EXPORT_DELAY_MS = 61_000;

/** Calls `hook` after each export page was answered (before the connector asks for the next). */
export function afterEachExportPage(sandbox: ZendeskSandbox, hook: (page: number) => void): void {
  const log = sandbox.requestLog;
  const push = log.push.bind(log);
  let page = 0;
  log.push = (...entries) => {
    const n = push(...entries);
    for (const entry of entries) if (entry.path.startsWith('/api/v2/incremental/') && entry.status === 200) hook(++page);
    return n;
  };
}

/** A person (an agent of the fixtures) by name: their edits are not deskbridge's. */
export function person(sandbox: ZendeskSandbox, name = 'Network Engineer 1'): number {
  const user = sandbox.store.users().find((u) => u.name === name);
  if (!user) throw new Error(`no user ${name}`);
  return user.id;
}
