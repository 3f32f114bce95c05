import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleAuth } from '../config/schema.js';

/** How someone proved who they are: a header sent with the request (scripts), or a signed-in browser session. */
export type Principal = { via: 'header'; name: string } | { via: 'session'; name: string; sessionId: string };

/** A browser stays signed in this long after its last request, and never longer than SESSION_MAX_MS. */
const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at most: the oldest are dropped first, so a flood of sign-ins cannot grow memory. */
const MAX_SESSIONS = 1000;

export const SESSION_COOKIE = 'deskbridge_session';

interface Session {
  name: string;
  createdMs: number;
  lastSeenMs: number;
}

/** Compares by digest, so neither the time taken nor an early length mismatch tells how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The console's credentials (from `console.auth`) and its signed-in browsers. Sessions live in this
 * process only: a restarted daemon asks people to sign in again, which is the safe way round.
 */
export class ConsoleCredentials {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly auth: ConsoleAuth | undefined,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Whether the console can let anyone change anything at all. */
  get configured(): boolean {
    return this.auth !== undefined;
  }

  get acceptsToken(): boolean {
    return this.auth?.token !== undefined;
  }

  get acceptsPassword(): boolean {
    return this.auth?.username !== undefined;
  }

  /** Checks a sign-in form: a token, or a user name and password. Returns the name the person acts under. */
  checkSignIn(form: { token?: string | undefined; username?: string | undefined; password?: string | undefined }): string | undefined {
    const auth = this.auth;
    if (!auth) return undefined;
    if (form.token !== undefined && form.token !== '' && auth.token !== undefined && sameSecret(form.token, auth.token)) return 'token';
    if (form.username !== undefined && form.password !== undefined && auth.username !== undefined && auth.password !== undefined) {
      // Both compared every time: which of the two was wrong is not revealed by timing.
      const user = sameSecret(form.username, auth.username);
      const password = sameSecret(form.password, auth.password);
      if (user && password) return auth.username;
    }
    return undefined;
  }

  /**
   * An `Authorization` header: `Bearer <token>` or `Basic <user:password>`. Returns undefined when
   * there is none, 'rejected' when one is sent but wrong (never silently treated as anonymous).
   */
  checkHeader(header: string | undefined): { name: string } | 'rejected' | undefined {
    if (header === undefined || header === '') return undefined;
    const [scheme = '', ...rest] = header.trim().split(/\s+/);
    const value = rest.join(' ');
    if (/^bearer$/i.test(scheme)) {
      const name = this.checkSignIn({ token: value });
      return name !== undefined ? { name } : 'rejected';
    }
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return 'rejected';
      const name = this.checkSignIn({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
      return name !== undefined ? { name } : 'rejected';
    }
    return 'rejected';
  }

  /** Starts a session for a person who signed in; returns its id (the cookie's value). */
  startSession(name: string): string {
    const now = this.nowMs();
    this.expire(now);
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { name, createdMs: now, lastSeenMs: now });
    return id;
  }

  /** The person a session cookie stands for, while the session lasts (each use extends it, up to its maximum age). */
  session(id: string | undefined): { name: string } | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.nowMs();
    if (now - session.lastSeenMs > SESSION_IDLE_MS || now - session.createdMs > SESSION_MAX_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = now;
    return { name: session.name };
  }

  endSession(id: string): void {
    this.sessions.delete(id);
  }

  private expire(now: number): void {
    for (const [id, s] of this.sessions) if (now - s.lastSeenMs > SESSION_IDLE_MS || now - s.createdMs > SESSION_MAX_MS) this.sessions.delete(id);
  }
}

/**
 * A path to go back to after signing in: only this console's own pages. Parsed as a browser would
 * (which drops tabs and newlines, and reads `\` as `/`), so `/\t/evil.example` cannot become
 * `//evil.example`; anything that would leave this origin becomes `/`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return '/';
  const base = 'http://console.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can still fold `/.//x` into `//x`, which a browser reads as another site.
  return url.origin === base && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/';
}

/** Failed sign-ins allowed per address in a minute, by form or by header alike; then 429 until the minute passes. */
export const FAILED_SIGN_INS_PER_MINUTE = 10;
const THROTTLE_WINDOW_MS = 60_000;
/** Addresses tracked at most: a scan from many addresses cannot grow memory without bound. */
const MAX_TRACKED = 10_000;

/**
 * Counts wrong credentials per client address. Only failures count, so people who sign in (or
 * scripts sending the right token) are never slowed down; a guesser gets ten tries a minute
 * whichever way it sends them.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const recent = this.recent(address);
    if (recent.length < FAILED_SIGN_INS_PER_MINUTE) return 0;
    const oldest = recent[0] ?? this.nowMs();
    return Math.max(1, Math.ceil((oldest + THROTTLE_WINDOW_MS - this.nowMs()) / 1000));
  }

  fail(address: string): void {
    const recent = this.recent(address);
    recent.push(this.nowMs());
    this.failures.delete(address);
    this.failures.set(address, recent);
    while (this.failures.size > MAX_TRACKED) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  private recent(address: string): number[] {
    const since = this.nowMs() - THROTTLE_WINDOW_MS;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}
