import { describe, expect, it } from 'vitest';
import { FaultConfigError, parseFaultSpec, resolveFaultConfig } from '../../../src/sandbox/faults.js';

describe('parseFaultSpec (deskbridge sandbox --faults)', () => {
  it('reads rate, a +-separated kind list and a seed', () => {
    expect(parseFaultSpec('rate=0.1,kinds=server-error+timeout+reset,seed=7')).toEqual({
      rate: 0.1,
      kinds: ['server-error', 'timeout', 'reset'],
      seed: 7,
    });
  });

  it('reads weights, filters, booleans and timing options', () => {
    const spec =
      'rate=0.25, kinds=server-error:3+rate-limit:1, methods=PATCH+POST, operations=write, paths=/api/now/table/incident,' +
      'afterApplyShare=1, retryAfterSeconds=2, retryAfterOn503=false, serverErrorStatuses=503+504, timeoutMs=never, slowMs=50, includeAuth';

    expect(parseFaultSpec(spec)).toEqual({
      rate: 0.25,
      kinds: { 'server-error': 3, 'rate-limit': 1 },
      methods: ['PATCH', 'POST'],
      operations: 'write',
      paths: ['/api/now/table/incident'],
      afterApplyShare: 1,
      retryAfterSeconds: 2,
      retryAfterOn503: false,
      serverErrorStatuses: [503, 504],
      timeoutMs: null,
      slowMs: 50,
      includeAuth: true,
    });
  });

  it.each([
    ['kinds=reset', 'needs rate'],
    ['rate=0.1,kind=reset', 'Unknown fault option "kind"'],
    ['rate=0.1,kinds=server-error+meteor', 'Unknown fault kind "meteor"'],
    ['rate=1.5', 'rate must be a number from 0 to 1'],
    ['rate=abc', 'rate must be a number'],
    ['rate=0.1,serverErrorStatuses=418', 'not one of 500, 502, 503, 504'],
    ['rate=0.1,operations=delete', 'operations must be read, write or any'],
    ['rate=0.1,includeAuth=yes', 'includeAuth must be true or false'],
  ])('rejects "%s" saying what is wrong', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultConfigError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('resolveFaultConfig', () => {
  it('fills in the defaults: every kind, half of write faults after apply, 1 s Retry-After, hanging timeouts', () => {
    const resolved = resolveFaultConfig({ rate: 0.1, seed: 3 });

    expect(resolved).toEqual({
      rate: 0.1,
      kinds: {
        'server-error': 1,
        'rate-limit': 1,
        timeout: 1,
        reset: 1,
        slow: 1,
        'truncated-json': 1,
        'malformed-json': 1,
        'bad-record': 1,
      },
      methods: null,
      operations: 'any',
      paths: null,
      includeAuth: false,
      seed: 3,
      afterApplyShare: 0.5,
      retryAfterSeconds: 1,
      retryAfterOn503: true,
      serverErrorStatuses: [500, 502, 503, 504],
      timeoutMs: null,
      slowMs: 1000,
    });
    expect(resolveFaultConfig(resolved)).toEqual(resolved);
  });

  it('picks a seed when none is given, so GET /__sandbox/faults can show how to replay a run', () => {
    expect(resolveFaultConfig({ rate: 0.1 }).seed).toEqual(expect.any(Number));
  });

  it('refuses weights that are all zero', () => {
    expect(() => resolveFaultConfig({ rate: 0.1, kinds: { reset: 0 } })).toThrow('at least one kind');
  });
});
