/**
 * The reading side of the `duckdb` store, for processes other than the
 * writer (`gallra query`, `gallra serve`). They never hold the writer's
 * database file while it runs — a read-only opener would stop the writer
 * from starting — but read the Parquet partitions it publishes:
 *
 * - **parquet**: an in-memory DuckDB with one view per table over the
 *   partition files (a one-shot `gallra query`);
 * - **cache**: a private DuckDB file filled from the partitions and brought
 *   up to date partition by partition (by file time and size) on `refresh()`
 *   — `gallra serve`, where the dashboard must answer in well under 100 ms
 *   over months of hourly rows, which reading ~200 files per query does not;
 * - **database**: the database file itself, read-only, when no writer holds
 *   it and nothing was published (closed again when the query ends).
 *
 * Every engine is locked down: no file outside the Parquet directory (or
 * the database) can be read, nothing can be written, no setting changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { GallraError } from '../../errors.js';
import { q } from '../aggregates-table.js';
import type { QueryEngine, StoreContext } from '../store.js';
import { type DuckdbStoreConfig, storePaths } from './config.js';
import { AGGREGATE_TABLES, DuckDbEngine } from './engine.js';
import { listPartitions, type Partition } from './files.js';
import { firstLine } from './gate.js';
import { BASE_OPTIONS, COLUMN_LIST, createTable, isLockConflict, lockDown, openWithRetry, parquetRows, tsLit } from './sql.js';

export type ReaderSource = 'auto' | 'parquet' | 'database';

const DAY_MS = 86_400_000;

/**
 * Opens a read-only engine over a configured store.
 *
 * @example
 * const engine = await openReader(config, ctx, { cache: true }); await engine.refresh?.();
 */
export async function openReader(c: DuckdbStoreConfig, ctx: StoreContext, options: { readonly cache?: boolean | undefined; readonly source?: ReaderSource | undefined } = {}): Promise<QueryEngine> {
  const paths = storePaths(c, ctx.baseDir, ctx.stateDir);
  const source = options.source ?? 'auto';
  const published = fs.existsSync(paths.parquet) ? listPartitions(paths.parquet, AGGREGATE_TABLES) : [];
  if (source === 'database' || (source === 'auto' && published.length === 0 && options.cache !== true && fs.existsSync(paths.db))) {
    return openDatabase(paths.db, c, ctx, published.length > 0);
  }
  fs.mkdirSync(paths.parquet, { recursive: true, mode: 0o750 });
  const root = fs.realpathSync(paths.parquet);
  return options.cache === true ? CacheEngine.open(root, c) : openParquet(root, published, c);
}

/** An in-memory instance with a view per table over its partitions (an empty table while it has none). */
async function openParquet(root: string, published: readonly Partition[], c: DuckdbStoreConfig): Promise<QueryEngine> {
  // temp_directory '': an in-memory instance otherwise adds <cwd>/.tmp/ to the allowed directories.
  const instance = await DuckDBInstance.create(':memory:', { ...BASE_OPTIONS, threads: String(c.threads), memory_limit: c.memory_limit, temp_directory: '' });
  try {
    const conn = await instance.connect();
    for (const t of AGGREGATE_TABLES) {
      if (published.some((p) => p.table === t)) {
        await conn.run(`CREATE VIEW ${q(t)} AS SELECT ${COLUMN_LIST} FROM ${parquetRows(path.join(root, t, '*', '*.parquet'))}`);
      } else {
        await conn.run(createTable(t, false));
      }
    }
    await lockDown((sql) => conn.run(sql), [root]);
    return new DuckDbEngine(instance, conn, await instance.connect(), () => instance.closeSync());
  } catch (err) {
    instance.closeSync();
    throw new GallraError('GALLRA_STORE_FAILED', `aggregate store: cannot read the partitions under ${root} (${firstLine(err)})`, { cause: err });
  }
}

/** The database file, read-only, refusing every file operation. */
async function openDatabase(db: string, c: DuckdbStoreConfig, ctx: StoreContext, published: boolean): Promise<QueryEngine> {
  let instance: DuckDBInstance;
  try {
    instance = await openWithRetry(db, { access_mode: 'READ_ONLY', threads: String(c.threads), memory_limit: c.memory_limit, enable_external_access: 'false', lock_configuration: 'true' }, 0, `aggregate store ${ctx.name}`);
  } catch (err) {
    if (err instanceof GallraError && err.code === 'GALLRA_STORE_LOCKED' && isLockConflict(err.cause)) {
      const instead = published ? 'read the published Parquet partitions instead (--source parquet, the default)' : 'no window has been published yet; try again once the first window has closed';
      throw new GallraError('GALLRA_STORE_LOCKED', `aggregate store ${ctx.name}: ${db} is held by its writer (gallra run, the only process that may open it while it runs); ${instead}`, { cause: err });
    }
    throw err;
  }
  const conn = await instance.connect();
  return new DuckDbEngine(instance, conn, await instance.connect(), () => instance.closeSync());
}

