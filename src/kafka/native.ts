/**
 * librdkafka's C API, reached through koffi in the `librdkafka.so.1` that
 * node-rdkafka builds (node-rdkafka/build/deps): the parts node-rdkafka does
 * not wrap — the mock cluster behind `gallra kafka-dev`, and DescribeConfigs
 * for checking the keyring topic's settings. The node-rdkafka addon links to
 * the same file (rpath `$ORIGIN/../deps`), so a process that uses both maps
 * one librdkafka.
 *
 * Loaded on first use only: commands that never touch Kafka never load it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { GallraError } from '../errors.js';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A C function bound by koffi; `.async` runs it on a worker thread. */
export interface NativeFn {
  (...args: any[]): any;
  async(...args: any[]): void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The bound functions (names as in rdkafka.h / rdkafka_mock.h, without `rd_kafka_`). */
export interface Librdkafka {
  readonly koffi: { decode(ptr: unknown, type: string, len: number): unknown[] };
  readonly version: string;
  readonly conf_new: NativeFn;
  readonly conf_set: NativeFn;
  readonly conf_destroy: NativeFn;
  readonly new_: NativeFn;
  readonly destroy: NativeFn;
  readonly err2str: NativeFn;
  readonly mock_cluster_new: NativeFn;
  readonly mock_cluster_destroy: NativeFn;
  readonly mock_cluster_bootstraps: NativeFn;
  readonly mock_topic_create: NativeFn;
  readonly mock_broker_set_down: NativeFn;
  readonly mock_broker_set_up: NativeFn;
  readonly mock_push_request_errors_array: NativeFn;
  readonly mock_clear_request_errors: NativeFn;
  readonly mock_set_group_consumer_session_timeout_ms: NativeFn;
  readonly mock_set_group_consumer_heartbeat_interval_ms: NativeFn;
  readonly mock_group_initial_rebalance_delay_ms: NativeFn;
  readonly queue_new: NativeFn;
  readonly queue_destroy: NativeFn;
  readonly queue_poll: NativeFn;
  readonly ConfigResource_new: NativeFn;
  readonly ConfigResource_destroy: NativeFn;
  readonly AdminOptions_new: NativeFn;
  readonly AdminOptions_destroy: NativeFn;
  readonly AdminOptions_set_request_timeout: NativeFn;
  readonly DescribeConfigs: NativeFn;
  readonly event_error: NativeFn;
  readonly event_error_string: NativeFn;
  readonly event_destroy: NativeFn;
  readonly event_DescribeConfigs_result: NativeFn;
  readonly DescribeConfigs_result_resources: NativeFn;
  readonly ConfigResource_error: NativeFn;
  readonly ConfigResource_error_string: NativeFn;
  readonly ConfigResource_configs: NativeFn;
  readonly ConfigEntry_name: NativeFn;
  readonly ConfigEntry_value: NativeFn;
}

/** `rd_kafka_type_t`: a producer handle (it owns a mock cluster or runs admin requests; it never produces). */
export const RD_KAFKA_PRODUCER = 0;
/** `rd_kafka_ResourceType_t` RD_KAFKA_RESOURCE_TOPIC. */
export const RESOURCE_TOPIC = 2;
/** `rd_kafka_admin_op_t` RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS. */
export const ADMIN_OP_DESCRIBECONFIGS = 5;

const SIGNATURES: Record<Exclude<keyof Librdkafka, 'koffi' | 'version'>, string> = {
  conf_new: 'rd_kafka_conf_t *rd_kafka_conf_new(void)',
  conf_set: 'int rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t errstr_size)',
  conf_destroy: 'void rd_kafka_conf_destroy(rd_kafka_conf_t *conf)',
  new_: 'rd_kafka_t *rd_kafka_new(int type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size)',
  destroy: 'void rd_kafka_destroy(rd_kafka_t *rk)',
  err2str: 'const char *rd_kafka_err2str(int err)',
  mock_cluster_new: 'rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt)',
  mock_cluster_destroy: 'void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mc)',
  mock_cluster_bootstraps: 'const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mc)',
  mock_topic_create: 'int rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mc, const char *topic, int partition_cnt, int replication_factor)',
  mock_broker_set_down: 'int rd_kafka_mock_broker_set_down(rd_kafka_mock_cluster_t *mc, int32_t broker_id)',
  mock_broker_set_up: 'int rd_kafka_mock_broker_set_up(rd_kafka_mock_cluster_t *mc, int32_t broker_id)',
  mock_push_request_errors_array: 'void rd_kafka_mock_push_request_errors_array(rd_kafka_mock_cluster_t *mc, int16_t api_key, size_t cnt, const int *errors)',
  mock_clear_request_errors: 'void rd_kafka_mock_clear_request_errors(rd_kafka_mock_cluster_t *mc, int16_t api_key)',
  mock_set_group_consumer_session_timeout_ms: 'void rd_kafka_mock_set_group_consumer_session_timeout_ms(rd_kafka_mock_cluster_t *mc, int ms)',
  mock_set_group_consumer_heartbeat_interval_ms: 'void rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(rd_kafka_mock_cluster_t *mc, int ms)',
  mock_group_initial_rebalance_delay_ms: 'void rd_kafka_mock_group_initial_rebalance_delay_ms(rd_kafka_mock_cluster_t *mc, int32_t delay_ms)',
  queue_new: 'rd_kafka_queue_t *rd_kafka_queue_new(rd_kafka_t *rk)',
  queue_destroy: 'void rd_kafka_queue_destroy(rd_kafka_queue_t *q)',
  queue_poll: 'rd_kafka_event_t *rd_kafka_queue_poll(rd_kafka_queue_t *q, int timeout_ms)',
  ConfigResource_new: 'rd_kafka_ConfigResource_t *rd_kafka_ConfigResource_new(int restype, const char *name)',
  ConfigResource_destroy: 'void rd_kafka_ConfigResource_destroy(rd_kafka_ConfigResource_t *r)',
  AdminOptions_new: 'rd_kafka_AdminOptions_t *rd_kafka_AdminOptions_new(rd_kafka_t *rk, int op)',
  AdminOptions_destroy: 'void rd_kafka_AdminOptions_destroy(rd_kafka_AdminOptions_t *o)',
  AdminOptions_set_request_timeout: 'int rd_kafka_AdminOptions_set_request_timeout(rd_kafka_AdminOptions_t *o, int ms, char *errstr, size_t n)',
  DescribeConfigs: 'void rd_kafka_DescribeConfigs(rd_kafka_t *rk, rd_kafka_ConfigResource_t **configs, size_t cnt, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q)',
  event_error: 'int rd_kafka_event_error(rd_kafka_event_t *ev)',
  event_error_string: 'const char *rd_kafka_event_error_string(rd_kafka_event_t *ev)',
  event_destroy: 'void rd_kafka_event_destroy(rd_kafka_event_t *ev)',
  event_DescribeConfigs_result: 'const rd_kafka_DescribeConfigs_result_t *rd_kafka_event_DescribeConfigs_result(rd_kafka_event_t *ev)',
  DescribeConfigs_result_resources: 'const rd_kafka_ConfigResource_t **rd_kafka_DescribeConfigs_result_resources(const rd_kafka_DescribeConfigs_result_t *r, _Out_ size_t *cnt)',
  ConfigResource_error: 'int rd_kafka_ConfigResource_error(const rd_kafka_ConfigResource_t *r)',
  ConfigResource_error_string: 'const char *rd_kafka_ConfigResource_error_string(const rd_kafka_ConfigResource_t *r)',
  ConfigResource_configs: 'const rd_kafka_ConfigEntry_t **rd_kafka_ConfigResource_configs(const rd_kafka_ConfigResource_t *r, _Out_ size_t *cnt)',
  ConfigEntry_name: 'const char *rd_kafka_ConfigEntry_name(const rd_kafka_ConfigEntry_t *e)',
  ConfigEntry_value: 'const char *rd_kafka_ConfigEntry_value(const rd_kafka_ConfigEntry_t *e)',
};

const OPAQUE = [
  'rd_kafka_conf_t',
  'rd_kafka_t',
  'rd_kafka_mock_cluster_t',
  'rd_kafka_queue_t',
  'rd_kafka_event_t',
  'rd_kafka_ConfigResource_t',
  'rd_kafka_AdminOptions_t',
  'rd_kafka_ConfigEntry_t',
  'rd_kafka_DescribeConfigs_result_t',
];

let loaded: Librdkafka | undefined;

/**
 * The path of the librdkafka node-rdkafka built.
 *
 * @example
 * librdkafkaPath() // '/…/node_modules/node-rdkafka/build/deps/librdkafka.so.1'
 */
export function librdkafkaPath(): string {
  return path.join(path.dirname(require.resolve('node-rdkafka/package.json')), 'build', 'deps', 'librdkafka.so.1');
}

/**
 * librdkafka's C functions, bound once per process.
 *
 * @example
 * const rdk = librdkafka(); rdk.version // '2.12.0'
 */
export function librdkafka(): Librdkafka {
  if (loaded !== undefined) return loaded;
  let koffi: typeof import('koffi');
  let lib: ReturnType<typeof import('koffi').load>;
  try {
    koffi = require('koffi') as typeof import('koffi');
    lib = koffi.load(librdkafkaPath());
  } catch (err) {
    throw new GallraError('GALLRA_INTERNAL', `cannot load librdkafka through koffi (${(err as Error).message}); is node-rdkafka built? (npm ci builds it)`, { cause: err });
  }
  for (const name of OPAQUE) koffi.opaque(name);
  const fns: Record<string, NativeFn> = {};
  for (const [name, sig] of Object.entries(SIGNATURES)) fns[name] = lib.func(sig) as NativeFn;
  const version = (lib.func('const char *rd_kafka_version_str(void)') as NativeFn)() as string;
  loaded = { ...(fns as unknown as Omit<Librdkafka, 'koffi' | 'version'>), koffi: koffi as unknown as Librdkafka['koffi'], version };
  return loaded;
}

/**
 * A librdkafka handle of its own (type producer) configured with `props`,
 * for admin requests or to own a mock cluster; destroy it with `rdk.destroy`.
 * Throws with librdkafka's message for an unknown property or bad value.
 *
 * @example
 * const rk = newHandle(rdk, { 'bootstrap.servers': bs, log_level: '3' });
 */
export function newHandle(rdk: Librdkafka, props: Readonly<Record<string, string>>): unknown {
  const errstr = Buffer.alloc(512);
  const conf = rdk.conf_new();
  for (const [k, v] of Object.entries(props)) {
    if (rdk.conf_set(conf, k, v, errstr, errstr.length) !== 0) {
      rdk.conf_destroy(conf);
      throw new Error(cString(errstr));
    }
  }
  // rd_kafka_new takes ownership of conf when it succeeds.
  const rk = rdk.new_(RD_KAFKA_PRODUCER, conf, errstr, errstr.length);
  if (rk === null) {
    rdk.conf_destroy(conf);
    throw new Error(cString(errstr));
  }
  return rk;
}

/** The NUL-terminated text in a C buffer. */
export function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('latin1', 0, end < 0 ? buf.length : end);
}
