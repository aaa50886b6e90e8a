/**
 * What every Kafka client in a policy is configured with: the bootstrap
 * servers and librdkafka properties passed through as they are
 * (`security.protocol`, `sasl.*`, `ssl.*`, `group.protocol`, …; see
 * librdkafka's CONFIGURATION.md), minus the few gallra sets itself because
 * its guarantees rest on them. Secrets belong in environment variables
 * (`sasl.password: ${KAFKA_PASSWORD}`), and are never shown.
 */
import { z } from 'zod';

/** A librdkafka property value: text, a number or a boolean (sent to librdkafka as text). */
export type LibrdkafkaValue = string | number | boolean;

/** librdkafka properties by name. */
export type LibrdkafkaOptions = Readonly<Record<string, LibrdkafkaValue>>;

/** A Kafka topic name (1–249 of A-Z a-z 0-9 . _ -, as Kafka requires). */
export const topicNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)')
  .refine((t) => t !== '.' && t !== '..', 'a Kafka topic name');

/** `bootstrap.servers`: host:port[,host:port…]. */
export const bootstrapServersSchema = z.string().regex(/^[^\s,]+(?:,[^\s,]+)*$/, 'host:port[,host:port…], e.g. ${KAFKA_BOOTSTRAP_SERVERS}');

/**
 * `options:` — librdkafka properties, refusing the keys in `reserved`
 * (each with what to use instead).
 *
 * @example
 * librdkafkaOptionsSchema({ 'enable.auto.commit': 'gallra commits only what its sinks have durably accepted' })
 */
export function librdkafkaOptionsSchema(reserved: Readonly<Record<string, string>>) {
  return z
    .record(z.string().regex(/^[a-z][a-z0-9._]*$/, 'a librdkafka property name such as security.protocol'), z.union([z.string(), z.number(), z.boolean()]))
    .superRefine((options, ctx) => {
      for (const key of Object.keys(options)) {
        if (Object.hasOwn(reserved, key)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is set by gallra: ${reserved[key]!}` });
      }
    })
    .default({});
}

/** Property names whose values are secrets: never shown by check-config or in a log. */
const SECRET = /password|secret|token|credential|(^|\.)key(\.|$)|key\.pem|keystore|oauthbearer\.config|jaas/;

/**
 * The options for check-config: names, and values unless they may be secret.
 *
 * @example
 * describeOptions({ 'security.protocol': 'SASL_SSL', 'sasl.password': 'x' }) // 'security.protocol=SASL_SSL, sasl.password=(secret)'
 */
export function describeOptions(options: LibrdkafkaOptions): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}=${SECRET.test(k) ? '(secret)' : String(v)}`)
    .join(', ');
}

/**
 * Properties for a librdkafka client: the user's options over gallra's
 * defaults, then gallra's fixed settings over both, as text (librdkafka's
 * C API takes text; node-rdkafka converts numbers and booleans itself, so
 * the object is usable by both).
 *
 * @example
 * clientProps(bs, { 'linger.ms': 20 }, { 'linger.ms': 5 }, { acks: 'all' })
 */
export function clientProps(
  bootstrapServers: string,
  options: LibrdkafkaOptions,
  defaults: LibrdkafkaOptions = {},
  fixed: LibrdkafkaOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...defaults, ...options, ...fixed, 'bootstrap.servers': bootstrapServers })) out[k] = String(v);
  return out;
}
