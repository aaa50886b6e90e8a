/** The `duckdb` store's config (`aggregates.store`), beside the store. */
import path from 'node:path';
import { z } from '../../util/zod.js';
import { componentNameSchema } from '../../util/schema.js';

export const duckdbStoreConfigSchema = z.strictObject({
  type: z.literal('duckdb'),
  /** Names the store in metrics and logs. */
  name: componentNameSchema.optional(),
  /** The database file the single writer (gallra run, gallra anonymise) holds; relative to the config file. Default: <state dir>/aggregates.duckdb. */
  path: z.string().min(1).optional(),
  /** Where closed windows are published as Parquet (<dir>/<table>/date=YYYY-MM-DD/part-0.parquet). Default: beside the file, <name>-parquet/. */
  parquet_dir: z.string().min(1).optional(),
  /** DuckDB's memory limit for the store and for readers. */
  memory_limit: z.string().regex(/^\d{1,6}\s?(?:KB|MB|GB|KiB|MiB|GiB)$/, 'a size such as 256MB').default('256MB'),
  /** Threads DuckDB may use. */
  threads: z.int().min(1).max(64).default(2),
});
export type DuckdbStoreConfig = z.infer<typeof duckdbStoreConfigSchema>;

/** The files of a configured store. */
export interface StorePaths {
  readonly db: string;
  readonly parquet: string;
}

/**
 * Where a store's files are.
 *
 * @example
 * storePaths({ type: 'duckdb', path: 'agg.duckdb' }, '/etc/gallra', '/var/lib/gallra') // { db: '/etc/gallra/agg.duckdb', parquet: '/etc/gallra/agg-parquet' }
 */
export function storePaths(c: Pick<DuckdbStoreConfig, 'path' | 'parquet_dir'>, baseDir: string, stateDir: string): StorePaths {
  const db = c.path === undefined ? path.join(stateDir, 'aggregates.duckdb') : path.resolve(baseDir, c.path);
  const stem = path.basename(db).replace(/\.[^.]*$/, '');
  const parquet = c.parquet_dir === undefined ? path.join(path.dirname(db), `${stem}-parquet`) : path.resolve(baseDir, c.parquet_dir);
  return { db, parquet };
}
