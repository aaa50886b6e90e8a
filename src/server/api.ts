/**
 * The analysts' JSON API over the aggregate store: totals, a metric per
 * interval, top-N of a dimension, the hour × weekday grid — each with the
 * previous period, each as CSV too (`format=csv`), and read-only SQL over
 * the aggregate tables (`POST /api/sql`, through the gate).
 *
 * There is no endpoint that can return event-level data: the store holds
 * none, every answer is a sum over published rows (each of at least k
 * visitors, or the `(other)` of those below), and every parameter is
 * validated against the fixed vocabulary (unknown parameters are refused,
 * not ignored). A filter is answered only from a grouping set that holds
 * it; otherwise the answer is a 400 saying which set would be needed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AggregateSettings } from '../aggregate/config.js';
import { isGallraError } from '../errors.js';
import { type Dimension, DIMENSIONS, type Metric, METRICS, OTHER } from '../stores/aggregates-table.js';
import type { Cell, QueryEngine, QueryResult } from '../stores/store.js';
import { csv } from './csv.js';
import * as Q from './queries.js';

const DAY_MS = 86_400_000;
/** Longest range a question may span (the store keeps at most aggregates.retention). */
const MAX_RANGE_MS = 4000 * DAY_MS;
const TIME = '^\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2})?Z?)?$';

const FILTER_PROPERTIES = Object.fromEntries(DIMENSIONS.map((d) => [`f.${d}`, { type: 'string', minLength: 1, maxLength: 300 }]));
const RANGE_PROPERTIES = { from: { type: 'string', pattern: TIME }, to: { type: 'string', pattern: TIME }, format: { type: 'string', enum: ['json', 'csv'], default: 'json' } };

function querystring(extra: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: ['from', 'to', ...required], properties: { ...RANGE_PROPERTIES, ...FILTER_PROPERTIES, ...extra } };
}

interface RangeQuery {
  from: string;
  to: string;
  format: 'json' | 'csv';
  [filter: `f.${string}`]: string | undefined;
}

/** A 400 with a message that names parameters, never echoes values. */
class BadRequest extends Error {}

function parseTime(s: string): number {
  const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.endsWith('Z') ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) throw new BadRequest('from/to must be dates (YYYY-MM-DD) or UTC times (YYYY-MM-DDTHH:MM:SSZ)');
  return ms;
}

function rangeOf(query: RangeQuery): Q.Range {
  const from = parseTime(query.from);
  const to = parseTime(query.to);
  if (!(to > from)) throw new BadRequest('to must be after from');
  if (to - from > MAX_RANGE_MS) throw new BadRequest('the range is longer than the store can hold');
  return { from, to };
}

function previousOf(r: Q.Range): Q.Range {
  return { from: r.from - (r.to - r.from), to: r.from };
}

function filtersOf(query: RangeQuery): Q.Filters {
  const out: Partial<Record<Dimension, string>> = {};
  for (const d of DIMENSIONS) {
    const v = query[`f.${d}`];
    if (v !== undefined) out[d] = v;
  }
  return out;
}

/**
 * Whether distinct counts can be read from `set` under `filters`: only when
 * the filters pin every dimension of the set (one row per window), else a
 * sum over rows would count a visitor once per row. (`status` pins
 * `status_class`.)
 */
function exactDistinct(set: { readonly dims: readonly Dimension[] }, filters: Q.Filters): boolean {
  return set.dims.every((d) => filters[d] !== undefined || (d === 'status_class' && filters.status !== undefined));
}

/** Rows of a result as objects. */
function objects(r: QueryResult): Record<string, Cell>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] ?? null])));
}

function num(v: Cell | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
}

/**
 * Registers the API on `app`.
 *
 * @example
 * registerApi(app, engine, settings);
 */
