/**
 * `kafka` sink: each anonymised event becomes one record of the sink's
 * topic, produced idempotently (`enable.idempotence=true`, `acks=all`).
 *
 * Durability: flush() resolves only once every record written before it is
 * known delivered. With a delivery report per record (the default) that is
 * a count: `producer.flush()` alone is no barrier, because node-rdkafka hands
 * reports to JavaScript at most 100 per event-loop turn and its flush
 * callback runs before most of them. A failed delivery is never counted as
 * delivered: a transient failure sends the record again, a fatal producer
 * error recreates the producer and sends again everything not yet delivered
 * (reports of the old producer are ignored), and a record Kafka rejects for
 * good goes to the dead-letter topic — or, without one, fails the sink so
 * that nothing after it is acknowledged.
 *
 * Back-pressure: write() waits while `max_in_flight` records are undelivered
 * and while librdkafka's queue is full (serving delivery reports with
 * poll() until it has room).
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { GallraError } from '../../errors.js';
import { BrokerWatch } from '../../kafka/broker-watch.js';
import { kafkaErrorText, type LibrdKafkaError, loadKafka, type Producer } from '../../kafka/client.js';
import { clientProps } from '../../kafka/options.js';
import { isKafkaRecordAck, type KafkaHeader } from '../../sources/kafka/record-ack.js';
import type { Health, MetricSample } from '../../util/metric.js';
import type { EncodedBatch, RetentionProblem, Sink, SweepOutcome } from '../sink.js';
import type { KafkaSinkConfig } from './config.js';
import { classifyFailure, type Outgoing, REASON_HEADER, SOURCE_HEADER } from './delivery.js';
import { Ledger, outgoing, valueOf, type WrittenBatch } from './ledger.js';
import type { KafkaTopicStore } from './retention.js';
import { SinkMetrics } from './sink-metrics.js';

/** librdkafka's ERR__QUEUE_FULL and ERR_MSG_SIZE_TOO_LARGE, as produce() throws them. */
const QUEUE_FULL = -184;
const MSG_SIZE_TOO_LARGE = 10;
const CONNECT_TIMEOUT_MS = 30_000;
/** How long write() waits before producing again a record librdkafka refused for a transient reason. */
const RETRY_MS = 200;
/** How long one librdkafka flush call waits before the barrier looks again (it goes on waiting: a broker may be down). */
const FLUSH_STEP_MS = 1000;

export interface KafkaSinkOptions {
  readonly name: string;
  readonly config: KafkaSinkConfig;
  readonly warn: (message: string) => void;
  /** The topics as a store held to the window (their retention settings, checked at start). */
  readonly topics?: KafkaTopicStore;
}

interface DeliveryReport {
  readonly topic: string;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly opaque?: unknown;
}

/**
 * @example
 * const sink = new KafkaSink({ name: 'anon', config, warn });
 * await sink.write(batch); await sink.flush(); await sink.close();
 */
export class KafkaSink implements Sink {
  readonly name: string;
  private producer: Producer | undefined;
  /** Whether the current producer reaches the cluster now (readiness). */
  private brokers: BrokerWatch | undefined;
  /** The producer's generation: reports of a producer that was replaced are ignored. */
  private epoch = 0;
  private connecting: Promise<void> | undefined;
  /** delivery_reports: all — undelivered records by the id given to produce() as its opaque. */
  private readonly pending = new Map<number, Outgoing>();
  private nextId = 0;
  /** delivery_reports: errors — records produced since the last barrier, in order. */
  private readonly unconfirmed = new Ledger();
  /** Records to send (again): transient failures, dead letters. */
  private resend: Outgoing[] = [];
  private fatal = false;
  private failure: Error | undefined;
  private closed = false;
  private reports = 0;
  /** delivery_reports: errors — a failure report matched no record since the last barrier. */
  private unmatchedFailure = false;
  private wakeProgress: (() => void) | undefined;
  private readonly onlyErrors: boolean;
  readonly stats = new SinkMetrics();

