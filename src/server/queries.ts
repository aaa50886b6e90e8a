/**
 * The dashboard's questions as SQL, in the subset DuckDB and ClickHouse
 * (and Trino) share, so the same text runs over the Parquet partitions on
 * another machine: `date_trunc`, `EXTRACT(HOUR …)`, `CAST(… AS BIGINT)`
 * around every `sum` (HUGEINT in DuckDB), `sum(CASE …)` instead of
 * `FILTER`, every column quoted (`grouping` is reserved in Trino), the
 * weekday from `date_diff` (DuckDB's and ClickHouse's weekday functions
 * disagree), no `GROUP BY ALL`, no `::`. Parameters (`$from`) stay in the
 * driver layer; column names come only from the fixed vocabulary, never
 * from a request.
 */
import type { GroupingSet } from '../aggregate/config.js';
import { type Dimension, type Metric, OTHER, q } from '../stores/aggregates-table.js';

/** A time range [from, to) in ms. */
export interface Range {
  readonly from: number;
  readonly to: number;
}

/** Dimension filters (exact values), each answered from a grouping set that holds it. */
export type Filters = Readonly<Partial<Record<Dimension, string>>>;

export type Interval = 'hour' | 'day' | 'week' | 'month';

/** The table of each question. */
const WINDOWS = 'aggregates';
const DAYS = 'aggregates_day';
const MONTHS = 'aggregates_month';

/** `YYYY-MM-DD HH:MM:SS` (UTC), the timestamp text CAST(… AS TIMESTAMP) reads in both engines. */
export function tsText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The smallest grouping set holding every dimension in `dims` (the total
 * set when `dims` is empty), or undefined: then no stored row can answer
 * the question with k held, and the API says so instead of guessing.
 *
 * @example
 * setFor(sets, ['status', 'path_template'])?.name // 'status,path_template'
 */
export function setFor(sets: readonly GroupingSet[], dims: readonly Dimension[]): GroupingSet | undefined {
  let best: GroupingSet | undefined;
  for (const s of sets) {
    if (!dims.every((d) => s.dims.includes(d))) continue;
    if (best === undefined || s.dims.length < best.dims.length) best = s;
  }
  return best;
}

