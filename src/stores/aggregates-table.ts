/**
 * The aggregate tables: the contract between the aggregate stage that fills
 * them, every store that keeps them (DuckDB, its Parquet partitions), and
 * everything that reads them (`gallra query`, the API, the dashboard, and
 * DuckDB or ClickHouse on another machine reading the Parquet files).
 *
 * One row per window × grouping set × dimension values. A dimension that is
 * not in the row's grouping set is NULL; in every set but `total`, the rows
 * below k distinct visitors are folded into one row whose dimensions all
 * read `(other)`. Nothing in these tables identifies a person: no
 * pseudonym, no visitor id, no address prefix, no sketch.
 */

/** Every dimension a grouping set can combine, in column order. */
export const DIMENSIONS = [
  'host',
  'method',
  'status_class',
  'status',
  'path_template',
  'referrer_domain',
  'browser',
  'os',
  'device',
  'bot',
  'protocol',
  'port_class',
  // Traffic metadata (flow logs, CDRs); last, so stores made before it only gain a column.
  'direction',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The metrics of every row. Counts are exact within the row's window
 * (or carry discrete-Laplace noise when the policy asks for it); the
 * latency quantiles are NULL when the events had no duration.
 */
export const METRICS = ['requests', 'bytes', 'errors_4xx', 'errors_5xx', 'visitors', 'users'] as const;
export type Metric = (typeof METRICS)[number];
export const LATENCY_COLUMNS = ['latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms'] as const;

/** The value of every dimension of a folded row: the groups below k of one set and window. */
export const OTHER = '(other)';

/**
 * The periods rows are kept at: the configured window (`aggregates`), and
 * the day and month rollups whose distinct counts are computed in the stream
 * (summing hourly visitors would count a visitor once per hour).
 */
export const PERIODS = ['window', 'day', 'month'] as const;
export type Period = (typeof PERIODS)[number];

/** The table each period's rows live in. */
export const TABLE_OF_PERIOD: Readonly<Record<Period, string>> = {
  window: 'aggregates',
  day: 'aggregates_day',
  month: 'aggregates_month',
};

/** One published row. */
export interface AggregateRow {
  /** The grouping set's name: `total`, `path_template`, `browser,os,device` … */
  readonly grouping: string;
  /** The dimension values of the row's set (absent: NULL). */
  readonly dims: Readonly<Partial<Record<Dimension, string>>>;
  readonly requests: number;
  readonly bytes: number;
  readonly errors_4xx: number;
  readonly errors_5xx: number;
  readonly visitors: number;
  readonly users: number;
  /** Latency quantiles in milliseconds, or null. */
  readonly latency: readonly [p50: number, p90: number, p99: number] | null;
}

/** A closed window of one period with its published rows. */
export interface ClosedWindow {
  readonly period: Period;
  /** [start, end) in ms since the Unix epoch, UTC. */
  readonly start: number;
  readonly end: number;
  readonly rows: readonly AggregateRow[];
}

/**
 * The columns of every aggregate table, as portable SQL types (DuckDB,
 * ClickHouse through Parquet, Trino). TIMESTAMP is UTC without a zone.
 */
export const COLUMNS: readonly (readonly [name: string, type: 'TIMESTAMP' | 'VARCHAR' | 'BIGINT' | 'DOUBLE', nullable: boolean])[] = [
  ['window_start', 'TIMESTAMP', false],
  ['window_end', 'TIMESTAMP', false],
  ['grouping', 'VARCHAR', false],
  ...DIMENSIONS.map((d) => [d, 'VARCHAR', true] as const),
  ...METRICS.map((m) => [m, 'BIGINT', false] as const),
  ...LATENCY_COLUMNS.map((c) => [c, 'DOUBLE', true] as const),
];

/**
 * A column name quoted for SQL: `grouping` names a function in DuckDB and
 * ClickHouse and is reserved in Trino, so every name is quoted everywhere.
 *
 * @example
 * q('grouping') // '"grouping"'
 */
export function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The day a partition file holds (`date=YYYY-MM-DD`): the UTC day a row's
 * window starts on (a month's rows: its first day).
 *
 * @example
 * partitionDate(Date.UTC(2026, 10, 22, 13)) // '2026-11-22'
 */
export function partitionDate(windowStart: number): string {
  return new Date(windowStart).toISOString().slice(0, 10);
}
