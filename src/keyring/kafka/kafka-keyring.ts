/**
 * Kafka backend of the salt keyring: the salts of every instance of a
 * consumer group on one single-partition topic.
 *
 * Agreement without a coordinator: an instance that needs an epoch's salt
 * reads the topic to its end; if the epoch has a live salt record it takes
 * the first one, else it writes a fresh candidate and reads on until it sees
 * its own record — the first live record of the epoch in the log wins. Every
 * instance reads the one partition in the same order, so all take the same
 * salt, also when several write candidates at the same moment.
 *
 * Destruction: housekeeping writes a tombstone for every record of a closed
 * epoch; the topic's `cleanup.policy=compact,delete` with a short retention
 * removes a salt physically even when a tombstone is missed (topic-check.ts
 * holds the settings to that, at start). An epoch whose records are all
 * tombstoned has no salt: an instance whose clock still finds it open writes
 * a new one, unrelated to the destroyed one.
 *
 * Off the hot path like every keyring: saltFor() reads memory only (the
 * shared SaltTable); Kafka is read and written in prepare(), rotate() and
 * housekeeping, one operation at a time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GallraError } from '../../errors.js';
import { consumeBatch, type KafkaConsumer, kafkaErrorText, loadKafka, type Producer, queryWatermarks, topicPartitions } from '../../kafka/client.js';
import { clientProps, type LibrdkafkaOptions } from '../../kafka/options.js';
import { describeTopicConfig, KAFKA_DEV_MARKER_TOPIC } from '../../kafka/topic-config.js';
import type { Duration } from '../../time/duration.js';
import { closesAt, epochLabel, epochOf, type EpochPeriod } from '../../time/epoch.js';
import type { EpochSalt, Keyring, SaltFileInfo } from '../keyring.js';
import { SALT_BYTES } from '../salt-handle.js';
import { SaltTable } from '../salt-table.js';
import { SaltLog, saltKey } from './salt-log.js';
import { keyringTopicError, topicLimits, topicProblems } from './topic-check.js';

const PREPARED: Promise<void> = Promise.resolve();
const noop = (): void => undefined;

export interface KafkaKeyringOptions {
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly period: EpochPeriod;
  readonly grace: Duration;
  /** The retention gate's max_future: prepare() loads the epochs up to there. */
  readonly future: Duration;
  /** Check the topic's settings at start (see topic-check.ts). */
  readonly verifyTopic: boolean;
  /** Longest wait for one request to the cluster. */
  readonly timeoutMs: number;
  readonly options?: LibrdkafkaOptions;
  readonly now?: () => number;
  readonly ephemeralSecret?: Uint8Array;
  /** Warnings for the operator (never with salt bytes). */
  readonly warn?: (message: string) => void;
}

/**
 * @example
 * const keyring = new KafkaKeyring({ bootstrapServers: bs, topic: 'gallra.keyring', period: 'P1D', grace, future, verifyTopic: true, timeoutMs: 30_000 });
 * await keyring.rotate();          // at start: checks the topic, reads it to its end, makes sure today's salt exists
 * await keyring.prepare(Date.now()); const s = keyring.saltFor(eventMs);
 * keyring.close();
 */
export class KafkaKeyring implements Keyring {
  readonly period: EpochPeriod;
  readonly grace: Duration;
  readonly #o: KafkaKeyringOptions;
  readonly #now: () => number;
  readonly #table: SaltTable;
  readonly #log = new SaltLog();
  /** This instance's writer id, part of every record key it writes. */
  readonly #writer = randomUUID();
  #consumer: KafkaConsumer | undefined;
  #producer: Producer | undefined;
  #started: Promise<void> | undefined;
  /** The offset after the last record read. */
  #next = 0;
  #tail: Promise<void> = PREPARED;
  #generation = 0;
  #closed: Promise<void> | undefined;
  #deliveries = new Map<number, { resolve: (offset: number) => void; reject: (err: Error) => void }>();
  #nextDelivery = 0;

