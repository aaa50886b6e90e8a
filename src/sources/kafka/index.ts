/**
 * `kafka` source: a consumer-group member reading raw log records; offsets
 * are committed only after every sink has durably accepted what came before
 * them (see kafka-source.ts).
 */
import { describeOptions } from '../../kafka/options.js';
import { defineSource } from '../source.js';
import { kafkaSourceConfigSchema } from './config.js';
import { KafkaSource } from './kafka-source.js';

export const kafkaSource = defineSource({
  name: 'kafka',
  description: 'Kafka consumer-group member (node-rdkafka); commits per partition only what every sink has durably accepted',
  schema: kafkaSourceConfigSchema,
  create: (c, ctx) => new KafkaSource({ name: ctx.name, config: c, warn: ctx.warn, now: ctx.now, recordFields: ctx.recordFields }),
  describe: (c, ctx) => {
    const headers = Object.entries(c.headers).map(([h, rule]) => `${h}: ${rule}`);
    const options = describeOptions(c.options);
    return (
      `consume ${c.topics.join(', ')} as group ${c.group} from ${c.bootstrap_servers} (no committed offset: ${c.start_from}), format ${ctx.format}; ` +
      `key: ${c.key}; headers: ${headers.length > 0 ? headers.join(', ') : 'all dropped'}` +
      (options !== '' ? `; librdkafka: ${options}` : '')
    );
  },
  defaultName: (c) => (c.topics.length === 1 ? c.topics[0] : undefined),
});
