/**
 * `/readyz` of `gallra run` between Kafka topics follows the cluster: ready
 * once partitions are assigned, not ready while no broker can be reached
 * (with the reason), ready again when the broker is back — and nothing read
 * meanwhile is lost. While it starts (the keyring topic read to its end, the
 * partitions not yet assigned) it already answers: 503, with what it waits for.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { freePort, httpGet, idCounts, killAll, metric, missingIds, numberedLine, startedGallra, startGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  // One broker: taking it down leaves none.
  dev = await startKafkaDev({ brokers: 1 });
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

/** Polls /readyz every 250 ms until `want` (200 or 503); the last answer. */
async function readyz(port: number, want: number, ms = 60_000): Promise<{ status: number; body: string }> {
  const deadline = performance.now() + ms;
  for (;;) {
    const r = await httpGet(port, '/readyz').catch(() => ({ status: 0, body: '' }));
    if (r.status === want) return r;
    if (performance.now() > deadline) throw new Error(`/readyz did not answer ${want} in ${ms} ms; last: ${r.status} ${r.body}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('readiness of gallra run between Kafka topics', () => {
  it('is not ready while no broker is reachable, says why, and is ready again once one is', async () => {
    const dir = tmp.make('ready');
    const raw = await dev.topic(2, 'raw');
    const anon = await dev.topic(2, 'anon');
    const group = `g-${raw}`;
    const port = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, pipelineConfig({ raw, anon, group, httpPort: port }));
    const stamp = Date.now() - 3 * 60_000;
    await produceRecords(dev.bootstrap, raw, Array.from({ length: 500 }, (_, n) => ({ value: numberedLine(n, stamp) })));
    const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    await readyz(port, 200);
    await groupCaughtUp(dev.bootstrap, group, raw, 2);

    await dev.control('broker-down 1');
    const down = await readyz(port, 503);
    expect(down.body).toMatch(/no Kafka broker reachable/);
    const metrics = (await httpGet(port, '/metrics')).body;
    expect(metric(metrics, 'gallra_kafka_brokers_unreachable', { source: 'raw' })).toBe(1);

    await dev.control('broker-up 1');
    await readyz(port, 200);
    // Still working: what is written now arrives too.
    await produceRecords(dev.bootstrap, raw, Array.from({ length: 500 }, (_, n) => ({ value: numberedLine(500 + n, stamp) })));
    await groupCaughtUp(dev.bootstrap, group, raw, 2);
    expect((await g.stop('SIGTERM')).code).toBe(0);
    const counts = idCounts((await readTopic(dev.bootstrap, anon)).map((r) => r.value).join('\n'));
    expect(missingIds(counts, 1000)).toEqual([]);
  });
  it('answers 503 with the reason while the keyring topic is read at start, then 200', async () => {
    const dir = tmp.make('ready-keyring');
    const raw = await dev.topic(2, 'raw');
    const anon = await dev.topic(2, 'anon');
    const keyringTopic = await dev.topic(1, 'keyring');
    const port = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    const top = `salts:\n  kafka:\n    bootstrap_servers: \${KAFKA_BOOTSTRAP_SERVERS}\n    topic: ${keyringTopic}\n`;
    writeFileSync(cfg, pipelineConfig({ raw, anon, group: `g-${raw}`, httpPort: port, top }));
    // The keyring's first salt is written at start: NOT_ENOUGH_REPLICAS (19), retried with back-off, holds it there for seconds.
    await dev.control(`errors 0 ${Array(12).fill(19).join(',')}`);
    const g = startGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    try {
      // The first answer (polled from the moment gallra starts) is a 503 that says what is awaited — not a refused connection until ready.
      const deadline = performance.now() + 30_000;
      let first: { status: number; body: string } = { status: 0, body: '' };
      while (first.status === 0 && performance.now() < deadline) {
        first = await httpGet(port, '/readyz').catch(() => ({ status: 0, body: '' }));
        if (first.status === 0) await new Promise((res) => setTimeout(res, 50));
      }
      expect(first.status).toBe(503);
      expect(first.body).toMatch(/not ready: starting: .*keyring/);
      const metrics = await httpGet(port, '/metrics');
      expect(metrics.status).toBe(200);
      await readyz(port, 200);
      await g.waitForLog(/"msg":"gallra run started"/);
    } finally {
      await dev.control('clear-errors 0');
    }
    expect((await g.stop('SIGTERM')).code).toBe(0);
  });
});

