import { describe, expect, it } from 'vitest';
import { ConsoleCredentials, safeNext } from '../../../src/console/auth.js';

const TOKEN = 'tok-0123456789abcdef-console';
const USER = 'ops-admin';
const PASSWORD = 'correct horse battery staple';

const HOUR = 60 * 60 * 1000;
const T0 = Date.parse('2026-12-04T08:00:00.000Z');

/** A clock the test moves by hand. */
function clock(start = T0): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let ms = start;
  return {
    now: () => ms,
    set: (to) => {
      ms = to;
    },
    advance: (by) => {
      ms += by;
    },
  };
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

describe('ConsoleCredentials sign-in form', () => {
  const both = new ConsoleCredentials({ token: TOKEN, username: USER, password: PASSWORD });

  it('accepts the right token and acts under the name "token"', () => {
    expect(both.checkSignIn({ token: TOKEN })).toBe('token');
  });

  it('refuses a wrong token, a prefix of the token, and the token with a trailing space', () => {
    expect(both.checkSignIn({ token: 'tok-0123456789abcdef-consolX' })).toBeUndefined();
    expect(both.checkSignIn({ token: TOKEN.slice(0, -1) })).toBeUndefined();
    expect(both.checkSignIn({ token: `${TOKEN} ` })).toBeUndefined();
  });

  it('refuses a missing or empty token', () => {
    expect(both.checkSignIn({})).toBeUndefined();
    expect(both.checkSignIn({ token: undefined })).toBeUndefined();
    expect(both.checkSignIn({ token: '' })).toBeUndefined();
  });

  it('accepts the right user name and password and acts under the user name', () => {
    expect(both.checkSignIn({ username: USER, password: PASSWORD })).toBe(USER);
  });

  it('refuses a wrong password, a wrong user name, or either one missing', () => {
    expect(both.checkSignIn({ username: USER, password: 'wrong horse battery staple' })).toBeUndefined();
    expect(both.checkSignIn({ username: 'someone-else', password: PASSWORD })).toBeUndefined();
    expect(both.checkSignIn({ username: USER })).toBeUndefined();
    expect(both.checkSignIn({ password: PASSWORD })).toBeUndefined();
    expect(both.checkSignIn({ username: USER, password: '' })).toBeUndefined();
  });

  it('falls back to the user name and password when a wrong token is sent with them', () => {
    expect(both.checkSignIn({ token: 'not-the-token', username: USER, password: PASSWORD })).toBe(USER);
  });

  it('does not take the password as a token, nor the token as a password', () => {
    expect(both.checkSignIn({ token: PASSWORD })).toBeUndefined();
    expect(both.checkSignIn({ username: USER, password: TOKEN })).toBeUndefined();
  });

  it('accepts only what is configured: a token-only console refuses every password, a password-only console every token', () => {
    const tokenOnly = new ConsoleCredentials({ token: TOKEN });
    expect(tokenOnly.acceptsToken).toBe(true);
    expect(tokenOnly.acceptsPassword).toBe(false);
    expect(tokenOnly.checkSignIn({ username: USER, password: PASSWORD })).toBeUndefined();

    const passwordOnly = new ConsoleCredentials({ username: USER, password: PASSWORD });
    expect(passwordOnly.acceptsToken).toBe(false);
    expect(passwordOnly.acceptsPassword).toBe(true);
    expect(passwordOnly.checkSignIn({ token: TOKEN })).toBeUndefined();
    expect(passwordOnly.checkSignIn({ username: USER, password: PASSWORD })).toBe(USER);
  });

  it('without console.auth is not configured and lets nobody sign in', () => {
    const none = new ConsoleCredentials(undefined);
    expect(none.configured).toBe(false);
    expect(none.acceptsToken).toBe(false);
    expect(none.acceptsPassword).toBe(false);
    expect(none.checkSignIn({ token: TOKEN })).toBeUndefined();
    expect(none.checkSignIn({ username: USER, password: PASSWORD })).toBeUndefined();
    expect(both.configured).toBe(true);
  });
});

