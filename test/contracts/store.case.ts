/**
 * The contract every aggregate store keeps, as one suite run against each
 * registered store (stores.test.ts gives each its harness: a config whose
 * files live in a fresh directory).
 *
 * A store takes closed windows of every period and, once flushed, its
 * readers see exactly those rows with the tables' columns; readers run one
 * read-only SELECT and refuse the rest; it holds itself to
 * `aggregates.retention` — through the writer and without it — naming what
 * it removes by table and day, never by content; it says what it holds for
 * one person (nothing); its config is strict.
 */
import { describe, expect, it } from 'vitest';
import { normaliseOutcome } from '../../src/retention/retainable.js';
import { type AggregateRow, type ClosedWindow, COLUMNS, OTHER, PERIODS, TABLE_OF_PERIOD } from '../../src/stores/aggregates-table.js';
import type { StoreContext, StoreEntry } from '../../src/stores/store.js';
import { parseDuration } from '../../src/time/duration.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The suite's clock: 2031-03-14T00:00Z. */
const NOW = Date.UTC(2031, 2, 14);

export interface StoreHarness {
  /** The store's config (without `type`), its files under `dir`. */
  config(dir: string): Record<string, unknown>;
}

function row(grouping: string, dims: AggregateRow['dims'], requests: number, visitors: number): AggregateRow {
  return { grouping, dims, requests, bytes: requests * 10, errors_4xx: 1, errors_5xx: 0, visitors, users: 0, latency: null };
}

/** A closed window of `period` starting at `start` with a total and a folded set. */
function closed(period: (typeof PERIODS)[number], start: number, end: number): ClosedWindow {
  return { period, start, end, rows: [row('total', {}, 12, 9), row('method', { method: 'GET' }, 7, 5), row('method', { method: OTHER }, 5, 4)] };
}

/**
 * Runs the store contract for one registered store.
 *
 * @example
 * storeContract(components.store('duckdb')!, { config: (dir) => ({ path: `${dir}/agg.duckdb` }) }, () => mkdtempSync(…));
 */
export function storeContract(entry: StoreEntry, harness: StoreHarness, makeDir: () => string): void {
  describe(`store ${entry.name} (contract)`, () => {
    const ctxFor = (dir: string, retention = 'P25M'): StoreContext => ({ name: 'aggregates', baseDir: dir, stateDir: dir, retention: parseDuration(retention)!, now: () => NOW, warn: () => undefined });
    const configFor = (dir: string): { readonly type: string } => entry.schema.parse({ type: entry.name, ...harness.config(dir) });

    it('has a strict config with its type, and describes itself', () => {
      const dir = makeDir();
      expect(configFor(dir).type).toBe(entry.name);
      expect(entry.schema.safeParse({ type: entry.name, ...harness.config(dir), no_such_option: 1 }).success).toBe(false);
      expect(entry.describe(configFor(dir), ctxFor(dir))).toMatch(/\S/);
    });

    it('gives its readers exactly the rows of the windows it flushed, with the tables’ columns, and refuses every statement but one SELECT', async () => {
      const dir = makeDir();
      const store = await entry.open(configFor(dir), ctxFor(dir));
      try {
        for (let h = 0; h < 3; h++) await store.write(closed('window', NOW - DAY + h * HOUR, NOW - DAY + (h + 1) * HOUR));
        await store.write(closed('day', NOW - DAY, NOW));
        await store.write(closed('month', Date.UTC(2031, 2, 1), Date.UTC(2031, 3, 1)));
        await store.flush();
        const live = await store.engine();
        expect((await live.query(`SELECT count(*) FROM aggregates`)).rows).toEqual([[9]]);
      } finally {
        await store.close();
      }
      await store.close(); // idempotent
      const reader = await entry.reader(configFor(dir), ctxFor(dir));
      try {
        for (const p of PERIODS) {
          const t = TABLE_OF_PERIOD[p];
          const r = await reader.userQuery(`SELECT * FROM ${t} ORDER BY window_start, "grouping", method`);
          expect(r.columns, t).toEqual(COLUMNS.map(([c]) => c));
          expect(r.rows.length, t).toBe(p === 'window' ? 9 : 3);
          const sum = await reader.query(`SELECT CAST(sum(requests) AS BIGINT) FROM ${t} WHERE "grouping" = 'method'`);
          expect(sum.rows[0]![0], t).toBe(p === 'window' ? 36 : 12);
        }
        for (const sql of ['DELETE FROM aggregates', `COPY aggregates TO '${dir}/x.csv'`, 'CREATE TABLE t AS SELECT 1', 'SELECT 1; SELECT 2', `ATTACH '${dir}/y.db' AS y`]) {
          await expect(reader.userQuery(sql), sql).rejects.toMatchObject({ code: 'GALLRA_QUERY_REFUSED' });
        }
      } finally {
        await reader.close();
      }
    });

    it('holds itself to aggregates.retention through its writer and without it, naming what goes by table and day only', async () => {
      const dir = makeDir();
      const ctx = ctxFor(dir, 'P1D');
      const store = await entry.open(configFor(dir), ctx);
      try {
        await store.write(closed('window', NOW - 3 * DAY, NOW - 3 * DAY + HOUR));
        await store.write(closed('window', NOW - 2 * HOUR, NOW - HOUR));
        await store.flush();
        expect(await store.oldest?.(NOW)).toBe(NOW - 3 * DAY);
        const dry = normaliseOutcome(await store.enforce(NOW, true));
        expect(dry.removed.length).toBeGreaterThan(0);
        for (const r of dry.removed) {
          expect(['rows', 'partition']).toContain(r.what);
          expect(r.name).toMatch(/^aggregates(_day|_month)?\/date=\d{4}-\d{2}-\d{2}$/);
        }
        expect(await store.oldest?.(NOW)).toBe(NOW - 3 * DAY);
        expect(normaliseOutcome(await store.enforce(NOW, false)).removed).toEqual(dry.removed);
        expect(await store.oldest?.(NOW)).toBe(NOW - 2 * HOUR);
        expect(normaliseOutcome(await store.enforce(NOW, false)).removed).toEqual([]);
        expect(store.erasure?.(NOW)).toMatch(/\S/);
        // Rows from before the window written after the sweep (a replay of old logs).
        await store.write(closed('window', NOW - 5 * DAY, NOW - 5 * DAY + HOUR));
        await store.flush();
      } finally {
        await store.close();
      }
      // Without the writer (gallra retention, status).
      const alone = entry.retention(configFor(dir), ctx);
      expect(await alone.oldest?.(NOW)).toBe(NOW - 5 * DAY);
      const swept = normaliseOutcome(await alone.enforce(NOW, false));
      expect(swept.removed.map((r) => r.name)).toContain(`aggregates/date=${new Date(NOW - 5 * DAY).toISOString().slice(0, 10)}`);
      expect(await alone.oldest?.(NOW)).toBe(NOW - 2 * HOUR);
      const reader = await entry.reader(configFor(dir), ctx);
      try {
        expect((await reader.query(`SELECT count(*) FROM aggregates`)).rows).toEqual([[3]]);
      } finally {
        await reader.close();
      }
    });
  });
}
