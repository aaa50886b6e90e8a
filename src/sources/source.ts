/**
 * What every source provides to `gallra run`: a pull-based stream of raw
 * byte batches (so a slow sink slows the source), and — for sources that can
 * resume — a way to record how far downstream has durably accepted.
 */

/** A batch of raw input. Lines may straddle batches within one segment. */
export interface SourceBatch {
  /** Raw bytes; the consumer must be done with them before pulling the next batch. */
  readonly data: Buffer;
  /**
   * What the bytes belong to (a file's identity: device and inode), or
   * undefined for sources that cannot resume (stdin, FIFO, syslog).
   */
  readonly segment: SegmentId | undefined;
  /** Byte offset in the segment just after `data`. */
  readonly offset: number;
  /** No more data will follow in this segment (a rotated file was drained): flush a final partial line. */
  readonly endOfSegment: boolean;
}

/**
 * Which file bytes belong to. Device and inode are decimal strings (from
 * bigint stats: some file systems use inode numbers beyond 2^53), and `head`
 * is a fingerprint of the file's first bytes, so a recycled inode — logrotate
 * deletes `.1`, the next `access.log` gets its number — is not taken for the
 * file a checkpoint was about.
 */
export interface SegmentId {
  readonly dev: string;
  readonly ino: string;
  /** SHA-256 (hex, first 32 chars) of the first `headBytes` bytes; empty until the file has any. */
  readonly head: string;
  readonly headBytes: number;
}

/** How far downstream has durably accepted a resumable source's input. */
export interface SourcePosition {
  readonly segment: SegmentId;
  /** Offset of the first byte not yet accepted (a line boundary). */
  readonly offset: number;
}

export interface Source {
  readonly name: string;
  /** Acquires what the source needs (binds a port, opens a FIFO); errors here stop gallra at start. */
  start(): Promise<void>;
  /** The input as batches, until stop() is called or the input ends (stdin EOF). */
  batches(): AsyncIterable<SourceBatch>;
  /** Records that everything before `position` is durable downstream. */
  commit(position: SourcePosition): Promise<void>;
  /** Stops producing; the iterable ends soon after. Idempotent. */
  stop(): void;
  /** Messages the source itself dropped, by reason (syslog oversize, garbage). */
  readonly drops: Readonly<Record<string, number>>;
  /** Bytes of input not yet committed, when the source can tell (file tails). */
  lagBytes(): number;
}

/**
 * Resolves after `ms`, or earlier when `wake()` is called — for sources that
 * poll but also listen for change notifications.
 *
 * @example
 * const waiter = new Waiter(); watcher.on('change', () => waiter.wake()); await waiter.wait(250);
 */
export class Waiter {
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
    });
  }

  wake(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  }
}
