/**
 * The bytes of a line that began in an earlier chunk, held until its newline
 * arrives — with a bound: once they pass the longest line allowed, they are
 * let go and the rest of the line is skipped as it streams past, so a
 * newline-free input cannot grow memory. Shared by the line splitter and the
 * batch cutter of `--threads`.
 */
import { NL } from '../util/ascii.js';

/**
 * @example
 * const carry = new LineCarry(65536);
 * if (carry.feed(chunk, onCarriedLine)) lines(chunk, carry.regionStart, carry.regionEnd);
 * const last = carry.take(); // at the end of input: Buffer | 'too_long' | undefined
 */
export class LineCarry {
  /** After {@link feed} returned true: the chunk's whole lines are `chunk[regionStart..regionEnd)`, and `regionEnd` is a newline. */
  regionStart = 0;
  regionEnd = 0;
  private parts: Buffer[] = [];
  private bytes = 0;
  private skipping = false;
  private skipped = 0;

  /** @param max longest line kept, in bytes (a trailing `\r` is allowed on top) */
  constructor(readonly max: number) {}

  /** Whether a line is in progress (held or being skipped). */
  get active(): boolean {
    return this.bytes > 0 || this.skipping;
  }

  /** Bytes taken in since the last line boundary, held or skipped. */
  get pendingBytes(): number {
    return this.bytes + this.skipped;
  }

  /**
   * Takes in a chunk: a line carried from earlier chunks that ends in this
   * one goes to `onCarried` (whole, or 'too_long'); a tail without a newline
   * is held. True when whole lines lie between, as
   * `chunk[regionStart..regionEnd)`.
   */
  feed(chunk: Buffer, onCarried: (line: Buffer | 'too_long') => void): boolean {
    let start = 0;
    if (this.active) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.hold(chunk, 0, chunk.length);
        return false;
      }
      this.hold(chunk, 0, nl);
      const line = this.take();
      if (line !== undefined) onCarried(line);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last < start) {
      this.hold(chunk, start, chunk.length);
      return false;
    }
    this.hold(chunk, last + 1, chunk.length);
    this.regionStart = start;
    this.regionEnd = last;
    return true;
  }

  /** Takes `chunk[start..end)` (no newline in it) into the line in progress. Copies: the caller may reuse the chunk. */
  hold(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (this.skipping) {
      this.skipped += end - start;
      return;
    }
    if (this.bytes + (end - start) > this.max + 1) {
      this.skipping = true;
      this.skipped = this.bytes + (end - start);
      this.parts = [];
      this.bytes = 0;
      return;
    }
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
    this.bytes += end - start;
  }

  /**
   * Ends the line in progress: its bytes, `'too_long'` when it was skipped,
   * or undefined when there was none.
   *
   * @example
   * const line = carry.take(); if (line === 'too_long') stats.drop('too_long'); else if (line) emit(line);
   */
  take(): Buffer | 'too_long' | undefined {
    if (this.skipping) {
      this.skipping = false;
      this.skipped = 0;
      return 'too_long';
    }
    if (this.bytes === 0) return undefined;
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return line;
  }
}
