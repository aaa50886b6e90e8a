/**
 * `stdin` and `fifo` sources: bytes from a stream that cannot be re-read, so
 * there is nothing to checkpoint. stdin ends at EOF (Apache closing its piped
 * log ends gallra, which then flushes and exits). A FIFO is opened read-write,
 * so gallra itself keeps it open: writers may come and go (nginx reopening,
 * a restarted web server) without gallra seeing an end of file, and opening
 * it never blocks waiting for a writer.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { GallraError } from '../../errors.js';
import type { Source, BytesBatch, SourcePosition } from '../source.js';

const STOPPED = Symbol('stopped');

/**
 * A source over a readable stream.
 *
 * @example
 * const src = new StreamSource('stdin', () => process.stdin);
 */
export class StreamSource implements Source {
  readonly drops: Record<string, number> = {};
  private stream: Readable | undefined;
  private stopped = false;
  /** Ends the read batches() is waiting for with STOPPED; set only while it waits. */
  private interrupt: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly open: () => Readable | Promise<Readable>,
    /** Told when the input ends (stdin EOF: the writer closed it). */
    private readonly info?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  async start(): Promise<void> {
    this.stream = await this.open();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt?.();
    if (this.stream === undefined) return;
    // A FIFO socket is ours to close; stdin is left to the process (closing it can upset a terminal)…
    if (this.stream !== process.stdin) this.stream.destroy();
    // …but unref'd: the read still pending on it would keep gallra running
    // after shutdown for as long as the writer holds the pipe open.
    else (this.stream as { unref?: () => void }).unref?.();
  }

  lagBytes(): number {
    return this.stream?.readableLength ?? 0;
  }

  async commit(_positions: readonly SourcePosition[]): Promise<void> {
    // Nothing to remember: the stream cannot be read again.
  }

  async *batches(): AsyncGenerator<BytesBatch> {
    const stream = this.stream;
    if (stream === undefined) return;
    // stop() settles the wait in progress, so the loop ends at once even while
    // the stream has nothing to read (an idle stdin).
    const it = stream.iterator({ destroyOnReturn: stream !== process.stdin });
    try {
      while (!this.stopped) {
        // A fresh promise per read that stop() can settle. (Racing every read
        // against one long-lived stop promise adds a reaction to it per chunk,
        // and each kept its chunk reachable until stop(): all input, in memory.)
        const r = await new Promise<IteratorResult<unknown> | typeof STOPPED>((resolve, reject) => {
          this.interrupt = () => resolve(STOPPED);
          it.next().then(resolve, reject);
        });
        this.interrupt = undefined;
        if (r === STOPPED) break;
        if (r.done === true) {
          this.info?.(`${this.name}: end of input (the writer closed it); writing what is left and stopping`, { source: this.name });
          break;
        }
        const chunk = r.value as Buffer | string;
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        yield { data, segment: undefined, offset: 0, endOfSegment: false };
      }
    } catch (err) {
      if (!this.stopped) throw new GallraError('GALLRA_SOURCE_FAILED', `${this.name}: read failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    } finally {
      if (!this.stopped) void it.return?.();
    }
    yield { data: Buffer.alloc(0), segment: undefined, offset: 0, endOfSegment: true };
  }
}

/**
 * Opens (creating if needed) a FIFO read-write and wraps it in a non-blocking
 * socket, so reads go through the event loop and never tie up a thread.
 *
 * @example
 * new StreamSource('nginx-fifo', () => openFifo('/run/gallra/access.fifo'))
 */
export function openFifo(file: string): Readable {
  try {
    // node:fs cannot make a named pipe; coreutils' mkfifo is on every system gallra runs on.
    if (!fs.existsSync(file)) execFileSync('mkfifo', ['-m', '600', file], { stdio: 'ignore' });
    if (!fs.statSync(file).isFIFO()) throw Object.assign(new Error('not a fifo'), { code: 'ENOTFIFO' });
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    return new net.Socket({ fd, readable: true, writable: false });
  } catch (err) {
    // mkfifo exiting non-zero (e.g. no such directory) gives an error without a code.
    const code = (err as NodeJS.ErrnoException).code ?? 'mkfifo failed';
    const fix = code === 'ENOTFIFO' ? '; it exists but is not a named pipe' : `; check the directory exists and is writable, or create it with: mkfifo -m 600 ${file}`;
    throw new GallraError('GALLRA_SOURCE_FAILED', `fifo ${file}: cannot open (${code})${fix}`, { cause: err });
  }
}
