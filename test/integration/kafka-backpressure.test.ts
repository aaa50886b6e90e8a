/**
 * Back-pressure between Kafka topics: the source stops calling consume()
 * while its records in flight (read, not yet acknowledged) reach their
 * bounds, overall and per partition, and goes on once they are
 * acknowledged; and under `gallra run`, when the output cluster cannot take
 * records, the sink's write() waits, so gallra stops reading the input
 * instead of piling it up — and loses nothing once the output is back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import type { RecordsBatch, Source, SourcePosition } from '../../src/sources/source.js';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, metricsUntil, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { freePort, httpGet, idCounts, killAll, metric, missingIds, numberedLine, startedGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev({ brokers: 1 });
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

function kafkaSource(topic: string, bounds: Record<string, number>): Source {
  const entry = components.source('kafka')!;
  const config = entry.schema.parse({ type: 'kafka', bootstrap_servers: dev.bootstrap, topics: [topic], group: `g-${topic}`, key: 'drop', options: { 'group.protocol': 'consumer' }, ...bounds });
  return entry.create(config, { name: 'raw', baseDir: '.', env: {}, maxLineLength: 65536, warn: () => undefined, now: Date.now });
}

/** The next batch, or undefined when none comes within `ms`. */
async function nextWithin(it: AsyncIterator<RecordsBatch>, pending: { p?: Promise<IteratorResult<RecordsBatch>> }, ms: number): Promise<RecordsBatch | undefined> {
  pending.p ??= it.next();
  const r = await Promise.race([pending.p, new Promise<'late'>((res) => setTimeout(() => res('late'), ms))]);
  if (r === 'late') return undefined;
  pending.p = undefined;
  return r.done === true ? undefined : r.value;
}

