/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` is a literal quote,
 * quoted fields may span lines, records end in LF or CRLF. Rows come back as objects keyed by
 * the header row. (The sandbox shares no code with other modules, hence its own reader.)
 */
export function parseCsvRecords(input: string): Record<string, string>[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '"') {
        if (text.charAt(i + 1) === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      const close = text.indexOf('"', i);
      const end = close < 0 ? text.length : close;
      field += text.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\r' && text.charAt(i + 1) === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.filter((r) => !(r.length === 1 && r[0] === '')).map((r) => Object.fromEntries(header.map((name, index) => [name, r[index] ?? ''])));
}
