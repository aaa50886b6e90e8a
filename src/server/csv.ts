/**
 * CSV (RFC 4180) of a query result: a header row, then one row per result
 * row; fields quoted when they hold a comma, quote or line break; times
 * (TIMESTAMP, DATE columns) as ISO 8601 UTC.
 */
import type { Cell, QueryResult } from '../stores/store.js';

function field(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // A leading = + - @ would make a spreadsheet evaluate the field: prefix a quote (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A time cell as ISO text for its column type. */
export function timeText(v: Cell, type: string | undefined): Cell {
  if (typeof v !== 'number' || type === undefined) return v;
  if (type === 'DATE') return new Date(v).toISOString().slice(0, 10);
  if (type.startsWith('TIMESTAMP')) return new Date(v).toISOString();
  return v;
}

/**
 * @example
 * csv({ columns: ['a', 'b'], rows: [[1, 'x,y']], truncated: false }) // 'a,b\r\n1,"x,y"\r\n'
 */
export function csv(r: QueryResult & { readonly types?: readonly string[] }): string {
  let out = r.columns.map((c) => field(c)).join(',') + '\r\n';
  for (const row of r.rows) out += row.map((v, i) => field(timeText(v, r.types?.[i]))).join(',') + '\r\n';
  return out;
}