describe('Kafka back-pressure', () => {
  for (const [what, bounds, bound] of [
    ['overall', { max_in_flight: 300, batch_size: 50 }, 300],
    ['per partition', { max_in_flight_per_partition: 150, batch_size: 50 }, 150 * 2],
  ] as const) {
    it(`the source stops reading at its bound of records in flight (${what}), and goes on once they are acknowledged`, async () => {
      const topic = await dev.topic(2, 'bp');
      await produceRecords(dev.bootstrap, topic, Array.from({ length: 2000 }, (_, n) => ({ value: `line ${n}` })));
      const src = kafkaSource(topic, bounds);
      await src.start();
      const it = (src.batches() as AsyncIterable<RecordsBatch>)[Symbol.asyncIterator]();
      const pending: { p?: Promise<IteratorResult<RecordsBatch>> } = {};
      const held: SourcePosition[] = [];
      let read = 0;
      try {
        // Read without acknowledging until nothing more comes for 3 s.
        for (;;) {
          const b = await nextWithin(it, pending, read === 0 ? 30_000 : 3000);
          if (b === undefined) break;
          read += b.records.length;
          for (const r of b.records) held.push({ segment: r.ack.segment, offset: r.ack.offset });
          expect(read).toBeLessThan(2000);
        }
        // At the bound, at most one consume call beyond it (consume(n) is asked for a batch, not a count).
        expect(read).toBeGreaterThanOrEqual(Math.min(bound, 2000) / 2);
        expect(read).toBeLessThan(bound + 2 * 50);
        // Acknowledged: reading goes on, to the end.
        await src.commit(held);
        while (read < 2000) {
          const b = await nextWithin(it, pending, 30_000);
          if (b === undefined) throw new Error(`reading did not go on after the acknowledgement (${read} read)`);
          read += b.records.length;
          await src.commit(b.records.map((r) => ({ segment: r.ack.segment, offset: r.ack.offset })));
        }
        expect(read).toBe(2000);
      } finally {
        src.stop();
        await pending.p?.catch(() => undefined);
        await src.close?.();
      }
    });
  }

  it('under gallra run, stops reading while the output cluster takes nothing, and delivers everything once it is back', async () => {
    // The output on a cluster of its own, so that only it goes down.
    const out = await startKafkaDev({ brokers: 1 });
    const dir = tmp.make('bp');
    const raw = await dev.topic(2, 'raw');
    const anon = await out.topic(2, 'anon');
    const port = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    const config = pipelineConfig({ raw, anon, group: `g-${raw}`, httpPort: port, source: '    batch_size: 100', sink: '    max_in_flight: 500' })
      .replace(/(sinks:\n  - type: kafka\n    name: anon\n    bootstrap_servers: )\$\{KAFKA_BOOTSTRAP_SERVERS\}/, `$1${out.bootstrap}`);
    writeFileSync(cfg, config);
    const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    await metricsUntil(port, (t) => metric(t, 'gallra_kafka_assigned_partitions', { source: 'raw' }) === 2);

    await out.control('broker-down 1');
    const N = 20_000;
    const stamp = Date.now() - 3 * 60_000;
    await produceRecords(dev.bootstrap, raw, Array.from({ length: N }, (_, n) => ({ value: numberedLine(n, stamp) })));
    // Reading stops: the count of records consumed stays put, far below what is there.
    let consumed = -1;
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = metric((await httpGet(port, '/metrics')).body, 'gallra_kafka_records_consumed_total', { source: 'raw', topic: raw }) ?? 0;
      if (now === consumed && now > 0) break;
      consumed = now;
    }
    const text = (await httpGet(port, '/metrics')).body;
    process.stderr.write(`[kafka-backpressure] output down: ${consumed} of ${N} records read, ${metric(text, 'gallra_kafka_producer_in_flight_records', { sink: 'anon' })} in the producer\n`);
    expect(consumed).toBeGreaterThan(0);
    // The sink's 500 in flight, the batch being written and one more read: nowhere near the 20,000 waiting.
    expect(consumed).toBeLessThanOrEqual(500 + 3 * 100);
    expect(metric(text, 'gallra_kafka_producer_in_flight_records', { sink: 'anon' })).toBeLessThanOrEqual(500);

    await out.control('broker-up 1');
    await metricsUntil(port, (t) => (metric(t, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: anon }) ?? 0) >= N);
    expect((await g.stop('SIGTERM')).code).toBe(0);
    const counts = idCounts((await readTopic(out.bootstrap, anon)).map((r) => r.value).join('\n'));
    expect(missingIds(counts, N)).toEqual([]);
    await out.stop();
  });

  it('under gallra run, a source at its bound makes the pipeline commit at once: a small bound does not wait for run.commit_ms', async () => {
    const dir = tmp.make('bp-commit');
    const raw = await dev.topic(2, 'raw');
    const anon = await dev.topic(2, 'anon');
    const group = `g-${raw}`;
    const port = await freePort();
    const cfg = join(dir, 'gallra.yaml');
    // Commits by the clock only once a minute; the bound (100 records) is reached every few batches.
    writeFileSync(cfg, pipelineConfig({ raw, anon, group, httpPort: port, commitMs: 60_000, source: '    batch_size: 50\n    max_in_flight: 100' }));
    const N = 3000;
    await produceRecords(dev.bootstrap, raw, Array.from({ length: N }, (_, n) => ({ value: numberedLine(n, Date.now() - 3 * 60_000) })));
    const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    // Everything read, written and committed well before the first timed commit.
    await groupCaughtUp(dev.bootstrap, group, raw, 2, 40_000);
    const text = (await httpGet(port, '/metrics')).body;
    expect(metric(text, 'gallra_kafka_in_flight_records', { source: 'raw' })).toBeLessThanOrEqual(100);
    expect((await g.stop('SIGTERM')).code).toBe(0);
    const counts = idCounts((await readTopic(dev.bootstrap, anon)).map((r) => r.value).join('\n'));
    expect(missingIds(counts, N)).toEqual([]);
  });
});
