/**
 * `gallra run` with `aggregates:` and `http:`: the single writer of the
 * store, counting what every source reads; the dashboard, the API, health
 * and metrics from one listener; the open windows closed and published on
 * shutdown; the store under the sweeper's retention.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { openAggregateReader } from '../../src/runtime/aggregates.js';
import { Runner } from '../../src/runtime/runner.js';
import { planReload } from '../../src/runtime/reload.js';
import { components } from '../../src/components.js';
import { TempDirs } from '../helpers/cli.js';
import { httpGet, metric, numberedLines, until } from '../helpers/run.js';
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

describe('gallra run with aggregates', { timeout: 60_000 }, () => {
  it('counts every line into the store, serves API, dashboard, health and metrics, and publishes the open windows on shutdown', async () => {
    const dir = tmp.make('runagg');
    const file = path.join(dir, 'gallra.yaml');
    fs.writeFileSync(
      file,
      `input: { format: combined }
sources:
  - { type: file, name: tail, path: access.log, start_at: beginning, poll_ms: 20 }
sinks:
  - { type: file, name: out, dir: out }
http: { port: 0 }
run: { commit_ms: 50 }
aggregates:
  k: 2
  store: { type: duckdb, path: agg.duckdb, threads: 1 }
`,
    );
    const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
    const loaded = loadPolicy(file, env);
    const runner = new Runner(loaded, { logger: createLogger('silent'), env });
    const stamp = Date.now() - 3 * 60_000;
    fs.writeFileSync(path.join(dir, 'access.log'), numberedLines(0, 40, stamp));
    await runner.start();
    const done = runner.run();
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    const port = runner.httpPort!;
    expect((await httpGet(port, '/healthz')).body).toBe('ok\n');
    await until(() => fs.existsSync(path.join(dir, 'out')) && fs.readdirSync(path.join(dir, 'out')).length > 0, 'the day file');
    let text = '';
    for (let i = 0; i < 200; i++) {
      text = (await httpGet(port, '/metrics')).body;
      if (metric(text, 'gallra_aggregate_events_total') === 40) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(metric(text, 'gallra_aggregate_events_total')).toBe(40);
    expect(metric(text, 'gallra_aggregate_open_windows')).toBeGreaterThan(0);
    expect((await httpGet(port, '/readyz')).status).toBe(200);
    const meta = await httpGet(port, '/api/meta');
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.body).k).toBe(2);
    expect((await httpGet(port, '/')).body).toMatch(/<title>gallra/);
    // Nothing is published while the window is open …
    expect(fs.existsSync(path.join(dir, 'agg-parquet', 'aggregates'))).toBe(false);
    // … and the store is under the sweeper (aggregates.retention), beside the file sink.
    const swept = await (runner as unknown as { sweeper: { sweep(d: boolean): Promise<{ store: string }[]> } }).sweeper.sweep(true);
    expect(swept.map((s) => s.store).sort()).toEqual(['aggregates', 'checkpoints', 'out']);
    expect(swept.find((s) => s.store === 'aggregates')).toMatchObject({ kind: 'duckdb', clause: 'aggregates.retention: P25M' });

    runner.shutdown();
    expect(await done).toBe(0);
    // Shutdown closed the open windows and published them.
    const { engine } = await openAggregateReader(loaded, { env });
    try {
      const r = await engine.query(`SELECT CAST(sum(requests) AS BIGINT) FROM aggregates WHERE "grouping" = 'total'`);
      expect(r.rows[0]![0]).toBe(40);
    } finally {
      await engine.close();
    }
  });

  it('keeps counting into the store across a config reload that replaces a sink, and names a changed aggregates: section as waiting for a restart', async () => {
    const dir = tmp.make('runaggreload');
    const file = path.join(dir, 'gallra.yaml');
    const policy = (out: string, k = 2): string => `input: { format: combined }
sources:
  - { type: file, name: tail, path: access.log, start_at: beginning, poll_ms: 20 }
sinks:
  - { type: file, name: out, dir: ${out} }
run: { commit_ms: 50 }
aggregates:
  k: ${k}
  store: { type: duckdb, path: agg.duckdb, threads: 1 }
`;
    fs.writeFileSync(file, policy('out'));
    const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
    const loaded = loadPolicy(file, env);
    const runner = new Runner(loaded, { logger: createLogger('silent'), env });
    const stamp = Date.now() - 3 * 60_000;
    fs.writeFileSync(path.join(dir, 'access.log'), numberedLines(0, 30, stamp));
    await runner.start();
    const done = runner.run();
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    const counted = (): number => (runner as unknown as { aggregates: { stage: { stats: { events: number } } } }).aggregates.stage.stats.events;
    await until(() => counted() === 30, () => `30 events counted (${counted()})`);
    fs.writeFileSync(file, policy('out2'));
    expect(await runner.reload()).toBe(true);
    fs.appendFileSync(path.join(dir, 'access.log'), numberedLines(30, 50, stamp));
    await until(() => counted() === 50, () => `50 events counted after the reload (${counted()})`);
    expect(planReload(loaded.config, loadPolicy(file, env).config, components).needRestart).toEqual([]);
    fs.writeFileSync(file, policy('out2', 3));
    expect(planReload(loaded.config, loadPolicy(file, env).config, components).needRestart).toContain('aggregates');
    runner.shutdown();
    expect(await done).toBe(0);
    const { engine } = await openAggregateReader(loaded, { env });
    try {
      const r = await engine.query(`SELECT CAST(sum(requests) AS BIGINT) FROM aggregates WHERE "grouping" = 'total'`);
      expect(r.rows[0]![0]).toBe(50);
    } finally {
      await engine.close();
    }
  });
});
