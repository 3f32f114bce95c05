import { aggregateQa } from '../../audit/report-stats.js';
import { renderHtmlReport } from '../../audit/report-html.js';
import { readAuditLog } from '../../audit/read.js';
import { auditKeyFromEnv, type AuditKey } from '../../audit/hmac.js';
import { formatVerifyResult, verifyAll } from '../../audit/verify.js';
import { auditStateHeads } from '../../audit/state-heads.js';
import { computeFigures, type Granularity } from '../../report/figures.js';
import { lifecyclesFromStore } from '../../report/from-state.js';
import { qaByPerson } from '../../report/qa-by-person.js';
import { renderHtml } from '../../report/render-html.js';
import { html, type SafeHtml } from '../../util/html.js';
import { consolePage, queryText, type PageContext } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

/** The longest period one page computes. */
const MAX_PERIOD_MS: Record<Granularity, number> = { week: 3 * 366 * 86_400_000, month: 10 * 366 * 86_400_000 };

/**
 * `/reports/helpdesk`: the help-desk figures of `deskbridge report`, from the daemon's own state.
 * `/reports/audit`: `audit verify` of every audit log against the heads the state recorded, and
 * `/reports/qa`: the QA pass-rate report.
 */
export function registerReports({ app, view, context }: ConsoleRoutes): void {
  app.get('/reports/helpdesk', async (request, reply) => {
    const ctx = context(request, reply);
    const by: Granularity = queryText(request.query, 'by') === 'month' ? 'month' : 'week';
    const source = queryText(request.query, 'source') || undefined;
    const fromText = queryText(request.query, 'from') || undefined;
    const toText = queryText(request.query, 'to') || undefined;
    const from = fromText !== undefined ? Date.parse(fromText) : undefined;
    const to = toText !== undefined ? Date.parse(toText) : undefined;
    // A period the page cannot report on: why, and the form to ask again.
    const refuse = (why: SafeHtml) =>
      reply
        .code(400)
        .type('text/html')
        .send(
          consolePage(
            ctx,
            'Help-desk report',
            html`<p class="notice bad">${why}</p>
              ${periodForm(ctx, by, source, fromText, toText)}`,
          ),
        );
    if ((from !== undefined && !Number.isFinite(from)) || (to !== undefined && !Number.isFinite(to))) return refuse(html`From and to must be dates, e.g. 2026-11-01.`);
    const live = view.stateFiles().find((f) => f.mode === 'live');
    if (!live) return reply.code(404).send();
    const read = await lifecyclesFromStore(live.store, source);
    if (read.builder.tickets === 0) {
      return reply
        .type('text/html')
        .send(consolePage(ctx, 'Help-desk report', html`<p class="muted">No ticket versions recorded yet${source ? ` for ${source}` : ''}: the report fills in as the daemon pulls tickets.</p>`));
    }
    const toMs = to ?? read.builder.defaultEndMs;
    // Without a start, the longest period a page reports, ending at `to`.
    const fromMs = from ?? Math.max(read.builder.firstCreatedMs, toMs - MAX_PERIOD_MS[by]);
    if (!(toMs > fromMs)) return refuse(html`To must be after from.`);
    // The figures are computed on the daemon's own thread, once per week or month of the period.
    if (toMs - fromMs > MAX_PERIOD_MS[by]) {
      const limit = by === 'week' ? 'three years by week' : 'ten years by month';
      return refuse(html`One page reports at most ${limit}: narrow from and to${by === 'week' ? ', or report by month' : ''} (deskbridge report on the command line takes any period).`);
    }
    const auditDir = view.audit.dirs.find((d) => d.mode === 'live')?.dir;
    const qa = auditDir !== undefined ? qaByPerson(auditDir, fromMs, toMs) : undefined;
    const figures = computeFigures(read.builder.lifecycles(), read.builder.groupNames, { fromMs, toMs, by }, 10, { routed: read.routed, ...(qa ? { qa } : {}) });
    const nav = html`<div style="background:#1d2330;color:#fff;padding:.5rem 1rem;font:14px system-ui,sans-serif">
      <a style="color:#fff" href="/">← deskbridge console</a> ${periodForm(ctx, by, source, fromText, toText, true)}
    </div>`;
    const page = renderHtml(figures, {
      title: 'Help-desk report',
      source: `the daemon's state ${view.redact(live.path)}: ${read.builder.versions} versions of ${read.builder.tickets} tickets, ${read.routed.size} routed by deskbridge`,
      generatedAt: ctx.now,
      nav: nav.text,
    });
    return reply.type('text/html').send(page);
  });

  app.get('/reports/audit', async (request, reply) => {
    const ctx = context(request, reply);
    const key = hmacKey();
    const sections: SafeHtml[] = [];
    for (const file of view.stateFiles()) {
      const dir = view.audit.dirs.find((d) => d.mode === file.mode)?.dir;
      if (dir === undefined) continue;
      const state = await auditStateHeads(file.store.audit);
      const result = verifyAll(dir, state.heads, { headRequired: true, queued: state.queued, ...(key.key ? { hmacKey: key.key } : {}) });
      sections.push(
        html`<h2>${file.mode === 'live' ? 'Audit logs' : 'Dry-run audit logs'} <span class="muted">${dir}</span></h2>
          <p class="notice ${result.ok ? 'ok' : 'bad'}">
            ${result.ok ? 'Verified: every entry hashes to its content, the chain is unbroken, and the logs end at the heads the state recorded.' : 'NOT verified: see the problems below. Writes are held until an operator acknowledges the break (deskbridge audit acknowledge).'}
          </p>
          <pre>${result.results.map(formatVerifyResult).join('\n')}</pre>
          <p><a href="/reports/qa?mode=${file.mode}">QA pass-rate report</a></p>`,
      );
    }
    const note = key.error ?? (key.key ? undefined : 'HMACs not checked: DESKBRIDGE_AUDIT_HMAC_KEY is not set in the daemon\u2019s environment.');
    const problem = view.audit.problem();
    return reply.type('text/html').send(
      consolePage(
        ctx,
        'QA & audit',
        html`${problem ? html`<p class="notice bad">The daemon holds writes: ${view.redact(problem)}</p>` : ''}${sections}${note ? html`<p class="muted">${note}</p>` : ''}
          <p class="muted">The same check as <code>deskbridge audit verify</code>, run now on the files.</p>`,
      ),
    );
  });

  app.get('/reports/qa', async (request, reply) => {
    const ctx = context(request, reply);
    const mode = queryText(request.query, 'mode') === 'dry-run' ? 'dry-run' : 'live';
    const dir = view.audit.dirs.find((d) => d.mode === mode)?.dir;
    if (dir === undefined) return reply.code(404).send();
    const stats = aggregateQa(readAuditLog(dir, 'qa'), {});
    const nav = html`<div style="background:#1d2330;color:#fff;padding:.5rem 1rem;font:14px system-ui,sans-serif"><a style="color:#fff" href="/reports/audit">← QA &amp; audit</a></div>`;
    return reply.type('text/html').send(renderHtmlReport(stats, { title: mode === 'live' ? 'QA pass rates' : 'QA pass rates (dry run)', generatedAt: ctx.now, nav: nav.text }));
  });
}

function periodForm(ctx: PageContext, by: Granularity, source: string | undefined, from: string | undefined, to: string | undefined, inline = false): SafeHtml {
  const style = inline ? 'display:inline;margin-left:1.5rem' : '';
  return html`<form method="get" action="/reports/helpdesk" style="${style}">
      from <input type="date" name="from" value="${from ?? ''}" /> to <input type="date" name="to" value="${to ?? ''}" /> by
      <select name="by">
        <option value="week" ${by === 'week' ? html`selected` : ''}>week</option>
        <option value="month" ${by === 'month' ? html`selected` : ''}>month</option>
      </select>
      ${source ? html`<input type="hidden" name="source" value="${source}" />` : ''}<button type="submit">Show</button>
    </form>
    ${ctx.signedInAs ? '' : ''}`;
}

function hmacKey(): { key: AuditKey | undefined; error?: string } {
  try {
    return { key: auditKeyFromEnv() };
  } catch (error) {
    return { key: undefined, error: error instanceof Error ? error.message : String(error) };
  }
}
