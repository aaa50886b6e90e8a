/**
 * SQL the `duckdb` store runs on its own behalf: table definitions, literals,
 * the lock-down, opening with a bounded wait for a lock.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { GallraError } from '../../errors.js';
import { COLUMNS, q } from '../aggregates-table.js';
import { firstLine } from './gate.js';

/** A SQL string literal. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A UTC timestamp literal for ms since the epoch (portable: DuckDB, ClickHouse with session_timezone=UTC, Trino). */
export function tsLit(ms: number): string {
  return `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)}'`;
}

/** The column list of every aggregate table. */
export const COLUMN_LIST = COLUMNS.map(([name]) => q(name)).join(', ');

/** `CREATE TABLE` for an aggregate table. */
export function createTable(table: string, ifNotExists = true): string {
  const cols = COLUMNS.map(([name, type, nullable]) => `${q(name)} ${type}${nullable ? '' : ' NOT NULL'}`).join(', ');
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${q(table)} (${cols})`;
}

/**
 * Brings a table made by an older gallra (before a dimension column was
 * added) to the current columns in their order: the writer appends rows by
 * position, so adding the column at the end would not do. The rows are
 * copied by name in one transaction; the new column reads NULL in them.
 */
export function rebuildTable(table: string): string {
  const tmp = `${table}__rebuild`;
  return `BEGIN; ${createTable(tmp, false)}; INSERT INTO ${q(tmp)} BY NAME SELECT * FROM ${q(table)}; DROP TABLE ${q(table)}; ALTER TABLE ${q(tmp)} RENAME TO ${q(table)}; COMMIT`;
}

/**
 * The rows of Parquet files as a relation with every column of the tables:
 * partitions written before a column was added lack it, and read as NULL
 * there (union by name over an empty relation that has them all).
 *
 * @example
 * `SELECT ${COLUMN_LIST} FROM ${parquetRows('/srv/agg/aggregates/*\/*.parquet')}`
 */
export function parquetRows(files: string): string {
  const empty = COLUMNS.map(([name, type]) => `CAST(NULL AS ${type}) AS ${q(name)}`).join(', ');
  return `(SELECT ${empty} WHERE false UNION ALL BY NAME SELECT * FROM read_parquet(${lit(files)}, union_by_name = true))`;
}

/**
 * Options every instance gets: nothing is installed or loaded behind gallra's
 * back (with auto-install on, binding `CREATE SECRET` would fetch httpfs from
 * the network).
 */
export const BASE_OPTIONS = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' } as const;

/**
 * Limits what SQL on this instance can touch: files under `dirs` only (plus
 * the database's own), no further `SET`. After this a view or query over a
 * file elsewhere fails with a permission error.
 */
export async function lockDown(run: (sql: string) => Promise<unknown>, dirs: readonly string[]): Promise<void> {
  await run(`SET allowed_directories = [${dirs.map((d) => lit(d.endsWith('/') ? d : d + '/')).join(', ')}]`);
  await run('SET enable_external_access = false');
  await run('SET lock_configuration = true');
}

const LOCKED = /Could not set lock on file/;

/** Whether a DuckDB error is another process's lock on the file. */
export function isLockConflict(err: unknown): boolean {
  return LOCKED.test(err instanceof Error ? err.message : String(err));
}

/**
 * Opens a database file, waiting a bounded while (backoff up to `waitMs`)
 * when another process holds its lock: DuckDB never waits by itself, and a
 * `gallra query` reading the file read-only for a second must not make
 * `gallra run` fail to start.
 */
export async function openWithRetry(file: string, options: Record<string, string>, waitMs: number, what: string): Promise<DuckDBInstance> {
  let delay = 50;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await DuckDBInstance.create(file, { ...BASE_OPTIONS, ...options });
    } catch (err) {
      if (!isLockConflict(err)) throw new GallraError('GALLRA_STORE_FAILED', `${what}: cannot open ${file} (${firstLine(err)})`, { cause: err });
      if (Date.now() + delay > deadline) {
        throw new GallraError(
          'GALLRA_STORE_LOCKED',
          `${what}: ${file} is held by another process (gallra run is its only writer; gallra query and serve read the published Parquet partitions instead)`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}
