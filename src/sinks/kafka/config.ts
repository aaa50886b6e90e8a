/** The `kafka` sink's config, beside the sink. */
import { z } from 'zod';
import { bootstrapServersSchema, librdkafkaOptionsSchema, topicNameSchema } from '../../kafka/options.js';
import { componentNameSchema } from '../../util/schema.js';

export const kafkaSinkConfigSchema = z.strictObject({
  type: z.literal('kafka'),
  name: componentNameSchema.optional(),
  /** `host:port,…`; usually `${KAFKA_BOOTSTRAP_SERVERS}`. */
  bootstrap_servers: bootstrapServersSchema,
  /** Where anonymised events go, one record each (key: the source's key under its key rule; headers: those its policy keeps). */
  topic: topicNameSchema,
  /**
   * Where records go that cannot go to `topic`: lines no format parsed
   * (written scrubbed, with input.unparsed: scrub) and events Kafka rejects
   * for good (too large, invalid). Each carries its reason in the header
   * `gallra-reason`. Without it, unparsed lines go to `topic` and a rejected
   * event stops gallra (nothing is acknowledged past it).
   */
  dead_letter: z.strictObject({ topic: topicNameSchema }).optional(),
  /**
   * `all`: a delivery report per record, counted — flush() returns when
   * every record written before it is reported delivered. `errors`: reports
   * for failures only, and flush() is a librdkafka flush followed by the
   * reports still on their way to JavaScript; faster (no report per
   * record), and relies on how node-rdkafka 3.6 hands reports over.
   */
  delivery_reports: z.enum(['all', 'errors']).default('all'),
  /** Records written and not yet reported delivered before write() waits. */
  max_in_flight: z.int().min(1).max(10_000_000).default(200_000),
  /** librdkafka producer properties passed through (security.protocol, sasl.*, ssl.*, compression.type, linger.ms, …). */
  options: librdkafkaOptionsSchema({
    'bootstrap.servers': 'use bootstrap_servers',
    'enable.idempotence': 'gallra produces idempotently (no duplicates or reordering from its own retries)',
    acks: 'gallra needs every in-sync replica to have a record before it counts as delivered (acks=all)',
    'delivery.report.only.error': 'use delivery_reports',
    dr_cb: 'use delivery_reports',
    dr_msg_cb: 'use delivery_reports',
  }),
});
export type KafkaSinkConfig = z.infer<typeof kafkaSinkConfigSchema>;
