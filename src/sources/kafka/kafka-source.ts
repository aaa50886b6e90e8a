/**
 * `kafka` source: a member of a consumer group reading records with
 * node-rdkafka's `consume(n)` batch loop (not the flowing mode: it has no
 * back-pressure but `pause()`, which discards prefetched data, and it
 * crashes when disconnected while data arrives).
 *
 * Acknowledgement (at least once): offsets are committed only after every
 * sink has durably accepted the records below them (SourcePipeline flushes,
 * then calls commit()), per partition, only the contiguous acknowledged
 * prefix, asynchronously, with auto-commit and auto offset store off.
 *
 * Rebalances: every assignment of a partition is a new generation. On a
 * revocation the acknowledged prefix of the revoked partitions is committed
 * inside the rebalance callback (synchronously, the last chance), and their
 * records still in flight are forgotten: positions that come back for them
 * carry the old generation and are ignored, so this member never commits
 * for a partition another member owns. A record delivered by a consume call
 * that began before its partition was (re)assigned may belong to the old
 * assignment: it is processed but its position is never committed.
 *
 * Back-pressure: consume() is not called while the records in flight reach
 * their bounds (overall and per partition), nor while a sink is slow — the
 * pipeline pulls the next batch only after the sinks took the last one.
 */
import { GallraError } from '../../errors.js';
import { BrokerWatch } from '../../kafka/broker-watch.js';
import { type KafkaConsumer, kafkaErrorText, type LibrdKafkaError, loadKafka, type Message } from '../../kafka/client.js';
import { clientProps } from '../../kafka/options.js';
import type { Health, MetricSample } from '../../util/metric.js';
import { type RecordFieldOp, type RecordFields, type RecordsBatch, type Source, type SourcePosition, type SourceRecord, Waiter } from '../source.js';
import type { KafkaSourceConfig, RecordFieldRule } from './config.js';
import { commitLater, commitNow, SourceMetrics } from './kafka-metrics.js';
import { PartitionState } from './partitions.js';
import type { KafkaHeader, KafkaRecordAck, KafkaSegment } from './record-ack.js';

/** librdkafka's rebalance event codes (ERR__ASSIGN_PARTITIONS, ERR__REVOKE_PARTITIONS). */
const ASSIGN = -175;
const REVOKE = -174;
const CONNECT_TIMEOUT_MS = 30_000;
const EMPTY = Buffer.alloc(0);

export interface KafkaSourceOptions {
  readonly name: string;
  readonly config: KafkaSourceConfig;
  readonly warn: (message: string) => void;
  readonly now: () => number;
  readonly recordFields: RecordFields | undefined;
}

/**
 * @example
 * const src = new KafkaSource({ name: 'nginx', config, warn, now: Date.now, recordFields });
 * await src.start(); for await (const b of src.batches()) …; await src.commit(positions); await src.close();
 */
export class KafkaSource implements Source {
  readonly name: string;
  readonly drops: Record<string, number> = {};
  private consumer: KafkaConsumer | undefined;
  /** Whether the cluster is reachable now (readiness). */
  private brokers: BrokerWatch | undefined;
  private readonly parts = new Map<string, PartitionState>();
  /** Counts assignments: each assigned partition gets the next number as its generation. */
  private generation = 0;
  /** Counts rebalance callbacks; a revoked partition remembers the count of its revocation. */
  private rebalances = 0;
  private readonly revokedAt = new Map<string, number>();
  private inFlight = 0;
  private stopped = false;
  private closing = false;
  private assigned = false;
  private failure: Error | undefined;
  private readonly waiter = new Waiter();
  private readonly keyOp: RecordFieldOp | undefined;
  private readonly headerOps: ReadonlyMap<string, RecordFieldOp>;
  private readonly needsSalts: boolean;
  readonly stats = new SourceMetrics();

  constructor(private readonly o: KafkaSourceOptions) {
    this.name = o.name;
    const c = o.config;
    const rules = [c.key, ...Object.values(c.headers)];
    this.needsSalts = rules.includes('pseudonymise');
    if (rules.some((r) => r !== 'keep' && r !== 'drop') && o.recordFields === undefined) {
      throw new GallraError('GALLRA_INTERNAL', `kafka source ${o.name}: key and header rules other than keep and drop need the policy's transforms`);
    }
    this.keyOp = this.opFor(c.key, 'kafka_key');
    const headerOps = new Map<string, RecordFieldOp>();
    for (const [h, rule] of Object.entries(c.headers)) {
      const op = this.opFor(rule, `kafka_header_${h}`);
      if (op !== undefined) headerOps.set(h, op);
    }
    this.headerOps = headerOps;
  }

