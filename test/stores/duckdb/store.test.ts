/**
 * The duckdb store: what the writer publishes is what every reader sees; one
 * writer, readers never in its way; rows held to aggregates.retention; and
 * every engine refuses SQL that is not one read-only SELECT over the
 * aggregate tables — tried adversarially, with the files on disk checked
 * after every attempt.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseOutcome } from '../../../src/retention/retainable.js';
import { duckdbStore } from '../../../src/stores/duckdb/index.js';
import { type AggregateRow, type ClosedWindow, COLUMNS, OTHER, q } from '../../../src/stores/aggregates-table.js';
import type { QueryEngine, StoreContext } from '../../../src/stores/store.js';
import { parseDuration } from '../../../src/time/duration.js';
import { ensureBuilt, runCliAsync } from '../../helpers/cli.js';
import { DAY, HOUR } from '../../helpers/env.js';

const T = Date.UTC(2031, 2, 14);

function row(grouping: string, dims: AggregateRow['dims'], requests: number, visitors: number): AggregateRow {
  return { grouping, dims, requests, bytes: requests * 100, errors_4xx: 1, errors_5xx: 0, visitors, users: 1, latency: [12.5, 40, 99.5] };
}

function hour(start: number, scale = 1): ClosedWindow {
  return {
    period: 'window',
    start,
    end: start + HOUR,
    rows: [row('total', {}, 30 * scale, 12), row('path_template', { path_template: '/about' }, 20 * scale, 7), row('path_template', { path_template: OTHER }, 10 * scale, 5)],
  };
}

/** Every file under `dir`, relative, with its size (what an attempt may not change). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe('duckdb store', () => {
  let root: string;
  let ctx: StoreContext;
  const config = { type: 'duckdb' as const, path: 'store/agg.duckdb', memory_limit: '256MB', threads: 1 };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'gallra-store-'));
    ctx = { name: 'aggregates', baseDir: root, stateDir: join(root, 'state'), retention: parseDuration('P25M')!, now: () => T, warn: () => undefined };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('publishes what it writes as Parquet partitions date=YYYY-MM-DD that a reader in another engine sees row for row', async () => {
    const store = await duckdbStore.open(config, ctx);
    try {
      for (let h = 0; h < 30; h++) await store.write(hour(T - 2 * DAY + h * HOUR));
      await store.write({ period: 'day', start: T - 2 * DAY, end: T - DAY, rows: [row('total', {}, 720, 100)] });
      // Nothing is published before the flush.
      expect(existsSync(join(root, 'store', 'agg-parquet', 'aggregates'))).toBe(false);
      await store.flush();
      const parts = readdirSync(join(root, 'store', 'agg-parquet', 'aggregates')).sort();
      expect(parts).toEqual(['date=2031-03-12', 'date=2031-03-13']);
      expect(readdirSync(join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-03-12'))).toEqual(['part-0.parquet']);
      const reader = await duckdbStore.reader(config, ctx, { source: 'parquet' });
      try {
        const r = await reader.query(`SELECT "grouping", CAST(sum(requests) AS BIGINT) AS n, count(*) AS rows, max(latency_p99_ms) AS p99 FROM aggregates GROUP BY "grouping" ORDER BY "grouping"`);
        expect(r.rows).toEqual([
          ['path_template', 900, 60, 99.5],
          ['total', 900, 30, 99.5],
        ]);
        const d = await reader.query('SELECT window_start, window_end, requests FROM aggregates_day');
        expect(d.rows).toEqual([[T - 2 * DAY, T - DAY, 720]]);
      } finally {
        await reader.close();
      }
    } finally {
      await store.close();
    }
  });

  it('lets a reader open the database file read-only once the writer has closed it', async () => {
    const reader = await duckdbStore.reader(config, ctx, { source: 'database' });
    try {
      expect((await reader.query('SELECT count(*) AS n FROM aggregates')).rows).toEqual([[90]]);
    } finally {
      await reader.close();
    }
  });

  it("keeps serve's cache in step with the partitions: a republished day is replaced, a removed one goes", async () => {
    const cache = await duckdbStore.reader(config, ctx, { cache: true });
    try {
      const sum = async (): Promise<unknown> => (await cache.query('SELECT CAST(sum(requests) AS BIGINT) FROM aggregates WHERE "grouping" = \'total\'')).rows[0]![0];
      expect(await sum()).toBe(900);
      const store = await duckdbStore.open(config, ctx);
      try {
        await store.write(hour(T - DAY + 6 * HOUR, 10));
        await store.flush();
      } finally {
        await store.close();
      }
      await cache.refresh!();
      expect(await sum()).toBe(900 + 300);
      rmSync(join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-03-12'), { recursive: true });
      await cache.refresh!();
      expect(await sum()).toBe(900 + 300 - 24 * 30);
    } finally {
      await cache.close();
    }
    // Its private cache file went with it.
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('gallra-serve-')).every((f) => statSync(join(tmpdir(), f)).mtimeMs < Date.now() - 60_000)).toBe(true);
  });

  it('holds rows and partitions to aggregates.retention (dry run first), naming each table and day it removes rows or partitions of', async () => {
    const later = { ...ctx, retention: parseDuration('P1D')! };
    const store = await duckdbStore.open(config, later);
    try {
      for (let h = 0; h < 24; h++) await store.write(hour(T - 3 * DAY + h * HOUR));
      await store.flush();
      expect(await store.oldest!(T)).toBe(T - 3 * DAY);
      const dry = normaliseOutcome(await store.enforce(T, true));
      expect(dry.removed).toContainEqual({ what: 'rows', name: 'aggregates/date=2031-03-11', count: 72 });
      expect(dry.removed).toContainEqual({ what: 'partition', name: 'aggregates/date=2031-03-11' });
      expect(dry.removed.every((r) => /^aggregates(_day|_month)?\/date=\d{4}-\d\d-\d\d$/.test(r.name))).toBe(true);
      expect(existsSync(join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-03-11'))).toBe(true);
      await store.enforce(T, false);
      expect(readdirSync(join(root, 'store', 'agg-parquet', 'aggregates')).sort()).toEqual(['date=2031-03-13']);
      const engine = await store.engine();
      expect((await engine.query(`SELECT count(*) FROM aggregates WHERE window_start < TIMESTAMP '2031-03-13 00:00:00'`)).rows).toEqual([[0]]);
      expect(await store.oldest!(T)).toBeGreaterThanOrEqual(T - DAY);
      expect(store.erasure!(T)).toMatch(/no event, pseudonym, visitor id or address/);
      // The same process cannot open a second writer on the file (DuckDB's lock is per process).
      await expect(duckdbStore.open(config, later)).rejects.toMatchObject({ code: 'GALLRA_STORE_LOCKED' });
      // gallra retention's view while a writer holds the file: the expired partitions go, the rows are left to the writer.
      mkdirSync(join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-01-01'), { recursive: true });
      writeFileSync(join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-01-01', 'part-0.parquet'), 'stale');
      const held = normaliseOutcome(await duckdbStore.retention(config, later).enforce(T, false));
      expect(held.removed).toEqual([{ what: 'partition', name: 'aggregates/date=2031-01-01' }]);
      expect(held.deferred).toEqual([expect.stringMatching(/deletes them at its next sweep/)]);
      // Rows written after the sweep, from before the window (a replay of old logs): the next sweep takes them.
      await store.write(hour(T - 5 * DAY));
      await store.flush();
    } finally {
      await store.close();
    }
    // Without a writer, gallra retention opens the file itself: the rows go, and their partition.
    const alone = duckdbStore.retention(config, later);
    expect(await alone.oldest!(T)).toBe(T - 5 * DAY);
    const swept = normaliseOutcome(await alone.enforce(T, false));
    expect(swept).toEqual({ removed: [{ what: 'rows', name: 'aggregates/date=2031-03-09', count: 3 }, { what: 'partition', name: 'aggregates/date=2031-03-09' }] });
    expect(readdirSync(join(root, 'store', 'agg-parquet', 'aggregates')).sort()).toEqual(['date=2031-03-13']);
    const reader = await duckdbStore.reader(config, later, { source: 'database' });
    try {
      expect((await reader.query(`SELECT count(*) FROM aggregates WHERE window_start < TIMESTAMP '2031-03-13 00:00:00'`)).rows).toEqual([[0]]);
    } finally {
      await reader.close();
    }
    expect(await alone.oldest!(T)).toBeGreaterThanOrEqual(T - DAY);
  });

  describe('one writer, readers never in its way (processes)', () => {
    beforeAll(() => ensureBuilt(), 180_000);

    it('refuses a database-file reader while the writer holds the file, and serves the partitions meanwhile', async () => {
      const store = await duckdbStore.open(config, ctx);
      try {
        const policy = join(root, 'policy.yaml');
        writeFileSync(policy, `aggregates:\n  store: { type: duckdb, path: store/agg.duckdb, threads: 1 }\n`);
        const o = { stateDir: join(root, 'state') };
        const [db, pq] = await Promise.all([
          runCliAsync(['query', '--config', policy, '--source', 'database', 'SELECT count(*) AS n FROM aggregates'], o),
          runCliAsync(['query', '--config', policy, '--format', 'json', 'SELECT count(*) AS n FROM aggregates'], o),
        ]);
        expect(db.status).toBe(1);
        expect(db.stderr).toMatch(/held by its writer|held by another process/);
        expect(db.stderr).not.toMatch(/PID/);
        expect(pq.status).toBe(0);
        const n = (JSON.parse(pq.stdout) as { n: number }[])[0]!.n;
        expect(n).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    });
  });

  describe('refuses every statement that is not one read-only SELECT over the aggregate tables', () => {
    const REFUSED = (pq: string, db: string): string[] => [
      `COPY aggregates TO '${pq}/aggregates/evil.parquet' (FORMAT parquet)`,
      `COPY (SELECT 1) TO '/tmp/gallra-evil-copy.csv'`,
      `ATTACH '${pq}/evil.duckdb' AS evil`,
      `ATTACH '${db}' AS again`,
      `EXPORT DATABASE '${pq}/exported'`,
      `IMPORT DATABASE '${pq}'`,
      `SELECT * FROM read_csv('/etc/passwd')`,
      `SELECT * FROM '/etc/passwd'`,
      `SELECT * FROM read_text('/etc/hostname')`,
      `SELECT read_text('/etc/hostname')`,
      `SELECT * FROM read_parquet('${pq}/aggregates/*/*.parquet')`,
      `SELECT * FROM '${pq}/aggregates/date=2031-03-13/part-0.parquet'`,
      `SELECT * FROM glob('${pq}/**')`,
      `SELECT * FROM query('SELECT 42')`,
      `SELECT * FROM query_table('aggregates')`,
      `SELECT * FROM enable_logging(storage = 'file', storage_path = '${pq}/log')`,
      `SELECT * FROM checkpoint()`,
      `WITH q AS (SELECT * FROM checkpoint()) SELECT * FROM q`,
      `SELECT * FROM duckdb_settings()`,
      `SELECT * FROM duckdb_logs`,
      `SELECT * FROM information_schema.tables`,
      `SELECT current_setting('allowed_directories')`,
      `SELECT list_transform([1], x -> setseed(0.1))`,
      `SET enable_external_access = true`,
      `SET allowed_directories = ['/']`,
      `RESET lock_configuration`,
      `PRAGMA version`,
      `PRAGMA import_database('/tmp')`,
      `INSTALL httpfs`,
      `LOAD httpfs`,
      `CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')`,
      `CREATE TABLE x AS SELECT 1`,
      `CREATE TEMP VIEW v AS SELECT 1`,
      `CREATE MACRO m(x) AS x`,
      `DROP TABLE aggregates`,
      `DELETE FROM aggregates`,
      `INSERT INTO aggregates SELECT * FROM aggregates`,
      `UPDATE aggregates SET requests = 0`,
      `DETACH memory`,
      `USE memory`,
      `CHECKPOINT`,
      `BEGIN TRANSACTION`,
      `CALL pragma_version()`,
      `EXPLAIN SELECT 1`,
      `PIVOT aggregates ON "grouping" USING sum(requests)`,
      `SELECT 1; DROP TABLE aggregates`,
      `SELECT 1; SELECT 2`,
      ``,
      `;`,
      `  -- only a comment`,
    ];
    const ALLOWED = [
      `SELECT CAST(sum(requests) AS BIGINT) AS n FROM aggregates`,
      `WITH d AS (SELECT date_trunc('day', window_start) AS d, requests FROM aggregates) SELECT d, CAST(sum(requests) AS BIGINT) FROM d GROUP BY d`,
      `DESCRIBE aggregates`,
      `SHOW TABLES`,
      `FROM aggregates_day LIMIT 1`,
      `SELECT * FROM range(3)`,
    ];

    const engines: [string, () => Promise<QueryEngine & { done?: () => Promise<void> }>][] = [
      ['the Parquet engine (gallra query)', () => duckdbStore.reader(config, ctx, { source: 'parquet' })],
      ['the serve cache', () => duckdbStore.reader(config, ctx, { cache: true })],
      ['the database file read-only', () => duckdbStore.reader(config, ctx, { source: 'database' })],
      [
        "the writer's own engine (gallra run's API)",
        async () => {
          const store = await duckdbStore.open(config, ctx);
          const e = await store.engine();
          return Object.assign(e, { done: () => store.close() });
        },
      ],
    ];

    it.each(engines)('%s', async (_name, open) => {
      const pq = join(root, 'store', 'agg-parquet');
      const db = join(root, 'store', 'agg.duckdb');
      const engine = await open();
      try {
        const before = files(root);
        for (const sql of REFUSED(pq, db)) {
          const err = await engine.userQuery(sql).then(
            () => undefined,
            (e: unknown) => e as { code?: string; message: string },
          );
          expect(err, `ran: ${sql}`).toBeDefined();
          expect(['GALLRA_QUERY_REFUSED', 'GALLRA_QUERY_FAILED'], `${sql}: ${err?.message}`).toContain(err!.code);
          expect(files(root).filter((f) => !f.endsWith('.wal') && !before.includes(f)), `files after: ${sql}`).toEqual([]);
        }
        expect(existsSync('/tmp/gallra-evil-copy.csv')).toBe(false);
        for (const sql of ALLOWED) await expect(engine.userQuery(sql), sql).resolves.toBeDefined();
        // Still usable after all that, with the same rows.
        expect((await engine.userQuery('SELECT count(*) AS n FROM aggregates')).rows[0]![0]).toBeGreaterThan(0);
      } finally {
        await engine.close();
        await engine.done?.();
      }
    });

    it('bounds a query in time and in rows', async () => {
      const engine = await duckdbStore.reader(config, ctx, { source: 'parquet' });
      try {
        await expect(engine.userQuery('SELECT count(*) FROM range(100000000000) a', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'GALLRA_QUERY_FAILED' });
        const r = await engine.userQuery('SELECT * FROM range(50)', { maxRows: 10 });
        expect(r.rows.length).toBe(10);
        expect(r.truncated).toBe(true);
      } finally {
        await engine.close();
      }
    });
  });
});

