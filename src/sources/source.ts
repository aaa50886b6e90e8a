/**
 * What every source provides, and how a source is registered: a pull-based
 * stream of raw input (so a slow sink slows the source), and — for sources
 * that can resume — a way to learn how far downstream has durably accepted.
 */
import type { z } from 'zod';
import type { AckHandle, Segment } from '../event/event.js';
import type { Health, MetricSample } from '../util/metric.js';

/**
 * A batch of raw bytes. Lines may straddle batches within one segment (the
 * pipeline keeps a partial line per segment), never across segments.
 */
export interface BytesBatch<S extends Segment = Segment> {
  readonly kind?: 'bytes';
  /** Raw bytes; the consumer must be done with them before pulling the next batch. */
  readonly data: Buffer;
  /** What the bytes belong to (a file), or undefined for sources that cannot resume (stdin, FIFO, syslog). */
  readonly segment: S | undefined;
  /** Position in the segment just after `data`. */
  readonly offset: number;
  /** No more data will follow in this segment (a rotated file was drained): flush a final partial line. */
  readonly endOfSegment: boolean;
}

/** One record of a record-based source (Kafka): its value holds one line (or several, newline-separated). */
export interface SourceRecord {
  readonly value: Buffer;
  /** The record's key, when it has one and the policy keeps keys. */
  readonly key: string | undefined;
  /** Where the record sits: its partition, and the position just after it (offset + 1). */
  readonly ack: AckHandle;
}

/** A batch of records. */
export interface RecordsBatch {
  readonly kind: 'records';
  readonly records: readonly SourceRecord[];
}

export type SourceBatch = BytesBatch | RecordsBatch;

/**
 * Which file bytes belong to. Device and inode are decimal strings (from
 * bigint stats: some file systems use inode numbers beyond 2^53), and `head`
 * is a fingerprint of the file's first bytes, so a recycled inode — logrotate
 * deletes `.1`, the next `access.log` gets its number — is not taken for the
 * file a checkpoint was about. `key` is `dev:ino`.
 */
export interface SegmentId extends Segment {
  readonly dev: string;
  readonly ino: string;
  /** HMAC (hex, first 32 chars) of the first `headBytes` bytes; empty until the file has any. */
  readonly head: string;
  readonly headBytes: number;
}

/**
 * A file segment's identity with its key.
 *
 * @example
 * fileSegment('2049', '1234567', '', 0).key // '2049:1234567'
 */
export function fileSegment(dev: string, ino: string, head: string, headBytes: number): SegmentId {
  return { key: `${dev}:${ino}`, dev, ino, head, headBytes };
}

/** How far downstream has durably accepted one segment of a resumable source. */
export interface SourcePosition<S extends Segment = Segment> {
  readonly segment: S;
  /** Position of the first byte (or record) not yet accepted (a line boundary). */
  readonly offset: number;
}

export interface Source {
  readonly name: string;
  /** Acquires what the source needs (binds a port, opens a FIFO); errors here stop gallra at start. */
  start(): Promise<void>;
  /** The input as batches, until stop() is called or the input ends (stdin EOF). */
  batches(): AsyncIterable<SourceBatch>;
  /**
   * Records that everything before each position is durable downstream: one
   * position per segment that moved since the last commit (a file tail has
   * one; a Kafka source one per partition).
   */
  commit(positions: readonly SourcePosition[]): Promise<void>;
  /** Stops producing; the iterable ends soon after. Idempotent. */
  stop(): void;
  /** Messages the source itself dropped, by reason (syslog oversize, garbage). */
  readonly drops: Readonly<Record<string, number>>;
  /** Bytes of input not yet committed, when the source can tell (file tails). */
  lagBytes(): number;
  /**
   * Whether it holds as many unacknowledged records as it may (its in-flight
   * bound): the pipeline then commits after the batch at hand instead of at
   * the next `run.commit_ms`, so a small bound does not cap throughput.
   */
  wantsCommit?(): boolean;
  /** Whether it is ready (a Kafka source: partitions assigned); absent means ready once started. */
  health?(): Health;
  /** Its own metrics, read when /metrics is scraped. */
  metrics?(): readonly MetricSample[];
  /** Releases what start() acquired, after the last commit (a Kafka consumer leaves its group); absent means nothing to release. */
  close?(): Promise<void>;
}

