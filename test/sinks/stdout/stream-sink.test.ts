import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import { batchOf, type DayChunk } from '../../helpers/batches.js';
import { StreamSink } from '../../../src/sinks/stdout/stream-sink.js';

const DAY = 22352;

function chunk(...lines: string[]): DayChunk {
  return { day: DAY, text: lines.map((l) => `${l}\n`).join(''), lines: lines.length };
}

/** Lets every pending callback and timer-free event run, so a promise that could settle has. */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  // Keep a rejection observed until the test awaits it.
  promise.catch(() => undefined);
  return { settled: () => done, promise };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('StreamSink', () => {
  it('writes the chunks in order, whatever their day', async () => {
    const out = new PassThrough();
    const sink = new StreamSink('stdout', out);
    await sink.write(batchOf([chunk('a', 'b'), { day: DAY - 3, text: 'c\n', lines: 1 }]));
    await sink.write(batchOf([chunk('d')]));
    await sink.flush();
    await sink.close();
    expect(out.read()?.toString()).toBe('a\nb\nc\nd\n');
    expect(sink.linesWritten).toBe(4);
  });

  it('waits for the reader under backpressure', async () => {
    const out = new PassThrough({ highWaterMark: 64 });
    const sink = new StreamSink('stdout', out);
    const w = track(sink.write(batchOf([chunk('x'.repeat(1000))])));
    await settle();
    expect(w.settled()).toBe(false);
    // flush() also waits while the stream wants to drain.
    const f = track(sink.flush());
    await settle();
    expect(f.settled()).toBe(false);
    // A slow reader finally reads.
    let got = '';
    out.on('data', (b: Buffer) => (got += b.toString()));
    await w.promise;
    await f.promise;
    expect(got).toBe(`${'x'.repeat(1000)}\n`);
  });

  it('flush() waits until text below the high-water mark has left the stream, and fails when writing it fails', async () => {
    const pending: ((err?: Error) => void)[] = [];
    const written: string[] = [];
    const out = new Writable({
      highWaterMark: 1 << 20,
      write(data: Buffer, _enc, cb) {
        pending.push((err) => {
          if (err === undefined) written.push(data.toString());
          cb(err);
        });
      },
    });
    const sink = new StreamSink('stdout', out);
    await sink.write(batchOf([chunk('a')])); // no backpressure: accepted at once
    const f = track(sink.flush());
    await settle();
    expect(f.settled()).toBe(false);
    while (pending.length > 0) {
      pending.shift()!();
      await settle();
    }
    await f.promise;
    expect(written.join('')).toBe('a\n');

    await sink.write(batchOf([chunk('b')]));
    const failed = track(sink.flush());
    await settle();
    pending.shift()!(Object.assign(new Error('write EIO'), { code: 'EIO' }));
    expect(await rejectionOf(failed.promise)).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
  });

  it('does not pile up listeners on the stream while waiting for it many times', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const sink = new StreamSink('stdout', out);
    const errorListeners = out.listenerCount('error');
    const closeListeners = out.listenerCount('close');
    for (let i = 0; i < 30; i++) {
      const w = track(sink.write(batchOf([chunk('y'.repeat(100))])));
      await settle();
      expect(w.settled()).toBe(false);
      out.read();
      await w.promise;
    }
    expect(out.listenerCount('error')).toBe(errorListeners);
    expect(out.listenerCount('close')).toBe(closeListeners);
    expect(out.listenerCount('drain')).toBe(0);
  });

  it('turns a stream error into GALLRA_SINK_FAILED on the next write and flush', async () => {
    const out = new PassThrough();
    const sink = new StreamSink('stdout', out);
    await sink.write(batchOf([chunk('ok')]));
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await settle();
    const err = await rejectionOf(sink.write(batchOf([chunk('after')])));
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
    expect((err as Error).message).toContain('stdout');
    expect((err as Error).message).toContain('EPIPE');
    await expect(sink.flush()).rejects.toMatchObject({ code: 'GALLRA_SINK_FAILED' });
  });

  it('rejects a write waiting for drain with GALLRA_SINK_FAILED when the stream fails meanwhile', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const sink = new StreamSink('stdout', out);
    const w = track(sink.write(batchOf([chunk('z'.repeat(100))])));
    await settle();
    expect(w.settled()).toBe(false);
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const err = await rejectionOf(w.promise);
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
  });

  it('rejects a write waiting for drain with GALLRA_SINK_FAILED when the stream is closed without an error', async () => {
    const out = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, _cb) {
        // Never completes: a reader that stopped reading.
      },
    });
    const sink = new StreamSink('stdout', out);
    const w = track(sink.write(batchOf([chunk('z'.repeat(100))])));
    await settle();
    expect(w.settled()).toBe(false);
    out.destroy();
    const err = await rejectionOf(w.promise);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
  });

  it('has nothing to reopen', async () => {
    const out = new PassThrough();
    const sink = new StreamSink('stdout', out);
    await expect(sink.reopen()).resolves.toBeUndefined();
  });
});
