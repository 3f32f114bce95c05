import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Fault injection shared by the ServiceNow and Jira sandboxes: a seeded decision per API request,
 * the mechanics of each fault (answer early, hang, reset, rewrite the real answer) and a fault log.
 * Each server supplies a {@link FaultVendor} with its own error bodies, rate-limit headers and
 * record shapes. Node built-ins only, like the rest of the sandbox.
 */

export const FAULT_KINDS = ['server-error', 'rate-limit', 'timeout', 'reset', 'slow', 'truncated-json', 'malformed-json', 'bad-record'] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** `before`: the platform did nothing. `after`: the platform applied the request, the client cannot tell. */
export type FaultPhase = 'before' | 'after';

export const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
export type ServerErrorStatus = (typeof SERVER_ERROR_STATUSES)[number];

export type FaultOperations = 'read' | 'write' | 'any';

/** Fault configuration as given (option, setter, control API body, `parseFaultSpec`). */
export interface FaultConfig {
  /** Share (0..1) of eligible API requests that get a fault. */
  rate: number;
  /**
   * Which faults, as a list (equal weights) or weights per kind. Default: every kind, equal weights.
   * `bad-record` only applies to list/search responses; other requests choose among the rest.
   */
  kinds?: readonly FaultKind[] | Partial<Record<FaultKind, number>>;
  /** Only these HTTP methods (case-insensitive), e.g. `['PATCH', 'POST', 'PUT']`. Default (or null): all. */
  methods?: readonly string[] | null;
  /**
   * Only reads or only writes, by meaning rather than verb: Jira's `POST …/search/jql` is a read.
   * Default `any`.
   */
  operations?: FaultOperations;
  /** Only requests whose path starts with one of these, e.g. `/api/now/table/incident`. Default (or null): all. */
  paths?: readonly string[] | null;
  /** Also fault OAuth token requests (ServiceNow) and `/myself` + `/serverInfo` (Jira). Default false. */
  includeAuth?: boolean;
  /** PRNG seed (uint32); the same seed and request sequence give the same faults. Default: random, shown by `GET /__sandbox/faults`. */
  seed?: number;
  /**
   * Share (0..1) of `server-error`, `timeout` and `reset` faults on writes injected after the write
   * was applied. Default 0.5. Reads always fault before; `truncated-json`, `bad-record` and `slow`
   * always rewrite or delay the real answer (after); `rate-limit` and `malformed-json` always come first.
   */
  afterApplyShare?: number;
  /** `Retry-After` of `rate-limit` faults (and of 503s when `retryAfterOn503`). Default 1. */
  retryAfterSeconds?: number;
  /** Send `Retry-After` with injected 503s. Default true. */
  retryAfterOn503?: boolean;
  /** Statuses `server-error` picks from (uniformly). Default 500, 502, 503, 504. */
  serverErrorStatuses?: readonly ServerErrorStatus[];
  /**
   * `timeout`: `null` (default) never answers — the connection stays open until the client gives up
   * or the sandbox closes. A number answers that late: before-phase with a 504, after-phase with the
   * real (applied) answer.
   */
  timeoutMs?: number | null;
  /** Delay of `slow` faults; the answer itself is correct. Default 1000. */
  slowMs?: number;
}

/** A validated configuration with every default filled in; valid input to the setter again. */
export interface ResolvedFaultConfig {
  rate: number;
  kinds: Partial<Record<FaultKind, number>>;
  methods: string[] | null;
  operations: FaultOperations;
  paths: string[] | null;
  includeAuth: boolean;
  seed: number;
  afterApplyShare: number;
  retryAfterSeconds: number;
  retryAfterOn503: boolean;
  serverErrorStatuses: ServerErrorStatus[];
  timeoutMs: number | null;
  slowMs: number;
}

