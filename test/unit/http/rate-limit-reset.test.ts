import { describe, expect, it } from 'vitest';
import { parseRateLimitReset } from '../../../src/http/client.js';

describe('X-RateLimit-Reset', () => {
  it.each([
    ['an epoch in seconds', '1795428960', Date.UTC(2026, 10, 23, 10, 15, 0), 60],
    ['a Jira Cloud ISO minute', '2026-11-23T10:16Z', Date.UTC(2026, 10, 23, 10, 15, 0), 60],
    ['a time already past', '2026-11-23T10:14Z', Date.UTC(2026, 10, 23, 10, 15, 0), 0],
  ])('reads %s as seconds to wait', (_what, header, now, seconds) => {
    expect(parseRateLimitReset(header, now)).toBe(seconds);
  });

  it('ignores a value it cannot read', () => {
    expect(parseRateLimitReset('soon', Date.now())).toBeUndefined();
  });
});
