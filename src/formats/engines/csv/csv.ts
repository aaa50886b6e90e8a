/**
 * One line of RFC 4180 CSV: fields separated by commas; a field with a
 * comma, a quote or a line break is enclosed in double quotes, and a quote
 * inside is doubled. A record whose quoted field holds a line break spans
 * lines: the line splitter has already cut it, so each part fails here (an
 * unclosed quote) and is counted and dropped — never passed raw.
 */

/** Most fields one record may have. */
export const MAX_CSV_FIELDS = 256;

/**
 * The fields of one CSV line: content ranges (inside the quotes for quoted
 * fields) and whether each was quoted. Reused line after line.
 *
 * @example
 * const r = new CsvRecord(); r.split('a,"b ""c""",', 0, 13) // 3
 */
export class CsvRecord {
  readonly starts = new Int32Array(MAX_CSV_FIELDS);
  readonly ends = new Int32Array(MAX_CSV_FIELDS);
  readonly quoted = new Uint8Array(MAX_CSV_FIELDS);
  count = 0;

  /** Splits `src[start..end)`; the number of fields, or -1 when a quote is not closed or a quoted field is followed by anything but a comma. */
  split(src: string, start: number, end: number): number {
    let n = 0;
    let pos = start;
    for (;;) {
      if (n === MAX_CSV_FIELDS) return -1;
      if (pos < end && src.charCodeAt(pos) === 34) {
        let q = pos + 1;
        for (;;) {
          q = src.indexOf('"', q);
          if (q < 0 || q >= end) return -1;
          if (q + 1 < end && src.charCodeAt(q + 1) === 34) q += 2;
          else break;
        }
        this.starts[n] = pos + 1;
        this.ends[n] = q;
        this.quoted[n++] = 1;
        pos = q + 1;
        if (pos === end) break;
        if (src.charCodeAt(pos) !== 44) return -1;
        pos++;
      } else {
        let c = src.indexOf(',', pos);
        if (c < 0 || c > end) c = end;
        // A quote inside an unquoted field is not CSV (searched within the field: the chunk may have none after it).
        for (let i = pos; i < c; i++) if (src.charCodeAt(i) === 34) return -1;
        this.starts[n] = pos;
        this.ends[n] = c;
        this.quoted[n++] = 0;
        if (c === end) break;
        pos = c + 1;
      }
    }
    return (this.count = n);
  }
}

/** The text of a quoted field's content (`""` → `"`). */
export function unquote(v: string): string {
  return v.indexOf('""') < 0 ? v : v.replace(/""/g, '"');
}

/**
 * A value as a CSV field: quoted when it holds a comma, a quote or a line
 * break (quotes doubled), as it is otherwise.
 *
 * @example
 * csvField('NYC-0042 "Main St", roof') // '"NYC-0042 ""Main St"", roof"'
 */
export function csvField(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${v.replace(/"/g, '""')}"`;
  }
  return v;
}