export interface FaultLogEntry {
  /** 1-based position among injected faults since the log was last cleared. */
  seq: number;
  /** Sandbox clock, ISO 8601. */
  at: string;
  method: string;
  path: string;
  kind: FaultKind;
  phase: FaultPhase;
  /** Status sent to the client; null when nothing was (reset, a timeout that never answers). */
  status: number | null;
  /** What was broken, for `bad-record` (e.g. `result[3]: sys_id removed`) and `truncated-json`. */
  detail?: string;
}

export interface FaultCounts {
  /** Requests that passed the filters and could have been faulted. */
  eligible: number;
  /** Faults injected (= faultLog length). */
  injected: number;
  byKind: Record<FaultKind, number>;
  byPhase: Record<FaultPhase, number>;
}

/** What a request looks like to the injector; the server classifies it. */
export interface FaultRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Does not change platform state (GET, and search via POST). */
  read: boolean;
  /** A list/search response that `bad-record` can break. */
  list: boolean;
  /** Token / handshake request, exempt unless `includeAuth`. */
  auth: boolean;
}

export interface FaultDecision {
  kind: FaultKind;
  phase: FaultPhase;
  /** For `server-error`. */
  status: ServerErrorStatus;
  /** Two draws for `bad-record`: which record, which breakage. */
  pick: readonly [number, number];
}

/** The platform-specific parts of a fault. */
export interface FaultVendor {
  /** Vendor-shaped error body for an injected 5xx or 429. */
  errorBody(status: number): unknown;
  /** Headers of the platform's own 429 (the injector adds `Retry-After`). */
  rateLimitHeaders(retryAfterSeconds: number): Record<string, string>;
  /** Title shown on the HTML maintenance page of `malformed-json`. */
  maintenanceTitle: string;
  /**
   * Breaks one record of a parsed list body in place so it fails the connector's schema.
   * `pick` holds two draws in [0, 1). Returns what was broken, or null when the page has no records.
   */
  breakRecord(body: unknown, pick: readonly [number, number]): string | null;
}

export class FaultConfigError extends Error {}

const CONFIG_KEYS = [
  'rate',
  'kinds',
  'methods',
  'operations',
  'paths',
  'includeAuth',
  'seed',
  'afterApplyShare',
  'retryAfterSeconds',
  'retryAfterOn503',
  'serverErrorStatuses',
  'timeoutMs',
  'slowMs',
] as const satisfies readonly (keyof FaultConfig)[];

/** Kinds whose write faults may come after the write was applied (`afterApplyShare`). */
const SPLIT_KINDS: ReadonlySet<FaultKind> = new Set(['server-error', 'timeout', 'reset']);
/** Kinds that always act on the real answer. */
const AFTER_KINDS: ReadonlySet<FaultKind> = new Set(['slow', 'truncated-json', 'bad-record']);

