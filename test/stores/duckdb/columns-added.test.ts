/**
 * A store made before a dimension column existed (`direction`): the writer
 * adds the column when it opens the database file, and readers see the
 * older Parquet partitions, which lack it, as NULL there — in every reading
 * mode (the database file, Parquet views, serve's cache).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, q } from '../../../src/stores/aggregates-table.js';
import { duckdbStore } from '../../../src/stores/duckdb/index.js';
import type { StoreContext } from '../../../src/stores/store.js';
import { parseDuration } from '../../../src/time/duration.js';
import { DAY, HOUR } from '../../helpers/env.js';

const T = Date.UTC(2031, 2, 14);
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
