/**
 * Two `gallra run` instances of one consumer group, started at the same
 * moment on an empty keyring topic (salts.kafka): each reads the keyring to
 * its end before it reads a record, they agree on the salt, and a user gets
 * the same pseudonym from either instance.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, leaks, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, metricsUntil, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { clf, freePort, httpGet, killAll, metric, startGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev({ sessionTimeoutMs: 6000 });
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

describe('gallra instances sharing a Kafka keyring', () => {
  it('started at the same moment on an empty keyring topic, give a user the same pseudonym', async () => {
    const dir = tmp.make('kafka-keyring');
    const raw = await dev.topic(2, 'raw');
    const anon = await dev.topic(2, 'anon');
    const keyringTopic = await dev.topic(1, 'keyring');
    const group = `g-${raw}`;
    const top = `salts:\n  kafka:\n    bootstrap_servers: \${KAFKA_BOOTSTRAP_SERVERS}\n    topic: ${keyringTopic}\n`;
    const ports = [await freePort(), await freePort()];
    const configs = ports.map((httpPort, i) => {
      const cfg = join(dir, `gallra-${i}.yaml`);
      writeFileSync(cfg, pipelineConfig({ raw, anon, group, httpPort, top }));
      return cfg;
    });
    const env = { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap };
    // The same moment: both start before either has written a salt.
    const both = configs.map((cfg, i) => startGallra(cfg, { stateDir: join(dir, `state-${i}`), env }));
    await Promise.all(both.map((g) => g.waitForLog(/"msg":"gallra run started"/, 60_000)));
    // One partition each.
    for (const port of ports) await metricsUntil(port, (t) => metric(t, 'gallra_kafka_assigned_partitions', { source: 'raw' }) === 1, 60_000);

    const stamp = Date.now() - 3 * 60_000;
    const line = (n: number): string => `81.6.12.34 - alice.lindqvist [${clf(stamp)}] "GET /n/${String(n).padStart(6, '0')} HTTP/1.1" 200 5 "-" "curl/8.5.0"`;
    await produceRecords(dev.bootstrap, raw, Array.from({ length: 200 }, (_, n) => ({ value: line(n), partition: n % 2 })));
    await groupCaughtUp(dev.bootstrap, group, raw, 2);
    const delivered = await Promise.all(ports.map(async (p) => metric((await httpGet(p, '/metrics')).body, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: anon }) ?? 0));
    for (const g of both) expect((await g.stop('SIGTERM')).code).toBe(0);

    // Each instance wrote half, under one salt.
    expect(delivered).toEqual([100, 100]);
    const out = await readTopic(dev.bootstrap, anon);
    expect(out).toHaveLength(200);
    const users = new Set(out.map((r) => r.value.split(' ')[2]));
    expect(users.size).toBe(1);
    expect([...users][0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(leaks(out.map((r) => r.value).join('\n'), ['alice.lindqvist', '81.6.12.34'])).toEqual([]);
    // The keyring topic holds the candidates both wrote; the first is everyone's salt.
    expect((await readTopic(dev.bootstrap, keyringTopic)).length).toBeGreaterThanOrEqual(1);
  });
});
