/**
 * Splits a byte stream into lines, with bounded memory and bad-byte checks
 * done on whole chunks where possible:
 *
 * - a chunk that is all ASCII (the usual web log: nginx and Apache escape
 *   other bytes) is decoded as latin1 in one native call and its lines are
 *   handed on as ranges of that one string, with the bytes alongside so
 *   fields can be hashed without being sliced;
 * - only a chunk that fails `isUtf8` or contains NUL is checked line by line;
 * - a line longer than the maximum is dropped without being buffered whole:
 *   once the carried-over tail passes the limit the rest of that line is
 *   skipped until its newline.
 *
 * `\r\n` endings are accepted (the `\r` is removed). The last line needs no
 * newline: end() flushes it.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { LineCarry } from './line-carry.js';
import { CR, NL } from '../util/ascii.js';

export type RawDropReason = 'invalid_utf8' | 'nul_byte' | 'too_long';

export interface LineHandler {
  /**
   * The lines that follow are ranges of `src`; when `bytes` is given it holds
   * the same characters, one byte each, starting at byte `byteBase`.
   */
  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void;
  /** One complete line `src[start..end)`, without its line ending. */
  line(start: number, end: number): void;
  /** A line dropped here, before it became a string. */
  drop(reason: RawDropReason): void;
}

/**
 * @example
 * const s = new LineSplitter(65536, handler);
 * for await (const chunk of stream) s.push(chunk);
 * s.end();
 */
export class LineSplitter {
  /** A line that started in an earlier chunk. */
  private readonly carry: LineCarry;
  private atStart = true;

  constructor(
    readonly maxLineLength: number,
    private readonly handler: LineHandler,
  ) {
    this.carry = new LineCarry(maxLineLength);
  }

  push(chunk: Buffer): void {
    if (this.atStart && chunk.length > 0) {
      this.atStart = false;
      // A UTF-8 byte-order mark (some Windows tools write one) is not part of the first line.
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    if (this.carry.feed(chunk, this.onCarried)) this.region(chunk, this.carry.regionStart, this.carry.regionEnd);
  }

  /**
   * Bytes taken in since the last line boundary — a partial line held, or
   * the part of an overlong line already skipped. A resumable source's
   * position is its offset minus this: the start of the line not yet done.
   */
  get pendingBytes(): number {
    return this.carry.pendingBytes;
  }

  /**
   * A whole piece of input whose last line ends with it (a Kafka record's
   * value): the same as push() then end(), without copying the last line
   * into the carry and with the ASCII fast path kept for it — a record is
   * usually one line without a newline, and push() would carry all of it.
   */
  pushWhole(chunk: Buffer): void {
    if (this.carry.active || chunk.length === 0) {
      this.push(chunk);
      this.end();
      return;
    }
    let start = 0;
    if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3;
    // A final newline ends the last line; the "line" after it does not exist.
    let end = chunk.length;
    if (chunk[end - 1] === NL) end--;
    if (chunk.length > start) this.region(chunk, start, end);
    this.atStart = true;
  }

  /** Flushes a final line without a newline; what comes next is a new file, which may start with its own byte-order mark. */
  end(): void {
    if (this.carry.active) this.flushCarry();
    this.atStart = true;
  }

  /** Lines in chunk[start..end), where end is a newline. */
  private region(chunk: Buffer, start: number, end: number): void {
    const view = chunk.subarray(start, end);
    if (view.indexOf(0) < 0) {
      if (isAscii(view)) {
        const src = chunk.toString('latin1', start, end);
        this.handler.source(src, chunk, start);
        this.emitLines(src, true);
        return;
      }
      if (isUtf8(view)) {
        const src = chunk.toString('utf8', start, end);
        this.handler.source(src, undefined, 0);
        this.emitLines(src, false);
        return;
      }
    }
    this.slowRegion(chunk, start, end);
  }

  /**
   * Hands on the lines of `src`. When it is not one byte per character a
   * long line's byte length is measured if it could exceed the limit.
   */
  private emitLines(src: string, oneBytePerChar: boolean): void {
    const max = this.maxLineLength;
    const h = this.handler;
    const len = src.length;
    let pos = 0;
    while (pos <= len) {
      let nl = src.indexOf('\n', pos);
      if (nl < 0) nl = len;
      let e = nl;
      if (e > pos && src.charCodeAt(e - 1) === CR) e--;
      // Characters are never more than bytes; count bytes only when it could matter.
      if (e - pos > max || (!oneBytePerChar && e - pos > max / 3 && Buffer.byteLength(src.slice(pos, e)) > max)) h.drop('too_long');
      else h.line(pos, e);
      pos = nl + 1;
    }
  }

  /** A region with NUL or invalid UTF-8 somewhere: decide line by line. */
  private slowRegion(chunk: Buffer, start: number, end: number): void {
    let pos = start;
    while (pos <= end) {
      let nl = chunk.indexOf(NL, pos);
      if (nl < 0 || nl > end) nl = end;
      this.oneLine(chunk.subarray(pos, nl));
      pos = nl + 1;
    }
  }

  private oneLine(bytes: Buffer): void {
    let b = bytes;
    if (b.length > 0 && b[b.length - 1] === CR) b = b.subarray(0, b.length - 1);
    if (b.length > this.maxLineLength) this.handler.drop('too_long');
    else if (b.indexOf(0) >= 0) this.handler.drop('nul_byte');
    else if (!isUtf8(b)) this.handler.drop('invalid_utf8');
    else {
      const text = b.toString('utf8');
      this.handler.source(text, undefined, 0);
      this.handler.line(0, text.length);
    }
  }

  private flushCarry(): void {
    const line = this.carry.take();
    if (line !== undefined) this.onCarried(line);
  }

  /** A line that spanned chunks, now complete. */
  private readonly onCarried = (line: Buffer | 'too_long'): void => {
    if (line === 'too_long') this.handler.drop('too_long');
    else this.oneLine(line);
  };
}
