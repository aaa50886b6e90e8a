/**
 * `kafka` sink: anonymised events to a topic, one record each, idempotent
 * producer, flushed only when every record is reported delivered (see
 * kafka-sink.ts).
 */
import { describeOptions } from '../../kafka/options.js';
import { defineSink } from '../sink.js';
import { kafkaSinkConfigSchema } from './config.js';
import { KafkaSink } from './kafka-sink.js';
import { KafkaTopicStore } from './retention.js';

export const kafkaSink = defineSink({
  name: 'kafka',
  description: 'anonymised events to a Kafka topic (idempotent producer, acks=all), flushed when every record is reported delivered; optional dead-letter topic',
  schema: kafkaSinkConfigSchema,
  create: (c, ctx) => new KafkaSink({ name: ctx.name, config: c, warn: ctx.warn, topics: new KafkaTopicStore({ config: c, window: ctx.window, warn: ctx.warn }) }),
  // The topics' own retention deletes records; gallra checks at start that it does so within the window.
  retention: (c, ctx) => new KafkaTopicStore({ config: c, window: ctx.window }),
  describe: (c) => {
    const options = describeOptions(c.options);
    return (
      `produce to ${c.topic} on ${c.bootstrap_servers} (idempotent, acks=all, delivery reports: ${c.delivery_reports})` +
      (c.dead_letter !== undefined ? `; unparseable lines (scrubbed) and rejected records to ${c.dead_letter.topic}` : '; no dead-letter topic') +
      (options !== '' ? `; librdkafka: ${options}` : '') +
      '; retention is the topics\': retention.ms + segment.ms at most the policy\'s window (checked at start)'
    );
  },
});
