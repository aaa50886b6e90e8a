/**
 * The acknowledgement handle of a Kafka record, and what it carries to a
 * Kafka sink besides its position: the record's headers, already anonymised
 * under the policy (raw headers never leave the source).
 */
import type { AckHandle, Segment } from '../../event/event.js';

/** One header as node-rdkafka takes it for produce(): `{ name: value }`. */
export type KafkaHeader = Readonly<Record<string, string>>;

/**
 * A topic partition during one assignment of it to this consumer: a new
 * assignment (after a rebalance) is a new generation, so positions taken
 * under an older one are recognised and never committed.
 */
export interface KafkaSegment extends Segment {
  /** `topic/partition`. */
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  /** Which assignment the record was read under; {@link UNCOMMITTABLE} when its position must not be committed. */
  readonly generation: number;
}

/** The generation of records read across a rebalance of their partition: processed, never committed (see KafkaSource). */
export const UNCOMMITTABLE = -1;

/** A Kafka record's handle: its partition, the offset after it, and its anonymised headers. */
export interface KafkaRecordAck extends AckHandle {
  readonly segment: KafkaSegment;
  /** The record's offset + 1: what a consumer commits once it is acknowledged. */
  readonly offset: number;
  /** The headers the policy keeps, anonymised; undefined when none. */
  readonly headers: readonly KafkaHeader[] | undefined;
}

/**
 * Whether an event's handle came from a Kafka record.
 *
 * @example
 * const ack = batch.acks?.[i]; if (ack !== undefined && isKafkaRecordAck(ack)) headers = ack.headers;
 */
export function isKafkaRecordAck(ack: AckHandle): ack is KafkaRecordAck {
  const s = ack.segment as Partial<KafkaSegment>;
  return typeof s.topic === 'string' && typeof s.partition === 'number' && typeof s.generation === 'number';
}
