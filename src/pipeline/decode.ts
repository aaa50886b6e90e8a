/**
 * The decode stage: finds the format a line is in (one fixed format, or
 * auto-detection over candidates) and has it decode the line into its event.
 */
import { type Format, MATCH, MATCH_APPENDED, NO_MATCH, type DecodeOutcome } from '../formats/format.js';

/** U+FEFF, the UTF-8 byte-order mark as a character. */
const BOM = 0xfeff;

/**
 * @example
 * const d = new Decoder([combined, common]);
 * d.source(chunk, bytes, 0);
 * const i = d.decode(0, lineEnd); // index of the format, or -1
 */
export class Decoder {
  private lastHit = 0;
  private src = '';
  private bytes: Uint8Array | undefined = undefined;
  private byteView: DataView | undefined = undefined;
  private byteBase = 0;

  /** The formats that declare their layout in the input (header lines, segments). */
  private readonly headed: readonly Format[];

  /** @param formats the candidates in detection order (the most specific first); one for a fixed format */
  constructor(readonly formats: readonly Format[]) {
    this.headed = formats.filter((f) => f.header !== undefined || f.segment !== undefined);
  }

  /** Whether any format reads header lines. */
  get hasHeaders(): boolean {
    return this.headed.some((f) => f.header !== undefined);
  }

  /**
   * Says where the lines that follow live: `src`, and (when the text is
   * ASCII) the same characters as bytes from `byteBase` in `bytes`, which
   * lets the stages hash and scan fields without slicing them.
   */
  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void {
    this.src = src;
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.byteView = bytes === undefined ? undefined : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.byteBase = byteBase;
  }

  /**
   * The index of the format that decoded the line `src[start..end)` into its
   * event, or -1. The last format that matched is tried first (logs are
   * homogeneous); a match with appended fields is only tentative, because a
   * more specific format (earlier in the order: combined before common) may
   * read those fields as its own.
   */
  decode(start: number, end: number): number {
    // A UTF-8 byte-order mark before a line (files concatenated, a writer that
    // starts each file or record with one) is not part of the line. Skipped
    // before any format sees it: a format whose first field is unchecked
    // (vhost_combined's host) would otherwise take it into that field.
    if (this.src.charCodeAt(start) === BOM) start++;
    const c = this.formats;
    const last = this.lastHit;
    const first = this.tryDecode(c[last]!, start, end);
    if (first === MATCH) return last;
    const limit = first === MATCH_APPENDED ? last : c.length;
    for (let i = 0; i < limit; i++) {
      if (i === last) continue;
      const outcome = this.tryDecode(c[i]!, start, end);
      if (outcome === NO_MATCH) continue;
      // A tentative match further down the order cannot beat the one in hand.
      this.lastHit = i;
      return i;
    }
    return first === MATCH_APPENDED ? last : -1;
  }

  /**
   * Header lines (W3C `#Fields`, a CSV or flow-log header) of the formats
   * that declare their layout in the input; true when the line was one.
   * Every such format sees every header line: CloudFront and W3C share
   * `#Version`, and each decides from `#Fields` whether the block is its own.
   */
  header(start: number, end: number): boolean {
    let any = false;
    const h = this.headed;
    const s = this.src.charCodeAt(start) === BOM ? start + 1 : start;
    for (let i = 0; i < h.length; i++) if (h[i]!.header?.(this.src, s, end) === true) any = true;
    return any;
  }

  /** The lines that follow come from segment `key` (or it `ended`): formats with per-segment layouts switch to it. */
  segment(key: string, ended: boolean): void {
    const h = this.headed;
    for (let i = 0; i < h.length; i++) h[i]!.segment?.(key, ended);
  }

  private tryDecode(f: Format, start: number, end: number): DecodeOutcome {
    const ev = f.event;
    ev.bytes = this.bytes;
    ev.byteView = this.byteView;
    ev.byteBase = this.byteBase;
    return f.decode(this.src, start, end);
  }
}
