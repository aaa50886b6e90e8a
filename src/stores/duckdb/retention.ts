/**
 * The `duckdb` store held to `aggregates.retention`: rows whose window
 * starts before the cutoff are deleted from the database file and the days
 * they were on published again (a partition left with no row is removed);
 * partitions of days wholly before the cutoff go even when no row is
 * behind them. The sweeper records every removal in the audit trail
 * (runtime/sweeper.ts); what is removed is named by table and day, never by
 * content.
 *
 * Two sweepers exist: the writer's own (`gallra run` once a minute,
 * `gallra anonymise` when it opens the store), and `gallra retention` /
 * `status` without a writer — which opens the database file itself when no
 * process holds it, and otherwise removes the expired partitions and leaves
 * the rows to the running writer's next sweep (reported as deferred).
 */
import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { isGallraError } from '../../errors.js';
import type { Removal, Retainable, SweepOutcome } from '../../retention/retainable.js';
import { subtractDuration } from '../../time/duration.js';
import { q, TABLE_OF_PERIOD } from '../aggregates-table.js';
import type { StoreContext } from '../store.js';
import { type DuckdbStoreConfig, storePaths } from './config.js';
import { isoDay, listPartitions, removePartition } from './files.js';

const DAY_MS = 86_400_000;

/** What the aggregates hold about one person (for data-subject requests). */
export const AGGREGATE_ERASURE =
  'the aggregate store holds no event, pseudonym, visitor id or address: only counts over groups of at least k distinct visitors per window, so nothing in it is about one person; rows go when their window is older than aggregates.retention';

/** The name a removal of `table`'s rows or partition of `day` is recorded under: `aggregates/date=2031-03-11`. */
export function partitionName(table: string, day: string): string {
  return `${table}/date=${day}`;
}

/**
 * Deletes (unless `dryRun`) the rows of `tables` whose window starts before
 * `cutoff`, then calls `publish(table, day)` for every day they were on
 * (which rewrites its partition, or removes it when no row is left).
 * Returns the rows per table and day, and the partitions left without a row.
 */
export async function sweepRows(
  conn: DuckDBConnection,
  tables: readonly string[],
  cutoff: string,
  dryRun: boolean,
  publish: (table: string, day: string) => Promise<void>,
): Promise<Removal[]> {
  const removed: Removal[] = [];
  for (const table of tables) {
    // Per day: the rows before the cutoff, and all of the day's rows (the partition goes when they are the same).
    const r = await conn.runAndReadAll(
      `SELECT CAST(window_start AS DATE) AS d, CAST(sum(CASE WHEN window_start < ${cutoff} THEN 1 ELSE 0 END) AS BIGINT) AS expired, count(*) AS n ` +
        `FROM ${q(table)} GROUP BY d HAVING sum(CASE WHEN window_start < ${cutoff} THEN 1 ELSE 0 END) > 0 ORDER BY d`,
    );
    const days = r.getRowsJS().map(([d, expired, n]) => ({ day: isoDay((d as Date).getTime()), expired: Number(expired), all: Number(n) }));
    for (const d of days) removed.push({ what: 'rows', name: partitionName(table, d.day), count: d.expired });
    for (const d of days) if (d.expired === d.all) removed.push({ what: 'partition', name: partitionName(table, d.day) });
    if (dryRun || days.length === 0) continue;
    await conn.run(`DELETE FROM ${q(table)} WHERE window_start < ${cutoff}`);
    for (const d of days) await publish(table, d.day);
  }
  return removed;
}

/**
 * Removes (unless `dryRun`) the partitions whose whole day is before
 * `cutoffMs` (a month rollup's partition: its month's start) that
 * `already` does not name.
 */
export function sweepPartitions(parquetDir: string, tables: readonly string[], cutoffMs: number, dryRun: boolean, already: readonly Removal[] = []): Removal[] {
  const removed: Removal[] = [];
  if (!fs.existsSync(parquetDir)) return removed;
  for (const p of listPartitions(parquetDir, tables)) {
    // A window partition holds one day's windows; a day or month rollup's partition starts with its period.
    if (Date.parse(`${p.date}T00:00:00Z`) + (p.table === TABLE_OF_PERIOD.window ? DAY_MS : 1) > cutoffMs) continue;
    const name = partitionName(p.table, p.date);
    if (!already.some((x) => x.what === 'partition' && x.name === name)) removed.push({ what: 'partition', name });
    if (!dryRun) removePartition(parquetDir, p.table, p.date);
  }
  return removed;
}

/**
 * The store under a sweeper that is not its writer (`gallra retention`,
 * `gallra status`, `gallra audit report`).
 *
 * @example
 * const outcome = await storeRetention(config, ctx, ['aggregates']).enforce(Date.now(), true);
 */
export function storeRetention(c: DuckdbStoreConfig, ctx: Omit<StoreContext, 'warn'>, tables: readonly string[]): Retainable {
  const paths = storePaths(c, ctx.baseDir, ctx.stateDir);
  return {
    async enforce(nowMs: number, dryRun: boolean): Promise<SweepOutcome> {
      if (fs.existsSync(paths.db)) {
        // No writer holds the file: sweep its rows (and republish their days) as the writer would.
        const { openWriter } = await import('./writer.js');
        try {
          const store = await openWriter(c, { ...ctx, warn: () => undefined }, { lockWaitMs: 0 });
          try {
            return await store.enforce(nowMs, dryRun);
          } finally {
            await store.close();
          }
        } catch (err) {
          if (!(isGallraError(err) && err.code === 'GALLRA_STORE_LOCKED')) throw err;
        }
        // A running writer holds it: its own sweep (within a minute in gallra run) deletes the rows. It publishes
        // every row it holds, so a partition of a day before the cutoff is where such rows would show.
        const cutoff = subtractDuration(nowMs, ctx.retention);
        const expired = fs.existsSync(paths.parquet) && listPartitions(paths.parquet, tables).some((p) => Date.parse(`${p.date}T00:00:00Z`) < cutoff);
        const removed = sweepPartitions(paths.parquet, tables, cutoff, dryRun);
        return expired ? { removed, deferred: [`rows of ${paths.db} before the window: the process writing it (gallra run) deletes them at its next sweep`] } : { removed };
      }
      return { removed: sweepPartitions(paths.parquet, tables, subtractDuration(nowMs, ctx.retention), dryRun) };
    },
    async oldest(): Promise<number | undefined> {
      // What readers see: the published partitions (the writer publishes every row it holds).
      if (!fs.existsSync(paths.parquet) || listPartitions(paths.parquet, tables).length === 0) return undefined;
      const { openReader } = await import('./reader.js');
      const engine = await openReader(c, { ...ctx, warn: () => undefined }, { source: 'parquet' });
      try {
        return await oldestOf((sql) => engine.query(sql).then((r) => r.rows[0]?.[0]), tables);
      } finally {
        await engine.close();
      }
    },
    erasure: () => AGGREGATE_ERASURE,
  };
}

/** The earliest window start in `tables` (ms), undefined when they hold no row. */
export async function oldestOf(scalar: (sql: string) => Promise<unknown>, tables: readonly string[]): Promise<number | undefined> {
  const sql = `SELECT min(t) FROM (${tables.map((t) => `SELECT min(window_start) AS t FROM ${q(t)}`).join(' UNION ALL ')})`;
  const v = await scalar(sql);
  if (v === null || v === undefined) return undefined;
  return v instanceof Date ? v.getTime() : Number(v);
}
