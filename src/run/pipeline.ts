/**
 * One source's path through `gallra run`: batches from the source are split
 * into lines, anonymised, grouped by the UTC day of their events and handed
 * to every sink. Reading is pull-based, so a sink that is slow to take
 * (backpressure from write()) slows the reading: at most one batch per
 * source plus the sinks' buffers is in memory whatever the input rate.
 *
 * Acknowledgement: every `commitMs` (and at the end) the pipeline flushes
 * every sink — written and fsynced — and only then records the source's
 * position. A crash therefore loses nothing that was acknowledged, and what
 * it repeats after a restart is at most what came after the last commit.
 * A quiet source yields no batches, so a timer makes that commit too: the
 * last lines before a lull are written and recorded within `commitMs`, not
 * whenever the next line happens to come.
 */
import { type Keyring } from '../keyring/keyring.js';
import { type Anonymiser } from '../pipeline/anonymiser.js';
import { type LineHandler, LineSplitter } from '../pipeline/line-splitter.js';
import { type LineStats } from '../pipeline/stats.js';
import { type Pseudonymiser } from '../transforms/pseudonymise.js';
import { dayOf, type DayChunk, type Sink } from '../sinks/sink.js';
import { type Source, type SourcePosition } from '../sources/source.js';

export interface PipelineOptions {
  readonly source: Source;
  readonly anonymiser: Anonymiser;
  /** The anonymiser's keyring: prepared before each batch, with the clock the batch uses. */
  readonly keyring?: Keyring;
  readonly sinks: readonly Sink[];
  readonly maxLineLength: number;
  /** How often sinks are flushed and the source's position recorded. */
  readonly commitMs: number;
  readonly now?: () => number;
}

/**
 * @example
 * const p = new SourcePipeline({ source, anonymiser, sinks, maxLineLength: 65536, commitMs: 1000 });
 * await p.run(); // until the source ends or is stopped
 */
export class SourcePipeline {
  private readonly splitter: LineSplitter;
  /** Output of the current batch, by event day. */
  private days: number[] = [];
  private texts: string[] = [];
  private counts: number[] = [];
  private pending: SourcePosition | undefined;
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

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now;
    const a = options.anonymiser;
    const handler: LineHandler = {
      source: (src, bytes, byteBase) => a.source(src, bytes, byteBase),
      line: (start, end) => {
        const out = a.line(start, end);
        if (out !== undefined) this.add(a.lastEventTime, out);
      },
      drop: (reason) => a.dropRaw(reason),
    };
    this.splitter = new LineSplitter(options.maxLineLength, handler);
  }

  get source(): Source {
    return this.options.source;
  }

  /** This source's pseudonymiser (housekeeping forgets its destroyed epochs). */
  get pseudonymiser(): Pseudonymiser {
    return this.options.anonymiser.pseudonymiser;
  }

  /** Line counters of this source's anonymiser. */
  get stats(): LineStats {
    return this.options.anonymiser.stats;
  }

  /** When the position was last recorded (ms since the epoch), 0 before the first commit. */
  get lastCommitAt(): number {
    return this.committedAt;
  }

  /** Reads the source until it ends or is stopped; the last commit happens before this resolves. */
  async run(): Promise<void> {
    const { source, anonymiser } = this.options;
    this.lastCommit = this.now();
    let resumable = false;
    const timer = setInterval(() => this.commitWhenQuiet(), this.options.commitMs);
    try {
      for await (const batch of source.batches()) {
        this.busy = true;
        // A timed commit under way finishes first: it records only what it flushed.
        await this.idle;
        if (this.failure !== undefined) break;
        await this.options.keyring?.prepare(this.now());
        anonymiser.beginBatch();
        this.splitter.push(batch.data);
        if (batch.endOfSegment) this.splitter.end();
        await this.emit();
        resumable = batch.segment !== undefined;
        if (batch.segment !== undefined) {
          // The bytes of a line not yet complete are not accepted yet.
          this.pending = { segment: batch.segment, offset: batch.offset - this.splitter.pendingBytes };
          this.dirty = true;
        }
        if (this.now() - this.lastCommit >= this.options.commitMs) await this.commit();
        this.busy = false;
      }
    } finally {
      clearInterval(timer);
      await this.idle;
    }
    if (this.failure !== undefined) throw this.failure;
    // A resumable source's unfinished last line stays unaccepted: it is read
    // again, whole, after a restart. Written now, it would be written twice.
    if (!resumable) {
      this.splitter.end();
      await this.emit();
    }
    await this.commit();
  }

  /** Flushes every sink, then records the source's position. */
  async commit(): Promise<void> {
    this.lastCommit = this.now();
    this.dirty = false;
    await Promise.all(this.options.sinks.map((s) => s.flush()));
    if (this.pending !== undefined) {
      const position = this.pending;
      this.pending = undefined;
      await this.options.source.commit(position);
    }
    this.committedAt = this.now();
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

  private add(eventMs: number, line: string): void {
    const day = dayOf(Number.isFinite(eventMs) ? eventMs : this.now());
    let k = this.days.length - 1;
    // Batches mostly hold one day; look back only when the day changes.
    if (k < 0 || this.days[k] !== day) k = this.days.indexOf(day);
    if (k < 0) {
      k = this.days.length;
      this.days.push(day);
      this.texts.push('');
      this.counts.push(0);
    }
    this.texts[k] += line + '\n';
    this.counts[k] = this.counts[k]! + 1;
  }

  private async emit(): Promise<void> {
    if (this.days.length === 0) return;
    const chunks: DayChunk[] = this.days.map((day, k) => ({ day, text: this.texts[k]!, lines: this.counts[k]! }));
    this.days = [];
    this.texts = [];
    this.counts = [];
    this.dirty = true;
    await Promise.all(this.options.sinks.map((s) => s.write(chunks)));
  }
}
