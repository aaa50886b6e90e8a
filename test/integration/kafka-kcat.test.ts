/**
 * A Kafka client gallra did not write — kcat (Debian's, on its own
 * librdkafka) — writes raw lines to the raw topic from another process and
 * reads gallra's output back: what travels between them is plain Kafka.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, leaks, ROOT, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, metricsUntil, pipelineConfig, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { freePort, httpGet, idCounts, killAll, metric, missingIds, numberedLine, startedGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev();
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

function kcat(args: readonly string[], input = '', bootstrap = dev.bootstrap): string {
  const r = spawnSync('kcat', ['-b', bootstrap, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe('gallra run with kcat on both sides', () => {
  it('anonymises what kcat writes, and kcat reads it back with its keys', async () => {
    const dir = tmp.make('kafka-kcat');
    const raw = await dev.topic(2, 'raw');
    const anon = await dev.topic(2, 'anon');
    const group = `g-${raw}`;
    const port = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, pipelineConfig({ raw, anon, group, httpPort: port }));
    const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    await metricsUntil(port, (t) => metric(t, 'gallra_kafka_assigned_partitions', { source: 'raw' }) === 2);

    const N = 200;
    const stamp = Date.now() - 3 * 60_000;
    // key|value per line; keys name the web server (kept: nothing personal in them).
    kcat(['-P', '-t', raw, '-K', '|'], Array.from({ length: N }, (_, n) => `web${n % 3}|${numberedLine(n, stamp)}`).join('\n') + '\n');
    await groupCaughtUp(dev.bootstrap, group, raw, 2);
    expect((await g.stop('SIGTERM')).code).toBe(0);

    const out = kcat(['-C', '-t', anon, '-e', '-q', '-f', '%k\t%s\n']).split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(N);
    expect(missingIds(idCounts(out.join('\n')), N)).toEqual([]);
    for (const line of out) expect(line).toMatch(/^web[012]\t81\.6\.12\.0 - - \[/);
    expect(leaks(out.join('\n'), ['81.6.12.34'])).toEqual([]);
  });

  it('runs the shipped config/kafka-pipeline.yaml against gallra kafka-dev as the README shows', async () => {
    // The README's command, with the topics the config names (its own cluster: the names are fixed).
    const own = await startKafkaDev({ topics: ['logs.raw.nginx:8', 'logs.anon.nginx:8', 'logs.dead:1', 'gallra.keyring:1'] });
    const dir = tmp.make('kafka-readme');
    const port = await freePort();
    const g = await startedGallra(join(ROOT, 'config', 'kafka-pipeline.yaml'), { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: own.bootstrap, GALLRA_HTTP_PORT: String(port) } });
    await metricsUntil(port, (t) => metric(t, 'gallra_kafka_assigned_partitions', { source: 'nginx' }) === 8);
    const stamp = Date.now() - 3 * 60_000;
    kcat(['-P', '-t', 'logs.raw.nginx'], `${numberedLine(1, stamp)}\ngarbage from 198.51.100.24\n`, own.bootstrap);
    await groupCaughtUp(own.bootstrap, 'gallra', 'logs.raw.nginx', 8);
    expect((await httpGet(port, '/readyz')).status).toBe(200);
    expect((await g.stop('SIGTERM')).code).toBe(0);
    expect(kcat(['-C', '-t', 'logs.anon.nginx', '-e', '-q'], '', own.bootstrap)).toMatch(/^81\.6\.12\.0 - - \[.*"GET \/n\/000001 HTTP\/1\.1" 200 5 /);
    expect(kcat(['-C', '-t', 'logs.dead', '-e', '-q', '-f', '%h %s\n'], '', own.bootstrap)).toMatch(/^gallra-reason=unparsed,gallra-source=logs\.raw\.nginx\/\d+@\d+ garbage from 198\.51\.100\.0$/m);
    expect(kcat(['-C', '-t', 'gallra.keyring', '-e', '-q', '-f', '%k\n'], '', own.bootstrap)).toMatch(/^P1D\/\d{8}T000000Z\/[0-9a-f-]{36}$/m);
    await own.stop();
  });
});
