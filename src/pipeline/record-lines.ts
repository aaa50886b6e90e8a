/**
 * The records of a batch (Kafka messages), handed to the line pipeline as
 * pieces of text: their values joined with newlines and split once, so a
 * run of records makes one string, as a chunk of a file does, instead of one
 * string (and one set of per-source state) per record — a record is usually
 * a single short line, and per-record strings made the records path twice as
 * slow as the bytes path in the same process. A piece is at most
 * {@link PIECE_BYTES} (see {@link pieceEnd}): V8 puts a string over
 * ~128 KiB in its large-object space, where making it costs ~40× more per
 * byte than a small one (measured: 4.3 against 0.05–0.1 ns/byte for
 * latin1 decoding at 450 against 16–60 KiB), and the joined bytes of a
 * 2,000-record batch were ~450 KiB. Each record's key and
 * acknowledgement handle (and its segment, the partition: formats whose layout
 * is declared in the input keep one per segment) are set before its lines: a record is one piece of
 * input, and its last line ends with it (exactly what LineSplitter.pushWhole
 * does with it alone).
 */
import type { SourceRecord } from '../sources/source.js';
import type { LinePipeline } from './line-pipeline.js';
import { type LineHandler, LineSplitter, type RawDropReason } from './line-splitter.js';
import { NL } from '../util/ascii.js';

const BOM = [0xef, 0xbb, 0xbf] as const;

/** The most bytes of record values joined into one piece of text (a record larger than this is a piece alone). */
export const PIECE_BYTES = 32 * 1024;

/**
 * Where the piece of `records` that starts at `from` ends (exclusive): as
 * many records as fit in {@link PIECE_BYTES}, at least one.
 *
 * @example
 * for (let i = 0; i < records.length; ) { const j = pieceEnd(records, i); lines.push(records, i, j); i = j; }
 */
export function pieceEnd(records: readonly SourceRecord[], from: number): number {
  let size = records[from]!.value.length + 1;
  let i = from + 1;
  while (i < records.length) {
    size += records[i]!.value.length + 1;
    if (size > PIECE_BYTES) break;
    i++;
  }
  return i;
}

/**
 * @example
 * const lines = new RecordLines(65536, pipeline);
 * lines.push(batch.records); // every record's lines, each with its key and handle
 * lines.push(batch.records, 0, pieceEnd(batch.records, 0)); // those of the first piece
 */
export class RecordLines implements LineHandler {
  private readonly splitter: LineSplitter;
  private records: readonly SourceRecord[] = [];
  /** The index in {@link records} of the first record pushed (events[0]). */
  private base = 0;
  /** The joined values of a piece: reused, since the lines of a piece are done when push() returns. */
  private scratch = Buffer.allocUnsafeSlow(PIECE_BYTES + 1024);
  /** Lines (and dropped lines) each record's value holds, by record from {@link base}; 0 for a record with none. */
  private events = new Uint32Array(0);
  /** The record whose lines come now, and how many of them are still to come. */
  private index = -1;
  private left = 0;

  constructor(
    maxLineLength: number,
    private readonly pipeline: Pick<LinePipeline, 'source' | 'line' | 'drop' | 'record' | 'segment'>,
  ) {
    this.splitter = new LineSplitter(maxLineLength, this);
  }

  /** Hands on every line of `records[from..to)`, each record's with its key and handle, as one piece of text. */
  push(records: readonly SourceRecord[], from = 0, to = records.length): void {
    if (this.events.length < to - from) this.events = new Uint32Array((to - from) * 2);
    let size = 0;
    for (let i = from; i < to; i++) size += records[i]!.value.length + 1;
    // Nothing holds on to the bytes once the piece is done: lines held across pushes are copied (LineCarry), and a piece's last line ends with it.
    const joined = size <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = from; i < to; i++) {
      const v = records[i]!.value;
      const k = i - from;
      let s = 0;
      let e = v.length;
      // An empty record has no line; a byte-order mark starts none; a final newline ends the last line.
      if (e >= 3 && v[0] === BOM[0] && v[1] === BOM[1] && v[2] === BOM[2]) s = 3;
      if (e === s) {
        this.events[k] = 0;
        continue;
      }
      if (v[e - 1] === NL) e--;
      let n = 1;
      for (let nl = v.indexOf(NL, s); nl >= 0 && nl < e; nl = v.indexOf(NL, nl + 1)) n++;
      this.events[k] = n;
      at += v.copy(joined, at, s, e);
      joined[at++] = NL;
    }
    if (at === 0) return;
    this.records = records;
    this.base = from;
    this.index = -1;
    this.left = 0;
    this.splitter.push(joined.subarray(0, at));
    this.splitter.end();
    this.records = [];
    this.pipeline.record(undefined, undefined);
  }

  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void {
    this.pipeline.source(src, bytes, byteBase);
  }

  line(start: number, end: number): void {
    this.next();
    this.pipeline.line(start, end);
  }

  drop(reason: RawDropReason): void {
    this.next();
    this.pipeline.drop(reason);
  }

  /** Moves on to the next record with lines once the current one's are done. */
  private next(): void {
    if (this.left === 0) {
      do this.index++;
      while (this.events[this.index] === 0);
      const r = this.records[this.base + this.index]!;
      this.left = this.events[this.index]!;
      this.pipeline.record(r.key, r.ack);
      this.pipeline.segment(r.ack.segment.key);
    }
    this.left--;
  }
}
