/**
 * Syslog over TCP frames messages one of two ways (RFC 6587): octet counting
 * (`123 <PRI>…`, RFC 5425 style) or non-transparent framing, each message
 * ended by NL (nginx and most senders). A connection may mix them. Frames can
 * arrive split over any number of TCP segments, or many in one.
 *
 * The decoder holds at most `max` bytes of an unfinished frame: a longer
 * message is skipped as it streams past and counted as oversize, so memory
 * stays bounded whatever a peer sends. Bytes that cannot start a frame
 * (neither a digit nor `<`) are a protocol error: the caller closes the
 * connection.
 */
import { CR, LT, NINE, NL, SPACE, ZERO } from '../../util/ascii.js';

export interface FrameHandler {
  /** A complete message in `b[start..end)` (valid only during the call). */
  message(b: Buffer, start: number, end: number): void;
  /** A message longer than the limit was skipped. */
  oversize(): void;
}

/**
 * @example
 * const d = new FrameDecoder(65536, handler);
 * socket.on('data', (chunk) => { if (!d.push(chunk)) socket.destroy(); });
 */
export class FrameDecoder {
  /** An unfinished frame, in the pieces it arrived in (joined once it is complete, so a large frame in small chunks costs linear, not quadratic, copying). */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes the held frame needs before it can be complete (octet counting), or… */
  private heldNeeds = 0;
  /** …whether it ends at an NL (non-transparent framing). */
  private heldUntilLf = false;
  /** Bytes of an oversize message still to skip (octet counting). */
  private skipBytes = 0;
  /** Skipping an oversize NL-framed message until its NL. */
  private skipToLf = false;

  constructor(
    readonly max: number,
    private readonly handler: FrameHandler,
  ) {}

  /** Bytes of an unfinished frame held for the next push (bounded by `max` plus a length prefix). */
  get heldBytes(): number {
    return this.heldLength;
  }

  /** Feeds bytes; false on a protocol error (the connection should be closed). */
  push(chunk: Buffer): boolean {
    if (this.heldLength === 0) return this.frames(chunk, 0);
    // Complete the held frame from the front of the chunk: only those bytes
    // are joined to it, the rest is decoded where it lies (in a stream nearly
    // every chunk ends mid-frame, so joining whole chunks would copy them all).
    let take: number;
    if (this.heldUntilLf) {
      const lf = chunk.indexOf(NL);
      take = lf >= 0 ? lf + 1 : this.heldLength + chunk.length > this.max + 1 ? chunk.length : -1;
    } else {
      const need = this.heldNeeds - this.heldLength;
      take = chunk.length >= need ? need : -1;
    }
    if (take < 0) {
      this.held.push(Buffer.from(chunk));
      this.heldLength += chunk.length;
      return true;
    }
    this.held.push(chunk.subarray(0, take));
    const frame = Buffer.concat(this.held, this.heldLength + take);
    this.held = [];
    this.heldLength = 0;
    if (!this.frames(frame, 0)) return false;
    if (take === chunk.length) return true;
    // Still unfinished (an octet count that was cut in two needed more than one byte): the rest joins it.
    return this.heldLength > 0 ? this.push(chunk.subarray(take)) : this.frames(chunk, take);
  }

  /** Decodes the frames of `b` from `i` on, holding an unfinished last one. */
  private frames(b: Buffer, i: number): boolean {
    while (i < b.length) {
      if (this.skipBytes > 0) {
        const n = Math.min(this.skipBytes, b.length - i);
        this.skipBytes -= n;
        i += n;
        continue;
      }
      if (this.skipToLf) {
        const lf = b.indexOf(NL, i);
        if (lf < 0) return true;
        this.skipToLf = false;
        i = lf + 1;
        continue;
      }
      const c = b[i]!;
      if (c === NL || c === CR || c === 0) {
        i++; // stray separators between frames
        continue;
      }
      if (c >= ZERO && c <= NINE) {
        // Octet counting: MSG-LEN SP MSG
        let j = i;
        let len = 0;
        while (j < b.length && b[j]! >= ZERO && b[j]! <= NINE && j - i < 10) len = len * 10 + (b[j++]! - ZERO);
        if (j === b.length) return this.hold(b, i, b.length - i + 1, false);
        if (b[j] !== SPACE || j - i >= 10) return false;
        const start = j + 1;
        if (len > this.max) {
          this.handler.oversize();
          this.skipBytes = len;
          i = start;
          continue;
        }
        if (start + len > b.length) return this.hold(b, i, start + len - i, false);
        this.handler.message(b, start, start + len);
        i = start + len;
        continue;
      }
      if (c !== LT) return false;
      // Non-transparent framing: up to NL.
      const lf = b.indexOf(NL, i);
      if (lf < 0) {
        // One byte of slack for the CR of a CRLF that is not part of the
        // message, so a message of exactly `max` bytes is kept however TCP
        // splits it.
        if (b.length - i > this.max + 1) {
          this.handler.oversize();
          this.skipToLf = true;
          return true;
        }
        return this.hold(b, i, 0, true);
      }
      let e = lf;
      if (e > i && b[e - 1] === CR) e--;
      if (e - i > this.max) this.handler.oversize();
      else this.handler.message(b, i, e);
      i = lf + 1;
    }
    return true;
  }

  /** Keeps an unfinished frame for the next chunk (copied: the chunk is the socket's). */
  private hold(b: Buffer, from: number, needs: number, untilLf: boolean): boolean {
    this.held = [Buffer.from(b.subarray(from))];
    this.heldLength = b.length - from;
    this.heldNeeds = needs;
    this.heldUntilLf = untilLf;
    return true;
  }
}