  private opFor(rule: RecordFieldRule, name: string): RecordFieldOp | undefined {
    if (rule === 'drop') return undefined;
    if (rule === 'keep') return (v) => v;
    return this.o.recordFields!.compile(rule, name);
  }

  async start(): Promise<void> {
    const Kafka = await loadKafka();
    const c = this.o.config;
    const props = clientProps(c.bootstrap_servers, c.options, { 'client.id': `gallra-${this.name}`, 'queued.max.messages.kbytes': 2048, 'queued.min.messages': 10_000, 'fetch.queue.backoff.ms': 10 }, {
      'group.id': c.group,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': false,
    });
    const consumer = new Kafka.KafkaConsumer(
      {
        ...props,
        rebalance_cb: (err: LibrdKafkaError, assignment: { topic: string; partition: number }[]) => this.onRebalance(err, assignment),
        offset_commit_cb: (err: LibrdKafkaError | undefined, tps: { topic: string; partition: number; offset: number; error?: unknown }[]) => this.onCommitted(err, tps),
      } as never,
      { 'auto.offset.reset': c.start_from },
    );
    const brokers = (this.brokers = new BrokerWatch(consumer));
    consumer.on('event.error', (err) => {
      brokers.onError(err);
      this.onError(err);
    });
    try {
      await new Promise<void>((resolve, reject) => consumer.connect({ timeout: CONNECT_TIMEOUT_MS }, (err) => (err ? reject(err as unknown as Error) : resolve())));
    } catch (err) {
      throw new GallraError('GALLRA_SOURCE_FAILED', `kafka source ${this.name}: cannot connect to ${c.bootstrap_servers}: ${kafkaErrorText(err)}`, { cause: err });
    }
    consumer.setDefaultConsumeTimeout(c.consume_timeout_ms);
    // Reachable before the first rebalance callback, which subscribe() leads to.
    this.consumer = consumer;
    consumer.subscribe(c.topics);
  }

  async *batches(): AsyncIterable<RecordsBatch> {
    const consumer = this.consumer;
    if (consumer === undefined) throw new GallraError('GALLRA_INTERNAL', `kafka source ${this.name}: batches() before start()`);
    const c = this.o.config;
    while (!this.stopped) {
      if (this.failure !== undefined) throw this.failure;
      if (this.overBound()) {
        // Resumes when a commit acknowledges records (or stop() is called).
        await this.waiter.wait(250);
        continue;
      }
      const startRebalances = this.rebalances;
      let msgs: Message[];
      try {
        msgs = await new Promise<Message[]>((resolve, reject) => consumer.consume(c.batch_size, (err, m) => (err ? reject(err as unknown as Error) : resolve(m))));
      } catch (err) {
        // Unknown topic, broker transport errors: librdkafka recovers on its own.
        this.stats.consumeErrors++;
        this.warnThrottled(`consume: ${kafkaErrorText(err)}`);
        await this.waiter.wait(100);
        continue;
      }
      if (msgs.length === 0) continue;
      const records = await this.recordsOf(msgs, startRebalances);
      if (records.length > 0) yield { kind: 'records', records };
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The records of a consume call, keys and headers anonymised, each handed
   * out to its partition. A consume call returns runs of records of one
   * partition: the partition's state and the counters are looked up once
   * per run, not per record.
   */
  private async recordsOf(msgs: readonly Message[], startRebalances: number): Promise<SourceRecord[]> {
    const now = this.o.now();
    if (this.needsSalts) await this.o.recordFields!.prepare(now);
    const records: SourceRecord[] = [];
    let topic = '';
    let partition = -1;
    let part: PartitionState | undefined;
    /** Whether the run's partition was revoked during this consume call (and assigned again). */
    let rebalanced = false;
    let run = 0;
    let handedOut = 0;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.partition !== partition || m.topic !== topic) {
        if (run > 0) this.stats.consumed(topic, run);
        topic = m.topic;
        partition = m.partition;
        run = 0;
        const key = `${topic}/${partition}`;
        part = this.parts.get(key);
        // Revoked during this consume call (and assigned again): the record may
        // have been fetched under the old assignment, ahead of where the new one
        // starts. It is processed, but committing its position could skip records.
        rebalanced = (this.revokedAt.get(key) ?? -1) > startRebalances;
      }
      if (part === undefined) {
        // Revoked while the consume call ran: the new owner reads it from the committed offset.
        this.stats.skippedRevoked++;
        continue;
      }
      run++;
      let segment: KafkaSegment = part.segment;
      if (rebalanced || !part.handOut(m.offset)) {
        segment = part.uncommittable;
        this.stats.uncommittable++;
      } else {
        handedOut++;
      }
      const ts = m.timestamp;
      const time = typeof ts === 'number' && ts > 0 ? (ts < now ? ts : now) : now;
      const ack: KafkaRecordAck = { segment, offset: m.offset + 1, headers: this.headerOps.size === 0 ? undefined : this.headersOf(m, time) };
      records.push({ value: m.value ?? EMPTY, key: this.keyOp === undefined ? undefined : this.keyOf(m, time), ack });
    }
    if (run > 0) this.stats.consumed(topic, run);
    this.inFlight += handedOut;
    return records;
  }

