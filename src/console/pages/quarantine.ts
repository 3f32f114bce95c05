import type { QuarantineEntry, QuarantineStatus } from '../../state/types.js';
import { html, type SafeHtml } from '../../util/html.js';
import { actionForm, ago, consolePage, queryText, type PageContext } from '../layout.js';
import { formBody, type ConsoleRoutes } from '../server.js';
import type { ConsoleMode } from '../view.js';

const STATUSES: readonly QuarantineStatus[] = ['open', 'retry', 'resolved'];
/** Characters of a quarantined record's raw JSON shown; the rest is a CLI away. */
const RAW_LIMIT = 4000;

/**
 * `/quarantine`: records deskbridge could not read or map, why, and (signed in) a retry that
 * re-reads and re-maps them on the source's next pass.
 */
export function registerQuarantine({ app, view, logger, context, changesState }: ConsoleRoutes): void {
  app.get('/quarantine', async (request, reply) => {
    const ctx = context(request, reply);
    const statusParam = queryText(request.query, 'status') ?? 'open';
    const status = STATUSES.find((s) => s === statusParam);
    const source = queryText(request.query, 'source') || undefined;
    const retried = queryText(request.query, 'retried');
    const sections: SafeHtml[] = [];
    for (const file of view.stateFiles()) {
      const entries = await file.store.quarantineList({ ...(status ? { status } : {}), ...(source ? { sourceId: source } : {}) });
      sections.push(
        html`<h2>${file.mode === 'live' ? 'Live state' : 'Dry-run state'}</h2>
          <p class="muted">${view.redact(file.path)} · ${entries.length} ${status ?? ''} ${entries.length === 1 ? 'record' : 'records'}</p>
          ${entries.length === 0 ? html`<p class="muted">Nothing here.</p>` : table(ctx, entries.slice(0, 500), file.mode, view.redact)}`,
      );
    }
    const filters = html`<nav class="filters">
      Status: ${[...STATUSES, 'all'].map((s) => html`<a href="/quarantine?status=${s}${source ? `&source=${encodeURIComponent(source)}` : ''}" aria-current="${String(s === statusParam)}">${s}</a>`)}
      ${source ? html` · source <strong>${source}</strong> (<a href="/quarantine?status=${statusParam}">all sources</a>)` : ''}
    </nav>`;
    const notice =
      retried !== undefined
        ? html`<p class="notice ok">${retried} ${retried === '1' ? 'record' : 'records'} marked for retry: the source's next pass reads and maps ${retried === '1' ? 'it' : 'them'} again.</p>`
        : '';
    return reply.type('text/html').send(consolePage(ctx, 'Quarantine', html`${notice}${filters}${sections}`));
  });

  app.post<{ Params: { id: string } }>('/quarantine/:id/retry', { preHandler: changesState }, async (request, reply) => {
    const body = formBody(request.body);
    const id = Number(request.params.id);
    const file = view.stateFiles().find((f) => f.mode === (body.mode ?? 'live'));
    if (!file || !Number.isInteger(id)) return reply.code(400).type('text/plain').send('give a quarantine id and mode\n');
    const n = await file.store.quarantineRetry({ id });
    logger.info('Quarantined record retried from the console', { id, mode: file.mode, by: request.principal?.name, retried: n });
    return reply.redirect(`/quarantine?status=retry&retried=${n}`, 303);
  });
}

function table(ctx: PageContext, entries: readonly QuarantineEntry[], mode: ConsoleMode, redact: (text: string) => string): SafeHtml {
  const rows = entries.map((q) => {
    const raw = JSON.stringify(q.raw, null, 2) ?? 'undefined';
    return html`<tr>
      <td class="num">${q.id}</td>
      <td>${q.status}</td>
      <td>${q.sourceId}</td>
      <td>${q.nativeId ?? html`<span class="muted">unreadable</span>`}${q.version ? html`<br /><span class="muted">version ${q.version}</span>` : ''}</td>
      <td>
        ${redact(q.error)}
        <details>
          <summary>record</summary>
          <pre>${redact(raw.length > RAW_LIMIT ? `${raw.slice(0, RAW_LIMIT)}\n… (${raw.length - RAW_LIMIT} more characters: deskbridge quarantine list --json)` : raw)}</pre>
        </details>
      </td>
      <td>${ago(q.createdAt, ctx.now)}</td>
      <td>
        ${q.status === 'open' && q.nativeId !== undefined ? actionForm(ctx, `/quarantine/${q.id}/retry`, 'Retry', { mode }) : q.nativeId === undefined ? html`<span class="muted">unreadable: nothing to re-read</span>` : ''}
      </td>
    </tr>`;
  });
  return html`<table>
    <thead>
      <tr>
        <th class="num">Id</th>
        <th>Status</th>
        <th>Source</th>
        <th>Record</th>
        <th>Why</th>
        <th>Quarantined</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}
