/**
 * A topic's configuration as the cluster reports it (DescribeConfigs), read
 * through librdkafka's admin API with the same client properties (security,
 * SASL, TLS) as every other gallra client — node-rdkafka does not wrap
 * DescribeConfigs.
 */
import { ADMIN_OP_DESCRIBECONFIGS, cString, librdkafka, newHandle, RESOURCE_TOPIC } from './native.js';

/**
 * The topic `gallra kafka-dev` creates in its mock cluster. The mock keeps no
 * topic configs and cannot answer DescribeConfigs; a cluster that has this
 * topic is taken to be that mock (see the Kafka keyring's topic check).
 */
export const KAFKA_DEV_MARKER_TOPIC = '__gallra_kafka_dev';

/** Why a topic's configuration could not be read, in librdkafka's words (no data). */
export class TopicConfigError extends Error {
  constructor(
    message: string,
    /** librdkafka's error code (negative: local, e.g. -185 timed out; positive: the broker's). */
    readonly code: number,
  ) {
    super(message);
    this.name = 'TopicConfigError';
  }
}

/**
 * The configuration entries of `topic` (name → value; null for a sensitive
 * or unset value), as the cluster reports them. Runs off the main thread.
 *
 * @example
 * const c = await describeTopicConfig({ 'bootstrap.servers': bs }, 'gallra.keyring', 10_000);
 * c.get('cleanup.policy') // 'compact,delete'
 */
export async function describeTopicConfig(props: Readonly<Record<string, string>>, topic: string, timeoutMs: number): Promise<Map<string, string | null>> {
  const rdk = librdkafka();
  const errstr = Buffer.alloc(512);
  // Its errors come back in the result; librdkafka's own logger would print them on stderr.
  const rk = newHandle(rdk, { ...props, log_level: '0' });
  const queue = rdk.queue_new(rk);
  const options = rdk.AdminOptions_new(rk, ADMIN_OP_DESCRIBECONFIGS);
  const resource = rdk.ConfigResource_new(RESOURCE_TOPIC, topic);
  try {
    if (rdk.AdminOptions_set_request_timeout(options, timeoutMs, errstr, errstr.length) !== 0) throw new TopicConfigError(cString(errstr), -1);
    rdk.DescribeConfigs(rk, [resource], 1, options, queue);
    // The result arrives on the queue; polled on a worker thread so the event loop goes on.
    const ev = await new Promise<unknown>((resolve, reject) => {
      rdk.queue_poll.async(queue, timeoutMs + 5000, (err: unknown, e: unknown) => (err ? reject(err as Error) : resolve(e)));
    });
    if (ev === null) throw new TopicConfigError('no answer', -185);
    try {
      const code = rdk.event_error(ev) as number;
      if (code !== 0) throw new TopicConfigError(rdk.event_error_string(ev) as string, code);
      const result = rdk.event_DescribeConfigs_result(ev);
      const count = [0];
      const resources = rdk.DescribeConfigs_result_resources(result, count);
      if (count[0] !== 1) throw new TopicConfigError(`${count[0]} resources in the answer`, -1);
      const res = rdk.koffi.decode(resources, 'rd_kafka_ConfigResource_t *', 1)[0];
      const rcode = rdk.ConfigResource_error(res) as number;
      if (rcode !== 0) throw new TopicConfigError((rdk.ConfigResource_error_string(res) as string | null) ?? (rdk.err2str(rcode) as string), rcode);
      const n = [0];
      const entries = rdk.ConfigResource_configs(res, n);
      const out = new Map<string, string | null>();
      for (const e of n[0]! > 0 ? rdk.koffi.decode(entries, 'rd_kafka_ConfigEntry_t *', n[0]!) : []) {
        out.set(rdk.ConfigEntry_name(e) as string, rdk.ConfigEntry_value(e) as string | null);
      }
      return out;
    } finally {
      rdk.event_destroy(ev);
    }
  } finally {
    rdk.ConfigResource_destroy(resource);
    rdk.AdminOptions_destroy(options);
    rdk.queue_destroy(queue);
    rdk.destroy(rk);
  }
}
