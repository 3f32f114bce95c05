import { describeAction } from '../../model/describe-action.js';
import { actionText } from '../../outbox/write-view.js';
import type { OutboxEntry, OutboxStatus } from '../../state/types.js';
import { html, type SafeHtml } from '../../util/html.js';
import { actionForm, ago, consolePage, queryText, type PageContext } from '../layout.js';
import { formBody, type ConsoleRoutes } from '../server.js';
import type { ConsoleMode, ConsoleStateFile } from '../view.js';

const STATUSES: readonly OutboxStatus[] = ['pending', 'dead', 'done'];
/** Rows per list: the newest first; older ones are a filter away. */
const LIST_LIMIT = 200;

/**
 * `/outbox`: the writes deskbridge planned, newest first, filtered by status and source, with a
 * retry for dead letters (signed in). `/outbox/:id`: one write whole.
 */
export function registerOutbox({ app, view, logger, context, changesState }: ConsoleRoutes): void {
  app.get('/outbox', async (request, reply) => {
    const ctx = context(request, reply);
    const statusParam = queryText(request.query, 'status');
    const status = STATUSES.find((s) => s === statusParam);
    const source = queryText(request.query, 'source') || undefined;
    const done = queryText(request.query, 'retried');
    const sections: SafeHtml[] = [];
    for (const file of view.stateFiles()) {
      const entries = await file.store.outbox.list({ ...(status ? { status } : {}), ...(source ? { sourceId: source } : {}), limit: LIST_LIMIT });
      const counts = await file.store.outbox.counts(source);
      // Discarded writes are dead but come back only one by one (by id), never with "retry all".
      const retriable = counts.dead - (await file.store.outbox.discardedCount(source));
      sections.push(
        html`<h2>${file.mode === 'live' ? 'Live outbox' : 'Dry-run outbox (planned, never sent)'}</h2>
          <p class="muted">
            ${view.redact(file.path)} · ${counts.pending} pending, ${counts.dead} dead, ${counts.done} done${entries.length === LIST_LIMIT ? html` · showing the newest ${LIST_LIMIT}` : ''}
          </p>
          ${file.mode === 'live' && retriable > 0 && source ? html`<p>${actionForm(ctx, '/outbox/retry', `Retry all ${retriable} dead writes of ${source}`, { source, mode: file.mode })}</p>` : ''}
          ${entries.length === 0 ? html`<p class="muted">Nothing here.</p>` : entryTable(ctx, entries, file.mode, view.redact)}`,
      );
    }
    const filters = html`<nav class="filters">
      Status: ${[undefined, ...STATUSES].map((s) => html`<a href="/outbox?${query({ status: s, source })}" aria-current="${String(s === status)}">${s ?? 'all'}</a>`)}
      ${source ? html` · source <strong>${source}</strong> (<a href="/outbox?${query({ status })}">all sources</a>)` : ''}
    </nav>`;
    const notice = done !== undefined ? html`<p class="notice ok">${done} ${done === '1' ? 'write' : 'writes'} put back in the queue: the next pass sends ${done === '1' ? 'it' : 'them'}.</p>` : '';
    return reply.type('text/html').send(consolePage(ctx, 'Outbox', html`${notice}${filters}${sections}`));
  });

  app.get<{ Params: { id: string } }>('/outbox/:id', async (request, reply) => {
    const ctx = context(request, reply);
    const found = await findEntry(view.stateFiles(), request.params.id, queryText(request.query, 'mode'));
    if (!found)
      return reply
        .code(404)
        .type('text/html')
        .send(consolePage(ctx, 'No such write', html`<p>No outbox entry ${request.params.id}. <a href="/outbox">Outbox</a></p>`));
    return reply.type('text/html').send(consolePage(ctx, `Write ${found.entry.id.slice(0, 12)}`, entryDetail(ctx, found.entry, found.file, view.redact)));
  });

  app.post<{ Params: { id: string } }>('/outbox/:id/retry', { preHandler: changesState }, async (request, reply) => {
    const body = formBody(request.body);
    const found = await findEntry(view.stateFiles(), request.params.id, body.mode);
    if (!found) return reply.code(404).type('text/plain').send(`no outbox entry ${request.params.id}\n`);
    const n = await found.file.store.outbox.retry({ id: found.entry.id });
    logger.info('Outbox write retried from the console', { id: found.entry.id, by: request.principal?.name, retried: n });
    return reply.redirect(`/outbox?status=pending&source=${encodeURIComponent(found.entry.sourceId)}&retried=${n}`, 303);
  });

  app.post('/outbox/retry', { preHandler: changesState }, async (request, reply) => {
    const body = formBody(request.body);
    const file = view.stateFiles().find((f) => f.mode === (body.mode ?? 'live'));
    if (!file || !body.source) return reply.code(400).type('text/plain').send('give source and mode\n');
    const n = await file.store.outbox.retry({ sourceId: body.source });
    logger.info('Dead outbox writes retried from the console', { source: body.source, by: request.principal?.name, retried: n });
    return reply.redirect(`/outbox?status=pending&source=${encodeURIComponent(body.source)}&retried=${n}`, 303);
  });
}

