import { formatDiagnostic } from '../../diagnostics/diagnostics.js';
import { html } from '../../util/html.js';
import { ago, consolePage } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

/**
 * `/rules`: the rule set the daemon runs now (which may not be what the files say: a rejected
 * edit leaves the last good set running), when it was loaded, and the last rejected edit with
 * each problem at its `file:line:col`.
 */
export function registerRules({ app, view, context }: ConsoleRoutes): void {
  app.get('/rules', async (request, reply) => {
    const ctx = context(request, reply);
    const r = view.rules();
    const rejected = r.lastRejected;
    const rejection = rejected
      ? html`<h2>Last rejected edit</h2>
          <p class="notice ${r.rejectedStillOnDisk ? 'bad' : ''}">
            ${ago(rejected.at, ctx.now)} (${rejected.at}):
            ${r.rejectedStillOnDisk ? 'the files still hold this edit, so the daemon keeps running the set below. Fix these and save; the next pass picks the files up.' : 'fixed since: a later edit was accepted.'}
          </p>
          <table>
            <thead>
              <tr>
                <th>Where</th>
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              ${rejected.diagnostics.map(
                (d) =>
                  html`<tr>
                    <td>${'file' in d ? html`<code>${d.file}:${d.line}:${d.column}</code>` : html`<span class="muted">the rules and mappings folders</span>`}</td>
                    <td>
                      <span class="${d.severity === 'error' ? 'bad' : 'warn'}">${d.severity}</span> ${d.code}: ${d.message}${d.hint ? html`<br /><span class="muted">hint: ${d.hint}</span>` : ''}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <details>
            <summary>As <code>deskbridge validate</code> prints them</summary>
            <pre>${rejected.diagnostics.map((d) => ('file' in d ? formatDiagnostic(d) : `${d.severity} ${d.code}: ${d.message}`)).join('\n')}</pre>
          </details>`
      : html`<p class="muted">No edit has been rejected since the daemon started${r.rejectedCount > 0 ? ` (${r.rejectedCount} read failures)` : ''}.</p>`;
    const rows = r.rules.map(
      (rule) =>
        html`<tr>
          <td><strong>${rule.id}</strong>${rule.description ? html`<br /><span class="muted">${rule.description}</span>` : ''}</td>
          <td>${rule.kind}</td>
          <td>
            ${rule.sources ? rule.sources.join(', ') : html`<span class="muted">every source</span>`}${rule.groups ? html`<br /><span class="muted">groups: ${rule.groups.join(', ')}</span>` : ''}
          </td>
          <td><code>${rule.when}</code></td>
        </tr>`,
    );
    const body = html`<p>
        Running <strong>${r.rules.length}</strong> enabled ${r.rules.length === 1 ? 'rule' : 'rules'} from <code>${view.redact(r.rulesPath)}</code> with the mappings in
        <code>${view.redact(r.mappingsPath)}</code>, loaded ${ago(r.loadedAt, ctx.now)} (${r.loadedAt}), set <code>${r.hash.slice(0, 12)}</code>.
      </p>
      ${rejection}
      <h2>Loaded rules, in the order a ticket meets them</h2>
      <table>
        <thead>
          <tr>
            <th>Rule</th>
            <th>Kind</th>
            <th>Scope</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`;
    return reply.type('text/html').send(consolePage(ctx, 'Rules', body));
  });
}
