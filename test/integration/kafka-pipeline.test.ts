/**
 * `gallra run` between Kafka topics, end to end through the built CLI
 * against `gallra kafka-dev`: 100,000 records through one instance — every
 * parseable record exactly once in the output topic, anonymised; the
 * unparseable ones on the dead-letter topic, scrubbed; the counts in
 * /metrics the same as in the topics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, leaks, TempDirs } from '../helpers/cli.js';
import { metricsUntil, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { duplicateIds, freePort, httpGet, idCounts, killAll, metric, missingIds, numberedLine, startedGallra } from '../helpers/run.js';

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

const N = 100_000;
const GARBAGE = 1000;
/** An unparseable line with an address and an e-mail address in it: on the dead-letter topic only scrubbed. */
const garbage = (i: number): string => `kernel: oops ${i} from 198.51.100.24 user leak.garbage@example.org`;

describe('gallra run from Kafka to Kafka', () => {
  it('moves 100,000 records through one instance: each parseable one exactly once, anonymised; unparseable ones scrubbed on the dead-letter topic; metrics agree', async () => {
    const dir = tmp.make('kafka');
    // 100,000 lines of ~110 bytes over 8 partitions: well under the mock's 5 MiB per partition.
    const raw = await dev.topic(8, 'raw');
    const anon = await dev.topic(8, 'anon');
    const dead = await dev.topic(1, 'dead');
    const stamp = Date.now() - 3 * 60_000;
    const records = Array.from({ length: N }, (_, n) => ({ value: numberedLine(n, stamp) }));
    for (let i = 0; i < GARBAGE; i++) records.splice(i * 97, 0, { value: garbage(i) });
    await produceRecords(dev.bootstrap, raw, records);

    const httpPort = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, pipelineConfig({ raw, anon, dead, group: `g-${raw}`, httpPort }));
    const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    const text = await metricsUntil(
      httpPort,
      (t) => (metric(t, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: anon }) ?? 0) >= N && (metric(t, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: dead }) ?? 0) >= GARBAGE,
    );
    const ready = await httpGet(httpPort, '/readyz');
    expect(ready.status).toBe(200);
    expect((await g.stop('SIGTERM')).code).toBe(0);

    const out = await readTopic(dev.bootstrap, anon);
    const counts = idCounts(out.map((r) => r.value).join('\n'));
    expect(missingIds(counts, N)).toEqual([]);
    expect(duplicateIds(counts)).toEqual([]);
    expect(out.length).toBe(N);
    // Anonymised: the address truncated, nothing raw.
    expect(out[0]!.value).toMatch(/^81\.6\.12\.0 - - \[/);
    expect(leaks(out.map((r) => r.value).join('\n'), ['81.6.12.34'])).toEqual([]);

    const dl = await readTopic(dev.bootstrap, dead);
    expect(dl.length).toBe(GARBAGE);
    expect(dl.every((r) => r.headers['gallra-reason'] === 'unparsed' && /^[^/]+\/\d+@\d+$/.test(r.headers['gallra-source'] ?? ''))).toBe(true);
    expect(dl[0]!.value).toMatch(/^kernel: oops \d+ from 198\.51\.100\.0 user /);
    expect(leaks(dl.map((r) => `${r.value} ${JSON.stringify(r.headers)} ${r.key ?? ''}`).join('\n'), ['198.51.100.24', 'leak.garbage@example.org'])).toEqual([]);

    // The metrics count what the topics hold.
    expect(metric(text, 'gallra_kafka_records_consumed_total', { source: 'raw', topic: raw })).toBe(N + GARBAGE);
    expect(metric(text, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: anon })).toBe(N);
    expect(metric(text, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: dead })).toBe(GARBAGE);
    expect(metric(text, 'gallra_kafka_dead_lettered_total', { sink: 'anon', reason: 'unparsed' })).toBe(GARBAGE);
    expect(metric(text, 'gallra_lines_scrubbed_total', { source: 'raw' })).toBe(GARBAGE);
    expect(metric(text, 'gallra_lines_written_total', { sink: 'anon' })).toBe(N + GARBAGE);
    expect(metric(text, 'gallra_kafka_delivery_errors_total', { sink: 'anon', kind: 'transient' })).toBe(0);
    expect(metric(text, 'gallra_kafka_assigned_partitions', { source: 'raw' })).toBe(8);
    // 0 when reported. Not reported when, under a loaded suite, the group
    // rebalanced after the partition was read to its end: the new assignment
    // has handed out nothing and committed nothing yet, so its read position is
    // unknown (a known gap of the gauge, noted on the Kafka issue).
    expect([0, undefined]).toContain(metric(text, 'gallra_kafka_consumer_lag', { source: 'raw', topic: raw, partition: '0' }));
    // gallra's own log holds no address from the input.
    expect(leaks(g.stderr(), ['81.6.12.34', '198.51.100.24', 'leak.garbage@example.org'])).toEqual([]);
  });
});
