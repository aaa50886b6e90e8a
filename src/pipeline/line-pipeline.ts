/**
 * The pipeline for one line at a time, with one job per stage:
 *
 *   decode (format) → retention gate → anonymise (policy) → fan-out ─┬─► encode (format) → sinks
 *                                                                    └─► aggregate stage, …
 *
 * A line that fails anywhere is counted by reason and never reaches a
 * consumer raw. Nothing here throws on input; only a broken keyring (which
 * would make pseudonyms impossible) stops the pipeline.
 *
 * It is built from a policy by the composition root (src/runtime/), the same
 * way for `gallra anonymise`, `gallra run` and the `--threads` workers.
 */
import type { AckHandle, Event } from '../event/event.js';
import type { Format } from '../formats/format.js';
import { type RetentionGate, WINDOW_EXPIRED, WINDOW_INSIDE } from '../retention/window.js';
import type { EncodedBatch } from '../sinks/sink.js';
import type { AnonymisePlan, AnonymiseStage } from './anonymise.js';
import type { Decoder } from './decode.js';
import type { LineHandler, RawDropReason } from './line-splitter.js';
import { LineStats } from './stats.js';
import { SCRUBBED } from '../formats/engines/scrub/scrub-format.js';

/** A consumer at the fan-out point: sees every event that passed the gate, anonymised. */
export interface EventConsumer {
  consume(ev: Event, format: Format): void;
}

/** What the salt keyring must do before a batch: make every salt the batch can need resident (async I/O). */
export interface SaltPreparer {
  prepare(nowMs: number): Promise<void>;
}

export interface LinePipelineOptions {
  readonly decoder: Decoder;
  /** The anonymise plan of each of the decoder's formats, in the same order. */
  readonly plans: readonly AnonymisePlan[];
  readonly stage: AnonymiseStage;
  readonly gate: RetentionGate;
  /** drop: an event without a time is counted and dropped; arrival: it is stamped with the time it was read. */
  readonly missingTimestamp: 'drop' | 'arrival';
  /** input.unparsed: scrub — the format (and plan) a line no format decodes goes through instead of being dropped. */
  readonly scrub: { readonly format: Format; readonly plan: AnonymisePlan } | undefined;
  readonly keyring: SaltPreparer;
  /** The clock: retention cutoff, arrival stamps. */
  readonly now: () => number;
  /** The redactor's cumulative hit counters by kind (read, never written, by {@link LinePipeline.syncStats}). */
  readonly redactionHits?: Readonly<Record<string, number>>;
}

/**
 * @example
 * const out = new EncodedBatchBuilder();
 * pipeline.consumers.push(out);
 * await pipeline.prepare(); pipeline.beginBatch();
 * new LineSplitter(65536, pipeline).push(chunk);
 * await sink.write(out.take());
 */
export class LinePipeline implements LineHandler {
  readonly stats = new LineStats();
  /** The fan-out: every consumer sees every anonymised event, in order. */
  readonly consumers: EventConsumer[] = [];
  private readonly formats: readonly Format[];
  private readonly decodedBy: Float64Array;
  private readonly arrival: boolean;
  private readonly hasHeaders: boolean;
  private nowMs = 0;
  private src = '';
  private key: string | undefined = undefined;
  private ack: AckHandle | undefined = undefined;
  private segmentKey: string | undefined = undefined;

  constructor(private readonly options: LinePipelineOptions) {
    this.formats = options.decoder.formats;
    if (options.plans.length !== this.formats.length) throw new RangeError('LinePipeline: one plan per format');
    this.decodedBy = new Float64Array(this.formats.length + 1);
    this.arrival = options.missingTimestamp === 'arrival';
    this.hasHeaders = options.decoder.hasHeaders;
    this.beginBatch();
  }

  /** The anonymise stage (its rejected-value counts). */
  get stage(): AnonymiseStage {
    return this.options.stage;
  }

  /** Makes the salts the next batch can need resident; call before {@link beginBatch} whenever the clock may have moved on. */
  prepare(): Promise<void> {
    return this.options.keyring.prepare(this.options.now());
  }

  /** Reads the clock for the lines that follow; call once per chunk or batch. */
  beginBatch(): void {
    this.nowMs = this.options.now();
    this.options.gate.refresh(this.nowMs);
  }

  /** LineHandler: where the lines that follow live. */
  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void {
    this.src = src;
    this.options.decoder.source(src, bytes, byteBase);
  }

  /**
   * The record the lines that follow came from (a Kafka record's key and
   * position), given to their events; undefined for byte streams.
   */
  record(key: string | undefined, ack: AckHandle | undefined): void {
    this.key = key;
    this.ack = ack;
  }

  /**
   * The lines that follow come from segment `key` (a file, a Kafka
   * partition; `''` without segments), or that segment `ended`: formats
   * whose layout is declared in the input keep one per segment.
   */
  segment(key: string, ended = false): void {
    if (key === this.segmentKey && !ended) return;
    this.segmentKey = ended ? undefined : key;
    this.options.decoder.segment(key, ended);
  }

