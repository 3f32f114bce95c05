/** Escapes text for HTML element content and quoted attribute values (also inside inline SVG). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/**
 * A self-contained report page: inline CSS, no scripts, fonts or network (the CSP says so), a
 * header with the title and one line of plain text under it, then `body` (HTML).
 */
export function htmlPage(page: { title: string; subtitle: string; css: string; body: string }): string {
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
<header>
<h1>${esc(page.title)}</h1>
<p class="muted">${esc(page.subtitle)}</p>
</header>
${page.body}
</body>
</html>
`;
}
