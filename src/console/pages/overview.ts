import { html, type SafeHtml } from '../../util/html.js';
import type { PassLogEntry } from '../../state/types.js';
import { ago, consolePage, duration } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';
import type { ConsoleSource } from '../view.js';

/** Passes shown on the overview, newest first, over every source. */
const RECENT_PASSES = 25;

/**
 * `/`: is every source keeping up? Per source its last pass, how far its watermark is behind, its
 * circuit and request rate against its budget, what waits in the outbox and in quarantine; then
 * the recent passes (kept in the state, so they survive a restart).
 */
export function registerOverview({ app, view, context }: ConsoleRoutes): void {
  app.get('/', async (request, reply) => {
    const ctx = context(request, reply);
    const now = view.now();
    const rows: SafeHtml[] = [];
    const passes: (PassLogEntry & { id: number; mode: string })[] = [];
    for (const source of view.sources()) {
      const state = view.stateOf(source.id);
      if (!state) continue;
      const [watermark, counts, discarded, quarantined, recent] = await Promise.all([
        state.store.getWatermark(source.id),
        state.store.outbox.counts(source.id),
        state.store.outbox.discardedCount(source.id),
        state.store.quarantineCount({ sourceId: source.id, status: 'open' }),
        state.store.recentPasses({ sourceId: source.id, limit: RECENT_PASSES }),
      ]);
      passes.push(...recent.map((p) => ({ ...p, mode: state.mode })));
      const last = recent[0];
      const failedRecently = recent.filter((p) => p.outcome === 'failed' || p.outcome === 'stopped');
      rows.push(
        html`<tr>
          <td>
            <a href="/outbox?source=${encodeURIComponent(source.id)}"><strong>${source.id}</strong></a
            ><br /><span class="muted">${source.platform} · ${view.redact(source.baseUrl)}</span>
          </td>
          <td>${modeCell(source)}</td>
          <td>${activityCell(source)}</td>
          <td>
            ${last ? html`${outcomeCell(last.outcome)} ${ago(last.finishedAt, now)}<br /><span class="muted">${last.pulled} pulled, ${last.planned} planned, ${duration(last.durationMs)}</span>` : html`<span class="muted">no pass yet</span>`}
          </td>
          <td>${watermark ? html`${ago(watermark, now)}<br /><span class="muted">${watermark}</span>` : html`<span class="muted">not started</span>`}</td>
          <td>
            ${failedRecently.length === 0 ? html`<span class="ok">none</span>` : html`<span class="bad">${failedRecently.length} of last ${recent.length}</span><br /><span class="muted">${view.redact(failedRecently[0]?.error ?? '')}</span>`}
          </td>
          <td>${circuitCell(source)}</td>
          <td class="num">${requestRate(source)}</td>
          <td class="num">${counts.pending > 0 ? html`<a href="/outbox?status=pending&source=${encodeURIComponent(source.id)}">${counts.pending}</a>` : '0'}</td>
          <td class="num">
            ${counts.dead - discarded > 0 ? html`<a class="bad" href="/outbox?status=dead&source=${encodeURIComponent(source.id)}">${counts.dead - discarded}</a>` : '0'}
            ${discarded > 0 ? html`<br /><span class="muted">${discarded} discarded</span>` : ''}
          </td>
          <td class="num">${quarantined > 0 ? html`<a class="warn" href="/quarantine?source=${encodeURIComponent(source.id)}">${quarantined}</a>` : '0'}</td>
        </tr>`,
      );
    }
    passes.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
    const audit = view.audit.problem();
    const rules = view.rules();
    const body = html`
      <div class="cards">
        <div class="card">
          <div class="muted">Daemon up</div>
          <div class="big">${duration(now.getTime() - view.startedAt.getTime())}</div>
          <div class="muted">since ${view.startedAt.toISOString()}</div>
        </div>
        <div class="card">
          <div class="muted">Rules loaded</div>
          <div class="big">${rules.rules.length}</div>
          <div class="muted">${ago(rules.loadedAt, now)}${rules.rejectedStillOnDisk ? html` · <a class="bad" href="/rules">an edit was rejected</a>` : ''}</div>
        </div>
        <div class="card">
          <div class="muted">Audit trail</div>
          <div class="big ${audit ? 'bad' : 'ok'}">${audit ? 'holding writes' : 'writing'}</div>
          <div class="muted"><a href="/reports/audit">verify</a></div>
        </div>
      </div>
      ${audit ? html`<p class="notice bad">${view.redact(audit)}</p>` : ''}
      <h2>Sources</h2>
      <table>
        <thead>
          <tr>
            <th>Source</th>
            <th>Mode</th>
            <th>Now</th>
            <th>Last pass</th>
            <th>Newest change seen</th>
            <th>Errors</th>
            <th>Circuit</th>
            <th class="num">Requests/min (budget)</th>
            <th class="num">Outbox pending</th>
            <th class="num">Dead letters</th>
            <th class="num">Quarantined</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <h2>Recent passes</h2>
      ${passes.length === 0 ? html`<p class="muted">No pass has been recorded yet.</p>` : passTable(passes.slice(0, RECENT_PASSES), view.redact)}
    `;
    return reply.type('text/html').send(consolePage(ctx, 'Overview', body));
  });
}

