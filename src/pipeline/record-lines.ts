/**
 * The records of a batch (Kafka messages), handed to the line pipeline as
 * one piece of text: their values joined with newlines and split once, so a
 * batch makes one string, as a chunk of a file does, instead of one string
 * (and one set of per-source state) per record — a record is usually a
 * single short line, and per-record strings made the records path twice as
 * slow as the bytes path in the same process. Each record's key and
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

/**
 * @example
 * const lines = new RecordLines(65536, pipeline);
 * lines.push(batch.records); // every record's lines, each with its key and handle
 */
export class RecordLines implements LineHandler {
  private readonly splitter: LineSplitter;
  private records: readonly SourceRecord[] = [];
  /** Lines (and dropped lines) each record's value holds, by record; 0 for a record with none. */
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

  /** Hands on every line of `records`, each record's with its key and handle. */
  push(records: readonly SourceRecord[]): void {
    if (this.events.length < records.length) this.events = new Uint32Array(records.length * 2);
    let size = 0;
    for (let i = 0; i < records.length; i++) size += records[i]!.value.length + 1;
    const joined = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < records.length; i++) {
      const v = records[i]!.value;
      let s = 0;
      let e = v.length;
      // An empty record has no line; a byte-order mark starts none; a final newline ends the last line.
      if (e >= 3 && v[0] === BOM[0] && v[1] === BOM[1] && v[2] === BOM[2]) s = 3;
      if (e === s) {
        this.events[i] = 0;
        continue;
      }
      if (v[e - 1] === NL) e--;
      let n = 1;
      for (let nl = v.indexOf(NL, s); nl >= 0 && nl < e; nl = v.indexOf(NL, nl + 1)) n++;
      this.events[i] = n;
      at += v.copy(joined, at, s, e);
      joined[at++] = NL;
    }
    if (at === 0) return;
    this.records = records;
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
      const r = this.records[this.index]!;
      this.left = this.events[this.index]!;
      this.pipeline.record(r.key, r.ack);
      this.pipeline.segment(r.ack.segment.key);
    }
    this.left--;
  }
}