/** mulberry32: small, fast, good enough to spread faults; deterministic per seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function share(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new FaultConfigError(`${name} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultConfigError(`${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new FaultConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function stringList(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new FaultConfigError(`${name} must be a list of strings`);
  }
  return value;
}

function knownKind(name: string): FaultKind {
  const kind = FAULT_KINDS.find((k) => k === name);
  if (!kind) throw new FaultConfigError(`Unknown fault kind "${name}". Must be one of: ${FAULT_KINDS.join(', ')}`);
  return kind;
}

function resolveKinds(value: unknown): Partial<Record<FaultKind, number>> {
  const weights: Partial<Record<FaultKind, number>> = {};
  if (value === undefined) {
    for (const kind of FAULT_KINDS) weights[kind] = 1;
    return weights;
  }
  if (Array.isArray(value)) {
    for (const name of stringList('kinds', value)) weights[knownKind(name)] = 1;
  } else if (isRecord(value)) {
    for (const [name, weight] of Object.entries(value)) weights[knownKind(name)] = nonNegative(`kinds.${name}`, weight);
  } else {
    throw new FaultConfigError('kinds must be a list of fault kinds or an object of weights per kind');
  }
  if (!Object.values(weights).some((w) => w > 0)) throw new FaultConfigError('kinds must name at least one kind with a positive weight');
  return weights;
}

/** Validates a configuration (typed or straight from JSON) and fills in the defaults. */
export function resolveFaultConfig(input: unknown): ResolvedFaultConfig {
  if (!isRecord(input)) throw new FaultConfigError('Fault configuration must be an object with at least "rate"');
  for (const key of Object.keys(input)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new FaultConfigError(`Unknown fault option "${key}". Must be one of: ${CONFIG_KEYS.join(', ')}`);
    }
  }
  const operations = input['operations'] ?? 'any';
  if (operations !== 'read' && operations !== 'write' && operations !== 'any') {
    throw new FaultConfigError(`operations must be read, write or any, got ${JSON.stringify(operations)}`);
  }
  const seed = input['seed'] ?? Math.floor(Math.random() * 2 ** 32);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new FaultConfigError(`seed must be an integer, got ${JSON.stringify(seed)}`);
  const statuses = input['serverErrorStatuses'] ?? SERVER_ERROR_STATUSES;
  if (!Array.isArray(statuses) || statuses.length === 0) throw new FaultConfigError('serverErrorStatuses must be a non-empty list');
  const serverErrorStatuses = statuses.map((s: unknown) => {
    const status = SERVER_ERROR_STATUSES.find((known) => known === s);
    if (status === undefined) throw new FaultConfigError(`serverErrorStatuses: ${JSON.stringify(s)} is not one of ${SERVER_ERROR_STATUSES.join(', ')}`);
    return status;
  });
  const timeoutMs = input['timeoutMs'] ?? null;
  return {
    rate: share('rate', input['rate']),
    kinds: resolveKinds(input['kinds']),
    methods: input['methods'] == null ? null : stringList('methods', input['methods']).map((m) => m.toUpperCase()),
    operations,
    paths: input['paths'] == null ? null : stringList('paths', input['paths']),
    includeAuth: flag('includeAuth', input['includeAuth'] ?? false),
    seed: seed >>> 0,
    afterApplyShare: share('afterApplyShare', input['afterApplyShare'] ?? 0.5),
    retryAfterSeconds: Math.ceil(nonNegative('retryAfterSeconds', input['retryAfterSeconds'] ?? 1)),
    retryAfterOn503: flag('retryAfterOn503', input['retryAfterOn503'] ?? true),
    serverErrorStatuses,
    timeoutMs: timeoutMs === null ? null : nonNegative('timeoutMs', timeoutMs),
    slowMs: nonNegative('slowMs', input['slowMs'] ?? 1000),
  };
}

/**
 * The CLI shape: `rate=0.1,kinds=server-error+timeout+reset,seed=7`. Lists use `+`; kinds take
 * optional weights (`server-error:3+reset:1`); booleans are `true`/`false` or the bare key
 * (`includeAuth`); `timeoutMs=never` is the default hang. Keys are the {@link FaultConfig} options.
 * Throws {@link FaultConfigError} naming the bad part.
 */
