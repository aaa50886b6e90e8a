/**
 * The Kafka source's own numbers for /metrics (plain counters read when
 * scraped), and its commits — timed, so commit latency can be reported.
 */
import { type KafkaConsumer, kafkaErrorText, type TopicPartitionOffset } from '../../kafka/client.js';
import type { MetricSample } from '../../util/metric.js';
import type { PartitionState } from './partitions.js';

/** A commit sent and not yet answered: when, and what (to match the answer). */
interface SentCommit {
  readonly at: number;
  readonly what: string;
}

function signature(tps: readonly { topic: string; partition: number; offset: number }[]): string {
  return tps.map((t) => `${t.topic}/${t.partition}@${t.offset}`).join(',');
}

/**
 * @example
 * const m = new SourceMetrics(); m.consumed('logs'); m.samples('nginx', consumer, parts, 0);
 */
export class SourceMetrics {
  private readonly byTopic = new Map<string, number>();
  consumeErrors = 0;
  /** Records dropped because their partition was revoked while they were fetched (the new owner reads them). */
  skippedRevoked = 0;
  /** Records processed whose position is never committed (read across a rebalance of their partition). */
  uncommittable = 0;
  /** Positions handed back for a partition no longer assigned, or an older assignment of it. */
  staleAcks = 0;
  assignments = 0;
  revocations = 0;
  commitsOk = 0;
  commitErrors = 0;
  commitSecondsTotal = 0;
  lastCommitSeconds = 0;
  private readonly sent: SentCommit[] = [];

  /** `n` records of `topic` were read (counted per run of a consume batch, not per record). */
  consumed(topic: string, n = 1): void {
    this.byTopic.set(topic, (this.byTopic.get(topic) ?? 0) + n);
  }

  /** A commit went out. */
  sending(tps: readonly TopicPartitionOffset[]): void {
    this.sent.push({ at: performance.now(), what: signature(tps) });
    // An answer that never comes (the consumer was closed) must not grow this forever.
    if (this.sent.length > 1000) this.sent.shift();
  }

  /** The answer to a commit (offset_commit_cb). */
  committed(ok: boolean, tps: readonly TopicPartitionOffset[] = []): void {
    if (ok) this.commitsOk++;
    else this.commitErrors++;
    const what = signature(tps);
    const i = this.sent.findIndex((s) => s.what === what);
    const s = i >= 0 ? this.sent.splice(i, 1)[0] : this.sent.shift();
    if (s === undefined) return;
    const seconds = (performance.now() - s.at) / 1000;
    this.lastCommitSeconds = seconds;
    this.commitSecondsTotal += seconds;
  }

  /** Everything, as samples for /metrics. */
  samples(source: string, consumer: KafkaConsumer | undefined, parts: ReadonlyMap<string, PartitionState>, inFlight: number): MetricSample[] {
    const out: MetricSample[] = [];
    const counter = (name: string, help: string, labels: Record<string, string>, value: number): void => void out.push({ name, help, type: 'counter', labels: { source, ...labels }, value });
    const gauge = (name: string, help: string, labels: Record<string, string>, value: number): void => void out.push({ name, help, type: 'gauge', labels: { source, ...labels }, value });
    for (const [topic, n] of this.byTopic) counter('gallra_kafka_records_consumed_total', 'Records read from Kafka, per source and topic.', { topic }, n);
    for (const p of parts.values()) {
      let high = -1;
      try {
        // Cached from fetch responses: no request to the broker.
        high = consumer?.getWatermarkOffsets(p.topic, p.partition).highOffset ?? -1;
      } catch {
        /* not known yet */
      }
      const read = p.position >= 0 ? p.position : p.confirmed;
      if (high >= 0 && read >= 0) gauge('gallra_kafka_consumer_lag', 'Records in the partition not yet read by this instance (high watermark minus read position).', { topic: p.topic, partition: String(p.partition) }, Math.max(0, high - read));
    }
    gauge('gallra_kafka_in_flight_records', 'Records read and not yet acknowledged (written and flushed by every sink).', {}, inFlight);
    gauge('gallra_kafka_assigned_partitions', 'Partitions assigned to this instance.', {}, parts.size);
    counter('gallra_kafka_assignment_changes_total', 'Rebalance callbacks, per kind (assign, revoke).', { change: 'assign' }, this.assignments);
    counter('gallra_kafka_assignment_changes_total', 'Rebalance callbacks, per kind (assign, revoke).', { change: 'revoke' }, this.revocations);
    counter('gallra_kafka_commits_total', 'Offset commits answered, per result.', { result: 'ok' }, this.commitsOk);
    counter('gallra_kafka_commits_total', 'Offset commits answered, per result.', { result: 'error' }, this.commitErrors);
    counter('gallra_kafka_commit_latency_seconds_total', 'Time from sending offset commits to their answers (divide by gallra_kafka_commits_total for the mean).', {}, this.commitSecondsTotal);
    gauge('gallra_kafka_commit_latency_seconds', 'Time the last answered offset commit took.', {}, this.lastCommitSeconds);
    counter('gallra_kafka_consume_errors_total', 'Errors returned by consume calls (librdkafka retries by itself).', {}, this.consumeErrors);
    counter('gallra_kafka_records_not_committed_total', 'Records whose position is not committed by this instance, per reason (at-least-once: they are read again).', { reason: 'revoked' }, this.skippedRevoked);
    counter('gallra_kafka_records_not_committed_total', 'Records whose position is not committed by this instance, per reason (at-least-once: they are read again).', { reason: 'rebalanced' }, this.uncommittable);
    counter('gallra_kafka_stale_positions_total', 'Positions of partitions no longer assigned (or of an older assignment) that were not committed.', {}, this.staleAcks);
    return out;
  }
}

/**
 * Commits asynchronously (offset_commit_cb reports the answer); false when
 * librdkafka refused at once (the consumer is not in a state to commit).
 *
 * @example
 * commitLater(consumer, [{ topic: 'logs', partition: 0, offset: 42 }], metrics, warn);
 */
export function commitLater(consumer: KafkaConsumer, tps: TopicPartitionOffset[], metrics: SourceMetrics, warn: (message: string) => void): boolean {
  metrics.sending(tps);
  try {
    consumer.commit(tps);
    return true;
  } catch (err) {
    // Not fatal: those records are read again (at least once); the next commit sends the prefix again.
    metrics.committed(false, tps);
    warn(`commit: ${kafkaErrorText(err)} (sent again with the next commit)`);
    return false;
  }
}

/**
 * Commits and waits for the answer (the last chance: a rebalance callback,
 * close); a failure is reported, not thrown — the records are read again.
 * True when the broker confirmed it.
 *
 * @example
 * commitNow(consumer, tps, metrics, warn);
 */
export function commitNow(consumer: KafkaConsumer, tps: TopicPartitionOffset[], metrics: SourceMetrics, warn: (message: string) => void): boolean {
  metrics.sending(tps);
  try {
    consumer.commitSync(tps);
    return true;
  } catch (err) {
    warn(`commit: ${kafkaErrorText(err)} (those records will be read again)`);
    return false;
  }
}
