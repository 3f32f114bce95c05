/** Escapes text for HTML element content and quoted attribute values (also inside inline SVG). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/**
 * A self-contained report page: inline CSS, no scripts, fonts or network (the CSP says so), a
 * header with the title and one line of plain text under it, then `body` (HTML). `nav` (HTML) goes
 * above the header: the console's way back from a report it serves.
 */
export function htmlPage(page: { title: string; subtitle: string; css: string; body: string; nav?: string | undefined }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(page.title)}</title>
<style>${page.css}</style>
</head>
<body>
${page.nav ?? ''}<header>
<h1>${esc(page.title)}</h1>
<p class="muted">${esc(page.subtitle)}</p>
</header>
${page.body}
</body>
</html>
`;
}

/** HTML that is already safe to insert (built by {@link html}); anything else is escaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A value a page template may insert: text (escaped), numbers, safe HTML, lists of them, or nothing. */
export type HtmlValue = string | number | SafeHtml | undefined | null | false | readonly HtmlValue[];

function insert(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return esc(value);
  return value.map(insert).join('');
}

/**
 * A template for pages whose every inserted value is escaped unless it is itself `html`: a ticket
 * title or a rule description can never become markup, however it was written.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += insert(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