describe('ConsoleCredentials Authorization header', () => {
  const both = new ConsoleCredentials({ token: TOKEN, username: USER, password: PASSWORD });

  it('is no principal at all when absent or empty (anonymous, not rejected)', () => {
    expect(both.checkHeader(undefined)).toBeUndefined();
    expect(both.checkHeader('')).toBeUndefined();
  });

  it('accepts Bearer with the right token, whatever the scheme’s case and surrounding blanks', () => {
    expect(both.checkHeader(`Bearer ${TOKEN}`)).toEqual({ name: 'token' });
    expect(both.checkHeader(`bearer ${TOKEN}`)).toEqual({ name: 'token' });
    expect(both.checkHeader(`  BEARER   ${TOKEN}  `)).toEqual({ name: 'token' });
  });

  it('rejects Bearer with a wrong or missing token', () => {
    expect(both.checkHeader('Bearer not-the-token')).toBe('rejected');
    expect(both.checkHeader('Bearer')).toBe('rejected');
    expect(both.checkHeader('Bearer ')).toBe('rejected');
    expect(both.checkHeader(`Bearer ${PASSWORD}`)).toBe('rejected');
  });

  it('accepts Basic with the right user name and password, a password holding colons included', () => {
    expect(both.checkHeader(basic(USER, PASSWORD))).toEqual({ name: USER });
    const colons = new ConsoleCredentials({ username: USER, password: 'pass:word:with:colons' });
    expect(colons.checkHeader(basic(USER, 'pass:word:with:colons'))).toEqual({ name: USER });
  });

  it('rejects Basic with a wrong password or user name', () => {
    expect(both.checkHeader(basic(USER, 'wrong horse battery staple'))).toBe('rejected');
    expect(both.checkHeader(basic('root', PASSWORD))).toBe('rejected');
  });

  it('rejects Basic whose value is not base64 of user:password', () => {
    expect(both.checkHeader('Basic')).toBe('rejected');
    expect(both.checkHeader('Basic !!!not-base64!!!')).toBe('rejected');
    expect(both.checkHeader(`Basic ${Buffer.from('no-colon-here').toString('base64')}`)).toBe('rejected');
    expect(both.checkHeader(`Basic ${TOKEN}`)).toBe('rejected');
  });

  it('rejects another scheme or garbage, even one that carries the right token', () => {
    expect(both.checkHeader(TOKEN)).toBe('rejected');
    expect(both.checkHeader(`Token ${TOKEN}`)).toBe('rejected');
    expect(both.checkHeader(`Digest username="${USER}"`)).toBe('rejected');
    expect(both.checkHeader('\u0000\u0001garbage')).toBe('rejected');
  });

  it('rejects any header on a console without console.auth (never silently anonymous)', () => {
    const none = new ConsoleCredentials(undefined);
    expect(none.checkHeader(`Bearer ${TOKEN}`)).toBe('rejected');
    expect(none.checkHeader(basic(USER, PASSWORD))).toBe('rejected');
    expect(none.checkHeader(undefined)).toBeUndefined();
  });
});

