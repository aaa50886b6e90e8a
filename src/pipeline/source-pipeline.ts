/**
 * One source's path through `gallra run`: its batches are split into lines
 * (one splitter per segment, so files read in turn never glue lines
 * together), run through the line pipeline, and the encoded events handed to
 * every sink. Reading is pull-based, so a sink that is slow to take
 * (backpressure from write()) slows the reading: at most one batch per
 * source plus the sinks' buffers is in memory whatever the input rate.
 *
 * Acknowledgement: every `commitMs` (and at the end) the pipeline flushes
 * every sink — written and made durable — and only then records the
 * source's positions, one per segment that moved. A crash therefore loses
 * nothing that was acknowledged, and what it repeats after a restart is at
 * most what came after the last commit. A quiet source yields no batches,
 * so a timer makes that commit too: the last lines before a lull are
 * written and recorded within `commitMs`.
 *
 * It also keeps what operators alert on: the bytes read but not yet
 * acknowledged (lag) and when the oldest of them was read (age) — both 0
 * when everything read is acknowledged, however long the source is idle —
 * and, in memory only, the first few KiB of the latest batch, so a source
 * whose lines do not parse can be told which format would have parsed them.
 *
 * For a config reload, `pause()` holds it between two batches and
 * `replace()` swaps the line pipeline: the splitters hand lines to whichever
 * pipeline is current, so a line split across the swap is not lost.
 */
import type { EncodedBatchBuilder, LinePipeline } from './line-pipeline.js';
import { type LineHandler, LineSplitter } from './line-splitter.js';
import { pieceEnd, RecordLines } from './record-lines.js';
import type { LineStats } from './stats.js';
import type { Sink } from '../sinks/sink.js';
import type { BytesBatch, RecordsBatch, Source, SourcePosition } from '../sources/source.js';

export interface SourcePipelineOptions {
  readonly source: Source;
  readonly pipeline: LinePipeline;
  /** The encoder the pipeline's fan-out feeds: its batches go to the sinks. */
  readonly output: EncodedBatchBuilder;
  readonly sinks: readonly Sink[];
  readonly maxLineLength: number;
  /** How often sinks are flushed and the source's position recorded. */
  readonly commitMs: number;
  readonly now?: () => number;
}

/** The key of the splitter for bytes that belong to no segment (stdin, FIFO, syslog). */
const NO_SEGMENT = '';
/** Bytes of the latest batch kept (in memory only) to diagnose lines that do not parse. */
const SAMPLE_BYTES = 8192;

/**
 * @example
 * const p = new SourcePipeline({ source, pipeline, output, sinks, maxLineLength: 65536, commitMs: 1000 });
 * await p.run(); // until the source ends or is stopped
 */
export class SourcePipeline {
  /** A line splitter per segment with a line in progress. */
  private readonly splitters = new Map<string, LineSplitter>();
  /** Splits the records of a record-based source (each ended with its record). */
  private recordLines: RecordLines | undefined;
  /** Positions taken since the last commit, by segment. */
  private pending = new Map<string, SourcePosition>();
  private lastCommit = 0;
  private committedAt = 0;
  /** Lines handed to the sinks or a position taken since the last commit. */
  private dirty = false;
  /** A batch is being handled (the timer must not commit in the middle of it). */
  private busy = false;
  /** The timer's commit under way, if any. */
  private idle: Promise<void> | undefined;
  private failure: unknown;
  private readonly now: () => number;
  /** The line pipeline and encoder in use (replace() swaps them). */
  private line: LinePipeline;
  private output: EncodedBatchBuilder;
  /** What the splitters hand lines to: always the current line pipeline. */
  private readonly relay: LineHandler;
  /** The relay with what a record source also sets per record: its key and handle, its segment. */
  private readonly recordRelay: ConstructorParameters<typeof RecordLines>[1];
  /** Bytes taken from the source, and how many of them are acknowledged (cumulative). */
  private bytesRead = 0;
  private bytesAcked = 0;
  /** [cumulative bytes read after a batch, when it was read] of the batches not wholly acknowledged, oldest first. */
  private readTimes: number[] = [];
  private readonly sampleBuf = Buffer.alloc(SAMPLE_BYTES);
  private sampleLength = 0;
  /** Set while paused: the next batch waits for it. */
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  /** The batch being handled. */
  private processing: Promise<void> = Promise.resolve();