  /** LineHandler: one line `src[start..end)` through every stage. */
  line(start: number, end: number): void {
    const stats = this.stats;
    stats.linesIn++;
    if (end <= start) {
      stats.drop('empty');
      return;
    }
    // Header lines (W3C `#Fields`, a CSV or flow-log header) describe the lines after them; each format checks its own marker first.
    if (this.hasHeaders && this.options.decoder.header(start, end)) {
      stats.linesIn--;
      stats.headers++;
      return;
    }
    const o = this.options;
    const i = o.decoder.decode(start, end);
    let format: Format;
    let plan: AnonymisePlan;
    if (i >= 0) {
      format = this.formats[i]!;
      plan = o.plans[i]!;
      this.decodedBy[i]!++;
    } else if (o.scrub !== undefined) {
      format = o.scrub.format;
      plan = o.scrub.plan;
      format.decode(this.src, start, end);
      this.decodedBy[this.formats.length]!++;
    } else {
      stats.drop('unparsed');
      return;
    }
    const ev = format.event;
    if (Number.isNaN(ev.time)) {
      if (!this.arrival) {
        stats.drop('no_timestamp');
        return;
      }
      ev.time = this.nowMs;
    }
    const verdict = o.gate.verdict(ev.time);
    if (verdict !== WINDOW_INSIDE) {
      stats.drop(verdict === WINDOW_EXPIRED ? 'expired' : 'future');
      return;
    }
    ev.key = this.key;
    ev.ack = this.ack;
    o.stage.apply(ev, plan);
    stats.linesOut++;
    if (i < 0) stats.scrubbed++;
    const consumers = this.consumers;
    for (let k = 0; k < consumers.length; k++) consumers[k]!.consume(ev, format);
  }

  /** LineHandler: a line the reader dropped before it became a string (bad bytes, too long). */
  drop(reason: RawDropReason): void {
    this.dropRaw(reason);
  }

  /** Counts `n` lines dropped before they became strings. */
  dropRaw(reason: RawDropReason | 'unparsed', n = 1): void {
    this.stats.linesIn += n;
    this.stats.drop(reason, n);
  }

  /** Copies the per-format and per-field counters into {@link stats} (they are kept in arrays on the hot path). */
  syncStats(): LineStats {
    const s = this.stats;
    this.formats.forEach((f, i) => {
      if (this.decodedBy[i]! > 0) s.decoded[f.name] = this.decodedBy[i]!;
    });
    if (this.options.scrub !== undefined && this.decodedBy[this.formats.length]! > 0) s.decoded['(scrubbed)'] = this.decodedBy[this.formats.length]!;
    for (const [name, n] of this.options.stage.rejected) s.rejected[name] = n;
    const hits = this.options.redactionHits;
    if (hits !== undefined) for (const kind in hits) if (hits[kind]! > 0) s.redactions[kind] = hits[kind]!;
    return s;
  }
}

/**
 * The encoder at the fan-out: each event in its format's own line form,
 * collected into the batch the sinks take.
 *
 * @example
 * const out = new EncodedBatchBuilder(); pipeline.consumers.push(out);
 * … const batch = out.take(); await Promise.all(sinks.map((s) => s.write(batch)));
 */
export class EncodedBatchBuilder implements EventConsumer {
  /**
   * The encodings since the last take, joined with newlines once, at take():
   * a text built by `+=` is a rope of a piece per event, which costs more to
   * read (encode, write out) than a join costs to build.
   */
  private parts: string[] = [];
  private length = 0;
  private ends: number[] = [];
  private times: number[] = [];
  private keys: (string | undefined)[] | undefined = undefined;
  private acks: (AckHandle | undefined)[] | undefined = undefined;
  private unparsed: boolean[] | undefined = undefined;

  consume(ev: Event, format: Format): void {
    const line = format.encode(ev);
    this.parts.push(line);
    this.ends.push((this.length += line.length + 1));
    this.times.push(ev.time);
    // Keys and handles are kept only once an event has one (byte streams have neither).
    if (ev.key !== undefined) (this.keys ??= new Array<string | undefined>(this.times.length - 1).fill(undefined)).push(ev.key);
    else this.keys?.push(undefined);
    if (ev.ack !== undefined) (this.acks ??= new Array<AckHandle | undefined>(this.times.length - 1).fill(undefined)).push(ev.ack);
    else this.acks?.push(undefined);
    if (format.name === SCRUBBED) (this.unparsed ??= new Array<boolean>(this.times.length - 1).fill(false)).push(true);
    else this.unparsed?.push(false);
  }

  /** Events collected since the last take. */
  get count(): number {
    return this.times.length;
  }

  /** The events collected since the last take, as one batch. */
  take(): EncodedBatch {
    // The empty last part gives the last event its newline.
    if (this.parts.length > 0) this.parts.push('');
    const batch: EncodedBatch = { text: this.parts.join('\n'), count: this.times.length, ends: this.ends, times: this.times, keys: this.keys, acks: this.acks, unparsed: this.unparsed };
    this.parts = [];
    this.length = 0;
    this.ends = [];
    this.times = [];
    this.keys = undefined;
    this.acks = undefined;
    this.unparsed = undefined;
    return batch;
  }
}
