/**
 * `gallra query --config FILE [--format table|json|csv] SQL`: read-only SQL
 * over the anonymous aggregate tables. It never takes the writer's place:
 * it reads the Parquet partitions `gallra run` publishes (or the database
 * file read-only when no writer holds it and nothing was published), and
 * refuses anything but one SELECT over the aggregate tables.
 */
import { GallraError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';
import { openAggregateReader } from '../runtime/aggregates.js';
import { csv, timeText } from '../server/csv.js';
import type { Cell, QueryResult } from '../stores/store.js';
import type { CommandIo } from './anonymise.js';
import { oneOf, parseCommand } from './args.js';

export const QUERY_HELP = `Usage: gallra query --config FILE [options] SQL

Runs one read-only SQL statement (SELECT, WITH, DESCRIBE, SHOW) over the
anonymous aggregate tables of the policy's aggregates: store, and prints the
result. The tables:

  aggregates        one row per window × grouping set × dimension values
  aggregates_day    the same per UTC day (distinct visitors per day)
  aggregates_month  the same per calendar month

Columns: window_start, window_end (UTC), grouping, one column per dimension
(host, method, status_class, status, path_template, referrer_domain, browser,
os, device, bot, protocol, port_class, direction; NULL outside the row's grouping set),
requests, bytes, errors_4xx, errors_5xx, visitors, users, latency_p50_ms,
latency_p90_ms, latency_p99_ms. Rows below k visitors are folded into one
row per set whose dimensions read (other).

Options:
  --config FILE     the policy (its aggregates: section names the store)
  --format F        table (default) | json (an array of row objects) | csv
  --source S        auto (default: the published Parquet partitions, else the
                    database file when no writer holds it) | parquet | database
  --timeout MS      stop the query after MS milliseconds (default 30000)
  --max-rows N      print at most N rows (default 100000)
  -h, --help        this help

Examples:
  gallra query --config site.yaml "SELECT date_trunc('day', window_start) AS d, CAST(sum(requests) AS BIGINT) AS requests FROM aggregates WHERE \\"grouping\\" = 'total' GROUP BY d ORDER BY d"
  gallra query --config site.yaml --format csv "SELECT path_template, CAST(sum(requests) AS BIGINT) AS n FROM aggregates WHERE \\"grouping\\" = 'path_template' GROUP BY path_template ORDER BY n DESC LIMIT 20"

Exit status: 0 ok, 1 the SQL was refused (GALLRA_QUERY_REFUSED) or failed,
2 usage or config error.
`;

/** A result with its column types, as the engines give it. */
type Typed = QueryResult & { readonly types?: readonly string[] };

function jsonCell(v: Cell, type: string | undefined): Cell {
  return timeText(v, type);
}

function table(r: Typed): string {
  const cells = r.rows.map((row) => row.map((v, i) => {
    const t = timeText(v, r.types?.[i]);
    return t === null ? 'NULL' : String(t);
  }));
  const widths = r.columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]!.length))));
  const numeric = r.columns.map((_c, i) => r.rows.length > 0 && r.rows.every((row) => typeof row[i] === 'number' || row[i] === null));
  const fit = (s: string, i: number): string => {
    const w = widths[i]!;
    const t = s.length > w ? s.slice(0, w - 1) + '…' : s;
    return numeric[i] ? t.padStart(w) : t.padEnd(w);
  };
  const lines = [r.columns.map((c, i) => fit(c, i)).join('  '), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map((row) => row.map((c, i) => fit(c, i)).join('  '))];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

function positiveInt(flag: string, v: unknown, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > max) throw new GallraError('GALLRA_USAGE', `gallra query: ${flag} must be a whole number from 1 to ${max}`);
  return n;
}

/**
 * Runs `gallra query`.
 *
 * @example
 * process.exitCode = await queryCommand(['--config', 'site.yaml', 'SELECT 1'], io);
 */
export async function queryCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('query', argv, {
    config: { type: 'string' },
    format: { type: 'string' },
    source: { type: 'string' },
    timeout: { type: 'string' },
    'max-rows': { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(QUERY_HELP);
    return 0;
  }
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra query: --config FILE is required (its aggregates: section names the store)\n  see: gallra query --help');
  const sql = positionals.join(' ');
  if (sql.trim() === '') throw new GallraError('GALLRA_USAGE', 'gallra query: no SQL given\n  see: gallra query --help');
  const format = oneOf('query', '--format', values.format, ['table', 'json', 'csv'] as const) ?? 'table';
  const source = oneOf('query', '--source', values.source, ['auto', 'parquet', 'database'] as const) ?? 'auto';
  const timeoutMs = positiveInt('--timeout', values.timeout, 30_000, 3_600_000);
  const maxRows = positiveInt('--max-rows', values['max-rows'], 100_000, 10_000_000);
  const loaded = loadPolicy(values.config);
  const { engine } = await openAggregateReader(loaded, { source });
  let r: Typed;
  try {
    r = (await engine.userQuery(sql, { timeoutMs, maxRows })) as Typed;
  } finally {
    await engine.close();
  }
  if (format === 'json') {
    const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, jsonCell(row[i] ?? null, r.types?.[i])])));
    io.stdout.write(JSON.stringify(rows, null, 1) + '\n');
  } else if (format === 'csv') {
    io.stdout.write(csv(r));
  } else {
    io.stdout.write(table(r));
  }
  if (r.truncated) io.stderr.write(`gallra query: only the first ${maxRows} rows are shown (--max-rows)\n`);
  return 0;
}
