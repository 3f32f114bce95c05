/**
 * Incremental RFC 4180 CSV parser: text arrives in chunks of any size (a quoted field, a `""`
 * escape or a CRLF may be split across two chunks) and complete rows come out, so a 46 MB
 * export is never held as one string. Blank lines are skipped; a leading BOM is dropped.
 */
export class CsvStreamParser {
  private field = '';
  private row: string[] = [];
  private inQuotes = false;
  /** A quote closed the chunk inside a quoted field: `""` escape or end of field, decided by the next chunk. */
  private quotePending = false;
  /** The chunk ended in CR; an LF opening the next chunk belongs to the same line break. */
  private crPending = false;
  private started = false;

  /** Parses a chunk; returns the rows it completed. */
  push(chunk: string): string[][] {
    const rows: string[][] = [];
    let i = 0;
    const n = chunk.length;
    if (!this.started && n > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.crPending && i < n) {
      this.crPending = false;
      if (chunk.charCodeAt(i) === 10) i++;
    }
    if (this.quotePending && i < n) {
      this.quotePending = false;
      if (chunk.charCodeAt(i) === 34) {
        this.field += '"';
        i++;
      } else {
        this.inQuotes = false;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const close = chunk.indexOf('"', i);
        if (close < 0) {
          this.field += chunk.slice(i);
          return rows;
        }
        this.field += chunk.slice(i, close);
        i = close + 1;
        if (i === n) {
          this.quotePending = true;
          return rows;
        }
        if (chunk.charCodeAt(i) === 34) {
          this.field += '"';
          i++;
        } else {
          this.inQuotes = false;
        }
        continue;
      }
      const ch = chunk.charCodeAt(i);
      if (ch === 34 && this.field === '') {
        this.inQuotes = true;
        i++;
      } else if (ch === 44) {
        this.row.push(this.field);
        this.field = '';
        i++;
      } else if (ch === 10 || ch === 13) {
        this.endRow(rows);
        i++;
        if (ch === 13) {
          if (i === n) this.crPending = true;
          else if (chunk.charCodeAt(i) === 10) i++;
        }
      } else {
        let end = i + 1;
        while (end < n) {
          const c = chunk.charCodeAt(end);
          if (c === 44 || c === 10 || c === 13) break;
          end++;
        }
        this.field += chunk.slice(i, end);
        i = end;
      }
    }
    return rows;
  }

  /** Flushes the last row when the input does not end in a line break. */
  end(): string[][] {
    const rows: string[][] = [];
    if (this.field !== '' || this.row.length > 0) this.endRow(rows);
    return rows;
  }

  private endRow(rows: string[][]): void {
    this.row.push(this.field);
    if (!(this.row.length === 1 && this.row[0] === '')) rows.push(this.row);
    this.row = [];
    this.field = '';
  }
}
