/**
 * The Kafka sink's topics as a store held to the retention window. gallra
 * cannot delete single records from a topic; the topic's own retention
 * does. So at start (`gallra run`, `gallra retention`) the output and
 * dead-letter topics' settings are read (DescribeConfigs) and a setting
 * that would let a record outlive the window is a problem: the runner then
 * refuses to start (GALLRA_CONFIG_RETENTION, exit 2) unless
 * `--allow-longer-retention` (audited either way).
 *
 * A broker deletes a whole log segment once its newest record is older
 * than `retention.ms` (by the record timestamps, which gallra sets to each
 * event's time, unless the topic stamps append times). A segment holds up
 * to `segment.ms` of records, so a record can stay `retention.ms +
 * segment.ms` after its event time:
 *
 *   cleanup.policy includes delete (compaction alone keeps each key's latest for ever)
 *   retention.ms ≥ 0 and retention.ms + segment.ms ≤ the window
 *   message.timestamp.type = CreateTime (else retention counts from when a late event was written)
 *
 * `gallra kafka-dev`'s mock has no topic settings (each partition keeps its
 * newest 5 MiB, in memory): it is recognised by its marker topic and only
 * warned about.
 */
import { GallraError } from '../../errors.js';
import { connectClient, disconnectProducer, kafkaErrorText, loadKafka, topicPartitions } from '../../kafka/client.js';
import { clientProps } from '../../kafka/options.js';
import { describeTopicConfig, KAFKA_DEV_MARKER_TOPIC } from '../../kafka/topic-config.js';
import type { Retainable, RetentionProblem, SweepOutcome } from '../../retention/retainable.js';
import { retentionCutoff, type RetentionWindow } from '../../retention/window.js';
import type { KafkaSinkConfig } from './config.js';

const TIMEOUT_MS = 10_000;

/**
 * What in a topic's settings lets a record outlive a window of `windowMs`
 * (empty when nothing): each a sentence naming the setting, never data.
 *
 * @example
 * topicRetentionProblems(new Map([['retention.ms', '-1']]), 15_552_000_000) // ['retention.ms is -1: …']
 */
export function topicRetentionProblems(config: ReadonlyMap<string, string | null>, windowMs: number): string[] {
  const problems: string[] = [];
  const cleanup = config.get('cleanup.policy') ?? 'delete';
  if (!cleanup.split(',').map((s) => s.trim()).includes('delete')) {
    problems.push(`cleanup.policy is ${cleanup}: without delete, records are never deleted by age (compaction keeps each key's latest for ever)`);
  }
  const retention = Number(config.get('retention.ms') ?? Number.NaN);
  const segment = Number(config.get('segment.ms') ?? Number.NaN);
  if (!Number.isFinite(retention) || retention < 0) {
    problems.push(`retention.ms is ${config.get('retention.ms') ?? '(unset)'}: records are kept for ever`);
  } else if (retention > windowMs) {
    problems.push(`retention.ms is ${retention}: longer than the window (${windowMs} ms)`);
  } else if (!Number.isFinite(segment) || segment <= 0) {
    problems.push(`segment.ms is ${config.get('segment.ms') ?? '(unset)'}: a segment's age cannot be bounded`);
  } else if (retention + segment > windowMs) {
    problems.push(`retention.ms + segment.ms is ${retention + segment}: longer than the window (${windowMs} ms); brokers delete whole segments, so a record stays until the newest of its segment is older than retention.ms`);
  }
  if (config.get('message.timestamp.type') === 'LogAppendTime') {
    problems.push('message.timestamp.type is LogAppendTime: retention counts from when a record was written, so an event written late outlives its window');
  }
  return problems;
}

/** The longest retention.ms and segment.ms that fit a window of `windowMs`, for a problem's fix (segments a tenth of it, at most a day). */
export function suggestedTopicSettings(windowMs: number): { retentionMs: number; segmentMs: number } {
  const segmentMs = Math.min(86_400_000, Math.floor(windowMs / 10 / 60_000) * 60_000);
  return { retentionMs: windowMs - segmentMs, segmentMs };
}