  constructor(options: KafkaKeyringOptions) {
    this.#o = options;
    this.#table = new SaltTable(options);
    this.period = options.period;
    this.grace = options.grace;
    this.#now = options.now ?? Date.now;
  }

  prepare(nowMs: number): Promise<void> {
    if (!Number.isFinite(nowMs)) return Promise.reject(new RangeError(`prepare: now must be a time in ms, got ${String(nowMs)}`));
    this.#table.observe(nowMs);
    if (this.#table.isPrepared(nowMs)) return PREPARED;
    return this.#serial(() => this.#prepare(nowMs));
  }

  saltFor(eventMs: number): EpochSalt {
    return this.#table.lookup(eventMs, this.#now());
  }

  /** The salts on the topic (no bytes); `path` is `kafka:<topic>/<record key>`. */
  list(): Promise<SaltFileInfo[]> {
    return this.#serial(async () => {
      await this.#catchUp();
      return this.#infos(this.#now());
    });
  }

  /** Destroys closed salts, then makes sure the current epoch's salt exists. */
  rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }> {
    return this.#serial(async () => {
      const destroyed = await this.#destroy(false);
      const now = this.#now();
      this.#table.observe(now);
      const epoch = epochOf(now, this.period);
      let created: SaltFileInfo | undefined;
      if (this.#table.needs(epoch) && (await this.#load(epoch))) created = this.#infos(now).find((i) => i.start === epoch.start && i.period === this.period);
      return { created, destroyed };
    });
  }

  destroyClosed(): Promise<SaltFileInfo[]> {
    return this.#serial(() => this.#destroy(false));
  }

  destroyAll(): Promise<SaltFileInfo[]> {
    return this.#serial(() => this.#destroy(true));
  }

  /** Wipes every salt in memory and disconnects (in the background; {@link closed} resolves when done). */
  close(): void {
    this.#generation++;
    this.#table.wipeAll();
    this.#table.renewSecret();
    this.#log.wipe();
    this.#closed ??= this.#disconnect();
  }

  /** Resolves once close() has disconnected the keyring's clients. */
  get closed(): Promise<void> {
    return this.#closed ?? PREPARED;
  }

  async #prepare(nowMs: number): Promise<void> {
    const generation = this.#generation;
    const missing = this.#table.missing(nowMs);
    if (missing.length > 0) {
      await this.#catchUp();
      for (const epoch of missing) {
        await this.#load(epoch);
        if (generation !== this.#generation) return;
      }
    }
    if (generation === this.#generation) this.#table.markPrepared(nowMs);
  }

  /**
   * Installs the epoch's salt: the first live record on the topic, after
   * writing a candidate when there is none. Returns whether this instance's
   * candidate won (it created the salt).
   */
  async #load(epoch: { start: number; end: number }): Promise<boolean> {
    const generation = this.#generation;
    await this.#catchUp();
    let mine = false;
    if (this.#log.winner(this.period, epoch.start) === undefined) {
      const key = saltKey(this.period, epoch.start, this.#writer);
      const bytes = randomBytes(SALT_BYTES);
      const offset = await this.#write(key, bytes);
      bytes.fill(0);
      // Read past our own record: whatever came first is the salt.
      await this.#catchUp(offset + 1);
      mine = this.#log.winnerKey(this.period, epoch.start) === key;
    }
    const winner = this.#log.winner(this.period, epoch.start);
    if (winner === undefined) throw this.#ioError(`the salt of ${this.period}-${epochLabel(epoch.start)} was destroyed while it was being created; try again`);
    if (generation === this.#generation) this.#table.install(epoch, winner);
    else winner.fill(0);
    return mine;
  }

  /** Tombstones every record of the closed epochs (all epochs with `all`); returns what it destroyed. */
  async #destroy(all: boolean): Promise<SaltFileInfo[]> {
    const now = this.#now();
    if (all) this.#table.wipeAll();
    else this.#table.wipeClosed(now);
    await this.#catchUp();
    const doomed = this.#infos(now).filter((i) => all || i.state === 'closed');
    for (const info of doomed) {
      const e = this.#log.epochs().find((x) => x.period === info.period && x.start === info.start);
      for (const key of e?.keys ?? []) await this.#write(key, null);
    }
    if (doomed.length > 0) await this.#catchUp();
    return doomed;
  }

  #infos(now: number): SaltFileInfo[] {
    return this.#log.epochs().map((e) => {
      const bounds = epochOf(e.start, e.period);
      const closeAt = closesAt(bounds, this.grace);
      return { period: e.period, start: bounds.start, end: bounds.end, closesAt: closeAt, state: closeAt <= now ? 'closed' : 'open', path: `kafka:${this.#o.topic}/${e.keys[0] ?? ''}` };
    });
  }

  /** Connects, checks the topic and reads it to its end, once. */
  #start(): Promise<void> {
    this.#started ??= this.#connect();
    return this.#started;
  }

  async #connect(): Promise<void> {
    const Kafka = await loadKafka();
    const o = this.#o;
    const t = o.timeoutMs;
    const common = clientProps(o.bootstrapServers, o.options ?? {}, { 'client.id': 'gallra-keyring' });
    const producer = new Kafka.Producer({ ...common, 'enable.idempotence': true, acks: 'all', dr_cb: true } as never);
    producer.on('delivery-report', (err, report) => {
      const id = report.opaque as number;
      const d = this.#deliveries.get(id);
      this.#deliveries.delete(id);
      if (err) d?.reject(this.#ioError(`writing a salt record failed: ${kafkaErrorText(err)}`));
      else d?.resolve(report.offset);
    });
    // Never joins a group: it only reads the one partition with assign(); node-rdkafka wants a group id all the same.
    const consumer = new Kafka.KafkaConsumer({ ...common, 'group.id': `gallra-keyring-${this.#writer}`, 'enable.auto.commit': false, 'enable.auto.offset.store': false } as never, { 'auto.offset.reset': 'earliest' });
    this.#producer = producer;
    this.#consumer = consumer;
    try {
      await Promise.all([producer, consumer].map((c) => new Promise<void>((res, rej) => c.connect({ timeout: t }, (err) => (err ? rej(err as unknown as Error) : res())))));
    } catch (err) {
      throw this.#ioError(`cannot connect to ${o.bootstrapServers}: ${kafkaErrorText(err)}`, err);
    }
    producer.setPollInterval(50);
    consumer.setDefaultConsumeTimeout(100);
    const topics = await topicPartitions(producer, t).catch((err: unknown) => {
      throw this.#ioError(`cannot list the cluster's topics: ${kafkaErrorText(err)}`, err);
    });
    const partitions = topics.get(o.topic);
    if (partitions === undefined) {
      throw new GallraError('GALLRA_CONFIG_KEYRING_TOPIC', `keyring topic ${o.topic} does not exist\n  fix: create it with one partition and the settings in the README (gallra kafka-dev: --topic ${o.topic}:1)`);
    }
    // Agreement rests on every instance reading the records in one order: one partition.
    if (partitions !== 1) throw new GallraError('GALLRA_CONFIG_KEYRING_TOPIC', `keyring topic ${o.topic} has ${partitions} partitions\n  fix: use a topic with exactly one partition`);
    if (o.verifyTopic) await this.#verify(topics.has(KAFKA_DEV_MARKER_TOPIC));
    else o.warn?.(`keyring topic ${o.topic}: settings not checked (verify_topic: false); make sure its retention removes salts soon after their epoch`);
    consumer.assign([{ topic: o.topic, partition: 0, offset: -2 }]);
    const w = await queryWatermarks(consumer, o.topic, 0, t);
    this.#next = w.lowOffset;
  }

  async #verify(embedded: boolean): Promise<void> {
    const o = this.#o;
    if (embedded) {
      // The mock keeps no topic configs (it cannot answer DescribeConfigs), and its data is gone when it stops.
      o.warn?.(`keyring topic ${o.topic}: gallra kafka-dev's mock cluster has no topic settings to check; its salts are destroyed by tombstones only, and vanish when it stops`);
      return;
    }
    const limits = topicLimits(this.period, this.grace, this.#table.future);
    let config: Map<string, string | null>;
    try {
      config = await describeTopicConfig(clientProps(o.bootstrapServers, o.options ?? {}), o.topic, o.timeoutMs);
    } catch (err) {
      throw new GallraError(
        'GALLRA_CONFIG_KEYRING_TOPIC',
        `keyring topic ${o.topic}: cannot read its settings (${(err as Error).message})\n  fix: allow gallra DescribeConfigs on the topic, or check the settings in the README yourself and set salts.kafka.verify_topic: false`,
        { cause: err },
      );
    }
    const problems = topicProblems(config, limits);
    if (problems.length > 0) throw keyringTopicError(o.topic, problems, limits);
  }

  /** Reads the topic up to its high watermark now (at least up to `atLeast`), applying every record. */
  async #catchUp(atLeast = 0): Promise<void> {
    await this.#start();
    const consumer = this.#consumer!;
    const o = this.#o;
    const { highOffset } = await queryWatermarks(consumer, o.topic, 0, o.timeoutMs).catch((err: unknown) => {
      throw this.#ioError(`cannot read the end of ${o.topic}: ${kafkaErrorText(err)}`, err);
    });
    const end = Math.max(highOffset, atLeast);
    const deadline = performance.now() + o.timeoutMs;
    while (this.#next < end) {
      if (performance.now() > deadline) throw this.#ioError(`reading ${o.topic} did not reach offset ${end} in ${o.timeoutMs} ms`);
      // A failed call (a broker reconnecting) is simply tried again until the deadline.
      const msgs = await consumeBatch(consumer, 500).catch(() => []);
      for (const m of msgs) {
        if (m.topic !== o.topic || m.offset < this.#next) continue;
        this.#next = m.offset + 1;
        const touched = this.#log.apply(m.key === null || m.key === undefined ? undefined : m.key.toString(), m.value);
        // Another instance destroyed every salt (salts destroy --all): forget ours too.
        if (touched?.tombstone === true && touched.period === this.period && this.#log.winner(this.period, touched.start) === undefined && closesAt(epochOf(touched.start, this.period), this.grace) > this.#now()) {
          this.#table.wipeAll();
        }
      }
    }
  }

  /** Writes one record (null: a tombstone) and resolves with its offset once every in-sync replica has it. */
  #write(key: string, value: Uint8Array | null): Promise<number> {
    const producer = this.#producer!;
    const id = this.#nextDelivery++;
    return new Promise<number>((resolve, reject) => {
      this.#deliveries.set(id, { resolve, reject });
      try {
        producer.produce(this.#o.topic, 0, value === null ? null : Buffer.from(value), key, Date.now(), id);
        producer.poll();
      } catch (err) {
        this.#deliveries.delete(id);
        reject(this.#ioError(`cannot write to ${this.#o.topic}: ${kafkaErrorText(err)}`, err));
      }
    });
  }

  async #disconnect(): Promise<void> {
    const producer = this.#producer;
    const consumer = this.#consumer;
    this.#producer = undefined;
    this.#consumer = undefined;
    await this.#started?.catch(noop);
    await Promise.all([
      producer === undefined ? undefined : new Promise<void>((res) => (producer.setPollInterval(0), producer.disconnect(5000, () => res()))),
      consumer === undefined ? undefined : new Promise<void>((res) => consumer.disconnect(() => res())),
    ]);
  }

  #ioError(message: string, cause?: unknown): GallraError {
    return new GallraError('GALLRA_KEYRING_IO', `salt keyring on Kafka: ${message}`, { cause });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.then(noop, noop);
    return run;
  }
}
