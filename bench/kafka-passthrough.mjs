#!/usr/bin/env node
// The baseline of bench/kafka-e2e.mjs: a plain node-rdkafka consume → produce
// passthrough with the guarantees gallra keeps and nothing else — consume(n)
// batches, auto-commit and auto offset store off, an idempotent producer
// (acks=all) with the same delivery-report mode, a bound on records in
// flight, and every commit interval a delivery barrier followed by a commit
// of the positions read (the contiguous acknowledged prefix). Records are
// copied as they are: no lines, no policy.
//
//   node bench/kafka-passthrough.mjs --bootstrap BS --in TOPIC --out TOPIC --group G --count N
//        [--reports all|errors] [--max-in-flight 200000] [--commit-ms 1000] [--batch 2000]
//
// Exits once `count` records are delivered and committed.
import Kafka from 'node-rdkafka';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { option } from './harness.mjs';

const bootstrap = option('--bootstrap');
const input = option('--in');
const output = option('--out');
const group = option('--group');
const count = Number(option('--count'));
const onlyErrors = option('--reports', 'all') === 'errors';
const maxInFlight = Number(option('--max-in-flight', '200000'));
const commitMs = Number(option('--commit-ms', '1000'));
const batch = Number(option('--batch', '2000'));

const consumer = new Kafka.KafkaConsumer(
  {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'group.protocol': 'consumer',
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'queued.max.messages.kbytes': 16384,
  },
  { 'auto.offset.reset': 'earliest' },
);
const producer = new Kafka.Producer({
  'bootstrap.servers': bootstrap,
  'enable.idempotence': true,
  acks: 'all',
  'linger.ms': 5,
  dr_cb: true,
  'delivery.report.only.error': onlyErrors,
});
let produced = 0;
let reports = 0;
let failed = 0;
producer.on('delivery-report', (err) => {
  reports++;
  if (err) failed++;
});
await Promise.all([consumer, producer].map((c) => new Promise((res, rej) => c.connect({ timeout: 30_000 }, (e) => (e ? rej(e) : res())))));
producer.setPollInterval(20);
consumer.setDefaultConsumeTimeout(50);
consumer.subscribe([input]);

/** Next offset per partition, read since the last commit. */
let positions = new Map();
let consumed = 0;
let lastCommit = performance.now();

/** Every record produced so far is delivered. */
async function barrier() {
  if (onlyErrors) {
    await new Promise((res) => producer.flush(60_000, res));
    // Reports follow the flush callback, at most 100 per turn.
    for (let idle = 0, before = reports; idle < 2; before = reports) {
      await nextTurn();
      idle = reports - before >= 100 ? 0 : idle + 1;
    }
  } else {
    while (reports < produced) {
      await new Promise((res) => producer.flush(1000, res));
      for (let idle = 0, before = reports; reports < produced && idle < 3; before = reports) {
        await nextTurn();
        idle = reports === before ? idle + 1 : 0;
      }
    }
  }
  if (failed > 0) throw new Error(`${failed} deliveries failed`);
}

async function commit() {
  await barrier();
  if (positions.size > 0) consumer.commit([...positions].map(([partition, offset]) => ({ topic: input, partition, offset })));
  positions = new Map();
  lastCommit = performance.now();
}

while (consumed < count) {
  const msgs = await new Promise((res, rej) => consumer.consume(batch, (e, m) => (e ? rej(e) : res(m))));
  for (const m of msgs) {
    // The same in-flight bound as gallra's sink: wait for reports (or a barrier) when it is reached.
    while (!onlyErrors && produced - reports >= maxInFlight) await sleep(1);
    if (onlyErrors && produced % maxInFlight === maxInFlight - 1) await barrier();
    for (;;) {
      try {
        producer.produce(output, null, m.value, m.key, m.timestamp);
        break;
      } catch (err) {
        if (err.code !== -184) throw err;
        producer.poll();
        await sleep(1);
      }
    }
    produced++;
    consumed++;
    positions.set(m.partition, m.offset + 1);
  }
  producer.poll();
  if (performance.now() - lastCommit >= commitMs) await commit();
}
await commit();
await new Promise((res) => setTimeout(res, 200));
producer.setPollInterval(0);
await new Promise((res) => producer.disconnect(5000, res));
await new Promise((res) => consumer.disconnect(res));
