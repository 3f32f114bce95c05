import { html, type HtmlValue, type SafeHtml } from '../util/html.js';

/** What every page knows of the person looking at it. */
export interface PageContext {
  /** Who is signed in, if anyone. */
  signedInAs: string | undefined;
  /** The CSRF token every form that changes something carries (signed-in browsers only). */
  csrf: string | undefined;
  /** Whether the console has credentials at all (without them nothing can be changed here). */
  authConfigured: boolean;
  path: string;
  now: Date;
}

const NAV: readonly { href: string; label: string }[] = [
  { href: '/', label: 'Overview' },
  { href: '/outbox', label: 'Outbox' },
  { href: '/quarantine', label: 'Quarantine' },
  { href: '/tickets', label: 'Tickets' },
  { href: '/rules', label: 'Rules' },
  { href: '/reports/helpdesk', label: 'Help-desk report' },
  { href: '/reports/audit', label: 'QA & audit' },
];

const CSS = `
:root { --fg:#1d2330; --muted:#5c6475; --line:#d9dde5; --bg:#f6f7f9; --ok:#17663a; --warn:#8a5a00; --bad:#a11d1d; --link:#1f4fb4; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header.top { background:#1d2330; color:#fff; padding:.5rem 1rem; display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
header.top a { color:#dfe6f5; text-decoration:none; }
header.top a[aria-current=page] { color:#fff; font-weight:600; border-bottom:2px solid #8fb0ff; }
header.top .brand { font-weight:700; color:#fff; margin-right:1rem; }
header.top .who { margin-left:auto; font-size:.9em; color:#c3cad8; }
header.top form { display:inline; }
main { padding:1rem 1.25rem 3rem; max-width:1400px; }
h1 { font-size:1.4rem; margin:.25rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.75rem 0 .5rem; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); margin:.25rem 0 1rem; }
th, td { text-align:left; padding:.35rem .55rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef0f4; font-weight:600; white-space:nowrap; }
td.when { white-space:nowrap; font-variant-numeric:tabular-nums; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.muted { color:var(--muted); }
.ok { color:var(--ok); font-weight:600; }
.warn { color:var(--warn); font-weight:600; }
.bad { color:var(--bad); font-weight:600; }
.notice { background:#fff; border-left:4px solid var(--link); padding:.5rem .75rem; margin:.5rem 0 1rem; }
.notice.bad { border-color:var(--bad); font-weight:normal; }
.notice.ok { border-color:var(--ok); font-weight:normal; }
pre { background:#fff; border:1px solid var(--line); padding:.6rem; overflow:auto; white-space:pre-wrap; word-break:break-word; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.92em; }
a { color:var(--link); }
button { font:inherit; padding:.2rem .7rem; border:1px solid #8a93a6; background:#fff; border-radius:3px; cursor:pointer; }
button.primary { background:#1f4fb4; color:#fff; border-color:#1f4fb4; }
form.inline { display:inline; margin:0; }
nav.filters { margin:.25rem 0 .75rem; }
nav.filters a { margin-right:.75rem; }
nav.filters a[aria-current=true] { font-weight:700; color:var(--fg); text-decoration:none; }
label { display:block; margin:.5rem 0 .2rem; }
input[type=text], input[type=password], input[type=search] { font:inherit; padding:.3rem .4rem; width:22rem; max-width:100%; }
.cards { display:flex; flex-wrap:wrap; gap:.75rem; margin:.5rem 0 1rem; }
.card { background:#fff; border:1px solid var(--line); padding:.6rem .8rem; min-width:11rem; }
.card .big { font-size:1.5rem; font-weight:700; }
`;

/**
 * One console page: the navigation, who is signed in (and a sign-out button), then `body`. No
 * scripts anywhere: every page reads the same with JavaScript off, and the CSP forbids any.
 */
export function consolePage(ctx: PageContext, title: string, body: SafeHtml): string {
  const nav = NAV.map((n) => {
    const current = n.href === '/' ? ctx.path === '/' : ctx.path === n.href || ctx.path.startsWith(`${n.href}/`) || ctx.path.startsWith(`${n.href}?`);
    return html`<a href="${n.href}" ${current ? html`aria-current="page"` : ''}>${n.label}</a>`;
  });
  const who = ctx.signedInAs
    ? html`<span class="who"
        >signed in as ${ctx.signedInAs}
        <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" /><button type="submit">Sign out</button></form></span
      >`
    : ctx.authConfigured
      ? html`<span class="who"><a href="/login?next=${encodeURIComponent(ctx.path)}">Sign in</a> to retry writes</span>`
      : html`<span class="who">read-only (no console.auth)</span>`;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · deskbridge</title>
        <style>
          ${CSS}
        </style>
      </head>
      <body>
        <header class="top"><span class="brand">deskbridge</span>${nav}${who}</header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `;
  return page.text;
}

/** A form that changes state: a POST with the CSRF token, or a line saying why it is not offered. */
export function actionForm(ctx: PageContext, action: string, label: string, hidden: Record<string, string> = {}): SafeHtml {
  if (!ctx.authConfigured) return html`<span class="muted" title="set console.auth in deskbridge.yaml">(needs console.auth)</span>`;
  if (!ctx.signedInAs) return html`<a href="/login?next=${encodeURIComponent(ctx.path)}">sign in to ${label.toLowerCase()}</a>`;
  const fields: HtmlValue[] = Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
  return html`<form class="inline" method="post" action="${action}"><input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />${fields}<button type="submit">${label}</button></form>`;
}

/** "3 min ago", "2.1 h ago", or the ISO time when far away: what an operator reads at a glance. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return '—';
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${duration(Math.abs(ms))} ${ms >= 0 ? 'ago' : 'from now'}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** A query-string value as one string (fastify gives arrays for repeated keys). */
export function queryText(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value = (query as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