export function parseFaultSpec(spec: string): FaultConfig {
  const raw: Record<string, unknown> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? 'true' : part.slice(eq + 1).trim();
    const list = (): string[] =>
      value
        .split('+')
        .map((v) => v.trim())
        .filter(Boolean);
    const number = (): number => {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) throw new FaultConfigError(`${key} must be a number, got "${value}"`);
      return n;
    };
    const bool = (): boolean => {
      if (value !== 'true' && value !== 'false') throw new FaultConfigError(`${key} must be true or false, got "${value}"`);
      return value === 'true';
    };
    switch (key) {
      case 'rate':
      case 'seed':
      case 'afterApplyShare':
      case 'retryAfterSeconds':
      case 'slowMs':
        raw[key] = number();
        break;
      case 'timeoutMs':
        raw[key] = value === 'never' ? null : number();
        break;
      case 'includeAuth':
      case 'retryAfterOn503':
        raw[key] = bool();
        break;
      case 'methods':
      case 'paths':
        raw[key] = list();
        break;
      case 'operations':
        raw[key] = value;
        break;
      case 'serverErrorStatuses':
        raw[key] = list().map(Number);
        break;
      case 'kinds': {
        const items = list();
        if (items.some((item) => item.includes(':'))) {
          const weights: Record<string, number> = {};
          for (const item of items) {
            const [name = '', weight = '1'] = item.split(':');
            const n = Number(weight);
            if (!Number.isFinite(n)) throw new FaultConfigError(`kinds: weight of ${name} must be a number, got "${weight}"`);
            weights[name] = n;
          }
          raw[key] = weights;
        } else {
          raw[key] = items;
        }
        break;
      }
      default:
        throw new FaultConfigError(`Unknown fault option "${key}" in "${spec}". Must be one of: ${CONFIG_KEYS.join(', ')}`);
    }
  }
  if (raw['rate'] === undefined) throw new FaultConfigError(`Fault spec "${spec}" needs rate=<0..1>`);
  resolveFaultConfig(raw); // fail here, at the command line, rather than when the sandbox starts
  return raw as unknown as FaultConfig;
}

interface Captured {
  status: number;
  body: Buffer;
}

/** The response methods patched while the real handler runs under an after-phase fault. */
interface Patchable {
  writeHead?: unknown;
  write?: unknown;
  end?: unknown;
}

/**
 * Runs `serve` with `res` writing into a buffer instead of the socket, so the real answer can be
 * delayed, cut, rewritten or dropped. Headers still go to `res` (setHeader), only the send is held.
 */