  constructor(private readonly options: SourcePipelineOptions) {
    this.now = options.now ?? Date.now;
    this.line = options.pipeline;
    this.output = options.output;
    this.relay = {
      source: (src, bytes, base) => this.line.source(src, bytes, base),
      line: (start, end) => this.line.line(start, end),
      drop: (reason) => this.line.drop(reason),
    };
    this.recordRelay = {
      ...this.relay,
      record: (key, ack) => this.line.record(key, ack),
      segment: (key) => this.line.segment(key),
    };
  }

  get source(): Source {
    return this.options.source;
  }

  /** Line counters of this source's pipeline. */
  get stats(): LineStats {
    return this.line.syncStats();
  }

  /** The line pipeline in use. */
  get pipeline(): LinePipeline {
    return this.line;
  }

  /** Bytes read from the source and not yet acknowledged (written durably by every sink, position recorded). */
  get lagBytes(): number {
    return this.bytesRead - this.bytesAcked;
  }

  /** When the oldest byte not yet acknowledged was read (ms since the epoch), 0 when everything read is acknowledged. */
  get oldestUnackedAt(): number {
    const t = this.readTimes;
    for (let i = 0; i < t.length; i += 2) if (t[i]! > this.bytesAcked) return t[i + 1]!;
    return 0;
  }

  /** The first bytes of the latest batch (a copy, in memory only), for diagnosing lines that do not parse. */
  sample(): Buffer {
    return Buffer.from(this.sampleBuf.subarray(0, this.sampleLength));
  }

  /**
   * Holds the pipeline between two batches: resolves once the batch in hand
   * (and a timed commit under way) is done; the next waits for resume().
   */
  async pause(): Promise<void> {
    if (this.gate === undefined) this.gate = new Promise((resolve) => (this.openGate = resolve));
    await this.processing;
    await this.idle;
  }

  resume(): void {
    const open = this.openGate;
    this.gate = undefined;
    this.openGate = undefined;
    open?.();
  }

  /**
   * Swaps the line pipeline (a reloaded policy), while paused. Its counters
   * go on from the old one's, so metrics keep counting up.
   */
  replace(pipeline: LinePipeline, output: EncodedBatchBuilder): void {
    pipeline.stats.add(this.line.syncStats());
    this.line = pipeline;
    this.output = output;
  }

  /** When the position was last recorded (ms since the epoch), 0 before the first commit. */
  get lastCommitAt(): number {
    return this.committedAt;
  }

  /** Reads the source until it ends or is stopped; the last commit happens before this resolves. */
  async run(): Promise<void> {
    const { source } = this.options;
    this.lastCommit = this.now();
    const timer = setInterval(() => this.commitWhenQuiet(), this.options.commitMs);
    try {
      for await (const batch of source.batches()) {
        if (this.gate !== undefined) await this.gate;
        this.busy = true;
        let done!: () => void;
        this.processing = new Promise((resolve) => (done = resolve));
        try {
          // A timed commit under way finishes first: it records only what it flushed.
          await this.idle;
          if (this.failure !== undefined) break;
          const pipeline = this.line;
          await pipeline.prepare();
          pipeline.beginBatch();
          if (batch.kind === 'records') await this.records(batch);
          else this.bytes(batch);
          await this.emit();
          // Also as soon as the source is at its bound of unacknowledged records: it reads on once they are acknowledged.
          if (this.now() - this.lastCommit >= this.options.commitMs || source.wantsCommit?.() === true) await this.commit();
        } finally {
          this.busy = false;
          done();
        }
      }
    } finally {
      clearInterval(timer);
      await this.idle;
    }
    if (this.failure !== undefined) throw this.failure;
    // A resumable segment's unfinished last line stays unaccepted: it is read
    // again, whole, after a restart. Written now, it would be written twice.
    const rest = this.splitters.get(NO_SEGMENT);
    if (rest !== undefined) {
      rest.end();
      await this.emit();
    }
    await this.commit();
  }