export function registerApi(app: FastifyInstance, engine: QueryEngine, settings: AggregateSettings): void {
  const sets = settings.sets;

  const setFor = (dims: readonly Dimension[]): ReturnType<typeof Q.setFor> & object => {
    const s = Q.setFor(sets, dims);
    if (s === undefined) throw new BadRequest(`no grouping set holds ${dims.join(' and ')} together, so this cannot be answered with k held; add [${dims.join(', ')}] to aggregates.groupings`);
    return s;
  };
  const run = (s: Q.Sql): Promise<QueryResult> => engine.query(s.sql, s.params);

  // Where the day rollup ends (sums over whole days are read from it): asked at most every few seconds.
  let lastDay: { at: number; value: Promise<number | null> } | undefined;
  const splitOf = async (r: Q.Range): Promise<Q.DaySplit | undefined> => {
    if (!settings.day) return undefined;
    if (lastDay === undefined || Date.now() - lastDay.at > 5000) {
      lastDay = { at: Date.now(), value: run(Q.lastDay()).then((x) => (typeof x.rows[0]?.[0] === 'number' ? (x.rows[0][0] as number) : null)) };
    }
    return Q.daySplit(r, await lastDay.value);
  };

  const send = (reply: FastifyReply, format: 'json' | 'csv', body: unknown, table: () => QueryResult): unknown => {
    if (format === 'csv') {
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="gallra-panel.csv"');
      return csv(table());
    }
    return body;
  };

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof BadRequest) return reply.code(400).send({ error: err.message });
    const e = err as { validation?: unknown; statusCode?: number; message?: string };
    if (e.validation !== undefined) return reply.code(400).send({ error: e.message });
    if (isGallraError(err) && err.code === 'GALLRA_QUERY_REFUSED') return reply.code(400).send({ error: err.message });
    if (isGallraError(err) && err.code === 'GALLRA_QUERY_FAILED') return reply.code(422).send({ error: err.message });
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return reply.code(e.statusCode).send({ error: e.message });
    app.log.error({ code: isGallraError(err) ? err.code : undefined }, 'api request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  app.get('/api/meta', async () => {
    const r = await run(Q.extent());
    const [first, last] = r.rows[0] ?? [null, null];
    return {
      k: settings.k,
      window_ms: settings.windowMs,
      groupings: sets.map((s) => ({ name: s.name, dims: s.dims })),
      dimensions: DIMENSIONS,
      metrics: METRICS,
      other: OTHER,
      noise: settings.noise !== undefined,
      rollups: { day: settings.day, month: settings.month },
      extent: { first, last },
    };
  });

  app.get('/api/kpi', { schema: { querystring: querystring({}) } }, async (req, reply) => {
    const query = req.query as RangeQuery;
    const range = rangeOf(query);
    const filters = filtersOf(query);
    const set = setFor(Object.keys(filters) as Dimension[]);
    const period = async (r: Q.Range): Promise<Record<string, number | null>> => {
      const distinct = settings.day && exactDistinct(set, filters);
      const [t, v] = await Promise.all([run(Q.totals(set, r, filters, await splitOf(r))), distinct ? run(Q.dailyVisitors(set, r, filters)) : Promise.resolve(undefined)]);
      const row = objects(t)[0] ?? {};
      const vis = v === undefined ? undefined : objects(v)[0];
      return {
        requests: num(row.requests),
        bytes: num(row.bytes),
        errors_4xx: num(row.errors_4xx),
        errors_5xx: num(row.errors_5xx),
        // Averaged over the days the day table holds in the range (a day is published once it has closed):
        // none yet — today, in a running gallra — is unknown, not zero.
        visitors_per_day: vis === undefined || !(num(vis.days) > 0) ? null : num(vis.visitor_days) / num(vis.days),
        users_per_day: vis === undefined || !(num(vis.days) > 0) ? null : num(vis.user_days) / num(vis.days),
      };
    };
    const [current, previous] = await Promise.all([period(range), period(previousOf(range))]);
    const body = { grouping: set.name, range, previous_range: previousOf(range), current, previous };
    return send(reply, query.format, body, () => ({
      columns: ['period', ...Object.keys(current)],
      rows: [
        ['current', ...Object.values(current)],
        ['previous', ...Object.values(previous)],
      ],
      truncated: false,
    }));
  });

  app.get(
    '/api/series',
    { schema: { querystring: querystring({ metric: { type: 'string', enum: METRICS, default: 'requests' }, interval: { type: 'string', enum: ['hour', 'day', 'week', 'month'], default: 'day' } }) } },
    async (req, reply) => {
      const query = req.query as RangeQuery & { metric: Metric; interval: Q.Interval };
      const range = rangeOf(query);
      const filters = filtersOf(query);
      const set = setFor(Object.keys(filters) as Dimension[]);
      // Distinct counts only where one row per window answers them (see exactDistinct).
      const windowMs = query.metric === 'visitors' || query.metric === 'users' ? (exactDistinct(set, filters) ? settings.windowMs : -1) : settings.windowMs;
      const interval = windowMs === -1 ? 'hour' : query.interval;
      const cur = Q.series(set, range, filters, query.metric, interval, windowMs, await splitOf(range));
      const prev = Q.series(set, previousOf(range), filters, query.metric, interval, windowMs, await splitOf(previousOf(range)));
      const [a, b] = await Promise.all([run(cur), run(prev)]);
      const points = a.rows.map((r) => [num(r[0]), num(r[1])]);
      const previous = b.rows.map((r) => [num(r[0]), num(r[1])]);
      const body = { grouping: set.name, metric: query.metric, interval: query.interval, source: cur.source, range, previous_range: previousOf(range), points, previous };
      return send(reply, query.format, body, () => ({ columns: ['t', query.metric], rows: points.map(([t, v]) => [new Date(t!).toISOString(), v!]), truncated: false }));
    },
  );

  app.get(
    '/api/top',
    {
      schema: {
        querystring: querystring(
          {
            dim: { type: 'string', enum: DIMENSIONS },
            order: { type: 'string', enum: ['requests', 'bytes', 'errors_4xx', 'errors_5xx'], default: 'requests' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          },
          ['dim'],
        ),
      },
    },
    async (req, reply) => {
      const query = req.query as RangeQuery & { dim: Dimension; order: 'requests' | 'bytes' | 'errors_4xx' | 'errors_5xx'; limit: number };
      const range = rangeOf(query);
      const filters = filtersOf(query);
      const set = setFor([...new Set([...(Object.keys(filters) as Dimension[]), query.dim])]);
      const split = await splitOf(range);
      const [rows, rest] = await Promise.all([run(Q.top(set, query.dim, range, filters, query.order, query.limit, split)), run(Q.otherAndTotal(set, query.dim, range, filters, split))]);
      // The previous period of the values shown, only.
      const shown = rows.rows.map((r) => r[0]).filter((v): v is string => typeof v === 'string');
      const prevRows = await run(Q.top(set, query.dim, previousOf(range), filters, query.order, Math.max(1, shown.length), await splitOf(previousOf(range)), shown));
      const before = new Map(prevRows.rows.map((r) => [r[0], num(r[1])]));
      const t = objects(rest)[0] ?? {};
      const total = num(t.total_requests);
      const list = objects(rows).map((r) => ({
        value: r.value,
        requests: num(r.requests),
        bytes: num(r.bytes),
        errors_4xx: num(r.errors_4xx),
        errors_5xx: num(r.errors_5xx),
        share: total > 0 ? num(r.requests) / total : 0,
        previous_requests: before.get(r.value ?? null) ?? 0,
      }));
      const other = { value: OTHER, requests: num(t.other_requests), bytes: num(t.other_bytes), errors_4xx: num(t.other_errors_4xx), errors_5xx: num(t.other_errors_5xx), share: total > 0 ? num(t.other_requests) / total : 0 };
      const body = { grouping: set.name, dim: query.dim, k: settings.k, range, total_requests: total, total_bytes: num(t.total_bytes), rows: list, other };
      return send(reply, query.format, body, () => ({
        columns: [query.dim, 'requests', 'bytes', 'errors_4xx', 'errors_5xx', 'share'],
        rows: [...list, ...(other.requests > 0 ? [other] : [])].map((r) => [r.value, r.requests, r.bytes, r.errors_4xx, r.errors_5xx, r.share]),
        truncated: false,
      }));
    },
  );

  app.get('/api/heatmap', { schema: { querystring: querystring({}) } }, async (req, reply) => {
    const query = req.query as RangeQuery;
    const range = rangeOf(query);
    const filters = filtersOf(query);
    const set = setFor(Object.keys(filters) as Dimension[]);
    const r = await run(Q.heatmap(set, range, filters));
    const cells = r.rows.map((row) => [num(row[0]), num(row[1]), num(row[2])]);
    return send(reply, query.format, { grouping: set.name, range, cells }, () => ({ columns: ['weekday', 'hour', 'requests'], rows: cells, truncated: false }));
  });

  app.post(
    '/api/sql',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['sql'], properties: { sql: { type: 'string', minLength: 1, maxLength: 100_000 }, max_rows: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } } },
      },
    },
    async (req) => {
      const body = req.body as { sql: string; max_rows: number };
      const r = await engine.userQuery(body.sql, { maxRows: body.max_rows, timeoutMs: 5000 });
      return { columns: r.columns, rows: r.rows, truncated: r.truncated };
    },
  );
}
