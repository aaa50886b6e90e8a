/**
 * Kafka in tests: `gallra kafka-dev` as a child process (the mock cluster,
 * driven through its --control commands), topics of a test's own, and plain
 * node-rdkafka clients to write raw records and read everything a topic holds.
 *
 * Every kafka-dev started here is tracked; `stopAllKafkaDev()` in afterAll
 * stops whatever is left, by pid.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Kafka from 'node-rdkafka';
import { MAIN, ROOT } from './cli.js';
import { httpGet } from './run.js';

export interface KafkaDev {
  readonly bootstrap: string;
  readonly pid: number;
  /** Sends one --control command; resolves on `ok`, rejects on `error: …`. */
  control(command: string): Promise<void>;
  /** A fresh topic (a unique name) with `partitions` partitions. */
  topic(partitions: number, prefix?: string): Promise<string>;
  stderr(): string;
  /** SIGTERM, and SIGKILL if it has not exited after 5 s. */
  stop(): Promise<void>;
}

const running = new Set<KafkaDev>();

export interface KafkaDevOptions {
  readonly brokers?: number;
  /** KIP-848 groups' session timeout (broker side). */
  readonly sessionTimeoutMs?: number;
  readonly topics?: readonly string[];
}

/**
 * Starts `gallra kafka-dev --control` and waits for its bootstrap line.
 *
 * @example
 * const dev = await startKafkaDev(); afterAll(() => dev.stop());
 * const topic = await dev.topic(8);
 */
export async function startKafkaDev(o: KafkaDevOptions = {}): Promise<KafkaDev> {
  const args = [MAIN, 'kafka-dev', '--control', '--brokers', String(o.brokers ?? 3), '--session-timeout', String(o.sessionTimeoutMs ?? 6000)];
  for (const t of o.topics ?? []) args.push('--topic', t);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const answers: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let bootstrap: ((bs: string) => void) | undefined;
  const first = new Promise<string>((resolve) => (bootstrap = resolve));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('bootstrap.servers=')) bootstrap?.(line.slice('bootstrap.servers='.length));
      else if (line === 'ok') answers.shift()?.resolve();
      else if (line.startsWith('error: ')) answers.shift()?.reject(new Error(`kafka-dev: ${line}`));
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const bs = await Promise.race([
    first,
    exited.then(() => {
      throw new Error(`kafka-dev exited before printing its address:\n${err}`);
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`kafka-dev printed no address in 30 s:\n${err}`)), 30_000).unref()),
  ]);
  const dev: KafkaDev = {
    bootstrap: bs,
    pid: child.pid!,
    control(command: string): Promise<void> {
      return new Promise((resolve, reject) => {
        answers.push({ resolve, reject });
        child.stdin.write(`${command}\n`);
      });
    },
    async topic(partitions: number, prefix = 't'): Promise<string> {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      await dev.control(`topic ${name}:${partitions}`);
      return name;
    },
    stderr: () => err,
    async stop(): Promise<void> {
      running.delete(dev);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(dev);
  return dev;
}

/**
 * Stops every kafka-dev still running (afterAll).
 *
 * @example
 * afterAll(() => stopAllKafkaDev());
 */
export async function stopAllKafkaDev(): Promise<void> {
  await Promise.all([...running].map((d) => d.stop()));
}

export interface RawRecord {
  readonly value: string | Buffer;
  readonly key?: string | null;
  readonly headers?: Record<string, string>[];
  readonly partition?: number;
}

/**
 * Writes records to a topic with an idempotent producer and waits until
 * every one is reported delivered.
 *
 * @example
 * await produceRecords(dev.bootstrap, topic, lines.map((value) => ({ value })));
 */
export interface ProduceOptions {
  /** Spreads the records over time at about this rate (default: as fast as possible). */
  readonly perSecond?: number;
  /** Called after every 1000 records handed to the producer (awaited: a test may strike here). */
  readonly progress?: (written: number) => Promise<void> | void;
}

export async function produceRecords(bootstrap: string, topic: string, records: readonly RawRecord[], o: ProduceOptions = {}): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'enable.idempotence': true, acks: 'all', dr_cb: true, 'linger.ms': 10, 'queue.buffering.max.messages': 200_000 } as never);
  let delivered = 0;
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = new Error(err.message);
    delivered++;
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err as unknown as Error) : resolve())));
  producer.setPollInterval(10);
  const t0 = performance.now();
  let written = 0;
  try {
    for (const r of records) {
      if (++written % 1000 === 0) {
        await o.progress?.(written);
        if (o.perSecond !== undefined) {
          const ahead = (written / o.perSecond) * 1000 - (performance.now() - t0);
          if (ahead > 0) await new Promise((res) => setTimeout(res, ahead));
        }
      }
      for (;;) {
        try {
          producer.produce(topic, r.partition ?? null, Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value), r.key ?? null, Date.now(), undefined, r.headers);
          break;
        } catch (e) {
          if ((e as { code?: number }).code !== -184) throw e;
          producer.poll();
          await new Promise((res) => setTimeout(res, 2));
        }
      }
    }
    const deadline = Date.now() + 60_000;
    while (delivered < records.length && failed === undefined) {
      if (Date.now() > deadline) throw new Error(`only ${delivered} of ${records.length} records delivered in 60 s`);
      await new Promise<void>((res) => producer.flush(500, () => res()));
      await new Promise((res) => setImmediate(res));
    }
    if (failed !== undefined) throw failed;
  } finally {
    producer.setPollInterval(0);
    await new Promise<void>((res) => producer.disconnect(5000, () => res()));
  }
}

