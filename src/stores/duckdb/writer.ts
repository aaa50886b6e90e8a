/**
 * The writing side of the `duckdb` store: the one process that holds the
 * database file (DuckDB allows one read-write process, and while it holds
 * the file no other process can open it at all, read-only included).
 *
 * Closed windows are appended to their table; on flush every day they
 * touched is published again as a Parquet partition — the readers'
 * (`gallra query`, `gallra serve`, DuckDB or ClickHouse elsewhere) view of
 * the store. The instance is locked down like a reader's: SQL on it can
 * reach no file but its own and the Parquet directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, type DuckDBInstance, timestampValue } from '@duckdb/node-api';
import { GallraError } from '../../errors.js';
import { subtractDuration } from '../../time/duration.js';
import type { SweepOutcome } from '../../retention/retainable.js';
import type { MetricSample } from '../../util/metric.js';
import { type AggregateRow, type ClosedWindow, COLUMNS, DIMENSIONS, TABLE_OF_PERIOD, partitionDate, q } from '../aggregates-table.js';
import type { AggregateStore, QueryEngine, StoreContext } from '../store.js';
import { type DuckdbStoreConfig, storePaths, type StorePaths } from './config.js';
import { AGGREGATE_TABLES, DuckDbEngine } from './engine.js';
import { PARTITION_FILE, partitionDir, publishFile, removePartition } from './files.js';
import { firstLine } from './gate.js';
import { AGGREGATE_ERASURE, oldestOf, sweepPartitions, sweepRows } from './retention.js';
import { COLUMN_LIST, createTable, lit, rebuildTable, lockDown, openWithRetry, tsLit } from './sql.js';

/** How long the writer waits for a reader (gallra query on the file) to let go of the lock. */
const LOCK_WAIT_MS = 10_000;
const DAY_MS = 86_400_000;
/**
 * Database files this process holds as writer. DuckDB's lock is per process
 * (fcntl), so a second instance on the same file in the same process would
 * succeed and write beside the first: refused here instead.
 */
const HELD = new Set<string>();

function micros(ms: number): ReturnType<typeof timestampValue> {
  return timestampValue(BigInt(Math.round(ms)) * 1000n);
}

/**
 * Opens the store for writing.
 *
 * @example
 * const store = await openWriter({ type: 'duckdb', path: 'agg.duckdb', memory_limit: '256MB', threads: 2 }, ctx);
 */
export async function openWriter(c: DuckdbStoreConfig, ctx: StoreContext, options: { readonly lockWaitMs?: number } = {}): Promise<DuckDbStore> {
  const paths = storePaths(c, ctx.baseDir, ctx.stateDir);
  try {
    fs.mkdirSync(path.dirname(paths.db), { recursive: true, mode: 0o750 });
    fs.mkdirSync(paths.parquet, { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new GallraError('GALLRA_STORE_FAILED', `aggregate store ${ctx.name}: cannot create ${path.dirname(paths.db)} or ${paths.parquet} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  if (HELD.has(paths.db)) {
    throw new GallraError('GALLRA_STORE_LOCKED', `aggregate store ${ctx.name}: ${paths.db} is already open for writing in this process`);
  }
  const instance = await openWithRetry(paths.db, { threads: String(c.threads), memory_limit: c.memory_limit }, options.lockWaitMs ?? LOCK_WAIT_MS, `aggregate store ${ctx.name}`);
  try {
    const conn = await instance.connect();
    for (const t of AGGREGATE_TABLES) {
      await conn.run(createTable(t));
      const have = (await conn.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = ${lit(t)} ORDER BY ordinal_position`)).getRowsJS().map((r) => String(r[0]));
      if (have.join() !== COLUMNS.map(([n]) => n).join()) await conn.run(rebuildTable(t));
    }
    await lockDown((sql) => conn.run(sql), [fs.realpathSync(paths.parquet)]);
    HELD.add(paths.db);
    return new DuckDbStore(ctx, paths, instance, conn);
  } catch (err) {
    instance.closeSync();
    throw new GallraError('GALLRA_STORE_FAILED', `aggregate store ${ctx.name}: cannot prepare ${paths.db} (${firstLine(err)})`, { cause: err });
  }
}

/**
 * @example
 * await store.write(closedWindow); await store.flush(); // published
 */
export class DuckDbStore implements AggregateStore {
  /** Days to publish again, by table. */
  private readonly dirty = new Map<string, Set<string>>();
  /** Closed windows not yet in the database. */
  private readonly pending: ClosedWindow[] = [];
  private rowsWritten = 0;
  private partitionsPublished = 0;
  private failures = 0;
  private closed = false;
  private readonly engines: QueryEngine[] = [];

