/**
 * What the Kafka sink keeps for each record until it is delivered, and how a
 * failed delivery is classified. node-rdkafka hands delivery-report errors
 * over as text only (the code is -1: `Nan::Error(errstr)` in callbacks.cc),
 * so they are classified by librdkafka's error strings (rd_kafka_err2str).
 */
import type { KafkaHeader } from '../../sources/kafka/record-ack.js';

/** Where a record is headed: the sink's topic, or the dead-letter topic for one of two reasons. */
export type Route = 'main' | 'unparsed' | 'rejected';

/** A record written to the sink and not yet delivered: everything needed to send it again. */
export interface Outgoing {
  readonly topic: string;
  readonly value: Buffer;
  readonly key: string | undefined;
  readonly headers: readonly KafkaHeader[] | undefined;
  /** The event's time (ms): the record's timestamp, so the topic's time-based retention follows event time. */
  readonly timestamp: number;
  readonly route: Route;
  /** Set when a failure report matched it (delivery_reports: errors). */
  failed: boolean;
}

/**
 * How a failed delivery is handled:
 * - `permanent`: Kafka will never take this record (too large, invalid): it goes to the dead-letter topic;
 * - `fatal`: the producer itself is broken (idempotence state lost): it is recreated and every record not yet delivered is sent again;
 * - `transient`: anything else (timed out, purged, broker unavailable): the record is sent again.
 * Never is a failed record counted as delivered.
 */
export type FailureKind = 'permanent' | 'fatal' | 'transient';

/**
 * The texts of the errors that no retry will cure, for the record itself
 * (as node-rdkafka 3.6 reports them, e.g. "message size too large", "broker
 * failed to validate record" for INVALID_RECORD; librdkafka's own forms with
 * "Broker: " in front match too).
 */
const PERMANENT = /message size too large|invalid record|failed to validate record|corrupt message|record list too large|record batch too large|invalid timestamp|invalid message|policy violation/i;
/** The texts of a producer whose idempotence state is lost: "out of order sequence number", "operation with an old epoch", fatal, fenced. */
const FATAL = /fatal|fenced|old epoch|invalid producer epoch|out of order sequence|unknown producer id/i;

/**
 * @example
 * classifyFailure('message size too large')    // 'permanent'
 * classifyFailure('Local: Message timed out')  // 'transient'
 */
export function classifyFailure(message: string): FailureKind {
  if (FATAL.test(message)) return 'fatal';
  if (PERMANENT.test(message)) return 'permanent';
  return 'transient';
}

/** The header that says why a record is on the dead-letter topic. */
export const REASON_HEADER = 'gallra-reason';
/** The header that says where the line came from (`topic/partition@offset` of the raw record), when it came from Kafka. */
export const SOURCE_HEADER = 'gallra-source';

/**
 * Whether `e` is the record a failure report describes (delivery_reports:
 * errors, where reports carry no opaque: see KafkaSink).
 */
export function sameRecord(e: Outgoing, topic: string, key: unknown, value: unknown): boolean {
  if (e.failed || e.topic !== topic) return false;
  const k = key === null || key === undefined ? undefined : Buffer.isBuffer(key) ? key.toString('utf8') : String(key);
  if (k !== e.key) return false;
  return Buffer.isBuffer(value) && value.equals(e.value);
}
