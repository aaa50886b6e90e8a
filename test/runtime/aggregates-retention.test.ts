/**
 * The aggregate store under the retention sweeper: `aggregates.retention` is
 * its own window. `gallra run` sweeps it at start and every minute through
 * its live writer, `gallra retention` without one (the database file opened
 * when no process holds it), and every sweep that removed something is in
 * the audit trail, named by table and day — never by content. `gallra
 * status` reports what it holds against its window.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditLogPath } from '../../src/audit/config.js';
import { readAuditLog } from '../../src/audit/log.js';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { openAggregateReader, storeContext } from '../../src/runtime/aggregates.js';
import { Runner } from '../../src/runtime/runner.js';
import type { AggregateRow, ClosedWindow } from '../../src/stores/aggregates-table.js';
import { duckdbStore } from '../../src/stores/duckdb/index.js';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';
import { DAY, HOUR } from '../helpers/env.js';
import { Cleanups } from '../helpers/wait.js';

const tmp = new TempDirs();
const cleanups = new Cleanups();
afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    tmp.cleanup();
  }
});

const STORE = { type: 'duckdb' as const, path: 'agg.duckdb', memory_limit: '256MB', threads: 1 };

function row(grouping: string, dims: AggregateRow['dims'], requests: number): AggregateRow {
  return { grouping, dims, requests, bytes: requests * 100, errors_4xx: 0, errors_5xx: 0, visitors: 5, users: 0, latency: null };
}

function hourAt(start: number): ClosedWindow {
  return { period: 'window', start, end: start + HOUR, rows: [row('total', {}, 10), row('method', { method: 'GET' }, 10)] };
}

/** A policy with aggregates kept one month, and a store holding rows from 40 days ago and from 2 hours ago. */
async function storeWithOldRows(dir: string, extra = ''): Promise<{ file: string; env: NodeJS.ProcessEnv; old: number; recent: number }> {
  const file = path.join(dir, 'gallra.yaml');
  fs.writeFileSync(file, `input: { format: combined }\n${extra}aggregates:\n  k: 2\n  retention: P1M\n  store: { type: duckdb, path: agg.duckdb, threads: 1 }\n`);
  const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
  const loaded = loadPolicy(file, env);
  const day = Math.floor(Date.now() / DAY) * DAY;
  const old = day - 40 * DAY;
  const recent = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const store = await duckdbStore.open(STORE, storeContext(loaded, env));
  try {
    for (let h = 0; h < 3; h++) await store.write(hourAt(old + h * HOUR));
    await store.write(hourAt(recent));
    await store.flush();
  } finally {
    await store.close();
  }
  return { file, env, old, recent };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe('aggregates.retention', { timeout: 90_000 }, () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('gallra run deletes the rows and partitions older than aggregates.retention at start, and records it in the audit trail without content', async () => {
    const dir = tmp.make('aggret');
    const { file, env, old, recent } = await storeWithOldRows(dir, 'sources:\n  - { type: file, name: tail, path: access.log, start_at: beginning, poll_ms: 20 }\nsinks:\n  - { type: file, name: out, dir: out }\n');
    fs.writeFileSync(path.join(dir, 'access.log'), '');
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates', `date=${isoDay(old)}`))).toBe(true);
    const loaded = loadPolicy(file, env);
    const runner = new Runner(loaded, { logger: createLogger('silent'), env });
    await runner.start();
    const done = runner.run();
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    // The sweep at start went through the live writer: the old day's partition is gone.
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates', `date=${isoDay(old)}`))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates', `date=${isoDay(recent)}`))).toBe(true);
    runner.shutdown();
    expect(await done).toBe(0);

    const { records, verification } = await readAuditLog(auditLogPath(loaded.config.audit, loaded.baseDir, env));
    expect(verification.ok).toBe(true);
    const sweep = records.find((r) => r.action === 'sweep' && r.store === 'aggregates');
    expect(sweep).toMatchObject({ by: 'gallra run', kind: 'duckdb', clause: 'aggregates.retention: P1M' });
    expect(JSON.stringify(sweep)).toContain(`aggregates/date=${isoDay(old)}`);
    expect(JSON.stringify(sweep)).toMatch(/"rows":6\b/);

    const { engine } = await openAggregateReader(loaded, { env, source: 'database' });
    try {
      const r = await engine.query(`SELECT count(*), min(window_start) FROM aggregates`);
      expect(r.rows).toEqual([[2, recent]]);
    } finally {
      await engine.close();
    }
  });

  it('gallra retention sweeps the store without a writer (dry run first), records it, and gallra status reports it within its window afterwards', async () => {
    const dir = tmp.make('aggretcli');
    const { file, env, old } = await storeWithOldRows(dir);
    const o = { stateDir: env.GALLRA_STATE_DIR! };

    const before = runCli(['status', '--config', file], o);
    expect(before.stdout).toMatch(/aggregates/);
    expect(before.status).toBe(1);

    const dry = runCli(['retention', '--config', file, '--dry-run'], o);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`aggregates: would delete 6 rows of aggregates/date=${isoDay(old)}`);
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates', `date=${isoDay(old)}`))).toBe(true);

    const wet = runCli(['retention', '--config', file], o);
    expect(wet.status).toBe(0);
    expect(wet.stdout).toContain(`aggregates: deleted 6 rows of aggregates/date=${isoDay(old)}`);
    expect(wet.stdout).toContain(`aggregates: deleted aggregates/date=${isoDay(old)}`);
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates', `date=${isoDay(old)}`))).toBe(false);

    const loaded = loadPolicy(file, env);
    const { records } = await readAuditLog(auditLogPath(loaded.config.audit, loaded.baseDir, env));
    expect(records.find((r) => r.action === 'sweep' && r.store === 'aggregates')).toMatchObject({ by: 'gallra retention', kind: 'duckdb', clause: 'aggregates.retention: P1M' });

    const after = runCli(['status', '--config', file], o);
    expect(after.status).toBe(0);
    expect(after.stdout).toMatch(/aggregates/);
  });
});
