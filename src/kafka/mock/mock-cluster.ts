/**
 * librdkafka's mock cluster (rdkafka_mock.h), hosted in this process through
 * koffi: real TCP listeners on 127.0.0.1 that speak enough of the Kafka
 * protocol for producers, consumers and consumer groups (classic and
 * KIP-848) in other processes — `gallra kafka-dev`.
 *
 * What it is not (rdkafka_mock.c): data lives in memory only; each partition
 * keeps only its newest 5 MiB (hard-coded: older record batches are dropped
 * after every append); there is no compaction, retention or topic config,
 * and no admin API (topics are created here, through the C API).
 */
import { GallraError } from '../../errors.js';
import { type Librdkafka, librdkafka, newHandle } from '../native.js';

/** Kafka protocol ApiKeys, for {@link MockCluster.pushRequestErrors}. */
export const API_KEYS = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  InitProducerId: 22,
  ConsumerGroupHeartbeat: 68,
} as const;

export interface MockClusterOptions {
  /** Brokers (each its own listener); topics get a replication factor of min(3, brokers). */
  readonly brokers: number;
  /**
   * How long a classic group waits for more members before its first
   * assignment (the mock's default is 3000 ms, like Kafka's
   * group.initial.rebalance.delay.ms).
   */
  readonly initialRebalanceDelayMs?: number;
  /** Session timeout of KIP-848 groups (`group.protocol=consumer`), which the broker owns; the mock's default is 30000 ms. */
  readonly consumerSessionTimeoutMs?: number;
}

/** The per-partition log the mock keeps: its newest 5 MiB (rdkafka_mock.c, `max_size`). */
export const MOCK_PARTITION_BYTES = 5 * 1024 * 1024;

/**
 * @example
 * const mc = new MockCluster({ brokers: 3, initialRebalanceDelayMs: 0 });
 * mc.createTopic('logs.raw.nginx', 8);
 * console.log(`bootstrap.servers=${mc.bootstrapServers}`);
 * … mc.close();
 */
export class MockCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,…`, one listener per broker. */
  readonly bootstrapServers: string;
  readonly brokers: number;
  private readonly rdk: Librdkafka;
  private rk: unknown;
  private mc: unknown;

  constructor(options: MockClusterOptions) {
    this.rdk = librdkafka();
    this.brokers = options.brokers;
    // A handle that never connects anywhere: it owns the mock cluster's
    // thread. librdkafka's own logger writes to stderr; level 3 keeps it to errors.
    this.rk = newHandle(this.rdk, { log_level: '3', 'client.id': 'gallra-kafka-dev' });
    const mc: unknown = this.rdk.mock_cluster_new(this.rk, options.brokers);
    if (mc === null) {
      this.rdk.destroy(this.rk);
      throw new GallraError('GALLRA_KAFKA_DEV_FAILED', 'kafka-dev: librdkafka could not start the mock cluster (are ports on 127.0.0.1 available?)');
    }
    this.mc = mc;
    this.bootstrapServers = this.rdk.mock_cluster_bootstraps(mc) as string;
    if (options.initialRebalanceDelayMs !== undefined) this.rdk.mock_group_initial_rebalance_delay_ms(mc, options.initialRebalanceDelayMs);
    if (options.consumerSessionTimeoutMs !== undefined) {
      this.rdk.mock_set_group_consumer_session_timeout_ms(mc, options.consumerSessionTimeoutMs);
      // Members heartbeat a few times per session, as Kafka's defaults do (45 s / 5 s).
      this.rdk.mock_set_group_consumer_heartbeat_interval_ms(mc, Math.max(100, Math.min(5000, Math.floor(options.consumerSessionTimeoutMs / 3))));
    }
  }

  /**
   * Creates a topic (synchronous). Throws TOPIC_ALREADY_EXISTS for a name
   * taken, including one a client auto-created (with 4 partitions).
   */
  createTopic(name: string, partitions: number, replicationFactor = Math.min(3, this.brokers)): void {
    this.check(this.rdk.mock_topic_create(this.live(), name, partitions, replicationFactor) as number, `create topic ${name}`);
  }

  /** Takes broker `id` (1-based) down: its listener stops answering, as a crashed broker's would. */
  brokerDown(id: number): void {
    this.check(this.rdk.mock_broker_set_down(this.live(), id) as number, `broker ${id} down`);
  }

  /** Brings broker `id` back. */
  brokerUp(id: number): void {
    this.check(this.rdk.mock_broker_set_up(this.live(), id) as number, `broker ${id} up`);
  }

  /** The next `errors.length` requests of `apiKey` (on any broker) fail with these Kafka error codes, in order. */
  pushRequestErrors(apiKey: number, errors: readonly number[]): void {
    this.rdk.mock_push_request_errors_array(this.live(), apiKey, errors.length, Int32Array.from(errors));
  }

  /** Forgets errors pushed for `apiKey` that have not been used yet. */
  clearRequestErrors(apiKey: number): void {
    this.rdk.mock_clear_request_errors(this.live(), apiKey);
  }

  /** Closes the listeners (clients see the brokers go away) and frees the cluster. Idempotent. */
  close(): void {
    if (this.mc === undefined) return;
    this.rdk.mock_cluster_destroy(this.mc);
    this.rdk.destroy(this.rk);
    this.mc = undefined;
    this.rk = undefined;
  }

  private live(): unknown {
    if (this.mc === undefined) throw new GallraError('GALLRA_KAFKA_DEV_FAILED', 'kafka-dev: the mock cluster is closed');
    return this.mc;
  }

  private check(err: number, what: string): void {
    if (err !== 0) throw new GallraError('GALLRA_KAFKA_DEV_FAILED', `kafka-dev: ${what}: ${this.rdk.err2str(err) as string} (${err})`);
  }
}

