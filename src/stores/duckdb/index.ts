/**
 * `duckdb` store: the aggregate tables in an embedded DuckDB file held by
 * the single writer, published as Parquet partitions
 * (`<parquet_dir>/<table>/date=YYYY-MM-DD/part-0.parquet`) for every reader.
 * DuckDB is loaded only when a store is opened: `gallra anonymise` without
 * `aggregates:` never loads it.
 */
import { PERIODS, TABLE_OF_PERIOD } from '../aggregates-table.js';
import { defineStore } from '../store.js';
import { duckdbStoreConfigSchema, storePaths } from './config.js';
import { storeRetention } from './retention.js';

const TABLES = PERIODS.map((p) => TABLE_OF_PERIOD[p]);

export const duckdbStore = defineStore({
  name: 'duckdb',
  description: 'an embedded DuckDB file (one writer) published as Parquet partitions date=YYYY-MM-DD for any number of readers',
  schema: duckdbStoreConfigSchema,
  open: async (c, ctx) => (await import('./writer.js')).openWriter(c, ctx),
  reader: async (c, ctx, options) => (await import('./reader.js')).openReader(c, ctx, options),
  describe: (c, ctx) => {
    const p = storePaths(c, ctx.baseDir, ctx.stateDir);
    return `DuckDB ${p.db}, published as Parquet under ${p.parquet}/<table>/date=YYYY-MM-DD/ (rows kept ${ctx.retention.text})`;
  },
  // Without the writer (gallra retention, status): the database's rows when no process holds it, else only the partitions.
  retention: (c, ctx) => storeRetention(c, ctx, TABLES),
});