  constructor(private readonly o: KafkaSinkOptions) {
    this.name = o.name;
    this.onlyErrors = o.config.delivery_reports === 'errors';
    // Connecting starts now: a wrong address is reported at the first write, flush or health check.
    this.connecting = this.connect();
    this.connecting.catch(() => undefined);
  }

  get linesWritten(): number {
    return this.stats.written;
  }

  private async connect(): Promise<void> {
    const Kafka = await loadKafka();
    const c = this.o.config;
    const props = clientProps(c.bootstrap_servers, c.options, { 'client.id': `gallra-${this.name}`, 'linger.ms': 5 }, {
      'enable.idempotence': true,
      acks: 'all',
      'delivery.report.only.error': this.onlyErrors,
    });
    // Failure reports for failures only must say which record failed: with dr_msg_cb they carry its value (no opaque there, see produce()).
    const producer = new Kafka.Producer({ ...props, ...(this.onlyErrors ? { dr_msg_cb: true } : { dr_cb: true }) } as never);
    const epoch = ++this.epoch;
    producer.on('delivery-report', (err, report) => this.onReport(epoch, err, report as DeliveryReport));
    const brokers = new BrokerWatch(producer);
    producer.on('event.error', (err) => {
      if (epoch === this.epoch) brokers.onError(err);
      this.onError(epoch, err);
    });
    try {
      await new Promise<void>((resolve, reject) => producer.connect({ timeout: CONNECT_TIMEOUT_MS }, (err) => (err ? reject(err as unknown as Error) : resolve())));
    } catch (err) {
      this.failure ??= new GallraError('GALLRA_SINK_FAILED', `kafka sink ${this.name}: cannot connect to ${c.bootstrap_servers}: ${kafkaErrorText(err)}`, { cause: err });
      throw this.failure;
    }
    // Delivery reports are served by poll(); between writes a timer polls.
    producer.setPollInterval(20);
    this.brokers?.close();
    this.brokers = brokers;
    this.producer = producer;
  }

  private async ready(): Promise<Producer> {
    if (this.failure !== undefined) throw this.failure;
    if (this.fatal) await this.recreate();
    await this.connecting;
    if (this.failure !== undefined) throw this.failure;
    return this.producer!;
  }

  async write(batch: EncodedBatch): Promise<void> {
    if (batch.count === 0) return;
    const producer = await this.ready();
    const c = this.o.config;
    const dead = c.dead_letter?.topic;
    // One encoding for the batch; each record a view of it (produce() copies the bytes). Views need one byte per character.
    // Not Buffer.from(text): for a string over 4 KiB it allocates three bytes per character (then shrinks), ~1 µs a record here.
    const encoded = Buffer.allocUnsafe(Buffer.byteLength(batch.text, 'utf8'));
    encoded.write(batch.text, 0, 'utf8');
    const ascii = encoded.length === batch.text.length;
    let headers: (readonly KafkaHeader[] | undefined)[] | undefined;
    let values: Buffer[] | undefined;
    for (let i = 0, start = 0; i < batch.count; start = batch.ends[i++]!) {
      const ack = batch.acks?.[i];
      const kafkaAck = ack !== undefined && isKafkaRecordAck(ack) ? ack : undefined;
      let h: readonly KafkaHeader[] | undefined = kafkaAck?.headers;
      if (dead !== undefined && batch.unparsed?.[i] === true) h = [...(h ?? []), { [REASON_HEADER]: 'unparsed' }, ...sourceHeader(kafkaAck)];
      if (h !== undefined) (headers ??= new Array<readonly KafkaHeader[] | undefined>(batch.count))[i] = h;
      if (!ascii) (values ??= new Array<Buffer>(batch.count))[i] = Buffer.from(batch.text.slice(start, batch.ends[i]! - 1), 'utf8');
    }
    const written: WrittenBatch = { topic: c.topic, dead, whole: ascii ? encoded : undefined, values, ends: batch.ends, times: batch.times, keys: batch.keys, unparsed: batch.unparsed, headers };
    for (let i = 0; i < batch.count; i++) {
      // The usual case needs no await: an await per record costs more than producing it.
      if (!this.trySend(producer, written, i)) await this.send(producer, outgoing(written, i));
    }
    this.stats.written += batch.count;
    producer.poll();
  }

