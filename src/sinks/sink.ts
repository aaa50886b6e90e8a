/**
 * What every sink provides, and how a sink is registered.
 *
 * A sink takes batches of encoded events, buffers them, and makes them
 * durable on flush(). A source's position is acknowledged (checkpointed,
 * committed) only after every sink's flush() that followed the write of the
 * batch holding it has resolved — that is what "acknowledged" means in
 * gallra, and why nothing acknowledged is lost by a crash.
 */
import type { z } from 'zod';
import type { AckHandle } from '../event/event.js';
import type { RetentionWindow } from '../retention/window.js';
import type { Retainable } from '../retention/retainable.js';
import type { Health, MetricSample } from '../util/metric.js';

/**
 * Encoded events in input order: each event's encoding followed by `\n`
 * (an encoding never contains a newline), with per-event metadata.
 *
 * @example
 * for (let i = 0, start = 0; i < b.count; start = b.ends[i++]!) send(b.text.slice(start, b.ends[i]! - 1), b.times[i]);
 */
export interface EncodedBatch {
  readonly text: string;
  readonly count: number;
  /** Offset in `text` just after each event's newline. */
  readonly ends: readonly number[];
  /** Each event's time (ms since the Unix epoch, UTC): sinks that partition by time use it. */
  readonly times: readonly number[];
  /** Each event's record key (Kafka), when the source gave keys; undefined otherwise. */
  readonly keys: readonly (string | undefined)[] | undefined;
  /**
   * Each event's acknowledgement handle (where in its source it came from),
   * when the source can resume; undefined otherwise. A sink that accepts
   * events one by one (a dead-letter topic naming the record it got) reads
   * them; every sink's durability is still signalled by flush().
   */
  readonly acks: readonly (AckHandle | undefined)[] | undefined;
  /**
   * Which events are lines no format could parse, written scrubbed
   * (input.unparsed: scrub); undefined when there are none. A sink with a
   * dead-letter destination (Kafka) sends them there instead.
   */
  readonly unparsed?: readonly boolean[] | undefined;
}

export interface Sink {
  readonly name: string;
  /** Buffers the batch; resolves when the sink can take more (backpressure). */
  write(batch: EncodedBatch): Promise<void>;
  /** Writes everything buffered and makes it durable (fsync for files, delivery reports for Kafka). */
  flush(): Promise<void>;
  /** Reopens outputs (SIGHUP, after logrotate moved them). */
  reopen(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Events accepted so far (for metrics). */
  readonly linesWritten: number;
  /** Whether it can accept data; absent means ready. */
  health?(): Health;
  /** Its own metrics, read when /metrics is scraped. */
  metrics?(): readonly MetricSample[];
}

/** What a sink is built with. */
export interface SinkContext {
  /** The sink's name in logs and metrics. */
  readonly name: string;
  /** Directory relative paths in the policy are resolved against. */
  readonly baseDir: string;
  /** The policy's retention window for events. */
  readonly window: RetentionWindow;
  readonly now: () => number;
  /** Where a stdout sink writes (tests pass their own stream). */
  readonly stdout: NodeJS.WritableStream;
  /** Warnings for the operator (never with event content). */
  readonly warn: (message: string) => void;
  /** Lifecycle events for the operator's log (retention deletions), never with event content. */
  readonly info?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * The event time of a line this sink stored (ms; NaN when it has none),
   * read back with the policy's formats: a store that files lines by day
   * rewrites the day the window starts in by it. Absent: such a day is
   * deleted whole (nothing outlives the window, some in-window data goes early).
   */
  readonly lineTime?: (line: string) => number;
}

// The retention contract lives with the window (retention/retainable.ts); sinks and stores import it from here too.
export type { Removal, Retainable, RetentionProblem, SweepOutcome } from '../retention/retainable.js';
export { isRetainable } from '../retention/retainable.js';

/**
 * A registry entry for a sink.
 *
 * @example
 * export const stdoutSink = defineSink({ name: 'stdout', description: 'standard output', schema, create: (c, ctx) => new StreamSink(ctx.name, ctx.stdout), describe: () => 'standard output' });
 */
export interface SinkEntry<C extends { readonly type: string; readonly name?: string | undefined } = { readonly type: string; readonly name?: string | undefined }> {
  readonly kind: 'sink';
  /** The `type:` a policy's `sinks:` entry uses. */
  readonly name: string;
  /** One line for check-config and the README. */
  readonly description: string;
  /** The config schema (strict), with `type: <name>`. */
  readonly schema: z.ZodType<C>;
  create(config: C, ctx: SinkContext): Sink;
  /** What this configured sink will do, for check-config. */
  describe(config: C, ctx: Omit<SinkContext, 'stdout' | 'warn' | 'now'> & { readonly keep: string }): string;
  /** The store the sink keeps, held to the window by the sweeper (files that outlive a run). */
  retention?(config: C, ctx: Omit<SinkContext, 'stdout' | 'warn'>): Retainable;
}

/**
 * Declares a sink (types its config).
 *
 * @example
 * defineSink({ name: 'file', description: '…', schema: fileSinkConfigSchema, create, describe })
 */
export function defineSink<C extends { readonly type: string; readonly name?: string | undefined }>(entry: Omit<SinkEntry<C>, 'kind'>): SinkEntry<C> {
  return { kind: 'sink', ...entry };
}

/**
 * Days since the Unix epoch of instant `ms` (UTC).
 *
 * @example
 * dayOf(Date.UTC(2026, 10, 22, 10)) // 20779
 */
export function dayOf(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/**
 * `YYYY-MM-DD` of a day number.
 *
 * @example
 * dayLabel(20779) // '2026-11-22'
 */
export function dayLabel(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
