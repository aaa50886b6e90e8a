/**
 * The heavy libraries of the analysts' side are loaded only by the commands
 * that use them: the installed CLI (dist/bundle, what `gallra` runs) is
 * watched through a module resolve hook that records every module it
 * loads. Anonymising without `aggregates:` — and `gallra run` serving only
 * health and metrics — loads neither DuckDB nor fastify; with
 * `aggregates:` it loads DuckDB and still not fastify; `gallra serve` loads
 * fastify.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, FIXTURES, runCli, TempDirs } from '../helpers/cli.js';
import { killAll, spawnGallra } from '../helpers/run.js';

const tmp = new TempDirs();
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

/** What a loaded module is: DuckDB's bindings, fastify (bundled into its own chunk), or neither. */
function heavy(urls: readonly string[]): { duckdb: boolean; fastify: boolean } {
  let duckdb = false;
  let fastify = false;
  for (const u of urls) {
    if (/node_modules\/@duckdb\//.test(u)) duckdb = true;
    if (/node_modules\/(fastify|avvio|light-my-request|find-my-way)\//.test(u)) fastify = true;
    if (u.startsWith('file:') && u.includes('/dist/bundle/')) {
      const text = readFileSync(fileURLToPath(u), 'utf8');
      if (text.includes('FST_ERR_')) fastify = true;
      if (text.includes('@duckdb/node-api')) duckdb = true;
    }
  }
  return { duckdb, fastify };
}

describe('lazy loading of DuckDB and fastify', () => {
  let dir: string;
  let seen: string;
  let env: Record<string, string>;
  const loaded = (): string[] => readFileSync(seen, 'utf8').split('\n').filter((l) => l !== '');

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('lazy');
    seen = join(dir, 'loaded.txt');
    // A resolve hook (it runs off the main thread) appends every module URL the CLI resolves.
    writeFileSync(join(dir, 'hooks.mjs'), `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(${JSON.stringify(seen)}, r.url + '\\n'); return r; }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${join(dir, 'hooks.mjs')}`).href)});\n`);
    env = { NODE_OPTIONS: `--import=${join(dir, 'register.mjs')}` };
    writeFileSync(join(dir, 'agg.yaml'), `input: { format: vhost_combined }\naggregates:\n  store: { type: duckdb, path: agg.duckdb, threads: 1 }\n`);
    writeFileSync(join(dir, 'run.yaml'), `input: { format: vhost_combined }\nsources:\n  - { type: stdin }\nsinks:\n  - { type: stdout }\nhttp: { port: 0 }\n`);
  }, 180_000);

  const run = (args: string[], input = ''): string[] => {
    writeFileSync(seen, '');
    const r = runCli(args, { stateDir: join(dir, 'state'), env, input });
    expect(r.status, r.stderr).toBe(0);
    const urls = loaded();
    // The hook saw the CLI itself: the check below is not vacuous.
    expect(urls.some((u) => u.includes('/dist/bundle/main.js'))).toBe(true);
    return urls;
  };

  it('gallra anonymise without aggregates: loads neither', () => {
    expect(heavy(run(['anonymise', '--format', 'vhost_combined', join(FIXTURES, 'vhost', 'access.log')]))).toEqual({ duckdb: false, fastify: false });
  });

  it('gallra run with health and metrics only loads neither', () => {
    const log = readFileSync(join(FIXTURES, 'vhost', 'access.log'), 'utf8');
    expect(heavy(run(['run', '--config', join(dir, 'run.yaml')], log))).toEqual({ duckdb: false, fastify: false });
  });

  it('gallra anonymise with aggregates: loads DuckDB, not fastify', () => {
    expect(heavy(run(['anonymise', '--config', join(dir, 'agg.yaml'), join(FIXTURES, 'vhost', 'access.log')]))).toEqual({ duckdb: true, fastify: false });
  });

  it('gallra serve loads both', async () => {
    writeFileSync(seen, '');
    const g = spawnGallra(['serve', '--config', join(dir, 'agg.yaml'), '--port', '0'], { stateDir: join(dir, 'state'), env: { ...env, GALLRA_API_TOKEN: '' } });
    await g.waitForOutput(/dashboard at http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const exit = await g.stop('SIGTERM');
    expect(exit, g.stderr()).toEqual({ code: 0, signal: null });
    expect(heavy(loaded())).toEqual({ duckdb: true, fastify: true });
  });
});