  private keyOf(m: Message, time: number): string | undefined {
    const k = m.key;
    if (this.keyOp === undefined || k === null || k === undefined) return undefined;
    return this.keyOp(typeof k === 'string' ? k : k.toString('utf8'), time);
  }

  private headersOf(m: Message, time: number): KafkaHeader[] | undefined {
    if (this.headerOps.size === 0 || m.headers === undefined) return undefined;
    let out: KafkaHeader[] | undefined;
    for (const h of m.headers) {
      for (const [name, value] of Object.entries(h)) {
        const op = this.headerOps.get(name);
        if (op === undefined) continue;
        const v = op(typeof value === 'string' ? value : value.toString('utf8'), time);
        if (v !== undefined) (out ??= []).push({ [name]: v });
      }
    }
    return out;
  }

  wantsCommit(): boolean {
    return this.overBound();
  }

  private overBound(): boolean {
    const c = this.o.config;
    if (this.inFlight >= c.max_in_flight) return true;
    for (const p of this.parts.values()) if (p.inFlight >= c.max_in_flight_per_partition) return true;
    return false;
  }

  /**
   * Every record below each position is durable downstream: moves each
   * partition's acknowledged prefix and commits it (asynchronously).
   * Positions of partitions no longer assigned, or of an older assignment,
   * are dropped.
   */
  async commit(positions: readonly SourcePosition[]): Promise<void> {
    for (const p of positions) {
      const seg = p.segment as KafkaSegment;
      const part = this.parts.get(seg.key);
      if (part === undefined || part.generation !== seg.generation) {
        this.stats.staleAcks++;
        continue;
      }
      const before = part.inFlight;
      part.acknowledge(p.offset);
      this.inFlight -= before - part.inFlight;
    }
    this.sendCommits(false);
    this.waiter.wake();
  }

