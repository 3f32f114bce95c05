import { describe, expect, it } from 'vitest';
import { type Route, findRoute } from '../../../src/sandbox/route-table.js';

type Served = string[];

const routes: readonly Route<Served>[] = [
  { method: 'GET', path: '/health', handle: (served) => void served.push('health') },
  { method: ['PATCH', 'PUT'], path: /^\/records\/(\w+)(?:\/(\w+))?$/, handle: (served, groups) => void served.push(`update ${groups.join(',')}`) },
  { method: 'GET', path: /^\/records\/(\w+)$/, handle: (served, [table]) => void served.push(`list ${table}`) },
  { method: '*', path: /^\/records\/(\w+)$/, handle: (served) => void served.push('any method') },
];

function serve(method: string, path: string): Served | undefined {
  const handler = findRoute(routes, method, path);
  if (!handler) return undefined;
  const served: Served = [];
  void handler(served);
  return served;
}

describe('sandbox route table', () => {
  it('serves an exact path only for the method it names', () => {
    expect(serve('GET', '/health')).toEqual(['health']);
    expect(serve('POST', '/health')).toBeUndefined();
    expect(serve('GET', '/health/')).toBeUndefined();
  });

  it('hands a pattern route its capture groups, undefined for an optional group that did not match', () => {
    expect(serve('PUT', '/records/incident/abc')).toEqual(['update incident,abc']);
    expect(serve('PATCH', '/records/incident')).toEqual(['update incident,']);
  });

  it('picks the first route matching both method and path, with * serving any method', () => {
    expect(serve('GET', '/records/incident')).toEqual(['list incident']);
    expect(serve('DELETE', '/records/incident')).toEqual(['any method']);
    expect(serve('DELETE', '/records/incident/abc')).toBeUndefined();
  });

  it('finds nothing for a path no route names', () => {
    expect(serve('GET', '/nowhere')).toBeUndefined();
  });
});