function passTable(passes: readonly (PassLogEntry & { mode: string })[], redact: (text: string) => string): SafeHtml {
  const rows = passes.map(
    (p) =>
      html`<tr>
        <td>${p.finishedAt}</td>
        <td>${p.sourceId}</td>
        <td>${p.dryRun ? 'dry run' : 'live'}</td>
        <td>${outcomeCell(p.outcome)}</td>
        <td class="num">${duration(p.durationMs)}</td>
        <td class="num">${p.pulled}</td>
        <td class="num">${p.planned}</td>
        <td class="num">${p.dryRun ? p.written.wouldSend : p.written.sent}</td>
        <td class="num">${p.written.unchanged}</td>
        <td class="num">${p.written.failed}</td>
        <td class="num">${p.written.dead}</td>
        <td class="num">${p.quarantined}</td>
        <td class="num">${p.requests}</td>
        <td>${p.error ? redact(p.error) : ''}</td>
      </tr>`,
  );
  return html`<table class="passes">
    <thead>
      <tr>
        <th>Finished</th>
        <th>Source</th>
        <th>Mode</th>
        <th>Outcome</th>
        <th class="num">Took</th>
        <th class="num">Pulled</th>
        <th class="num">Planned</th>
        <th class="num">Written (would)</th>
        <th class="num">Unchanged</th>
        <th class="num">Failed</th>
        <th class="num">Dead</th>
        <th class="num">Quarantined</th>
        <th class="num">Requests</th>
        <th>Error</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function modeCell(source: ConsoleSource): SafeHtml {
  return source.mode === 'dry-run' ? html`<span class="warn">dry run</span>` : html`live`;
}

function activityCell(source: ConsoleSource): SafeHtml {
  if (source.activity === 'stopped') return html`<span class="bad">stopped</span><br /><span class="muted">credentials refused; fix them and restart</span>`;
  if (source.activity === 'running') return html`<span class="ok">pass running</span>`;
  if (source.sharing === 'elsewhere') return html`<span class="muted">worked by another daemon</span><br /><span class="muted">deskbridge status says which</span>`;
  return html`idle${source.sharing === 'here' ? ' (this daemon holds it)' : ''}<br /><span class="muted">${source.schedule}</span>`;
}

function outcomeCell(outcome: string): SafeHtml {
  const cls = outcome === 'ok' ? 'ok' : outcome === 'failed' || outcome === 'stopped' ? 'bad' : 'warn';
  return html`<span class="${cls}">${outcome}</span>`;
}

function circuitCell(source: ConsoleSource): SafeHtml {
  const { circuit, circuitRetryAt } = source.transport;
  if (circuit === 'closed') return html`<span class="ok">closed</span>`;
  return html`<span class="${circuit === 'open' ? 'bad' : 'warn'}">${circuit}</span>${circuitRetryAt ? html`<br /><span class="muted">probe at ${circuitRetryAt}</span>` : ''}`;
}

function requestRate(source: ConsoleSource): SafeHtml {
  const { requestsLastMinute, budgetPerMinute, requests } = source.transport;
  const budget = budgetPerMinute !== undefined ? html` / ${round(budgetPerMinute)} (${Math.round((100 * requestsLastMinute) / budgetPerMinute)}%)` : html` <span class="muted">(no budget)</span>`;
  return html`${requestsLastMinute}${budget}<br /><span class="muted">${requests} since start</span>`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
