/**
 * `stdout` sink: anonymised lines on standard output, in arrival order.
 * flush() waits until the stream has handed everything to the OS (there is
 * no fsync for a pipe; a reader downstream owns durability from there).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { GallraError } from '../../errors.js';
import type { EncodedBatch, Sink } from '../sink.js';

/**
 * @example
 * const sink = new StreamSink('stdout', process.stdout);
 */
export class StreamSink implements Sink {
  private written = 0;
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    private readonly stream: Writable,
  ) {
    stream.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  get linesWritten(): number {
    return this.written;
  }

  async write(batch: EncodedBatch): Promise<void> {
    this.check();
    this.written += batch.count;
    if (batch.text.length > 0 && !this.stream.write(batch.text)) await this.drained();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.stream.writableNeedDrain) await this.drained();
    if (this.stream.writableLength === 0) return;
    // Below the high-water mark text can still sit in the stream's buffer; an
    // empty write's callback runs once everything queued before it is out.
    try {
      await new Promise<void>((resolve, reject) => this.stream.write('', (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.failure ??= err as Error;
      this.check();
    }
  }

  async reopen(): Promise<void> {}

  async close(): Promise<void> {
    await this.flush();
  }

  private async drained(): Promise<void> {
    // once() rejects on 'error' by itself. 'close' covers a stream destroyed
    // without an error, which would never drain. Aborting when either settles
    // removes the other's listeners, so waits under backpressure do not pile up.
    const ac = new AbortController();
    const closed = once(this.stream, 'close', { signal: ac.signal }).then(() => Promise.reject(new Error('stream closed')));
    try {
      await Promise.race([once(this.stream, 'drain', { signal: ac.signal }), closed]);
    } catch (err) {
      this.failure ??= err as Error;
      this.check();
    } finally {
      ac.abort();
    }
  }

  private check(): void {
    if (this.failure !== undefined) throw new GallraError('GALLRA_SINK_FAILED', `${this.name} sink: ${(this.failure as NodeJS.ErrnoException).code ?? this.failure.message}`, { cause: this.failure });
  }
}