  /** Produces record `i` of a written batch when nothing stands in the way; false leaves it to {@link send}. */
  private trySend(producer: Producer, b: WrittenBatch, i: number): boolean {
    if (this.fatal || producer !== this.producer || this.failure !== undefined || this.inFlight() >= this.o.config.max_in_flight) return false;
    if (!this.onlyErrors) {
      try {
        this.produce(producer, outgoing(b, i));
      } catch {
        // Queue full, a refusal: send() sorts it out.
        return false;
      }
      return true;
    }
    const unparsed = b.dead !== undefined && b.unparsed?.[i] === true;
    try {
      // No opaque: node-rdkafka frees an opaque only when its report comes, and successes are not reported.
      producer.produce(unparsed ? b.dead! : b.topic, null, valueOf(b, i), b.keys?.[i], b.times[i]!, undefined, b.headers?.[i] as KafkaHeader[] | undefined);
    } catch {
      return false;
    }
    this.unconfirmed.add(b, i);
    this.stats.produced++;
    return true;
  }

  /** Hands one record to librdkafka and keeps it until it is known delivered; throws librdkafka's refusal. */
  private produce(producer: Producer, out: Outgoing): void {
    if (this.onlyErrors) {
      producer.produce(out.topic, null, out.value, out.key, out.timestamp, undefined, out.headers as KafkaHeader[] | undefined);
      this.unconfirmed.addOne(out);
    } else {
      const id = this.nextId++;
      this.pending.set(id, out);
      try {
        producer.produce(out.topic, null, out.value, out.key, out.timestamp, id, out.headers as KafkaHeader[] | undefined);
      } catch (err) {
        this.pending.delete(id);
        throw err;
      }
    }
    this.stats.produced++;
  }