function captureWhile(res: ServerResponse, serve: () => void): Promise<Captured> {
  return new Promise((resolve) => {
    const patch = res as unknown as Patchable;
    const chunks: Buffer[] = [];
    let status: number | undefined;
    const take = (chunk: unknown): void => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    patch.writeHead = (code: number, ...rest: unknown[]): ServerResponse => {
      status = code;
      const headers = rest.find(isRecord);
      if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string | number | readonly string[]);
      return res;
    };
    patch.write = (chunk: unknown): boolean => {
      take(chunk);
      return true;
    };
    patch.end = (chunk?: unknown): ServerResponse => {
      if (typeof chunk !== 'function') take(chunk);
      delete patch.writeHead;
      delete patch.write;
      delete patch.end;
      resolve({ status: status ?? res.statusCode, body: Buffer.concat(chunks) });
      return res;
    };
    serve();
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

/** An answer that replaces the platform's: drop every header the handler set. */
function sendFresh(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  send(res, status, body, headers);
}

/** RST rather than FIN, so the client sees ECONNRESET and not a clean close. */
function resetSocket(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function maintenancePage(title: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Down for maintenance</title></head>',
    `<body><h1>${title} is down for maintenance</h1>`,
    '<p>We are performing scheduled maintenance. We should be back shortly.</p></body></html>',
    '',
  ].join('\n');
}

function emptyCounts(): FaultCounts {
  const byKind = {} as Record<FaultKind, number>;
  for (const kind of FAULT_KINDS) byKind[kind] = 0;
  return { eligible: 0, injected: 0, byKind, byPhase: { before: 0, after: 0 } };
}

/** One per sandbox: holds the configuration, the PRNG, pending timers and the fault log. */
export class FaultInjector {
  /** Live array, appended to as faults are injected. */
  readonly log: FaultLogEntry[] = [];
  private config: ResolvedFaultConfig | null = null;
  private random: () => number = Math.random;
  private counts = emptyCounts();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly vendor: FaultVendor,
    private readonly now: () => Date,
    config?: FaultConfig | null,
  ) {
    this.configure(config ?? null);
  }

  /** Replaces the configuration (null disables) and restarts the PRNG from its seed. Keeps the log. */
  configure(config: FaultConfig | ResolvedFaultConfig | null): ResolvedFaultConfig | null {
    const resolved = config === null ? null : resolveFaultConfig(config);
    this.config = resolved;
    if (resolved) this.random = mulberry32(resolved.seed);
    return resolved;
  }

  current(): ResolvedFaultConfig | null {
    return this.config;
  }

  stats(): FaultCounts {
    return { ...this.counts, byKind: { ...this.counts.byKind }, byPhase: { ...this.counts.byPhase } };
  }

  clearLog(): void {
    this.log.length = 0;
    this.counts = emptyCounts();
  }

  /** Clears pending delayed answers so close() does not wait on them. */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Whether and how to fault this request. Draws from the PRNG only for eligible requests. */
  decide(req: FaultRequest): FaultDecision | null {
    const c = this.config;
    if (!c || c.rate <= 0) return null;
    if (req.auth && !c.includeAuth) return null;
    const method = req.method.toUpperCase();
    if (c.methods && !c.methods.includes(method)) return null;
    if ((c.operations === 'read' && !req.read) || (c.operations === 'write' && req.read)) return null;
    if (c.paths && !c.paths.some((p) => req.path.startsWith(p))) return null;
    const candidates = FAULT_KINDS.flatMap((kind) => {
      const weight = c.kinds[kind] ?? 0;
      return weight > 0 && (kind !== 'bad-record' || req.list) ? [{ kind, weight }] : [];
    });
    if (candidates.length === 0) return null;
    this.counts.eligible++;
    if (this.random() >= c.rate) return null;
    const total = candidates.reduce((sum, k) => sum + k.weight, 0);
    let point = this.random() * total;
    let kind = candidates[candidates.length - 1]?.kind ?? 'server-error';
    for (const candidate of candidates) {
      point -= candidate.weight;
      if (point < 0) {
        kind = candidate.kind;
        break;
      }
    }
    let phase: FaultPhase = AFTER_KINDS.has(kind) ? 'after' : 'before';
    if (SPLIT_KINDS.has(kind) && !req.read) phase = this.random() < c.afterApplyShare ? 'after' : 'before';
    const status = c.serverErrorStatuses[Math.floor(this.random() * c.serverErrorStatuses.length)] ?? 500;
    return { kind, phase, status, pick: [this.random(), this.random()] };
  }

  /**
   * Applies a decision. `serve` runs the real handler (which ends `res`); it is not run at all for
   * before-phase faults. `onInjected` hears about faults that were actually injected — an after-phase
   * fault leaves error answers (4xx/5xx) and bodies it cannot rewrite alone and logs nothing.
   */
  async inject(decision: FaultDecision, req: IncomingMessage, res: ServerResponse, serve: () => void, onInjected?: (kind: FaultKind) => void): Promise<void> {
    const c = this.config;
    if (!c) return serve();
    const { kind, phase } = decision;
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const record = (status: number | null, detail?: string): void => {
      const entry: FaultLogEntry = { seq: this.log.length + 1, at: this.now().toISOString(), method: req.method ?? 'GET', path, kind, phase, status };
      if (detail !== undefined) entry.detail = detail;
      this.log.push(entry);
      this.counts.injected++;
      this.counts.byKind[kind]++;
      this.counts.byPhase[phase]++;
      onInjected?.(kind);
    };
    const json = (status: number): string => JSON.stringify(this.vendor.errorBody(status));
    const jsonType = { 'Content-Type': 'application/json;charset=UTF-8' };
    const serverError = (): void => {
      const headers: Record<string, string> = { ...jsonType };
      if (decision.status === 503 && c.retryAfterOn503) headers['Retry-After'] = String(c.retryAfterSeconds);
      record(decision.status);
      sendFresh(res, decision.status, json(decision.status), headers);
    };
    const hang = (answer: () => void): void => {
      if (c.timeoutMs !== null) this.later(res, c.timeoutMs, answer);
      // else: never answer; the socket closes when the client gives up or the sandbox closes.
    };

    if (phase === 'before') {
      // The body is never read; let it drain so a kept-alive connection stays usable.
      req.resume();
      switch (kind) {
        case 'server-error':
          return serverError();
        case 'rate-limit':
          record(429);
          return sendFresh(res, 429, json(429), {
            ...jsonType,
            ...this.vendor.rateLimitHeaders(c.retryAfterSeconds),
            'Retry-After': String(c.retryAfterSeconds),
          });
        case 'malformed-json':
          // A proxy or a hibernating instance answering 200 with HTML instead of the API.
          record(200);
          return sendFresh(res, 200, maintenancePage(this.vendor.maintenanceTitle), { 'Content-Type': 'text/html;charset=UTF-8' });
        case 'reset':
          record(null);
          return resetSocket(req);
        case 'timeout':
          record(c.timeoutMs === null ? null : 504);
          return hang(() => sendFresh(res, 504, json(504), jsonType));
        default:
          // after-only kinds never get a before phase
          return serve();
      }
    }

    const captured = await captureWhile(res, serve);
    const real = (): void => send(res, captured.status, captured.body);
    if (captured.status >= 400) return real();
    switch (kind) {
      case 'server-error':
        return serverError();
      case 'reset':
        record(null);
        return resetSocket(req);
      case 'timeout':
        record(c.timeoutMs === null ? null : captured.status);
        return hang(real);
      case 'slow':
        record(captured.status);
        return this.later(res, c.slowMs, real);
      case 'truncated-json': {
        const text = captured.body.toString('utf8');
        if (!isJsonResponse(res) || text.length < 2) return real();
        // Any proper prefix of a JSON object or array is invalid JSON; Content-Length matches
        // the cut body, so the HTTP exchange is clean and only the parse fails.
        const cut = text.slice(0, Math.floor(text.length / 2));
        record(captured.status, `${Buffer.byteLength(cut)} of ${captured.body.length} bytes`);
        return send(res, captured.status, cut);
      }
      case 'bad-record': {
        let body: unknown;
        try {
          body = JSON.parse(captured.body.toString('utf8'));
        } catch {
          return real();
        }
        const detail = this.vendor.breakRecord(body, decision.pick);
        if (detail === null) return real();
        record(captured.status, detail);
        return send(res, captured.status, JSON.stringify(body));
      }
      default:
        return real();
    }
  }

  private later(res: ServerResponse, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }
}

function isJsonResponse(res: ServerResponse): boolean {
  return String(res.getHeader('Content-Type') ?? '').includes('json');
}

/**
 * The `/__sandbox/faults` control routes, shared by both servers: `GET|PUT|DELETE /faults`
 * (PUT takes a {@link FaultConfig} or `{"spec": "rate=…"}`) and `GET|DELETE /faults/log`.
 * Returns null for other paths; throws {@link FaultConfigError} for a bad configuration.
 */
export async function faultControl(injector: FaultInjector, method: string, path: string, readBody: () => Promise<unknown>): Promise<{ status: number; body: unknown } | null> {
  if (path === '/faults') {
    if (method === 'GET') return { status: 200, body: { faults: injector.current(), counts: injector.stats() } };
    if (method === 'PUT') {
      const body = await readBody();
      const config = isRecord(body) && typeof body['spec'] === 'string' ? parseFaultSpec(body['spec']) : body;
      return { status: 200, body: { faults: injector.configure(resolveFaultConfig(config)) } };
    }
    if (method === 'DELETE') return { status: 200, body: { faults: injector.configure(null) } };
  }
  if (path === '/faults/log') {
    if (method === 'GET') return { status: 200, body: { entries: injector.log, counts: injector.stats() } };
    if (method === 'DELETE') {
      injector.clearLog();
      return { status: 200, body: { cleared: true } };
    }
  }
  return null;
}