/**
 * `gallra serve`'s engine: a private database file in a temporary directory
 * (removed on close), sorted by grouping set and window start, refreshed
 * per changed partition.
 */
class CacheEngine extends DuckDbEngine {
  private readonly known = new Map<string, string>();
  private refreshing: Promise<void> | undefined;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnectionLike,
    userConn: DuckDBConnectionLike,
    private readonly root: string,
    dir: string,
  ) {
    super(instance, conn, userConn, () => {
      instance.closeSync();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  static async open(root: string, c: DuckdbStoreConfig): Promise<CacheEngine> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-serve-'));
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(path.join(dir, 'cache.duckdb'), { ...BASE_OPTIONS, threads: String(c.threads), memory_limit: c.memory_limit });
      const conn = await instance.connect();
      for (const t of AGGREGATE_TABLES) await conn.run(createTable(t, false));
      await lockDown((sql) => conn.run(sql), [root]);
      const engine = new CacheEngine(instance, conn, await instance.connect(), root, dir);
      await engine.refresh();
      return engine;
    } catch (err) {
      instance?.closeSync();
      fs.rmSync(dir, { recursive: true, force: true });
      if (err instanceof GallraError) throw err;
      throw new GallraError('GALLRA_STORE_FAILED', `aggregate store: cannot build the serve cache from ${root} (${firstLine(err)})`, { cause: err });
    }
  }

  /** Loads partitions that are new or changed since the last refresh, and drops those that went. */
  refresh(): Promise<void> {
    this.refreshing ??= this.sync().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async sync(): Promise<void> {
    const now = listPartitions(this.root, AGGREGATE_TABLES);
    const seen = new Set<string>();
    const first = this.known.size === 0;
    for (const table of AGGREGATE_TABLES) {
      const parts = now.filter((p) => p.table === table);
      if (first && parts.length > 0) {
        // One bulk load, sorted: range scans over months then read few blocks.
        for (const p of parts) this.known.set(p.file, `${p.mtimeMs}:${p.size}`);
        if (!(await this.load(table, parquetRows(path.join(this.root, table, '*', '*.parquet')), undefined))) for (const p of parts) this.known.delete(p.file);
      }
      for (const p of parts) {
        seen.add(p.file);
        const stamp = `${p.mtimeMs}:${p.size}`;
        if (this.known.get(p.file) === stamp) continue;
        if (await this.load(table, parquetRows(p.file), p.date)) this.known.set(p.file, stamp);
      }
    }
    for (const [file] of this.known) {
      if (seen.has(file)) continue;
      this.known.delete(file);
      const m = /([^/]+)\/date=(\d{4}-\d{2}-\d{2})\//.exec(file);
      if (m !== null) await this.conn.run(`DELETE FROM ${q(m[1]!)} WHERE ${dayWhere(m[2]!)}`);
    }
  }

  /** Loads rows into `table` (replacing `day`'s); false when a file went away meanwhile (the next refresh retries). */
  private async load(table: string, from: string, day: string | undefined): Promise<boolean> {
    const del = day === undefined ? '' : `DELETE FROM ${q(table)} WHERE ${dayWhere(day)};`;
    try {
      await this.conn.run(`BEGIN; ${del} INSERT INTO ${q(table)} SELECT ${COLUMN_LIST} FROM ${from} ORDER BY "grouping", window_start; COMMIT`);
      return true;
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      // The partition went (retention) or is being replaced between listing and reading: the next refresh sees it.
      if (/No such file|Cannot open file/i.test(firstLine(err))) return false;
      throw new GallraError('GALLRA_STORE_FAILED', `aggregate store: cannot load ${table}${day === undefined ? '' : ` ${day}`} (${firstLine(err)})`, { cause: err });
    }
  }
}

type DuckDBConnectionLike = Awaited<ReturnType<DuckDBInstance['connect']>>;

function dayWhere(day: string): string {
  const start = Date.parse(`${day}T00:00:00Z`);
  return `window_start >= ${tsLit(start)} AND window_start < ${tsLit(start + DAY_MS)}`;
}