/** A built query: SQL text and its named parameters. */
export interface Sql {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

/** `WHERE` for a set, a range and filters; `tag` keeps the parameter names of several parts apart. */
function where(set: GroupingSet, range: Range, filters: Filters, params: Record<string, string | number>, tag = ''): string {
  params.grouping = set.name;
  params[`from${tag}`] = tsText(range.from);
  params[`to${tag}`] = tsText(range.to);
  let w = `${q('grouping')} = $grouping AND ${q('window_start')} >= CAST($from${tag} AS TIMESTAMP) AND ${q('window_start')} < CAST($to${tag} AS TIMESTAMP)`;
  let i = 0;
  for (const [dim, value] of Object.entries(filters) as [Dimension, string][]) {
    params[`f${i}`] = value;
    w += ` AND ${q(dim)} = $f${i++}`;
  }
  return w;
}

/**
 * The whole days of a range that the day rollup already holds: sums of
 * counts over them are read from `aggregates_day` (24 times fewer rows, and
 * less folded: a group below k in each hour may reach k over the day), the
 * rest of the range from the windows.
 */
export interface DaySplit {
  readonly from: number;
  readonly to: number;
}

/**
 * The days of `range` to read from the day rollup, given the end of the last
 * day it holds (`lastDayEnd`), or undefined when there are none.
 *
 * @example
 * daySplit({ from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 11, 1) }, Date.UTC(2026, 10, 30)) // June 1 – Nov 30
 */
export function daySplit(range: Range, lastDayEnd: number | null): DaySplit | undefined {
  const DAY = 86_400_000;
  if (lastDayEnd === null) return undefined;
  const from = Math.ceil(range.from / DAY) * DAY;
  const to = Math.min(Math.floor(range.to / DAY) * DAY, lastDayEnd);
  return to > from ? { from, to } : undefined;
}

/**
 * The rows counts are summed over: `FROM …` for a set, range and filters,
 * the day rollup for the days of `split`, the windows around them.
 */
function counted(set: GroupingSet, range: Range, filters: Filters, params: Record<string, string | number>, split: DaySplit | undefined): string {
  if (split === undefined) return `(SELECT * FROM ${WINDOWS} WHERE ${where(set, range, filters, params)}) AS counted`;
  const parts = [`SELECT * FROM ${DAYS} WHERE ${where(set, split, filters, params, 'd')}`];
  if (range.from < split.from) parts.push(`SELECT * FROM ${WINDOWS} WHERE ${where(set, { from: range.from, to: split.from }, filters, params, 'a')}`);
  if (split.to < range.to) parts.push(`SELECT * FROM ${WINDOWS} WHERE ${where(set, { from: split.to, to: range.to }, filters, params, 'b')}`);
  return `(${parts.join(' UNION ALL ')}) AS counted`;
}

/** The end of the last day the day rollup holds. */
export function lastDay(): Sql {
  return { sql: `SELECT max(${q('window_end')}) AS last FROM ${DAYS} WHERE ${q('grouping')} = 'total'`, params: {} };
}

const SUMS = `CAST(sum(${q('requests')}) AS BIGINT) AS requests, CAST(sum(${q('bytes')}) AS BIGINT) AS bytes, CAST(sum(${q('errors_4xx')}) AS BIGINT) AS errors_4xx, CAST(sum(${q('errors_5xx')}) AS BIGINT) AS errors_5xx`;

/**
 * Totals over a range: requests, bytes and errors from the windows.
 *
 * @example
 * const { sql, params } = totals(set, range, {});
 */
export function totals(set: GroupingSet, range: Range, filters: Filters, split?: DaySplit): Sql {
  const params: Record<string, string | number> = {};
  return { sql: `SELECT ${SUMS} FROM ${counted(set, range, filters, params, split)}`, params };
}

/**
 * Distinct visitors and users per day over a range (summing hours would count
 * a visitor once per hour): their sum over days and the days with data.
 */
export function dailyVisitors(set: GroupingSet, range: Range, filters: Filters): Sql {
  const params: Record<string, string | number> = {};
  return {
    sql: `SELECT CAST(sum(${q('visitors')}) AS BIGINT) AS visitor_days, CAST(sum(${q('users')}) AS BIGINT) AS user_days, count(DISTINCT ${q('window_start')}) AS days FROM ${DAYS} WHERE ${where(set, range, filters, params)}`,
    params,
  };
}

/**
 * A metric per interval. Counts come from the windows; distinct counts come
 * from the period that matches the interval (windows for hours when the
 * window is an hour, days, months), and for weeks as the daily average.
 */
export function series(
  set: GroupingSet,
  range: Range,
  filters: Filters,
  metric: Metric,
  interval: Interval,
  windowMs: number,
  split?: DaySplit,
): Sql & { readonly source: 'window' | 'day' | 'month' | 'daily average' | 'none' } {
  const params: Record<string, string | number> = {};
  const bucket = `date_trunc('${interval}', ${q('window_start')})`;
  if (metric !== 'visitors' && metric !== 'users') {
    const from = counted(set, range, filters, params, interval === 'hour' ? undefined : split);
    return { sql: `SELECT ${bucket} AS t, CAST(sum(${q(metric)}) AS BIGINT) AS v FROM ${from} GROUP BY t ORDER BY t`, params, source: 'window' };
  }
  const w = where(set, range, filters, params);
  const distinct = `CAST(sum(${q(metric)}) AS BIGINT)`;
  if (interval === 'hour') {
    if (windowMs !== 3_600_000) return { sql: 'SELECT 1 AS t, 0 AS v WHERE 1 = 0', params: {}, source: 'none' };
    return { sql: `SELECT ${bucket} AS t, ${distinct} AS v FROM ${WINDOWS} WHERE ${w} GROUP BY t ORDER BY t`, params, source: 'window' };
  }
  if (interval === 'day') return { sql: `SELECT ${bucket} AS t, ${distinct} AS v FROM ${DAYS} WHERE ${w} GROUP BY t ORDER BY t`, params, source: 'day' };
  if (interval === 'month') return { sql: `SELECT ${bucket} AS t, ${distinct} AS v FROM ${MONTHS} WHERE ${w} GROUP BY t ORDER BY t`, params, source: 'month' };
  return {
    sql: `SELECT ${bucket} AS t, CAST(sum(${q(metric)}) AS DOUBLE) / count(DISTINCT ${q('window_start')}) AS v FROM ${DAYS} WHERE ${w} GROUP BY t ORDER BY t`,
    params,
    source: 'daily average',
  };
}

/**
 * The values of one dimension by a metric, largest first, `(other)` apart
 * (it is the groups below k, not a value). Visitors are summed over days.
 */
export function top(
  set: GroupingSet,
  dim: Dimension,
  range: Range,
  filters: Filters,
  order: 'requests' | 'bytes' | 'errors_4xx' | 'errors_5xx',
  limit: number,
  split?: DaySplit,
  only?: readonly string[],
): Sql {
  const params: Record<string, string | number> = {};
  params.limit = limit;
  params.other = OTHER;
  const from = counted(set, range, filters, params, split);
  let among = '';
  if (only !== undefined) {
    // Only these values (the previous period of the values shown).
    if (only.length === 0) return { sql: 'SELECT 1 AS value WHERE 1 = 0', params: {} };
    only.forEach((v, i) => (params[`v${i}`] = v));
    among = ` AND ${q(dim)} IN (${only.map((_v, i) => `$v${i}`).join(', ')})`;
  }
  return {
    sql: `SELECT ${q(dim)} AS value, ${SUMS} FROM ${from} WHERE ${q(dim)} <> $other${among} GROUP BY value ORDER BY ${order} DESC, value LIMIT $limit`,
    params,
  };
}

/** The `(other)` row of a dimension's set over a range, and the set's total. */
export function otherAndTotal(set: GroupingSet, dim: Dimension, range: Range, filters: Filters, split?: DaySplit): Sql {
  const params: Record<string, string | number> = { other: OTHER };
  const from = counted(set, range, filters, params, split);
  const when = (col: string): string => `CAST(sum(CASE WHEN ${q(dim)} = $other THEN ${q(col)} ELSE 0 END) AS BIGINT)`;
  return {
    sql: `SELECT ${when('requests')} AS other_requests, ${when('bytes')} AS other_bytes, ${when('errors_4xx')} AS other_errors_4xx, ${when('errors_5xx')} AS other_errors_5xx, CAST(sum(${q('requests')}) AS BIGINT) AS total_requests, CAST(sum(${q('bytes')}) AS BIGINT) AS total_bytes FROM ${from}`,
    params,
  };
}

/** Requests by hour of day and weekday (0 = Monday), UTC. */
export function heatmap(set: GroupingSet, range: Range, filters: Filters): Sql {
  const params: Record<string, string | number> = {};
  const w = where(set, range, filters, params);
  return {
    sql: `SELECT date_diff('day', DATE '1970-01-05', CAST(${q('window_start')} AS DATE)) % 7 AS weekday, EXTRACT(HOUR FROM ${q('window_start')}) AS hour, CAST(sum(${q('requests')}) AS BIGINT) AS requests FROM ${WINDOWS} WHERE ${w} GROUP BY weekday, hour ORDER BY weekday, hour`,
    params,
  };
}

/** The first and last window in the store (the dashboard's default range). */
export function extent(): Sql {
  return { sql: `SELECT min(${q('window_start')}) AS first, max(${q('window_end')}) AS last FROM ${WINDOWS} WHERE ${q('grouping')} = 'total'`, params: {} };
}