  /** Produces one record, waiting for room (in-flight bound, librdkafka's queue). */
  private async send(producer: Producer, out: Outgoing): Promise<void> {
    while (this.inFlight() >= this.o.config.max_in_flight) await this.progress(producer);
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.fatal || producer !== this.producer) {
        // The record is sent by the new producer with everything else not yet delivered.
        this.resend.push(out);
        return;
      }
      try {
        this.produce(producer, out);
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === QUEUE_FULL) {
          // Room comes back only when delivery reports are served.
          this.stats.queueFull++;
          producer.poll();
          await sleep(1);
          continue;
        }
        if (typeof code !== 'number') throw new GallraError('GALLRA_SINK_FAILED', `kafka sink ${this.name}: cannot produce to ${out.topic}: ${kafkaErrorText(err)}`, { cause: err });
        // librdkafka refuses at once what it knows will fail (a topic whose last produce request was refused, a record too large).
        const kind = code === MSG_SIZE_TOO_LARGE ? 'permanent' : classifyFailure((err as Error).message);
        if (kind === 'transient') {
          this.stats.deliveryErrors.transient++;
          this.warnThrottled(`produce to ${out.topic} refused: ${kafkaErrorText(err)}; trying again`);
          producer.poll();
          await sleep(RETRY_MS);
          continue;
        }
        this.failed(out, kind, kafkaErrorText(err));
        return;
      }
    }
  }

  private inFlight(): number {
    return this.onlyErrors ? this.unconfirmed.size : this.pending.size;
  }

  /** Waits until some delivery progresses (a report, or a barrier when reports come for failures only). */
  private async progress(producer: Producer): Promise<void> {
    if (this.onlyErrors) {
      await this.barrier(producer);
      return;
    }
    producer.poll();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 50);
      this.wakeProgress = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeProgress = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  private onReport(epoch: number, err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    // A report of a producer that was replaced: what it held is being sent again.
    if (epoch !== this.epoch) return;
    this.reports++;
    let out: Outgoing | undefined;
    if (this.onlyErrors) {
      out = this.unconfirmed.settle(report.topic, report.key, report.value);
      // A failure that matches no record: nothing since the last barrier may count as delivered.
      if (out === undefined && err !== null && err !== undefined) this.unmatchedFailure = true;
    } else {
      const id = report.opaque as number;
      out = this.pending.get(id);
      this.pending.delete(id);
    }
    if (out !== undefined) {
      if (err === null || err === undefined) this.delivered(out);
      else this.failed(out, classifyFailure(err.message), kafkaErrorText(err));
    }
    this.wakeProgress?.();
  }

  private delivered(out: Outgoing): void {
    this.stats.delivered(out.topic, out.route);
  }

  private failed(out: Outgoing, kind: 'permanent' | 'fatal' | 'transient', why: string): void {
    this.stats.deliveryErrors[kind]++;
    this.warnThrottled(`delivery to ${out.topic} failed (${kind}): ${why}`);
    if (kind === 'fatal') {
      this.fatal = true;
      this.resend.push({ ...out, failed: false });
      return;
    }
    if (kind === 'transient') {
      this.resend.push({ ...out, failed: false });
      return;
    }
    const dead = this.o.config.dead_letter?.topic;
    if (out.route !== 'main' || dead === undefined) {
      // Nothing after this record may be acknowledged: the pipeline stops, and a restart reads it again.
      this.failure ??= new GallraError(
        'GALLRA_SINK_FAILED',
        `kafka sink ${this.name}: Kafka rejected a record for good (${why})` +
          (dead === undefined ? '; configure dead_letter: { topic: … } to set such records aside' : ` on the dead-letter topic ${dead} too`),
      );
      this.wakeProgress?.();
      return;
    }
    // The event is anonymised already: it goes to the dead-letter topic as it is, with the reason.
    this.resend.push({ ...out, topic: dead, route: 'rejected', failed: false, headers: [...(out.headers ?? []), { [REASON_HEADER]: `rejected: ${why}` }] });
  }

  private onError(epoch: number, err: LibrdKafkaError): void {
    if (epoch !== this.epoch) return;
    if (err.isFatal === true) {
      // Idempotence state lost: this producer can deliver nothing more.
      this.stats.deliveryErrors.fatal++;
      this.fatal = true;
      this.wakeProgress?.();
      return;
    }
    this.warnThrottled(`producer: ${kafkaErrorText(err)}`);
  }

  /**
   * Replaces a producer that hit a fatal error: a new one (new idempotence
   * state) gets every record the old one had not delivered.
   */
  private async recreate(): Promise<void> {
    this.fatal = false;
    const old = this.producer;
    const lost = [...[...this.pending.values()].map((e) => ({ ...e, failed: false })), ...this.unconfirmed.undelivered()];
    this.pending.clear();
    this.unconfirmed.clear();
    this.resend = [...lost, ...this.resend];
    this.producer = undefined;
    this.stats.recreated++;
    this.o.warn(`kafka sink ${this.name}: the producer hit a fatal error; a new one sends the ${this.resend.length} records not yet delivered`);
    if (old !== undefined) {
      old.setPollInterval(0);
      // Its reports carry the old epoch and are ignored; what it still holds is sent again anyway.
      old.disconnect(1000, () => undefined);
    }
    this.connecting = this.connect();
    await this.connecting;
  }

  /**
   * Resolves once every record written before it is delivered (records
   * rejected for good: delivered to the dead-letter topic).
   */
  async flush(): Promise<void> {
    for (;;) {
      const producer = await this.ready();
      if (this.resend.length > 0) {
        const again = this.resend;
        this.resend = [];
        for (const out of again) await this.send(producer, out);
        producer.poll();
      }
      if (this.inFlight() === 0 && this.resend.length === 0) return;
      if (this.onlyErrors) await this.barrier(producer);
      else await this.waitForReports(producer);
    }
  }

  /** delivery_reports: all — waits for the count of reports to catch up (a librdkafka flush makes them come sooner). */
  private async waitForReports(producer: Producer): Promise<void> {
    await new Promise<void>((resolve) => {
      try {
        producer.flush(FLUSH_STEP_MS, () => resolve());
      } catch {
        resolve();
      }
    });
    // The reports follow the flush callback, at most 100 per turn of the event loop.
    let idle = 0;
    while (this.pending.size > 0 && idle < 3 && !this.fatal && this.failure === undefined) {
      const before = this.reports;
      await nextTurn();
      idle = this.reports === before ? idle + 1 : 0;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * delivery_reports: errors — a librdkafka flush, then the failure reports
   * still on their way to JavaScript; every record produced before it that
   * no failure report named is delivered.
   */
  private async barrier(producer: Producer): Promise<void> {
    const upTo = this.unconfirmed.mark();
    const ok = await new Promise<boolean>((resolve) => {
      try {
        producer.flush(FLUSH_STEP_MS, (err) => resolve(err === null || err === undefined));
      } catch {
        resolve(false);
      }
    });
    if (!ok) return; // still waiting for the brokers: the caller looks again
    for (let idle = 0; idle < 2; ) {
      const before = this.reports;
      await nextTurn();
      // A turn hands over at most 100 reports: a full one may be followed by more.
      idle = this.reports - before >= 100 ? 0 : idle + 1;
    }
    if (this.fatal) return;
    const done = this.unconfirmed.take(upTo);
    if (this.unmatchedFailure) {
      // Which record failed is unknown: every one not known failed is sent again (at least once).
      this.unmatchedFailure = false;
      const again = done.undelivered();
      this.stats.deliveryErrors.transient += again.length;
      this.warnThrottled(`a failed delivery named no record; the ${again.length} records since the last barrier are sent again`);
      for (const e of again) this.resend.push(e);
    } else done.delivered((topic, route, n) => this.stats.delivered(topic, route, n));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Retention (see retention.ts): the topics' own; nothing for gallra to delete. */
  async enforce(): Promise<SweepOutcome> {
    return { removed: [] };
  }

  async check(nowMs: number): Promise<readonly RetentionProblem[]> {
    return (await this.o.topics?.check(nowMs)) ?? [];
  }

  erasure(): string {
    return this.o.topics?.erasure() ?? `gallra cannot find or delete one person's records on Kafka topic ${this.o.config.topic}`;
  }

  async reopen(): Promise<void> {
    // Nothing to reopen: a Kafka sink holds no files.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.failure === undefined) await this.flush();
    } finally {
      await this.connecting?.catch(() => undefined);
      const producer = this.producer;
      this.producer = undefined;
      this.brokers?.close();
      if (producer !== undefined) {
        producer.setPollInterval(0);
        await new Promise<void>((resolve) => {
          try {
            producer.disconnect(5000, () => resolve());
          } catch {
            resolve();
          }
        });
      }
    }
  }

  private readonly warnedAt = new Map<string, number>();

  private warnThrottled(message: string): void {
    const kind = message.replace(/\d+/g, '#');
    const now = Date.now();
    if (now - (this.warnedAt.get(kind) ?? -Infinity) < 30_000) return;
    this.warnedAt.set(kind, now);
    this.o.warn(`kafka sink ${this.name}: ${message}`);
  }

  health(): Health {
    if (this.failure !== undefined) return { ready: false, reason: 'producer failed' };
    if (this.producer === undefined) return { ready: false, reason: this.fatal ? 'recreating the producer' : 'connecting' };
    if (this.brokers?.down === true) return { ready: false, reason: 'no Kafka broker reachable' };
    return { ready: true };
  }

  metrics(): readonly MetricSample[] {
    const out = this.stats.samples(this.name, this.inFlight());
    out.push({ name: 'gallra_kafka_brokers_unreachable', help: 'Whether every Kafka broker is unreachable now (1: /readyz fails), per client.', type: 'gauge', labels: { sink: this.name }, value: this.brokers?.down === true ? 1 : 0 });
    return out;
  }
}

/** `gallra-source: topic/partition@offset` of the raw record a line came from (no content: where to find it). */
function sourceHeader(ack: { readonly segment: { readonly topic: string; readonly partition: number }; readonly offset: number } | undefined): KafkaHeader[] {
  return ack === undefined ? [] : [{ [SOURCE_HEADER]: `${ack.segment.topic}/${ack.segment.partition}@${ack.offset - 1}` }];
}