/** An entry by id (or a unique prefix), in the state file of `mode` or any. */
async function findEntry(files: readonly ConsoleStateFile[], id: string, mode: string | undefined): Promise<{ entry: OutboxEntry; file: ConsoleStateFile } | undefined> {
  for (const file of files) {
    if (mode !== undefined && mode !== '' && file.mode !== mode) continue;
    const matches = await file.store.outbox.find(id, 2);
    if (matches.length === 1 && matches[0]) return { entry: matches[0], file };
  }
  return undefined;
}

function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') params.set(k, v);
  return params.toString();
}

export function ticketLink(sourceId: string, number: string): SafeHtml {
  return html`<a href="/tickets/${encodeURIComponent(sourceId)}/${encodeURIComponent(number)}">${number}</a>`;
}

function statusCell(entry: OutboxEntry, mode: ConsoleMode): SafeHtml {
  if (mode === 'dry-run') return html`<span class="warn">would have</span>${entry.status !== 'done' ? html` (${entry.status})` : ''}`;
  const cls = entry.status === 'dead' ? 'bad' : entry.status === 'pending' ? 'warn' : 'ok';
  return html`<span class="${cls}">${entry.status}</span>${entry.outcome ? html`<br /><span class="muted">${entry.outcome}</span>` : ''}`;
}

function entryTable(ctx: PageContext, entries: readonly OutboxEntry[], mode: ConsoleMode, redact: (text: string) => string): SafeHtml {
  const rows = entries.map(
    (e) =>
      html`<tr>
        <td>
          <a href="/outbox/${e.id}?mode=${mode}"><code>${e.id.slice(0, 12)}</code></a>
        </td>
        <td>${statusCell(e, mode)}</td>
        <td>${e.sourceId}</td>
        <td>${ticketLink(e.sourceId, e.planned.target.number)}</td>
        <td>${e.ruleId}</td>
        <td>${describeAction(e.planned.action)}</td>
        <td class="num">${e.attempts}</td>
        <td>${redact(e.lastError ?? '')}${e.status === 'pending' ? html`<br /><span class="muted">next attempt ${ago(e.nextAttemptAt, ctx.now)}</span>` : ''}</td>
        <td>${ago(e.updatedAt, ctx.now)}</td>
        <td>${mode === 'live' && e.status === 'dead' ? actionForm(ctx, `/outbox/${e.id}/retry`, 'Retry', { mode }) : ''}</td>
      </tr>`,
  );
  return html`<table>
    <thead>
      <tr>
        <th>Id</th>
        <th>Status</th>
        <th>Source</th>
        <th>Ticket</th>
        <th>Rule</th>
        <th>Write</th>
        <th class="num">Attempts</th>
        <th>Error / reason</th>
        <th>Updated</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function entryDetail(ctx: PageContext, entry: OutboxEntry, file: ConsoleStateFile, redact: (text: string) => string): SafeHtml {
  const text = actionText(entry.planned.action);
  return html`<table>
      <tr>
        <th>Id</th>
        <td><code>${entry.id}</code></td>
      </tr>
      <tr>
        <th>State</th>
        <td>${file.mode === 'live' ? 'live: written to the platform (or waiting to be)' : 'dry run: planned, never sent'} · ${redact(file.path)}</td>
      </tr>
      <tr>
        <th>Status</th>
        <td>${statusCell(entry, file.mode)}${entry.status === 'pending' ? html` · next attempt ${entry.nextAttemptAt}` : ''}</td>
      </tr>
      <tr>
        <th>Source</th>
        <td>${entry.sourceId}</td>
      </tr>
      <tr>
        <th>Ticket</th>
        <td>${ticketLink(entry.sourceId, entry.planned.target.number)} (native id ${entry.planned.target.nativeId}, planned from version ${entry.planned.target.version})</td>
      </tr>
      <tr>
        <th>Rule</th>
        <td>${entry.ruleId}</td>
      </tr>
      <tr>
        <th>Write</th>
        <td>${entry.planned.action.type} — ${describeAction(entry.planned.action)}</td>
      </tr>
      <tr>
        <th>Attempts</th>
        <td>${entry.attempts}</td>
      </tr>
      ${
        entry.lastError
          ? html`<tr>
              <th>${entry.status === 'done' ? 'Reason' : 'Error'}</th>
              <td>${redact(entry.lastError)}</td>
            </tr>`
          : ''
      }
      ${
        entry.ref
          ? html`<tr>
              <th>Written as</th>
              <td>${entry.ref}</td>
            </tr>`
          : ''
      }
      <tr>
        <th>Planned</th>
        <td>${entry.createdAt}</td>
      </tr>
      <tr>
        <th>Updated</th>
        <td>${entry.updatedAt}</td>
      </tr>
    </table>
    ${file.mode === 'live' && entry.status === 'dead' ? html`<p>${actionForm(ctx, `/outbox/${entry.id}/retry`, 'Retry', { mode: file.mode })}</p>` : ''}
    <h2>Why</h2>
    <pre>${entry.planned.explanation || '(no explanation recorded)'}</pre>
    ${
      text
        ? html`<h2>${text.label}</h2>
            <pre>${text.text}</pre>`
        : ''
    }`;
}
