import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The daemon's Prometheus metrics. One registry per daemon (not prom-client's global one), so
 * tests and several daemons in one process do not share counts.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly passes = new Counter({
    name: 'deskbridge_passes_total',
    help: 'Sync passes by source and outcome (ok, failed, stopped)',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly recordsPulled = new Counter({ name: 'deskbridge_records_pulled_total', help: 'Records read from the platform', labelNames: ['source'] as const, registers: [this.registry] });
  readonly actionsPlanned = new Counter({ name: 'deskbridge_actions_planned_total', help: 'Actions the rules decided on', labelNames: ['source'] as const, registers: [this.registry] });
  readonly ticketsSkipped = new Counter({
    name: 'deskbridge_tickets_skipped_total',
    help: "Ticket versions the source's skip: condition left alone (no rule, no write)",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: 'deskbridge_writes_total',
    help: 'Outbox writes by outcome (sent, unchanged, superseded, failed, dead; would_send: planned by a dry-run source, not sent)',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly quarantined = new Counter({ name: 'deskbridge_records_quarantined_total', help: 'Records that could not be read or mapped', labelNames: ['source'] as const, registers: [this.registry] });
  readonly reloads = new Counter({
    name: 'deskbridge_config_reloads_total',
    help: 'Rules/mappings edits picked up (accepted) or refused (rejected; the last good set kept running)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly pendingWrites = new Gauge({ name: 'deskbridge_outbox_pending', help: 'Writes waiting in the outbox after the last pass', labelNames: ['source'] as const, registers: [this.registry] });
  readonly auditBroken = new Gauge({
    name: 'deskbridge_audit_broken',
    help: 'Audit log broken or not writable (1): writes to platforms are held until it is acknowledged or fixed',
    labelNames: ['log', 'mode'] as const,
    registers: [this.registry],
  });
  readonly evaluationLimits = new Counter({
    name: 'deskbridge_evaluation_limits_total',
    help: 'Rule or mapping evaluations stopped by a limit (time, depth, sequence, size); the rule failed for that ticket',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly sourceHeld = new Gauge({
    name: 'deskbridge_source_held',
    help: "On a state several daemons share: 1 while this daemon holds the source's lease (sum over daemons: 1 per source)",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly lastPassSeconds = new Gauge({ name: 'deskbridge_last_pass_duration_seconds', help: 'Duration of the last pass', labelNames: ['source'] as const, registers: [this.registry] });
  readonly lastSuccessfulPass = new Gauge({
    name: 'deskbridge_last_successful_pass_timestamp_seconds',
    help: 'Unix time at which the last pass of the source completed (alert when time() minus this grows past a few schedule intervals)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  constructor() {
    // No prefix: the standard process_* and nodejs_* names, which stock Node.js dashboards and
    // alerts expect (a prefix ending in process_ doubled them: deskbridge_process_process_*).
    collectDefaultMetrics({ register: this.registry });
  }
}

/** `/metrics` (Prometheus text) and `/healthz` (200 while every source's last pass succeeded). */
export async function startMetricsServer(
  metrics: DaemonMetrics,
  port: number,
  health: () => { ok: boolean; detail: Record<string, string> },
  host = '127.0.0.1',
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (req.url === '/healthz') {
      const state = health();
      res.writeHead(state.ok ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(state));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