/** One operation of {@link RecordFields}: the anonymised value, or undefined to drop it. */
export type RecordFieldOp = (value: string, timeMs: number) => string | undefined;

/**
 * How a record source anonymises what its records carry beside their lines
 * (Kafka keys and headers), with the policy's transforms (the runner gives it).
 */
export interface RecordFields {
  /** The operation of `transform` (a registered transform's name) for the record field `name` (its namespace for pseudonyms). */
  compile(transform: string, name: string): RecordFieldOp;
  /** Makes the salts resident that operations on records read at `nowMs` can need; await it before running them. */
  prepare(nowMs: number): Promise<void>;
}

/** What a source is built with. */
export interface SourceContext {
  /** The source's name in logs, metrics and its checkpoint file. */
  readonly name: string;
  /** Directory relative paths in the policy are resolved against. */
  readonly baseDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Longest line kept (input.max_line_length). */
  readonly maxLineLength: number;
  /** Warnings for the operator (never with input content). */
  readonly warn: (message: string) => void;
  /** Lifecycle events for the operator's log (rotation, end of input), never with input content. */
  readonly info?: (message: string, fields?: Record<string, unknown>) => void;
  readonly now: () => number;
  /** Anonymises record keys and headers (record sources); absent, such a source keeps or drops them only. */
  readonly recordFields?: RecordFields;
}

/** What a source's config will meet when it starts, checked ahead (check-config) and at start. */
export interface SourcePreflight {
  /** Problems that stop it from ever working, each with the fix. */
  readonly errors: readonly string[];
  /** What may be fine but is worth saying (a log file that does not exist yet). */
  readonly warnings: readonly string[];
}

/** The part of every source's config the runner reads. */
export interface SourceConfigBase {
  readonly type: string;
  readonly name?: string | undefined;
  /** A format from `formats:` or auto; default input.format. */
  readonly format?: string | undefined;
}

/**
 * A registry entry for a source.
 *
 * @example
 * export const stdinSource = defineSource({ name: 'stdin', description: 'standard input', schema, create: (c, ctx) => new StreamSource(ctx.name, () => process.stdin), describe: () => 'read standard input' });
 */
export interface SourceEntry<C extends SourceConfigBase = SourceConfigBase> {
  readonly kind: 'source';
  /** The `type:` a policy's `sources:` entry uses. */
  readonly name: string;
  /** One line for check-config and the README. */
  readonly description: string;
  /** The config schema (strict), with `type: <name>`. */
  readonly schema: z.ZodType<C>;
  create(config: C, ctx: SourceContext): Source;
  /** What this configured source will do, for check-config. */
  describe(config: C, ctx: Pick<SourceContext, 'name' | 'baseDir' | 'env'> & { readonly format: string }): string;
  /** The name it gets when the config gives none (default: its type and position). */
  defaultName?(config: C, index: number): string | undefined;
  /** Checks what the configured source will meet on this machine (paths, permissions), for check-config. */
  preflight?(config: C, ctx: Pick<SourceContext, 'name' | 'baseDir' | 'env'>): SourcePreflight;
}

/**
 * Declares a source (types its config).
 *
 * @example
 * defineSource({ name: 'file', description: '…', schema: fileSourceConfigSchema, create, describe })
 */
export function defineSource<C extends SourceConfigBase>(entry: Omit<SourceEntry<C>, 'kind'>): SourceEntry<C> {
  return { kind: 'source', ...entry };
}

/**
 * Resolves after `ms`, or earlier when `wake()` is called — for sources that
 * poll but also listen for change notifications.
 *
 * @example
 * const waiter = new Waiter(); watcher.on('change', () => waiter.wake()); await waiter.wait(250);
 */
export class Waiter {
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
    });
  }

  wake(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  }
}
