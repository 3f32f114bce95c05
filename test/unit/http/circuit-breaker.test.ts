import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/http/circuit-breaker.js';

function breaker() {
  let now = 0;
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('opens after the threshold of failures in a row and refuses requests during the cool-down', () => {
    const { b, advance } = breaker();

    b.onFailure();
    b.onFailure();
    expect(b.allow()).toBe(true);
    expect(b.onFailure()).toBe(true);

    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    advance(999);
    expect(b.allow()).toBe(false);
  });

  it('lets one probe through after the cool-down and closes on its success', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();
    advance(1_000);

    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.onSuccess();

    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('re-opens for twice as long when the probe fails, up to the cap', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.onFailure();

    for (const cooldown of [1_000, 2_000, 4_000, 4_000]) {
      advance(cooldown);
      expect(b.allow()).toBe(true);
      b.onFailure();
      expect(b.retryInMs()).toBe(Math.min(4_000, cooldown * 2));
    }
  });

  it('says when an open circuit lets its probe through, and nothing when closed or half-open', () => {
    const { b, advance } = breaker();
    expect(b.retryAt()).toBeUndefined();
    advance(500);
    for (let i = 0; i < 3; i++) b.onFailure();

    expect(b.retryAt()).toBe(1_500);
    advance(1_000);
    expect(b.retryAt()).toBeUndefined();
    expect(b.allow()).toBe(true);
    b.onFailure();
    expect(b.retryAt()).toBe(3_500);
  });

  it('resets the count on a success, so only failures in a row open it', () => {
    const { b } = breaker();

    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();

    expect(b.state).toBe('closed');
  });
});
