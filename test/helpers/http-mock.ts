/**
 * Strict HTTP mocking, and the only file that imports nock. Calling `useHttpMock()` in a test
 * file disables real network access and, after every test, fails it when a request matched no
 * mock (a wrong query string counts) or when a declared mock was never used.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface HttpMock {
  /** Declares mocks for one origin; chain `.get(...)`, `.query(...)`, `.reply(...)` as in nock. */
  mock(origin: string): nock.Scope;
  /** Requests that reached a mock in the current test, in order. */
  requests(): RecordedRequest[];
}

export function useHttpMock(): HttpMock {
  let unmatched: string[] = [];
  let recorded: RecordedRequest[] = [];
  const onNoMatch = (request: { method?: string; url?: string }): void => {
    unmatched.push(`${request.method ?? '?'} ${request.url ?? '?'}`);
  };

  beforeAll(() => {
    // nock patches http and fetch while active; files sharing a worker must not inherit that.
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });

  afterEach(() => {
    const unused = nock.pendingMocks();
    const stray = unmatched;
    nock.abortPendingRequests();
    nock.cleanAll();
    unmatched = [];
    recorded = [];
    const problems = [...stray.map((request) => `unmatched request: ${request}`), ...unused.map((mock) => `mock declared but never requested: ${mock}`)];
    if (problems.length > 0) {
      throw new Error(`HTTP mock check failed:\n  ${problems.join('\n  ')}`);
    }
  });

  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
    nock.restore();
  });

  return {
    mock(origin: string) {
      const scope = nock(origin);
      scope.on('request', (request: Request, _interceptor: unknown, body: string) => {
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        recorded.push({ method: request.method, url: new URL(request.url), headers, body });
      });
      return scope;
    },
    requests: () => [...recorded],
  };
}