/** A partition's watermarks, asking again for up to 30 s (a broker that just came back). */
async function watermarks(consumer: Kafka.KafkaConsumer, topic: string, partition: number): Promise<Kafka.WatermarkOffsets> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Kafka.WatermarkOffsets>((resolve, reject) => consumer.queryWatermarkOffsets(topic, partition, 5000, (err, o) => (err ? reject(err as unknown as Error) : resolve(o))));
    } catch (err) {
      if (attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | undefined;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * Everything a topic holds now (each partition from its start to its high
 * watermark), read without a consumer group.
 *
 * @example
 * const out = await readTopic(dev.bootstrap, 'logs.anon');
 */
export async function readTopic(bootstrap: string, topic: string): Promise<ReadRecord[]> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': `reader-${randomUUID()}`, 'enable.auto.commit': false } as never, { 'auto.offset.reset': 'earliest' });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err as unknown as Error) : resolve())));
  try {
    const md = await new Promise<Kafka.Metadata>((resolve, reject) => consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err as unknown as Error) : resolve(m))));
    const partitions = md.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    const ends = new Map<number, { low: number; high: number }>();
    for (const p of partitions) {
      const w = await watermarks(consumer, topic, p);
      if (w.highOffset > w.lowOffset) ends.set(p, { low: w.lowOffset, high: w.highOffset });
    }
    const out: ReadRecord[] = [];
    if (ends.size === 0) return out;
    consumer.assign([...ends].map(([partition, w]) => ({ topic, partition, offset: w.low })));
    consumer.setDefaultConsumeTimeout(200);
    const next = new Map([...ends].map(([p, w]) => [p, w.low]));
    const deadline = Date.now() + 60_000;
    while ([...ends].some(([p, w]) => next.get(p)! < w.high)) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach its end in 60 s`);
      const msgs = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(5000, (err, m) => (err ? reject(err as unknown as Error) : resolve(m))));
      for (const m of msgs) {
        next.set(m.partition, m.offset + 1);
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        out.push({ partition: m.partition, offset: m.offset, key: m.key === null || m.key === undefined ? undefined : m.key.toString(), value: m.value?.toString('utf8') ?? '', headers });
      }
    }
    return out;
  } finally {
    await new Promise<void>((res) => consumer.disconnect(() => res()));
  }
}

/**
 * The committed offsets of a group on a topic's partitions (-1 where none).
 *
 * @example
 * const committed = await committedOffsets(dev.bootstrap, 'gallra', topic, 8);
 */
export async function committedOffsets(bootstrap: string, group: string, topic: string, partitions: number): Promise<number[]> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err as unknown as Error) : resolve())));
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    let got: Kafka.TopicPartitionOffset[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        got = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) => consumer.committed(tps, 5000, (err, t) => (err ? reject(err as unknown as Error) : resolve(t))));
        break;
      } catch (err) {
        if (attempt >= 6) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    return Array.from({ length: partitions }, (_, p) => {
      const o = got.find((t) => t.partition === p)?.offset;
      return typeof o === 'number' && o >= 0 ? o : -1;
    });
  } finally {
    await new Promise<void>((res) => consumer.disconnect(() => res()));
  }
}

export interface PipelineConfigOptions {
  readonly raw: string;
  readonly anon: string;
  readonly dead?: string;
  readonly group: string;
  readonly httpPort: number;
  /** Extra lines for the source entry (indented 4 spaces), e.g. `    key: keep`. */
  readonly source?: string;
  /** Extra lines for the sink entry. */
  readonly sink?: string;
  /** run.commit_ms (default 200). */
  readonly commitMs?: number;
  /** Extra top-level YAML (salts:, …). */
  readonly top?: string;
}

/**
 * A `gallra run` policy from raw to anonymised topics, the bootstrap servers
 * from $KAFKA_BOOTSTRAP_SERVERS, KIP-848 groups (see config/kafka-pipeline.yaml
 * for why on the mock).
 *
 * @example
 * writeFileSync(cfg, pipelineConfig({ raw, anon, dead, group: 'g', httpPort }));
 */
export function pipelineConfig(o: PipelineConfigOptions): string {
  return `input:
  format: combined
  unparsed: scrub
  missing_timestamp: arrival
