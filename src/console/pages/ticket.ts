import { readAuditLog } from '../../audit/read.js';
import type { RuleExplanation } from '../../explain/explain.js';
import type { LifecycleVersion } from '../../model/lifecycle-version.js';
import { describeAction } from '../../model/describe-action.js';
import type { OutboxEntry } from '../../state/types.js';
import { html, type SafeHtml } from '../../util/html.js';
import { consolePage, queryText } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';
import type { ConsoleView } from '../view.js';

/** Audit entries of one ticket shown at most (the newest). */
const AUDIT_LIMIT = 200;

interface TimelineEvent {
  at: string;
  what: SafeHtml;
  kind: 'version' | 'planned' | 'write' | 'qa';
}

/**
 * `/tickets/:source/:ticket`: one ticket's story — each version deskbridge pulled, each write it
 * planned and made (state and the actions audit log), each QA verdict — and a live explain: the
 * ticket fetched from its platform now, every loaded rule evaluated on it, nothing written.
 */
export function registerTicket({ app, view, context }: ConsoleRoutes): void {
  app.get('/tickets', async (request, reply) => {
    const ctx = context(request, reply);
    const source = queryText(request.query, 'source');
    const ticket = queryText(request.query, 'ticket')?.trim();
    if (source && ticket) return reply.redirect(`/tickets/${encodeURIComponent(source)}/${encodeURIComponent(ticket)}`, 303);
    const sources = view.sources();
    const body = html`<form method="get" action="/tickets">
        <label for="source">Source</label
        ><select id="source" name="source">
          ${sources.map((s) => html`<option value="${s.id}">${s.id} (${s.platform})</option>`)}
        </select>
        <label for="ticket">Ticket number or id</label><input type="search" id="ticket" name="ticket" placeholder="INC0010001, DESK-12, 4711" />
        <p><button class="primary" type="submit">Show</button></p>
      </form>
      <p class="muted">The page fetches the ticket from its platform (one read) and evaluates every loaded rule on it; nothing is written.</p>`;
    return reply.type('text/html').send(consolePage(ctx, 'Tickets', body));
  });

  app.get<{ Params: { source: string; ticket: string } }>('/tickets/:source/:ticket', async (request, reply) => {
    const ctx = context(request, reply);
    const { source: sourceId, ticket: ref } = request.params;
    const source = view.sources().find((s) => s.id === sourceId);
    const state = view.stateOf(sourceId);
    if (!source || !state)
      return reply
        .code(404)
        .type('text/html')
        .send(consolePage(ctx, 'No such source', html`<p>No source ${sourceId} in this daemon. <a href="/tickets">Tickets</a></p>`));
    const live = await view.explain(sourceId, ref);
    let key = live.ok ? live.explanation.ticket.key : undefined;
    // Unreachable platform: the ticket by its number, else by its native id (keys end with it).
    const versions =
      key !== undefined
        ? await state.store.ticketVersions({ key })
        : await state.store.ticketVersions({ sourceId, number: ref }).then(async (found) => (found.length > 0 ? found : state.store.ticketVersions({ key: `${source.platform}:${sourceId}:${ref}` })));
    key ??= versions[0]?.key;
    const writes = key !== undefined ? await state.store.outbox.list({ ticketKey: key, limit: 500 }) : [];
    // Nothing is written about a ticket before it exists: the logs' older days are not read.
    const createdAt = live.ok ? live.explanation.ticket.createdAt : versions[0]?.createdAt;
    const audit = key !== undefined ? auditEvents(view, state.mode, key, createdAt) : { events: [], problem: undefined };
    const timeline = [...versionEvents(versions), ...writeEvents(writes), ...audit.events].sort((a, b) => b.at.localeCompare(a.at) || order(a.kind) - order(b.kind));
    const title = live.ok ? `${live.explanation.ticket.source.number} · ${live.explanation.ticket.title}` : `${ref} on ${sourceId}`;
    const body = html`
      ${live.ok ? summary(live.explanation.ticket) : html`<p class="notice bad">Could not fetch ${ref} from ${sourceId} now: ${view.redact(live.message)}. The timeline below is what deskbridge recorded.</p>`}
      <h2>Timeline</h2>
      ${key === undefined ? html`<p class="muted">deskbridge has recorded nothing about this ticket.</p>` : timeline.length === 0 ? html`<p class="muted">No versions, writes or verdicts recorded yet.</p>` : timelineTable(timeline)}
      ${audit.problem ? html`<p class="notice bad">The audit log could not be read in full: ${audit.problem}</p>` : ''}
      <h2>Rules now (live explain)</h2>
      ${live.ok ? explainSection(live.explanation.rules, live.lines, live.explanation.skipped) : html`<p class="muted">Not available: the ticket could not be fetched.</p>`}
    `;
    return reply.type('text/html').send(consolePage(ctx, title, body));
  });
}

function order(kind: TimelineEvent['kind']): number {
  return ['write', 'qa', 'planned', 'version'].indexOf(kind);
}

function summary(t: { key: string; status: string; priority: string | number; category?: string | undefined; group?: string | undefined; assignee?: string | undefined; updatedAt: string }): SafeHtml {
  return html`<table class="ticket">
    <tr>
      <th>Key</th>
      <td><code>${t.key}</code></td>
      <th>Status</th>
      <td>${t.status}</td>
      <th>Priority</th>
      <td>${t.priority}</td>
    </tr>
    <tr>
      <th>Group</th>
      <td>${t.group ?? '—'}</td>
      <th>Assignee</th>
      <td>${t.assignee ?? '—'}</td>
      <th>Category</th>
      <td>${t.category ?? '—'}</td>
    </tr>
    <tr>
      <th>Updated</th>
      <td colspan="5">${t.updatedAt}</td>
    </tr>
  </table>`;
}