  /** Flushes every sink, then records the source's positions. */
  async commit(): Promise<void> {
    this.lastCommit = this.now();
    this.dirty = false;
    // What this commit acknowledges: everything read so far but the lines not yet complete.
    let partial = 0;
    for (const sp of this.splitters.values()) partial += sp.pendingBytes;
    const upTo = this.bytesRead - partial;
    await Promise.all(this.options.sinks.map((s) => s.flush()));
    if (this.pending.size > 0) {
      const positions = [...this.pending.values()];
      this.pending = new Map();
      await this.options.source.commit(positions);
    }
    this.committedAt = this.now();
    if (upTo > this.bytesAcked) this.bytesAcked = upTo;
    const t = this.readTimes;
    let k = 0;
    while (k < t.length && t[k]! <= this.bytesAcked) k += 2;
    if (k > 0) this.readTimes = t.slice(k);
  }

  /** Counts bytes taken from the source (lag, age) and keeps the start of the latest batch (diagnosis). */
  private took(n: number, sample: Buffer | undefined): void {
    if (n === 0) return;
    this.bytesRead += n;
    this.readTimes.push(this.bytesRead, this.now());
    if (sample !== undefined) this.sampleLength = sample.copy(this.sampleBuf, 0, 0, Math.min(sample.length, SAMPLE_BYTES));
  }

  private bytes(batch: BytesBatch): void {
    const key = batch.segment?.key ?? NO_SEGMENT;
    let splitter = this.splitters.get(key);
    if (splitter === undefined) this.splitters.set(key, (splitter = new LineSplitter(this.options.maxLineLength, this.relay)));
    this.line.record(undefined, undefined);
    this.line.segment(key);
    this.took(batch.data.length, batch.data);
    splitter.push(batch.data);
    if (batch.endOfSegment) {
      splitter.end();
      this.options.pipeline.segment(key, true);
      if (key !== NO_SEGMENT) this.splitters.delete(key);
    }
    if (batch.segment !== undefined) {
      // The bytes of a line not yet complete are not accepted yet.
      this.pending.set(key, { segment: batch.segment, offset: batch.offset - (batch.endOfSegment ? 0 : splitter.pendingBytes) });
      this.dirty = true;
    }
  }

  /**
   * Each record is its own piece of input: its lines end with it. The
   * records go through in pieces of a few dozen KiB, each written to the
   * sinks before the next: a whole consume batch (~450 KiB of lines) would
   * make strings large enough for V8's large-object space, several times
   * dearer per byte to decode, encode and collect (see record-lines.ts).
   */
  private async records(batch: RecordsBatch): Promise<void> {
    // The relay: a reload may replace the line pipeline between batches.
    const lines = (this.recordLines ??= new RecordLines(this.options.maxLineLength, this.recordRelay));
    const records = batch.records;
    for (let i = 0; i < records.length; ) {
      const j = pieceEnd(records, i);
      lines.push(records, i, j);
      i = j;
      if (i < records.length) await this.emit();
    }
    let bytes = 0;
    // A handle is a position: its segment, and the offset after the record.
    for (const r of batch.records) {
      bytes += r.value.length;
      this.pending.set(r.ack.segment.key, r.ack);
    }
    this.took(bytes, batch.records[0]?.value);
    if (batch.records.length > 0) this.dirty = true;
  }

  /** The timer's commit: only between batches, and only when something is unrecorded. */
  private commitWhenQuiet(): void {
    if (this.busy || this.idle !== undefined || !this.dirty || this.gate !== undefined) return;
    this.idle = this.commit()
      .catch((err: unknown) => {
        // Surfaces from run(): the source is stopped so its loop ends.
        this.failure ??= err;
        this.options.source.stop();
      })
      .finally(() => {
        this.idle = undefined;
      });
  }

  private async emit(): Promise<void> {
    const out = this.output;
    if (out.count === 0) return;
    const batch = out.take();
    this.dirty = true;
    await Promise.all(this.options.sinks.map((s) => s.write(batch)));
  }
}
