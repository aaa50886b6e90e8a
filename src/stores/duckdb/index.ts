/**
 * `duckdb` store: the aggregate tables in an embedded DuckDB file held by
 * the single writer, published as Parquet partitions
 * (`<parquet_dir>/<table>/date=YYYY-MM-DD/part-0.parquet`) for every reader.
 * DuckDB is loaded only when a store is opened: `gallra anonymise` without
 * `aggregates:` never loads it.
 */
import fs from 'node:fs';
import { subtractDuration } from '../../time/duration.js';
import { PERIODS, TABLE_OF_PERIOD } from '../aggregates-table.js';
import { defineStore } from '../store.js';
import { duckdbStoreConfigSchema, storePaths } from './config.js';
import { listPartitions, removePartition } from './files.js';

const TABLES = PERIODS.map((p) => TABLE_OF_PERIOD[p]);
const DAY_MS = 86_400_000;

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
  // Without the writer (gallra retention): partitions go here; rows in the database go when the writer
  // next sweeps (gallra run does once a minute, gallra anonymise when it opens the store).
  retention: (c, ctx) => ({
    enforce: async (nowMs, dryRun) => {
      const p = storePaths(c, ctx.baseDir, ctx.stateDir);
      if (!fs.existsSync(p.parquet)) return [];
      const cutoff = subtractDuration(nowMs, ctx.retention);
      const removed: string[] = [];
      for (const part of listPartitions(p.parquet, TABLES)) {
        const start = Date.parse(`${part.date}T00:00:00Z`);
        if (start + (part.table === TABLE_OF_PERIOD.window ? DAY_MS : 1) > cutoff) continue;
        removed.push(part.file);
        if (!dryRun) removePartition(p.parquet, part.table, part.date);
      }
      return removed;
    },
  }),
});
