import { describe, expect, it } from 'vitest';
import { describeSharing } from '../../../src/cli/inspect.js';
import { fairShare, liveDaemons } from '../../../src/daemon/source-claims.js';
import type { ProcessIdentity } from '../../../src/state/lease.js';
import type { DaemonRecord, SourceLeaseRecord } from '../../../src/state/shared.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();
const me: ProcessIdentity = { pid: 1, host: 'h1', pidNamespace: 'pid:[1]', pidAlive: (pid) => pid !== 66 };

function daemon(id: string, extra: Partial<DaemonRecord> = {}): DaemonRecord {
  return { daemonId: id, pid: 10, host: 'h2', pidNamespace: 'pid:[2]', startedAt: ago(600), heartbeatAt: ago(2), ttlMs: 30_000, stoppedAt: undefined, version: undefined, ...extra };
}

function lease(sourceId: string, daemonId: string, extra: Partial<SourceLeaseRecord> = {}): SourceLeaseRecord {
  return {
    sourceId,
    daemonId,
    holderId: `${daemonId}-${sourceId}`,
    pid: 10,
    host: 'h2',
    pidNamespace: 'pid:[2]',
    startedAt: ago(300),
    heartbeatAt: ago(2),
    ttlMs: 30_000,
    token: 3,
    releasedAt: undefined,
    ...extra,
  };
}

describe('sharing sources between daemons', () => {
  it('gives each live daemon the ceiling of sources over daemons, so every source has a taker', () => {
    expect(fairShare(12, 1)).toBe(12);
    expect(fairShare(12, 2)).toBe(6);
    expect(fairShare(12, 5)).toBe(3);
    expect(fairShare(4, 3)).toBe(2);
    expect(fairShare(3, 0)).toBe(3);
    expect(fairShare(0, 2)).toBe(0);
  });

  it('counts out daemons that stopped, went silent past their TTL, or whose process on this host is gone', () => {
    const daemons = [
      daemon('live'),
      daemon('stopped', { stoppedAt: ago(1) }),
      daemon('silent', { heartbeatAt: ago(31) }),
      daemon('killed-here', { host: 'h1', pidNamespace: 'pid:[1]', pid: 66 }),
      daemon('elsewhere-pid-66', { pid: 66 }),
    ];
    expect(liveDaemons(daemons, NOW, me).map((d) => d.daemonId)).toEqual(['live', 'elsewhere-pid-66']);
  });

  it('lists for status each daemon with what it holds, and each source as held, free, stale or never held', () => {
    const { lines, sources, daemons } = describeSharing(
      'postgres://u:***@db/deskbridge',
      [daemon('aaaaaaaa-1'), daemon('bbbbbbbb-2', { heartbeatAt: ago(45) })],
      [lease('snow-1', 'aaaaaaaa-1'), lease('snow-2', 'bbbbbbbb-2', { heartbeatAt: ago(45) }), lease('snow-3', 'aaaaaaaa-1', { releasedAt: ago(5) })],
      ['snow-1', 'snow-2', 'snow-3', 'snow-4'],
      NOW,
    );
    expect(lines[0]).toBe('state postgres://u:***@db/deskbridge: shared by 1 live daemon(s); each takes up to 4 of the 4 source(s)');
    expect(lines[1]).toMatch(/^ {2}daemon aaaaaaaa {2}pid 10 on h2 {2}live, last heartbeat 2 s ago {2}holds: snow-1$/);
    expect(lines[2]).toMatch(/^ {2}daemon bbbbbbbb .* silent \(counted out\) {2}holds: \(nothing\)$/);
    expect(sources.map((s) => [s.sourceId, s.state])).toEqual([
      ['snow-1', 'held'],
      ['snow-2', 'stale (heartbeat-expired): the next daemon takes it'],
      ['snow-3', 'free'],
      ['snow-4', 'never held'],
    ]);
    expect(lines).toContain('  source snow-1: held by daemon aaaaaaaa (pid 10 on host h2 since 2026-12-06T11:55:00.000Z, last heartbeat 2 s ago, token 3)');
    expect(daemons.map((d) => [d.daemonId, d.live, d.holds])).toEqual([
      ['aaaaaaaa-1', true, ['snow-1']],
      ['bbbbbbbb-2', false, []],
    ]);
  });
});
