/**
 * `gallra serve` as an analyst runs it: a real server on 127.0.0.1 (port 0,
 * the URL read from its first line), the dashboard, its assets and the JSON
 * API over what `gallra anonymise` stored, query parameters validated, a
 * bearer token when one is set, stopped by SIGTERM to its pid.
 *
 * And one writer with readers beside it: while `gallra run` writes the
 * store, `gallra query` and `gallra serve` read what it has published; a
 * reader that asks for the database file itself, or a second writer, fails
 * at once with a clear error naming no process id; once the writer has
 * stopped, the readers see everything it counted.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, HOUR, MINUTE, runCli, runCliAsync, TempDirs, yesterday } from '../helpers/cli.js';
import { killAll, spawnGallra } from '../helpers/run.js';
import { traffic } from '../helpers/traffic.js';

const tmp = new TempDirs();
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Starts `gallra serve` on 127.0.0.1, port 0; resolves with its URL. */
async function serve(policy: string, stateDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const g = spawnGallra(['serve', '--config', policy, '--port', '0', '--refresh', '1', ...args], { stateDir, env: { GALLRA_LOG_LEVEL: 'warn', ...env } });
  const m = await g.waitForOutput(/dashboard at (http:\/\/127\.0\.0\.1:(\d+))\//, 60_000);
  return {
    url: m[1]!,
    async stop() {
      return (await g.stop('SIGTERM')).code;
    },
  };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('gallra serve', () => {
  let dir: string;
  let policy: string;
  let state: string;
  const from = yesterday() + 6 * HOUR;

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('serve');
    state = join(dir, 'state');
    policy = join(dir, 'site.yaml');
    writeFileSync(policy, `input: { format: vhost_combined }\naggregates:\n  k: 3\n  store: { type: duckdb, path: agg.duckdb, threads: 1 }\n`);
    writeFileSync(join(dir, 'access.log'), traffic({ seed: 8, events: 2000, start: from, spanMs: 6 * HOUR, visitors: 200 }).map((h) => h.line).join('\n') + '\n');
    const r = runCli(['anonymise', '--config', policy, join(dir, 'access.log')], { stateDir: state });
    expect(r.status, r.stderr).toBe(0);
  }, 180_000);

  it('serves the dashboard, its assets and the API on 127.0.0.1 over the store, refuses what is not in its vocabulary, and stops on SIGTERM', async () => {
    const s = await serve(policy, state, [], { GALLRA_API_TOKEN: '' });
    const port = Number(new URL(s.url).port);
    try {
      expect(await (await fetch(`${s.url}/healthz`)).text()).toBe('ok\n');
      const page = await fetch(`${s.url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<title>gallra/);
      // Every script and stylesheet the page names is served from here (no CDN).
      const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const a of assets) {
        expect(a.startsWith('/'), a).toBe(true);
        expect((await fetch(`${s.url}${a}`)).status, a).toBe(200);
      }
      const range = `from=${day(from)}&to=${day(from + 2 * 24 * HOUR)}`;
      const kpi = await fetch(`${s.url}/api/kpi?${range}`);
      expect(kpi.status).toBe(200);
      expect(((await kpi.json()) as { current: { requests: number } }).current.requests).toBe(2000);
      const top = (await (await fetch(`${s.url}/api/top?${range}&dim=path_template&limit=5`)).json()) as { rows: { requests: number; visitors: number }[] };
      expect(top.rows.length).toBeGreaterThan(0);
      const csv = await fetch(`${s.url}/api/top?${range}&dim=status&format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect((await csv.text()).split('\n')[0]).toMatch(/^status,/);
      // Unknown parameters, values outside the vocabulary, and paths to events are refused.
      for (const bad of [`/api/kpi?${range}&sql=SELECT%201`, `/api/top?${range}&dim=client_ip`, `/api/kpi?from=2026-02-30&to=2026-03-01`]) {
        const r = await fetch(`${s.url}${bad}`);
        expect(r.status, bad).toBe(400);
        expect(await r.text(), bad).not.toMatch(/client_ip|SELECT|2026-02-30/);
      }
      for (const none of ['/api/events', '/api/rows', '/api/raw']) expect((await fetch(`${s.url}${none}`)).status, none).toBe(404);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(await refused(port)).toBe(true);
  });

  it('asks for the bearer token on every API request when one is set (the page stays public)', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'a-long-random-token-for-the-test\n');
    const s = await serve(policy, state, ['--token-file', tokenFile]);
    try {
      const range = `from=${day(from)}&to=${day(from + 24 * HOUR)}`;
      const without = await fetch(`${s.url}/api/kpi?${range}`);
      expect(without.status).toBe(401);
      expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`${s.url}/api/kpi?${range}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${s.url}/api/kpi?${range}`, { headers: { authorization: 'Bearer a-long-random-token-for-the-test' } })).status).toBe(200);
      expect((await fetch(`${s.url}/`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});

describe('one writer, readers beside it', () => {
  it('gallra query and gallra serve read what gallra run has published while it writes; the database file and a second writer are refused with a clear error', async () => {
    ensureBuilt();
    const dir = tmp.make('writer');
    const state = join(dir, 'state');
    const policy = join(dir, 'site.yaml');
    writeFileSync(
      policy,
      `input: { format: vhost_combined }
sources:
  - { type: file, name: tail, path: access.log, start_at: beginning, poll_ms: 20 }
sinks:
  - { type: file, name: out, dir: out }
run: { commit_ms: 100 }
aggregates:
  window: PT1M
  allowed_lateness: PT0S
  k: 2
  store: { type: duckdb, path: agg.duckdb, threads: 1 }
`,
    );
    // Twenty minutes of traffic ending two minutes ago: every window but the last closes as gallra run reads it.
    const hits = traffic({ seed: 3, events: 1200, start: Date.now() - 22 * MINUTE, spanMs: 20 * MINUTE, visitors: 100 });
    writeFileSync(join(dir, 'access.log'), hits.map((h) => h.line).join('\n') + '\n');
    const o = { stateDir: state };
    const total = `SELECT CAST(coalesce(sum(requests), 0) AS BIGINT) AS n FROM aggregates WHERE "grouping" = 'total'`;
    const published = (): number => {
      const r = runCli(['query', '--config', policy, '--format', 'json', total], o);
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { n: number }[])[0]!.n;
    };

    const writer = spawnGallra(['run', '--config', policy], { ...o, env: { GALLRA_LOG_LEVEL: 'info' } });
    await writer.waitForLog(/"msg":"gallra run started"/, 60_000);
    // The closed windows appear in the partitions while the writer runs.
    let seen = 0;
    for (let i = 0; i < 60 && seen < 1000; i++) {
      seen = published();
      if (seen < 1000) await new Promise((r) => setTimeout(r, 500));
    }
    expect(seen).toBeGreaterThanOrEqual(1000);
    expect(seen).toBeLessThanOrEqual(hits.length);

    // gallra serve beside the writer answers from the partitions.
    const s = await serve(policy, state, [], { GALLRA_API_TOKEN: '' });
    try {
      const kpi = (await (await fetch(`${s.url}/api/kpi?from=${day(Date.now() - 24 * HOUR)}&to=${day(Date.now() + 24 * HOUR)}`)).json()) as { current: { requests: number } };
      expect(kpi.current.requests).toBeGreaterThanOrEqual(seen);
    } finally {
      expect(await s.stop()).toBe(0);
    }

    // The database file itself is the writer's: refused at once, saying why and what to do, naming no process id.
    const db = runCli(['query', '--config', policy, '--source', 'database', total], o);
    expect(db.status).toBe(1);
    expect(db.stderr).toMatch(/held by its writer \(gallra run[^)]*\); read the published Parquet partitions instead/);
    expect(db.stderr).not.toMatch(/PID|\(pid|\/usr\/bin\/node/i);

    // A second writer of the same store fails (after its bounded wait for the lock) instead of corrupting it.
    const second = await runCliAsync(['anonymise', '--config', policy, join(dir, 'access.log')], o);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/GALLRA_STORE_LOCKED|is held by another process/);
    expect(second.stderr).not.toMatch(/Conflicting lock|PID \d+/);

    // Stopped, the writer publishes its last window: the readers see every event.
    expect((await writer.stop('SIGTERM', 30_000)).code).toBe(0);
    expect(published()).toBe(hits.length);
    const after = runCli(['query', '--config', policy, '--source', 'database', '--format', 'json', total], o);
    expect(after.status, after.stderr).toBe(0);
    expect((JSON.parse(after.stdout) as { n: number }[])[0]!.n).toBe(hits.length);
  }, 150_000);
});
