/**
 * A {@link QueryEngine} over a DuckDB instance: gallra's own queries with
 * bound parameters on one shared connection (a statement per call, never a
 * prepared statement shared between concurrent requests: one request would
 * rebind it while another awaits its rows), and analysts' queries through
 * the gate on a connection of their own, one at a time, bounded by a timer
 * that interrupts them and by a row limit.
 */
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from '@duckdb/node-api';
import { GallraError, isGallraError } from '../../errors.js';
import { PERIODS, TABLE_OF_PERIOD } from '../aggregates-table.js';
import type { Cell, QueryEngine, QueryResult } from '../store.js';
import { firstLine, prepareReadOnly } from './gate.js';

/** The tables an analyst may read. */
export const AGGREGATE_TABLES: readonly string[] = PERIODS.map((p) => TABLE_OF_PERIOD[p]);

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ROWS = 10_000;

/** A JS value from DuckDB as a plain JSON cell: times as ms since the epoch, big integers as numbers (or text beyond 2^53). */
function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** A read result as plain rows, with its column names and types. */
export function resultOf(reader: DuckDBResultReader, maxRows = Infinity): QueryResult & { readonly types: readonly string[] } {
  const rows = reader.getRowsJS();
  const truncated = rows.length > maxRows;
  return {
    columns: reader.columnNames(),
    types: reader.columnTypes().map((t) => t.toString()),
    rows: (truncated ? rows.slice(0, maxRows) : rows).map((r) => r.map(cell)),
    truncated,
  };
}

/** Runs `fn` one at a time. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * @example
 * const engine = new DuckDbEngine(instance, await instance.connect(), await instance.connect(), () => instance.closeSync());
 * const r = await engine.query('SELECT count(*) AS n FROM aggregates WHERE window_start >= CAST($from AS TIMESTAMP)', { from: '2026-11-01' });
 */
export class DuckDbEngine implements QueryEngine {
  private readonly userLock = new Mutex();
  private closed = false;

  constructor(
    protected readonly instance: DuckDBInstance,
    protected readonly conn: DuckDBConnection,
    private readonly userConn: DuckDBConnection,
    private readonly release: () => void,
  ) {}

  async query(sql: string, params?: Readonly<Record<string, string | number>>): Promise<QueryResult> {
    try {
      return resultOf(await this.conn.runAndReadAll(sql, params === undefined ? undefined : { ...params }));
    } catch (err) {
      throw new GallraError('GALLRA_QUERY_FAILED', `query failed: ${firstLine(err)}`, { cause: err });
    }
  }

  userQuery(sql: string, limits: { readonly timeoutMs?: number; readonly maxRows?: number } = {}): Promise<QueryResult> {
    const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
    const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return this.userLock.run(async () => {
      const ps = await prepareReadOnly(this.userConn, sql, AGGREGATE_TABLES);
      const timer = setTimeout(() => this.userConn.interrupt(), timeoutMs);
      try {
        return resultOf(await ps.runAndReadUntil(maxRows + 1), maxRows);
      } catch (err) {
        if (isGallraError(err)) throw err;
        const why = /INTERRUPT/i.test(firstLine(err)) ? `it ran longer than ${timeoutMs} ms` : firstLine(err);
        throw new GallraError('GALLRA_QUERY_FAILED', `query failed: ${why}`, { cause: err });
      } finally {
        clearTimeout(timer);
        ps.destroySync();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.userLock.run(async () => undefined);
    this.userConn.closeSync();
    this.conn.closeSync();
    this.release();
  }
}
