/**
 * The `duckdb` store's files, without DuckDB: the Parquet partition layout
 * readers and the retention sweeper rely on, and the durable rename that
 * publishes a partition.
 *
 *   <parquet_dir>/<table>/date=YYYY-MM-DD/part-0.parquet
 *
 * A partition holds the rows whose window starts on that UTC day (a month
 * rollup's rows: its first day), sorted by grouping set and window start. It
 * is written under a temporary name that no reader's glob matches, synced,
 * and renamed over the old one, so a reader sees the old file or the new,
 * never half of one.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PARTITION_FILE = 'part-0.parquet';
const PARTITION_DIR = /^date=(\d{4}-\d{2}-\d{2})$/;

/** One published partition. */
export interface Partition {
  readonly table: string;
  readonly date: string;
  readonly file: string;
  readonly mtimeMs: number;
  readonly size: number;
}

/** The directory of a table's partition for `date`. */
export function partitionDir(parquetDir: string, table: string, date: string): string {
  return path.join(parquetDir, table, `date=${date}`);
}

/**
 * The published partitions of `tables`, oldest first.
 *
 * @example
 * listPartitions('/var/lib/gallra/aggregates-parquet', ['aggregates'])
 */
export function listPartitions(parquetDir: string, tables: readonly string[]): Partition[] {
  const out: Partition[] = [];
  for (const table of tables) {
    let dirs: string[];
    try {
      dirs = fs.readdirSync(path.join(parquetDir, table));
    } catch {
      continue;
    }
    for (const d of dirs.sort()) {
      const m = PARTITION_DIR.exec(d);
      if (m === null) continue;
      const file = path.join(parquetDir, table, d, PARTITION_FILE);
      try {
        const st = fs.statSync(file);
        out.push({ table, date: m[1]!, file, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        // a directory without its file (being published, or half-removed): not a partition
      }
    }
  }
  return out;
}

/** fsync a file or directory by path. */
export function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Renames a written temporary file over `target` durably (fsync file, rename, fsync directory). */
export function publishFile(tmp: string, target: string): void {
  fsyncPath(tmp);
  fs.renameSync(tmp, target);
  fsyncPath(path.dirname(target));
}

/** Removes a partition directory (its file first, so readers never see a directory without one for long). */
export function removePartition(parquetDir: string, table: string, date: string): void {
  const dir = partitionDir(parquetDir, table, date);
  fs.rmSync(path.join(dir, PARTITION_FILE), { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}

/** `YYYY-MM-DD` of the UTC day of `ms`. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
