#!/usr/bin/env node
// gallra's Kafka records path in one process with node-rdkafka replaced by a
// stand-in (fake-rdkafka.mjs: the consumer hands out the input's lines as
// fresh messages in batches of 2,000 over 24 partitions, the producer drops
// what it gets): KafkaSource → SourcePipeline (default policy) → KafkaSink,
// with the real source, pipeline and sink code. What it times is gallra's own
// JavaScript per record (and its garbage), without librdkafka, the mock
// cluster or the machine's load on them — the part bench/kafka-e2e.mjs
// cannot separate. Build first (npm run build).
//
//   node --import ./bench/kafka-fake/register.mjs bench/kafka-fake/run.mjs [--lines N | --input FILE]
// FAKE_N: records (default 200000); FAKE_REPORTS: all | errors (default); FAKE_SLOW=1: each
// message value in a backing store of its own, as node-rdkafka makes them;
// GALLRA_DIST: another build's dist/ (before/after in the same session).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { prepare } from '../harness.mjs';

const D = process.env.GALLRA_DIST ?? fileURLToPath(new URL('../../dist', import.meta.url));
const { work: inputDir, input } = prepare('gallra-kafka-fake-', 200_000);
const lines = fs.readFileSync(input, 'latin1').split('\n').filter((l) => l.length > 0);
globalThis.__fakeLines = lines;
const { loadPolicy } = await import(`${D}/policy/load.js`);
const { buildLinePipeline } = await import(`${D}/runtime/build.js`);
const { recordFieldsFor } = await import(`${D}/runtime/record-fields.js`);
const { EncodedBatchBuilder } = await import(`${D}/pipeline/line-pipeline.js`);
const { SourcePipeline } = await import(`${D}/pipeline/source-pipeline.js`);
const { FileKeyring } = await import(`${D}/keyring/file.js`);
const { parseDuration } = await import(`${D}/time/duration.js`);
const { kafkaSourceConfigSchema } = await import(`${D}/sources/kafka/config.js`);
const { kafkaSinkConfigSchema } = await import(`${D}/sinks/kafka/config.js`);
const { KafkaSource } = await import(`${D}/sources/kafka/kafka-source.js`);
const { KafkaSink } = await import(`${D}/sinks/kafka/kafka-sink.js`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-'));
const env = { GALLRA_STATE_DIR: work };
const loaded = loadPolicy(undefined, env);
const c = loaded.config;
const keyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: parseDuration(c.salts.grace), future: parseDuration(c.retention.max_future) });
const built = buildLinePipeline({ policy: c, keyring, format: 'combined' });
const output = new EncodedBatchBuilder();
built.pipeline.consumers.push(output);
const reports = process.env.FAKE_REPORTS ?? 'errors';
const source = new KafkaSource({ name: 'raw', config: kafkaSourceConfigSchema.parse({ type: 'kafka', bootstrap_servers: 'x:1', topics: ['raw'] }), warn: console.error, now: Date.now, recordFields: recordFieldsFor(built) });
const sink = new KafkaSink({ name: 'out', config: kafkaSinkConfigSchema.parse({ type: 'kafka', bootstrap_servers: 'x:1', topic: 'out', delivery_reports: reports }), warn: console.error });
await source.start();
globalThis.__fakeDone = () => source.stop();
const sp = new SourcePipeline({ source, pipeline: built.pipeline, output, sinks: [sink], maxLineLength: c.input.max_line_length, commitMs: 1000 });
const t0 = process.hrtime.bigint();
const u0 = process.cpuUsage();
await sp.run();
await sink.close();
const u = process.cpuUsage(u0);
const ns = Number(process.hrtime.bigint() - t0);
const n = globalThis.__produced;
console.log(`${n} produced, ${(ns / 1e3 / n).toFixed(2)} µs wall/record, ${((u.user + u.system) / n).toFixed(2)} µs CPU/record`);
await source.close();
fs.rmSync(work, { recursive: true, force: true });
fs.rmSync(inputDir, { recursive: true, force: true });
