/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` is a literal quote,
 * quoted fields may span lines, records end in LF or CRLF. Returns rows of raw strings.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */ && field === '') {
      // Quoted field: read to the closing quote, unescaping "".
      i++;
      let start = i;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          field += text.slice(start);
          i = n;
          break;
        }
        if (text.charCodeAt(close + 1) === 34) {
          field += text.slice(start, close + 1);
          i = close + 2;
          start = i;
          continue;
        }
        field += text.slice(start, close);
        i = close + 1;
        break;
      }
      continue;
    }
    if (ch === 44 /* , */) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch === 10 /* \n */ || ch === 13 /* \r */) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    // Unquoted run: copy up to the next delimiter in one slice.
    let end = i;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === 44 || c === 10 || c === 13) break;
      end++;
    }
    field += text.slice(i, end);
    i = end;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Parses CSV with a header row into objects keyed by column name. */
export function parseCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!header) return [];
  return rows
    .filter((row) => !(row.length === 1 && row[0] === ''))
    .map((row) => {
      const record: Record<string, string> = {};
      header.forEach((name, index) => {
        record[name] = row[index] ?? '';
      });
      return record;
    });
}
