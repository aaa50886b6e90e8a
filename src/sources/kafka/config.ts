/** The `kafka` source's config, beside the source. */
import { z } from 'zod';
import { bootstrapServersSchema, librdkafkaOptionsSchema, topicNameSchema } from '../../kafka/options.js';
import { componentNameSchema } from '../../util/schema.js';

/**
 * What may happen to a record's key or a header it carries: `keep` passes
 * it as it is (the policy names it, so a raw value may go out), `drop`
 * removes it, and the others are the policy's transforms of the same name
 * (`redact`: addresses truncated and identifiers replaced inside the text;
 * `pseudonymise`: a keyed pseudonym under the salt of the record's epoch).
 */
export const RECORD_FIELD_RULES = ['keep', 'drop', 'redact', 'truncate-ip', 'pseudonymise'] as const;
export type RecordFieldRule = (typeof RECORD_FIELD_RULES)[number];

/** Header names as Kafka clients write them (printable ASCII without spaces). */
const headerNameSchema = z.string().regex(/^[!-~]{1,128}$/, 'a header name: 1-128 printable ASCII characters, no spaces');

export const kafkaSourceConfigSchema = z.strictObject({
  type: z.literal('kafka'),
  name: componentNameSchema.optional(),
  /** A format from `formats:` or auto; default input.format. Topics with different formats are different sources. */
  format: z.string().optional(),
  /** `host:port,…`; usually `${KAFKA_BOOTSTRAP_SERVERS}`. */
  bootstrap_servers: bootstrapServersSchema,
  /** Topics to consume, each record's value one line (or several, newline-separated). */
  topics: z.array(topicNameSchema).min(1),
  /** The consumer group (`group.id`): every instance with the same group shares the topics' partitions. */
  group: z.string().regex(/^[!-~]{1,249}$/, 'a group id: printable ASCII without spaces').default('gallra'),
  /** Where a group that has committed nothing starts (auto.offset.reset). */
  start_from: z.enum(['earliest', 'latest']).default('earliest'),
  /** Records asked for per consume(n) call. */
  batch_size: z.int().min(1).max(100_000).default(2000),
  /** How long one consume call waits for the next record before returning what it has (latency under a trickle). */
  consume_timeout_ms: z.int().min(1).max(10_000).default(50),
  /**
   * Records read but not yet acknowledged (written and flushed by every
   * sink), over all partitions, before reading pauses; reaching it makes the
   * pipeline flush and commit at once. It bounds gallra's memory under a burst.
   */
  max_in_flight: z.int().min(1).max(10_000_000).default(20_000),
  /** The same bound for each partition. */
  max_in_flight_per_partition: z.int().min(1).max(10_000_000).default(10_000),
  /**
   * The record key: `redact` (default) keeps it with addresses truncated and
   * identifiers replaced, `keep` passes it raw, `pseudonymise` re-keys by a
   * pseudonym (equal keys stay equal within an epoch, so partitioning by key
   * survives), `truncate-ip`, `drop`.
   */
  key: z.enum(RECORD_FIELD_RULES).default('redact'),
  /** Headers to carry to the output, by name, each with its rule; every other header is dropped. */
  headers: z.record(headerNameSchema, z.enum(RECORD_FIELD_RULES)).default({}),
  /** librdkafka consumer properties passed through (security.protocol, sasl.*, ssl.*, group.protocol, session.timeout.ms, …). */
  options: librdkafkaOptionsSchema({
    'bootstrap.servers': 'use bootstrap_servers',
    'group.id': 'use group',
    'auto.offset.reset': 'use start_from',
    'enable.auto.commit': 'gallra commits only what every sink has durably accepted',
    'enable.auto.offset.store': 'gallra commits only what every sink has durably accepted',
    'enable.partition.eof': 'the source reads until stopped',
  }),
});
export type KafkaSourceConfig = z.infer<typeof kafkaSourceConfigSchema>;
