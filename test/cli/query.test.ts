/**
 * `gallra anonymise` fills the aggregate store when the policy has
 * `aggregates:` (and loads no database engine when it has not); `gallra
 * query` reads it as a table, a JSON array of row objects or CSV, and
 * refuses anything but one read-only SELECT (exit status 1, GALLRA_QUERY_REFUSED).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, HOUR, lines, ROOT, runCli, TempDirs, yesterday } from '../helpers/cli.js';
import { traffic } from '../helpers/traffic.js';

const tmp = new TempDirs();

describe('gallra anonymise with aggregates:, and gallra query', () => {
  let dir: string;
  let policy: string;
  let state: string;
  let log: string;
  let written: number;

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('query');
    state = join(dir, 'state');
    policy = join(dir, 'site.yaml');
    writeFileSync(policy, `input: { format: vhost_combined }\naggregates:\n  k: 3\n  store: { type: duckdb, path: agg.duckdb, threads: 1 }\n`);
    log = join(dir, 'access.log');
    writeFileSync(log, traffic({ seed: 5, events: 3000, start: yesterday() + 6 * HOUR, spanMs: 10 * HOUR, visitors: 300 }).map((h) => h.line).join('\n') + '\n');
    const r = runCli(['anonymise', '--stats', '--config', policy, log], { stateDir: state });
    expect(r.status, r.stderr).toBe(0);
    written = lines(r.stdout).length;
    expect(r.stderr).toMatch(/aggregates: 3000 events in 10 windows \(1 days, 1 months\), 0 late/);
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('fills the store and publishes its partitions as gallra anonymise ends', () => {
    expect(written).toBe(3000);
    expect(existsSync(join(dir, 'agg.duckdb'))).toBe(true);
    for (const t of ['aggregates', 'aggregates_day', 'aggregates_month']) expect(readdirSync(join(dir, 'agg-parquet', t)).length, t).toBe(1);
  });

  it('prints a JSON array of row objects whose requests add up to the lines written', () => {
    const r = runCli(['query', '--config', policy, '--format', 'json', `SELECT "grouping", CAST(sum(requests) AS BIGINT) AS requests, min(window_start) AS first FROM aggregates GROUP BY "grouping" ORDER BY "grouping"`], { stateDir: state });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { grouping: string; requests: number; first: string }[];
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.requests, row.grouping).toBe(written);
    expect(rows[0]!.first).toMatch(/^\d{4}-\d{2}-\d{2}T06:00:00\.000Z$/);
  });

  it('prints CSV with a header, and an aligned table by default', () => {
    const csv = runCli(['query', '--config', policy, '--format', 'csv', `SELECT status, CAST(sum(requests) AS BIGINT) AS n FROM aggregates WHERE "grouping" = 'status_class,status' GROUP BY status ORDER BY status`], { stateDir: state });
    expect(csv.status, csv.stderr).toBe(0);
    expect(lines(csv.stdout)[0]).toBe('status,n\r');
    const table = runCli(['query', '--config', policy, 'SELECT count(*) AS windows FROM aggregates WHERE "grouping" = \'total\''], { stateDir: state });
    expect(table.stdout).toBe('windows\n───────\n     10\n');
  });

  it.each([
    [`COPY aggregates TO '${'/tmp/gallra-query-evil.csv'}'`],
    [`SELECT * FROM read_csv('/etc/passwd')`],
    [`ATTACH '/tmp/gallra-query-evil.duckdb' AS x`],
    [`SELECT 1; DELETE FROM aggregates`],
  ])('refuses %s with exit status 1 (GALLRA_QUERY_REFUSED) and writes nothing', (sql) => {
    const r = runCli(['query', '--config', policy, sql], { stateDir: state });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/query refused/);
    expect(existsSync('/tmp/gallra-query-evil.csv') || existsSync('/tmp/gallra-query-evil.duckdb')).toBe(false);
  });

  it('refuses --threads above 1 with aggregates (a worker would see part of each window)', () => {
    const r = runCli(['anonymise', '--threads', '2', '--config', policy, log], { stateDir: state });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--threads above 1 cannot fill the aggregate store/);
  });

  it('gallra serve will not listen beyond loopback without a token (and binds nothing trying)', () => {
    const r = runCli(['serve', '--config', policy, '--host', '0.0.0.0', '--port', '0'], { stateDir: state });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/beyond loopback, without a token; set GALLRA_API_TOKEN/);
  });

  it('loads no database engine when the policy has no aggregates:, and loads it when it has', () => {
    const watch = join(dir, 'dlopen.mjs');
    const seen = join(dir, 'dlopen.txt');
    // Every native addon goes through process.dlopen: record each one.
    writeFileSync(watch, `import fs from 'node:fs';\nconst o = process.dlopen;\nprocess.dlopen = function (m, f, ...r) { fs.appendFileSync(${JSON.stringify(seen)}, f + '\\n'); return o.call(this, m, f, ...r); };\n`);
    const run = (args: string[]): string => {
      writeFileSync(seen, '');
      const r = runCli(args, { stateDir: state, env: { NODE_OPTIONS: `--import=${watch}` } });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(seen, 'utf8');
    };
    expect(run(['anonymise', '--format', 'vhost_combined', log])).not.toMatch(/duckdb/);
    expect(run(['anonymise', '--config', policy, join(ROOT, 'fixtures', 'vhost', 'access.log')])).toMatch(/duckdb/);
  });
});