run:
  commit_ms: ${o.commitMs ?? 200}
${o.top ?? ''}
sources:
  - type: kafka
    name: raw
    bootstrap_servers: \${KAFKA_BOOTSTRAP_SERVERS}
    topics: [${o.raw}]
    group: ${o.group}
    options:
      group.protocol: consumer
${o.source ?? ''}
sinks:
  - type: kafka
    name: anon
    bootstrap_servers: \${KAFKA_BOOTSTRAP_SERVERS}
    topic: ${o.anon}
${o.dead !== undefined ? `    dead_letter: { topic: ${o.dead} }\n` : ''}${o.sink ?? ''}
http:
  port: ${o.httpPort}
`;
}

/**
 * Scrapes /metrics every 200 ms until `done(text)` holds; returns the last
 * scrape. Fails after `ms`, showing the Kafka metrics it saw.
 *
 * @example
 * const text = await metricsUntil(port, (t) => (metric(t, 'gallra_kafka_records_produced_total', { sink: 'anon', topic }) ?? 0) >= n);
 */
export async function metricsUntil(port: number, done: (text: string) => boolean, ms = 120_000): Promise<string> {
  const deadline = performance.now() + ms;
  let text = '';
  for (;;) {
    text = await httpGet(port, '/metrics').then(
      (r) => r.body,
      () => text,
    );
    if (done(text)) return text;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms; Kafka metrics:\n${text.split('\n').filter((l) => l.startsWith('gallra_kafka')).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until `group` has committed every partition of `topic` up to its
 * high watermark: everything written so far is processed and durable
 * downstream (gallra commits only that). Polls every 500 ms.
 *
 * @example
 * await groupCaughtUp(dev.bootstrap, 'gallra', raw, 8);
 */
export async function groupCaughtUp(bootstrap: string, group: string, topic: string, partitions: number, ms = 120_000): Promise<void> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': `watermarks-${randomUUID()}` } as never, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err as unknown as Error) : resolve())));
  try {
    const deadline = performance.now() + ms;
    let last = '';
    for (;;) {
      const high: number[] = [];
      for (let p = 0; p < partitions; p++) high.push((await watermarks(consumer, topic, p)).highOffset);
      const committed = await committedOffsets(bootstrap, group, topic, partitions);
      // A partition with no records has nothing to commit.
      if (committed.every((c, p) => Math.max(c, 0) === high[p])) return;
      last = `committed ${committed.join(',')} of ${high.join(',')}`;
      if (performance.now() > deadline) throw new Error(`group ${group} did not catch up with ${topic} in ${ms} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await new Promise<void>((res) => consumer.disconnect(() => res()));
  }
}