  constructor(
    private readonly ctx: StoreContext,
    readonly paths: StorePaths,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  get name(): string {
    return this.ctx.name;
  }

  /** Buffers a closed window; flush() writes what is buffered in one transaction (one sync, not one per window). */
  async write(w: ClosedWindow): Promise<void> {
    if (w.rows.length > 0) this.pending.push(w);
  }

  /** Writes the buffered windows, then publishes every day they touched. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const windows = this.pending.splice(0);
      try {
        await this.conn.run('BEGIN TRANSACTION');
        for (const table of AGGREGATE_TABLES) {
          const mine = windows.filter((w) => TABLE_OF_PERIOD[w.period] === table);
          if (mine.length === 0) continue;
          const app = await this.conn.createAppender(table);
          try {
            for (const w of mine) for (const r of w.rows) appendRow(app, w, r);
            app.flushSync();
          } finally {
            app.closeSync();
          }
        }
        await this.conn.run('COMMIT');
      } catch (err) {
        await this.conn.run('ROLLBACK').catch(() => undefined);
        this.failures++;
        // Put them back: the next flush tries again (the source's position has not advanced past them).
        this.pending.unshift(...windows);
        throw new GallraError('GALLRA_STORE_FAILED', `aggregate store ${this.name}: writing ${windows.length} window(s) failed (${firstLine(err)})`, { cause: err });
      }
      for (const w of windows) {
        const table = TABLE_OF_PERIOD[w.period];
        this.rowsWritten += w.rows.length;
        let days = this.dirty.get(table);
        if (days === undefined) this.dirty.set(table, (days = new Set()));
        days.add(partitionDate(w.start));
      }
    }
    for (const [table, days] of this.dirty) {
      for (const day of [...days]) {
        await this.publish(table, day);
        days.delete(day);
      }
    }
  }

  /** Writes the partition of `table` for `day` from the database (removes it when no row is left). */
  private async publish(table: string, day: string): Promise<void> {
    const dir = partitionDir(this.paths.parquet, table, day);
    const start = Date.parse(`${day}T00:00:00Z`);
    const where = `window_start >= ${tsLit(start)} AND window_start < ${tsLit(start + DAY_MS)}`;
    try {
      const n = Number((await this.conn.runAndReadAll(`SELECT count(*) FROM ${q(table)} WHERE ${where}`)).getRows()[0]![0]);
      if (n === 0) {
        removePartition(this.paths.parquet, table, day);
        return;
      }
      fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
      // Not *.parquet: readers' globs never see a file being written.
      const tmp = path.join(dir, `.${PARTITION_FILE}.tmp`);
      await this.conn.run(`COPY (SELECT ${COLUMN_LIST} FROM ${q(table)} WHERE ${where} ORDER BY "grouping", window_start) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      publishFile(tmp, path.join(dir, PARTITION_FILE));
      this.partitionsPublished++;
    } catch (err) {
      this.failures++;
      throw new GallraError('GALLRA_STORE_FAILED', `aggregate store ${this.name}: publishing ${table} ${day} failed (${firstLine(err)})`, { cause: err });
    }
  }

  /** Retainable: rows whose window starts before `aggregates.retention` go, with their partitions (retention.ts). */
  async enforce(nowMs: number, dryRun: boolean): Promise<SweepOutcome> {
    const cutoff = subtractDuration(nowMs, this.ctx.retention);
    // Closed windows still buffered are written first, so none of them outlives the sweep.
    if (!dryRun) await this.flush();
    const removed = await sweepRows(this.conn, AGGREGATE_TABLES, tsLit(cutoff), dryRun, (table, day) => this.publish(table, day));
    // Partitions with no rows behind them (the database was replaced, or a crash between delete and publish).
    removed.push(...sweepPartitions(this.paths.parquet, AGGREGATE_TABLES, cutoff, dryRun, removed));
    return { removed };
  }

  /** The earliest window start held (ms). */
  oldest(): Promise<number | undefined> {
    return oldestOf(async (sql) => (await this.conn.runAndReadAll(sql)).getRowsJS()[0]?.[0], AGGREGATE_TABLES);
  }

  erasure(): string {
    return AGGREGATE_ERASURE;
  }

  /** An engine over the live store, for this process's API: its own connections on the writer's instance. */
  async engine(): Promise<QueryEngine> {
    const e = new DuckDbEngine(this.instance, await this.instance.connect(), await this.instance.connect(), () => undefined);
    this.engines.push(e);
    return e;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      for (const e of this.engines.splice(0)) await e.close().catch(() => undefined);
      this.conn.closeSync();
      this.instance.closeSync();
      HELD.delete(this.paths.db);
    }
  }

  health(): { ready: boolean; reason?: string } {
    return this.closed ? { ready: false, reason: 'closed' } : { ready: true };
  }

  metrics(): readonly MetricSample[] {
    const labels = { store: this.name };
    return [
      { name: 'gallra_store_rows_written_total', help: 'Aggregate rows written to the store.', type: 'counter', labels, value: this.rowsWritten },
      { name: 'gallra_store_partitions_published_total', help: 'Parquet partitions published (written and renamed into place).', type: 'counter', labels, value: this.partitionsPublished },
      { name: 'gallra_store_failures_total', help: 'Failed writes or publications of the aggregate store.', type: 'counter', labels, value: this.failures },
    ];
  }
}

function appendRow(app: DuckDBAppender, w: ClosedWindow, r: AggregateRow): void {
  app.appendTimestamp(micros(w.start));
  app.appendTimestamp(micros(w.end));
  app.appendVarchar(r.grouping);
  for (const d of DIMENSIONS) {
    const v = r.dims[d];
    if (v === undefined) app.appendNull();
    else app.appendVarchar(v);
  }
  app.appendBigInt(BigInt(r.requests));
  app.appendBigInt(BigInt(Math.round(r.bytes)));
  app.appendBigInt(BigInt(r.errors_4xx));
  app.appendBigInt(BigInt(r.errors_5xx));
  app.appendBigInt(BigInt(r.visitors));
  app.appendBigInt(BigInt(r.users));
  for (let i = 0; i < 3; i++) {
    if (r.latency === null) app.appendNull();
    else app.appendDouble(r.latency[i]!);
  }
  app.endRow();
}