  /**
   * Commits every partition whose acknowledged prefix moved; `sync` for the
   * last chance (rebalance, close), which also sends again what was sent but
   * not confirmed.
   */
  private sendCommits(sync: boolean, only?: readonly PartitionState[]): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    const due = (only ?? [...this.parts.values()]).filter((p) => p.needsCommit() || (sync && p.committable() > p.confirmed));
    if (due.length === 0) return;
    const tps = due.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.committable() }));
    for (const p of due) p.sent = p.committable();
    const warn = (msg: string): void => this.warnThrottled(msg);
    if (sync) {
      // Confirmed now: the revocation that follows close() (leaving the group) need not send it again.
      if (commitNow(consumer, tps, this.stats, warn)) for (const p of due) p.confirmed = Math.max(p.confirmed, p.sent);
    } else if (!commitLater(consumer, tps, this.stats, warn)) for (const p of due) p.sent = p.confirmed;
  }

  private onCommitted(err: LibrdKafkaError | undefined, tps: readonly { topic: string; partition: number; offset: number; error?: unknown }[]): void {
    this.stats.committed(err === undefined || err === null, tps ?? []);
    for (const tp of tps ?? []) {
      const part = this.parts.get(`${tp.topic}/${tp.partition}`);
      if (part === undefined) continue;
      // A failed commit (a rebalance under way) is sent again with the next one.
      if ((err !== undefined && err !== null) || (tp.error !== undefined && tp.error !== null)) part.sent = part.confirmed;
      else part.confirmed = Math.max(part.confirmed, tp.offset);
    }
    if (err !== undefined && err !== null) this.warnThrottled(`commit: ${kafkaErrorText(err)} (sent again with the next commit)`);
  }

  /** node-rdkafka calls this on the main thread; a throw here would crash the process, so nothing escapes. */
  private onRebalance(err: LibrdKafkaError, assignment: readonly { topic: string; partition: number }[]): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    this.rebalances++;
    try {
      const cooperative = consumer.rebalanceProtocol() === 'COOPERATIVE';
      if (err.code === ASSIGN) {
        for (const tp of assignment) this.parts.set(`${tp.topic}/${tp.partition}`, new PartitionState(tp.topic, tp.partition, ++this.generation));
        if (cooperative) consumer.incrementalAssign([...assignment]);
        else consumer.assign([...assignment]);
        this.stats.assignments++;
        this.assigned = true;
      } else {
        // A revocation (or an error, after which librdkafka wants everything unassigned).
        const revoked = err.code === REVOKE ? assignment.map((tp) => this.parts.get(`${tp.topic}/${tp.partition}`)).filter((p) => p !== undefined) : [...this.parts.values()];
        this.sendCommits(true, revoked);
        for (const p of revoked) {
          this.inFlight -= p.inFlight;
          this.parts.delete(p.key);
          this.revokedAt.set(p.key, this.rebalances);
        }
        if (err.code === REVOKE && cooperative) consumer.incrementalUnassign([...assignment]);
        else consumer.unassign();
        this.stats.revocations++;
        if (err.code !== REVOKE) this.warnThrottled(`rebalance: ${kafkaErrorText(err)}`);
      }
    } catch (e) {
      this.warnThrottled(`rebalance: ${kafkaErrorText(e)}`);
    }
    this.waiter.wake();
  }

  private onError(err: LibrdKafkaError): void {
    if (err.isFatal === true) {
      this.failure ??= new GallraError('GALLRA_SOURCE_FAILED', `kafka source ${this.name}: fatal consumer error: ${kafkaErrorText(err)}`);
      this.waiter.wake();
      return;
    }
    // Transport errors and the like: librdkafka reconnects by itself.
    this.warnThrottled(`consumer: ${kafkaErrorText(err)}`);
  }

  private readonly warnedAt = new Map<string, number>();

  /** One warning per kind of problem per 30 seconds: a broker that is down would otherwise fill the log. */
  private warnThrottled(message: string): void {
    const kind = message.replace(/\d+/g, '#');
    const now = Date.now();
    if (now - (this.warnedAt.get(kind) ?? -Infinity) < 30_000) return;
    this.warnedAt.set(kind, now);
    this.o.warn(`kafka source ${this.name}: ${message}`);
  }

  stop(): void {
    this.stopped = true;
    this.waiter.wake();
  }

  /** Commits what is acknowledged and not yet confirmed (synchronously), then leaves the group. */
  async close(): Promise<void> {
    this.stop();
    const consumer = this.consumer;
    if (consumer === undefined || this.closing) return;
    this.sendCommits(true);
    this.brokers?.close();
    // The consumer stays reachable: leaving the group ends with a revocation
    // that the rebalance callback must answer (unassign), or disconnect waits forever.
    this.closing = true;
    await new Promise<void>((resolve) => {
      try {
        consumer.disconnect(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  lagBytes(): number {
    return 0;
  }

  health(): Health {
    if (this.failure !== undefined) return { ready: false, reason: 'consumer failed' };
    if (this.brokers?.down === true) return { ready: false, reason: 'no Kafka broker reachable' };
    if (!this.assigned) return { ready: false, reason: 'waiting for the consumer group to assign partitions' };
    return { ready: true };
  }

  metrics(): readonly MetricSample[] {
    const out = this.stats.samples(this.name, this.consumer, this.parts, this.inFlight);
    out.push({ name: 'gallra_kafka_brokers_unreachable', help: 'Whether every Kafka broker is unreachable now (1: /readyz fails), per client.', type: 'gauge', labels: { source: this.name }, value: this.brokers?.down === true ? 1 : 0 });
    return out;
  }
}
