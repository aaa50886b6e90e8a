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
 */
import type { EncodedBatchBuilder, LinePipeline } from './line-pipeline.js';
import { LineSplitter } from './line-splitter.js';
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

/**
 * @example
 * const p = new SourcePipeline({ source, pipeline, output, sinks, maxLineLength: 65536, commitMs: 1000 });
 * await p.run(); // until the source ends or is stopped
 */
export class SourcePipeline {
  /** A line splitter per segment with a line in progress. */
  private readonly splitters = new Map<string, LineSplitter>();
  /** Splits each record of a record-based source (ended after every record). */
  private recordSplitter: LineSplitter | undefined;
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

  constructor(private readonly options: SourcePipelineOptions) {
    this.now = options.now ?? Date.now;
  }

  get source(): Source {
    return this.options.source;
  }

  /** Line counters of this source's pipeline. */
  get stats(): LineStats {
    return this.options.pipeline.syncStats();
  }

  /** When the position was last recorded (ms since the epoch), 0 before the first commit. */
  get lastCommitAt(): number {
    return this.committedAt;
  }

  /** Reads the source until it ends or is stopped; the last commit happens before this resolves. */
  async run(): Promise<void> {
    const { source, pipeline } = this.options;
    this.lastCommit = this.now();
    const timer = setInterval(() => this.commitWhenQuiet(), this.options.commitMs);
    try {
      for await (const batch of source.batches()) {
        this.busy = true;
        // A timed commit under way finishes first: it records only what it flushed.
        await this.idle;
        if (this.failure !== undefined) break;
        await pipeline.prepare();
        pipeline.beginBatch();
        if (batch.kind === 'records') this.records(batch);
        else this.bytes(batch);
        await this.emit();
        if (this.now() - this.lastCommit >= this.options.commitMs) await this.commit();
        this.busy = false;
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
    await Promise.all(this.options.sinks.map((s) => s.flush()));
    if (this.pending.size > 0) {
      const positions = [...this.pending.values()];
      this.pending = new Map();
      await this.options.source.commit(positions);
    }
    this.committedAt = this.now();
  }

  private bytes(batch: BytesBatch): void {
    const key = batch.segment?.key ?? NO_SEGMENT;
    let splitter = this.splitters.get(key);
    if (splitter === undefined) this.splitters.set(key, (splitter = new LineSplitter(this.options.maxLineLength, this.options.pipeline)));
    this.options.pipeline.record(undefined, undefined);
    this.options.pipeline.segment(key);
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

  /** Each record is its own piece of input: its lines end with it. */
  private records(batch: RecordsBatch): void {
    const { pipeline, maxLineLength } = this.options;
    const splitter = (this.recordSplitter ??= new LineSplitter(maxLineLength, pipeline));
    for (const r of batch.records) {
      pipeline.record(r.key, r.ack);
      pipeline.segment(r.ack.segment.key);
      splitter.push(r.value);
      splitter.end();
      this.pending.set(r.ack.segment.key, { segment: r.ack.segment, offset: r.ack.offset });
    }
    pipeline.record(undefined, undefined);
    if (batch.records.length > 0) this.dirty = true;
  }

  /** The timer's commit: only between batches, and only when something is unrecorded. */
  private commitWhenQuiet(): void {
    if (this.busy || this.idle !== undefined || !this.dirty) return;
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
    const out = this.options.output;
    if (out.count === 0) return;
    const batch = out.take();
    this.dirty = true;
    await Promise.all(this.options.sinks.map((s) => s.write(batch)));
  }
}
