/** The `salts.kafka:` section: the keyring a consumer group shares, on a Kafka topic. */
import { z } from 'zod';
import { bootstrapServersSchema, librdkafkaOptionsSchema, topicNameSchema } from '../../kafka/options.js';

export const kafkaKeyringConfigSchema = z.strictObject({
  /** `host:port,…`; usually `${KAFKA_BOOTSTRAP_SERVERS}`. */
  bootstrap_servers: bootstrapServersSchema,
  /**
   * The keyring topic: one partition, `cleanup.policy=compact,delete`,
   * `retention.ms` just over epoch + grace + max_future, a short
   * `segment.ms` (see the README); readable only by gallra.
   */
  topic: topicNameSchema.default('gallra.keyring'),
  /**
   * Check the topic's settings at start and refuse (exit 2) settings that
   * would keep a salt longer than its epoch. Turn off only where the cluster
   * will not describe topic configs to gallra, and check them yourself.
   */
  verify_topic: z.boolean().default(true),
  /** How long one request to the cluster (connect, read, write) may take at start before gallra gives up. */
  timeout_ms: z.int().min(1000).max(600_000).default(30_000),
  /** librdkafka properties for the keyring's clients (security.protocol, sasl.*, ssl.*, …). */
  options: librdkafkaOptionsSchema({
    'bootstrap.servers': 'use bootstrap_servers',
    'enable.idempotence': 'the keyring produces idempotently',
    acks: 'a salt counts as written only once every in-sync replica has it (acks=all)',
    'enable.auto.commit': 'the keyring reads its topic from the start on every start and commits nothing',
    'group.id': 'the keyring reads without a consumer group',
  }),
});
export type KafkaKeyringConfig = z.infer<typeof kafkaKeyringConfigSchema>;