export interface KafkaTopicStoreOptions {
  readonly config: KafkaSinkConfig;
  readonly window: Pick<RetentionWindow, 'keep'>;
  /** Where the kafka-dev notice goes; none from `gallra retention`'s offline look. */
  readonly warn?: (message: string) => void;
  readonly timeoutMs?: number;
}

/**
 * @example
 * const problems = await new KafkaTopicStore({ config, window }).check(Date.now());
 */
export class KafkaTopicStore implements Retainable {
  constructor(private readonly o: KafkaTopicStoreOptions) {}

  /** The topics the sink writes: its topic, and its dead-letter topic when it has one. */
  get topics(): string[] {
    const c = this.o.config;
    return c.dead_letter === undefined || c.dead_letter.topic === c.topic ? [c.topic] : [c.topic, c.dead_letter.topic];
  }

  /** Nothing for gallra to delete: the topic's retention deletes records (see check()). */
  async enforce(): Promise<SweepOutcome> {
    return { removed: [] };
  }

  async check(nowMs: number): Promise<readonly RetentionProblem[]> {
    const c = this.o.config;
    const windowMs = nowMs - retentionCutoff(nowMs, this.o.window);
    const timeoutMs = this.o.timeoutMs ?? TIMEOUT_MS;
    const props = clientProps(c.bootstrap_servers, c.options);
    const existing = await this.clusterTopics(props, timeoutMs);
    if (existing.has(KAFKA_DEV_MARKER_TOPIC)) {
      this.o.warn?.(`kafka topics ${this.topics.join(', ')}: gallra kafka-dev's mock cluster has no retention settings to check (each partition keeps only its newest 5 MiB, in memory); on a real cluster set retention.ms to at most ${this.o.window.keep.text}`);
      return [];
    }
    const s = suggestedTopicSettings(windowMs);
    const fix = (topic: string): string =>
      `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config cleanup.policy=delete,retention.ms=${s.retentionMs},segment.ms=${s.segmentMs},message.timestamp.type=CreateTime`;
    const out: RetentionProblem[] = [];
    for (const topic of this.topics) {
      if (!existing.has(topic)) {
        out.push({ message: `Kafka topic ${topic} does not exist: the broker would create it with its default retention`, fix: `create it first: kafka-topics.sh --create --topic ${topic} --config retention.ms=${s.retentionMs} --config segment.ms=${s.segmentMs}` });
        continue;
      }
      let config: Map<string, string | null>;
      try {
        config = await describeTopicConfig(props, topic, timeoutMs);
      } catch (err) {
        out.push({ message: `cannot read the settings of Kafka topic ${topic} (${(err as Error).message})`, fix: `allow gallra DescribeConfigs on the topic, or make sure yourself that ${fix(topic)} holds and start with --allow-longer-retention` });
        continue;
      }
      for (const p of topicRetentionProblems(config, windowMs)) out.push({ message: `Kafka topic ${topic}: ${p}`, fix: fix(topic) });
    }
    return out;
  }

  erasure(): string {
    return `gallra cannot find or delete one person's records on Kafka topic ${this.topics.join(' or ')}; the topic's retention (checked at start: retention.ms + segment.ms within ${this.o.window.keep.text}) deletes every record within that time of its event`;
  }

  /** Every topic of the cluster (a short-lived producer's metadata request). */
  private async clusterTopics(props: Record<string, string>, timeoutMs: number): Promise<Map<string, number>> {
    const Kafka = await loadKafka();
    const producer = new Kafka.Producer({ ...props, log_level: 0 } as never);
    try {
      await connectClient(producer, timeoutMs);
      return await topicPartitions(producer, timeoutMs);
    } catch (err) {
      // Not a setting: the cluster is unreachable now (exit 1, tried again by a supervisor).
      throw new GallraError('GALLRA_SINK_FAILED', `kafka sink: cannot reach ${this.o.config.bootstrap_servers} to check the retention of ${this.topics.join(', ')}: ${kafkaErrorText(err)}`, { cause: err });
    } finally {
      await disconnectProducer(producer, 1000);
    }
  }
}
