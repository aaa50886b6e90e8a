/**
 * node-rdkafka, loaded when a Kafka component starts (so commands that never
 * touch Kafka never load librdkafka), and its callback API as promises.
 *
 * Things these wrappers exist for (verified on node-rdkafka 3.6.1):
 * a connected client keeps Node alive until disconnected; a rejected
 * `connect` that nobody awaits crashes the process; `KafkaConsumer.disconnect`
 * takes only a callback; `Producer.flush`/`disconnect` throw when the
 * producer never connected.
 */
import type * as Rdkafka from 'node-rdkafka';

export type KafkaModule = typeof Rdkafka;
export type { KafkaConsumer, LibrdKafkaError, Message, Producer, TopicPartition, TopicPartitionOffset } from 'node-rdkafka';

let module: KafkaModule | undefined;

/**
 * node-rdkafka, imported on first use.
 *
 * @example
 * const Kafka = await loadKafka(); new Kafka.Producer({ … });
 */
export async function loadKafka(): Promise<KafkaModule> {
  if (module === undefined) {
    const m = (await import('node-rdkafka')) as unknown as { default?: KafkaModule } & KafkaModule;
    module = m.default ?? m;
  }
  return module;
}

/** librdkafka's error, in words that carry no data: its message and code. */
export function kafkaErrorText(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as { message?: unknown; code?: unknown };
  const msg = typeof e.message === 'string' ? e.message : 'unknown error';
  return typeof e.code === 'number' ? `${msg} (code ${e.code})` : msg;
}

interface Connectable {
  connect(options: { timeout?: number }, cb: (err: unknown) => void): unknown;
}

/**
 * Connects a client; rejects with librdkafka's error after `timeoutMs`.
 *
 * @example
 * await connectClient(producer, 10_000);
 */
export function connectClient(client: Connectable, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.connect({ timeout: timeoutMs }, (err) => (err ? reject(err as Error) : resolve()));
  });
}

/**
 * Disconnects a consumer (it leaves its group); resolves, never rejects —
 * a consumer that cannot say goodbye is still gone.
 *
 * @example
 * await disconnectConsumer(consumer);
 */
export function disconnectConsumer(consumer: Rdkafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve) => {
    if (!consumer.isConnected()) {
      resolve();
      return;
    }
    try {
      consumer.disconnect(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Disconnects a producer, waiting at most `timeoutMs` for what it still
 * holds (callers flush and check first); never rejects.
 *
 * @example
 * await disconnectProducer(producer, 5000);
 */
export function disconnectProducer(producer: Rdkafka.Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!producer.isConnected()) {
      resolve();
      return;
    }
    try {
      producer.disconnect(timeoutMs, () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * The low and high watermarks of a partition, asked of the broker.
 *
 * @example
 * const { highOffset } = await queryWatermarks(consumer, 'gallra.keyring', 0, 10_000);
 */
export function queryWatermarks(client: Rdkafka.KafkaConsumer | Rdkafka.Producer, topic: string, partition: number, timeoutMs: number): Promise<{ lowOffset: number; highOffset: number }> {
  return new Promise((resolve, reject) => {
    client.queryWatermarkOffsets(topic, partition, timeoutMs, (err, o) => (err ? reject(err as unknown as Error) : resolve(o)));
  });
}

/**
 * Up to `n` messages, or fewer once a wait of the consumer's default
 * timeout passes with nothing new (setDefaultConsumeTimeout).
 *
 * @example
 * const msgs = await consumeBatch(consumer, 1000);
 */
export function consumeBatch(consumer: Rdkafka.KafkaConsumer, n: number): Promise<Rdkafka.Message[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(n, (err, msgs) => (err ? reject(err as unknown as Error) : resolve(msgs)));
  });
}

/**
 * Every topic the cluster has, with its partition count.
 *
 * @example
 * (await topicPartitions(producer, 10_000)).get('gallra.keyring') // 1
 */
export function topicPartitions(client: Rdkafka.KafkaConsumer | Rdkafka.Producer, timeoutMs: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    client.getMetadata({ allTopics: true, timeout: timeoutMs }, (err, md) => (err ? reject(err as unknown as Error) : resolve(new Map(md.topics.map((t) => [t.name, t.partitions.length])))));
  });
}
