import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../../src/observability/metrics.js';

/** Metric names in a registry's exposition, without labels. */
async function names(metrics: DaemonMetrics): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return [...new Set(text.split('\n').flatMap((l) => (l.startsWith('# TYPE ') ? [l.split(' ')[2] ?? ''] : [])))];
}

describe('daemon metrics', () => {
  it('exposes the process and Node.js metrics under their standard names, never with a doubled prefix', async () => {
    const all = await names(new DaemonMetrics());

    expect(all).toContain('process_cpu_seconds_total');
    expect(all).toContain('process_resident_memory_bytes');
    expect(all).toContain('nodejs_eventloop_lag_seconds');
    expect(all.filter((n) => /process_process_|deskbridge_process_|deskbridge_nodejs_/.test(n))).toEqual([]);
    // Everything else deskbridge exports is deskbridge_*.
    expect(all.filter((n) => !/^(process_|nodejs_|deskbridge_)/.test(n))).toEqual([]);
  });

  it('has a last-successful-pass timestamp per source to alert on', async () => {
    const metrics = new DaemonMetrics();
    metrics.lastSuccessfulPass.set({ source: 'snow-prod' }, 1_764_921_600);

    const text = await metrics.registry.metrics();

    expect(text).toContain('# TYPE deskbridge_last_successful_pass_timestamp_seconds gauge');
    expect(text).toContain('deskbridge_last_successful_pass_timestamp_seconds{source="snow-prod"} 1764921600');
  });

  it('counts dry-run writes as would_send, apart from sent', async () => {
    const metrics = new DaemonMetrics();
    metrics.writes.inc({ source: 's', outcome: 'would_send' }, 3);

    const text = await metrics.registry.metrics();

    expect(text).toContain('deskbridge_writes_total{source="s",outcome="would_send"} 3');
    expect(text).not.toContain('outcome="sent"');
  });
});