describe('ConsoleCredentials sessions', () => {
  it('starts a session with a fresh unguessable id, finds its person by that id, and forgets it when ended', () => {
    const credentials = new ConsoleCredentials({ token: TOKEN });
    const a = credentials.startSession('token');
    const b = credentials.startSession('token');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(credentials.session(a)).toEqual({ name: 'token' });
    expect(credentials.session(b)).toEqual({ name: 'token' });

    credentials.endSession(a);
    expect(credentials.session(a)).toBeUndefined();
    expect(credentials.session(b)).toEqual({ name: 'token' });
  });

  it('finds nobody for a missing, empty or unknown id', () => {
    const credentials = new ConsoleCredentials({ token: TOKEN });
    credentials.startSession('token');
    expect(credentials.session(undefined)).toBeUndefined();
    expect(credentials.session('')).toBeUndefined();
    expect(credentials.session('made-up-session-id')).toBeUndefined();
  });

  it('ends a session left idle for more than 2 hours', () => {
    const c = clock();
    const credentials = new ConsoleCredentials({ token: TOKEN }, c.now);
    const id = credentials.startSession('token');
    c.advance(2 * HOUR);
    expect(credentials.session(id)).toEqual({ name: 'token' });
    c.advance(2 * HOUR + 1);
    expect(credentials.session(id)).toBeUndefined();
    // Gone for good: going back in time does not revive it.
    c.set(T0);
    expect(credentials.session(id)).toBeUndefined();
  });

  it('extends a session with each use, so one used every 90 minutes stays signed in', () => {
    const c = clock();
    const credentials = new ConsoleCredentials({ token: TOKEN }, c.now);
    const id = credentials.startSession('token');
    for (let i = 0; i < 7; i++) {
      c.advance(90 * 60 * 1000);
      expect(credentials.session(id), `after ${(i + 1) * 1.5} h`).toEqual({ name: 'token' });
    }
  });

  it('ends a session 12 hours after sign-in however often it is used', () => {
    const c = clock();
    const credentials = new ConsoleCredentials({ token: TOKEN }, c.now);
    const id = credentials.startSession('token');
    for (let h = 1; h <= 12; h++) {
      c.set(T0 + h * HOUR);
      expect(credentials.session(id), `after ${h} h`).toEqual({ name: 'token' });
    }
    c.set(T0 + 12 * HOUR + 1);
    expect(credentials.session(id)).toBeUndefined();
  });

  it('keeps at most 1000 sessions, dropping the oldest sign-in first', () => {
    const c = clock();
    const credentials = new ConsoleCredentials({ token: TOKEN }, c.now);
    const ids: string[] = [];
    for (let i = 0; i < 1001; i++) ids.push(credentials.startSession(`person-${i}`));
    expect(credentials.session(ids[0])).toBeUndefined();
    expect(credentials.session(ids[1])).toEqual({ name: 'person-1' });
    expect(credentials.session(ids[1000])).toEqual({ name: 'person-1000' });
  });

  it('makes room from expired sessions before dropping a live one', () => {
    const c = clock();
    const credentials = new ConsoleCredentials({ token: TOKEN }, c.now);
    const keeper = credentials.startSession('keeper');
    c.advance(HOUR);
    const stale: string[] = [];
    for (let i = 0; i < 999; i++) stale.push(credentials.startSession(`stale-${i}`));
    // 1000 sessions, the keeper the oldest: it is used, the 999 others go idle past 2 hours.
    expect(credentials.session(keeper)).toEqual({ name: 'keeper' });
    c.advance(90 * 60 * 1000);
    expect(credentials.session(keeper)).toEqual({ name: 'keeper' });
    c.advance(90 * 60 * 1000);
    expect(credentials.session(keeper)).toEqual({ name: 'keeper' });
    const fresh = credentials.startSession('fresh');
    expect(credentials.session(keeper)).toEqual({ name: 'keeper' });
    expect(credentials.session(fresh)).toEqual({ name: 'fresh' });
    expect(credentials.session(stale[0])).toBeUndefined();
  });
});

describe('safeNext', () => {
  it.each([
    ['//evil.example', 'protocol-relative'],
    ['//evil.example/outbox', 'protocol-relative with a path'],
    ['https://x', 'absolute'],
    ['javascript:alert(1)', 'a script URL'],
    ['/\\evil', 'backslash (browsers read /\\ as //)'],
    ['/\\/evil.example', 'backslash then slash'],
    ['outbox', 'relative'],
    ['/\t/evil.example', 'a tab browsers drop, leaving //evil.example'],
    ['/\n/evil.example', 'a newline browsers drop'],
    ['', 'empty'],
  ])('refuses %j (%s) and goes to the overview', (next) => {
    expect(safeNext(next)).toBe('/');
  });

  it.each([[undefined], [null], [42], [['/outbox']], [{ path: '/outbox' }]])('refuses a non-string %j', (next) => {
    expect(safeNext(next)).toBe('/');
  });

  it.each([['/'], ['/outbox?status=dead'], ['/quarantine?status=open&source=snow-prod'], ['/tickets/snow-prod/INC0010001']])('keeps the console page %j', (next) => {
    expect(safeNext(next)).toBe(next);
  });
});