function versionEvents(versions: readonly LifecycleVersion[]): TimelineEvent[] {
  const sorted = [...versions].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  let previous: LifecycleVersion | undefined;
  return sorted.map((v) => {
    const changes: string[] = [];
    for (const field of ['status', 'group', 'assignee', 'priority', 'category'] as const) {
      if (previous === undefined || previous[field] !== v[field]) changes.push(`${field} ${v[field] ?? '—'}`);
    }
    previous = v;
    return { at: v.updatedAt, kind: 'version', what: html`version ${v.version} pulled: ${changes.length > 0 ? changes.join(', ') : 'no change to status, group, assignee, priority or category'}` };
  });
}

/** What the rules planned, from the state; what became of each write is the audit log's to say (every attempt is there). */
function writeEvents(entries: readonly OutboxEntry[]): TimelineEvent[] {
  return entries.map((e) => ({
    at: e.createdAt,
    kind: 'planned',
    what: html`rule <strong>${e.ruleId}</strong> planned: ${describeAction(e.planned.action)} (<a href="/outbox/${e.id}">${e.id.slice(0, 12)}</a>, now ${e.status}${e.outcome ? ` ${e.outcome}` : ''})`,
  }));
}

/** The ticket's entries in both audit logs of the state's mode (QA verdicts and write records). */
function auditEvents(view: ConsoleView, mode: string, key: string, createdAt: string | undefined): { events: TimelineEvent[]; problem: string | undefined } {
  const dir = view.audit.dirs.find((d) => d.mode === mode)?.dir;
  const events: TimelineEvent[] = [];
  if (dir === undefined) return { events, problem: undefined };
  // A day early: a platform's clock and ours may disagree about the day a ticket was opened.
  const created = createdAt !== undefined ? Date.parse(createdAt) : NaN;
  const fromDay = Number.isFinite(created) ? new Date(created - 86_400_000).toISOString().slice(0, 10) : undefined;
  const newest = (list: TimelineEvent[]) => list.sort((a, b) => a.at.localeCompare(b.at)).slice(-AUDIT_LIMIT);
  try {
    for (const entry of readAuditLog(dir, 'qa', fromDay)) {
      const v = entry.data;
      if (v.kind !== 'qa-verdict' || v.ticket.key !== key) continue;
      const failed = v.checks.filter((c) => !c.passed);
      events.push({
        at: entry.at,
        kind: 'qa',
        what: html`QA <strong>${v.rule}</strong> on version ${v.version}:
          ${v.passed ? html`<span class="ok">passed</span>` : html`<span class="bad">failed</span> ${failed.map((c) => `${c.id}: ${c.message}`).join('; ')}`}
          <span class="muted">(audit qa #${entry.seq})</span>`,
      });
    }
    for (const entry of readAuditLog(dir, 'actions', fromDay)) {
      const w = entry.data;
      if (w.kind !== 'write' || w.ticket.key !== key) continue;
      events.push({
        at: entry.at,
        kind: 'write',
        what: html`audit: ${w.action} — <strong>${w.outcome}</strong>${w.error ? `: ${view.redact(w.error)}` : ''} <span class="muted">(audit actions #${entry.seq}, rule ${w.rule})</span>`,
      });
    }
  } catch (error) {
    return { events: newest(events), problem: view.redact(error instanceof Error ? error.message : String(error)) };
  }
  return { events: newest(events), problem: undefined };
}

function timelineTable(events: readonly TimelineEvent[]): SafeHtml {
  const label = { version: 'pulled', planned: 'planned', write: 'write', qa: 'QA' } as const;
  return html`<table class="timeline">
    <thead>
      <tr>
        <th>When</th>
        <th>What</th>
        <th>Event</th>
      </tr>
    </thead>
    <tbody>
      ${events.map(
        (e) =>
          html`<tr>
            <td>${e.at}</td>
            <td>${label[e.kind]}</td>
            <td>${e.what}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function explainSection(rules: readonly RuleExplanation[], lines: readonly string[], skipped: string | undefined): SafeHtml {
  const rows = rules.map((r) => {
    const cls = r.outcome === 'matched' ? 'ok' : r.outcome === 'error' ? 'bad' : 'muted';
    const clauses = r.clauses.map((c) => html`<li><code>${c.text}</code> → <strong>${c.error ? `error: ${c.error}` : (JSON.stringify(c.value) ?? 'undefined')}</strong></li>`);
    const actions = r.actions.map((a) => html`<li>${describeAction(a.action)}</li>`);
    return html`<tr>
      <td><strong>${r.ruleId}</strong>${r.description ? html`<br /><span class="muted">${r.description}</span>` : ''}</td>
      <td class="${cls}">${r.outcome}</td>
      <td>
        ${r.reason}${
          clauses.length > 0
            ? html`<ul>
                ${clauses}
              </ul>`
            : ''
        }
      </td>
      <td>
        ${
          actions.length > 0
            ? html`<ul>
                ${actions}
              </ul>`
            : '—'
        }
      </td>
    </tr>`;
  });
  return html`${skipped ? html`<p class="notice">The source's skip condition leaves this ticket alone: ${skipped}</p>` : ''}
    <table class="explain">
      <thead>
        <tr>
          <th>Rule</th>
          <th>Outcome</th>
          <th>Why</th>
          <th>Would do</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    <details>
      <summary>As <code>deskbridge explain</code> prints it</summary>
      <pre>${lines.join('\n')}</pre>
    </details>`;
}