/**
 * A store made before a dimension column existed (`direction`): the writer
 * rebuilds its tables in the current column order when it opens the file,
 * and readers see older Parquet partitions, which lack the column, as NULL
 * there — in every reading mode. (In this file, not its own: serve's cache
 * test above checks that no cache file of a reader is left in the temp dir.)
 */
const OLD = COLUMNS.filter(([name]) => name !== 'direction');

describe('a store older than a dimension column', () => {
  let root: string;
  let ctx: StoreContext;
  const config = { type: 'duckdb' as const, path: 'store/agg.duckdb', memory_limit: '256MB', threads: 1 };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gallra-store-old-'));
    ctx = { name: 'aggregates', baseDir: root, stateDir: join(root, 'state'), retention: parseDuration('P25M')!, now: () => T, warn: () => undefined };
    // What an older gallra left: its tables and one published day, without the column.
    const part = join(root, 'store', 'agg-parquet', 'aggregates', 'date=2031-03-12');
    mkdirSync(part, { recursive: true });
    const inst = await DuckDBInstance.create(join(root, 'store', 'agg.duckdb'));
    const conn = await inst.connect();
    const cols = OLD.map(([n, t, nullable]) => `${q(n)} ${t}${nullable ? '' : ' NOT NULL'}`).join(', ');
    const old = `TIMESTAMP '2031-03-12 10:00:00', TIMESTAMP '2031-03-12 11:00:00', 'total', ${OLD.slice(3).map(([n]) => (n.startsWith('latency') || !['requests', 'bytes', 'errors_4xx', 'errors_5xx', 'visitors', 'users'].includes(n) ? 'NULL' : '7')).join(', ')}`;
    for (const t of ['aggregates', 'aggregates_day', 'aggregates_month']) await conn.run(`CREATE TABLE ${q(t)} (${cols})`);
    await conn.run(`INSERT INTO aggregates VALUES (${old})`);
    await conn.run(`COPY (SELECT * FROM aggregates) TO '${join(part, 'part-0.parquet')}' (FORMAT parquet)`);
    conn.closeSync();
    inst.closeSync();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gains the column when a writer opens it, and every reader sees the old rows with NULL there', async () => {
    const store = await duckdbStore.open(config, ctx);
    try {
      const row = { grouping: 'direction', dims: { direction: 'in' }, requests: 5, bytes: 50, errors_4xx: 0, errors_5xx: 0, visitors: 5, users: 0, latency: null };
      await store.write({ period: 'window', start: T - DAY + HOUR, end: T - DAY + 2 * HOUR, rows: [{ ...row, grouping: 'total', dims: {} }, row] });
      await store.flush();
    } finally {
      await store.close();
    }
    const sql = `SELECT "grouping", direction, CAST(sum(requests) AS BIGINT) AS n FROM aggregates GROUP BY ALL ORDER BY n DESC, "grouping"`;
    // The old day's total (7) and the new one's (5) both read NULL in direction.
    const expected = [
      ['total', null, 12],
      ['direction', 'in', 5],
    ];
    for (const options of [{ source: 'database' as const }, { source: 'parquet' as const }, { cache: true }]) {
      const reader = await duckdbStore.reader(config, ctx, options);
      try {
        expect((await reader.query(sql)).rows, JSON.stringify(options)).toEqual(expected);
      } finally {
        await reader.close();
      }
    }
  });
});
