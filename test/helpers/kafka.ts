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
export async function produceRecords(bootstrap: string, topic: string, records: readonly RawRecord[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'enable.idempotence': true, acks: 'all', dr_cb: true, 'linger.ms': 10, 'queue.buffering.max.messages': 200_000 } as never);
  let delivered = 0;
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = new Error(err.message);
    delivered++;
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err as unknown as Error) : resolve())));
  producer.setPollInterval(10);
  try {
    for (const r of records) {
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
      const w = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) => consumer.queryWatermarkOffsets(topic, p, 10_000, (err, o) => (err ? reject(err as unknown as Error) : resolve(o))));
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
    const got = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) => consumer.committed(tps, 10_000, (err, t) => (err ? reject(err as unknown as Error) : resolve(t))));
    return Array.from({ length: partitions }, (_, p) => {
      const o = got.find((t) => t.partition === p)?.offset;
      return typeof o === 'number' && o >= 0 ? o : -1;
    });
  } finally {
    await new Promise<void>((res) => consumer.disconnect(() => res()));
  }
}
