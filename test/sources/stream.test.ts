import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { type SourceBatch } from '../../src/sources/source.js';
import { openFifo, StreamSource } from '../../src/sources/stream.js';

let dir: string;
/** Everything a test opened, closed after it whatever happened. */
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-stream-'));
});

afterEach(async () => {
  const errors: unknown[] = [];
  while (cleanups.length > 0) await Promise.resolve().then(cleanups.pop()!).catch((e: unknown) => errors.push(e));
  fs.rmSync(dir, { recursive: true, force: true });
  if (errors.length > 0) throw errors[0];
});

/** Polls `cond` until it holds; fails (saying what was awaited) after `ms`. */
async function until(cond: () => boolean, what: () => string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Pulled {
  readonly batches: { text: string; endOfSegment: boolean; segment: unknown; offset: number }[];
  text(): string;
  ended: boolean;
  error: unknown;
  readonly done: Promise<void>;
}

function consume(src: StreamSource): Pulled {
  const pulled: Pulled = {
    batches: [],
    text() {
      return this.batches.map((b) => b.text).join('');
    },
    ended: false,
    error: undefined,
    done: Promise.resolve(),
  };
  (pulled as { done: Promise<void> }).done = (async () => {
    for await (const b of src.batches() as AsyncIterable<SourceBatch>) {
      pulled.batches.push({ text: b.data.toString('latin1'), endOfSegment: b.endOfSegment, segment: b.segment, offset: b.offset });
    }
  })()
    .catch((err: unknown) => {
      pulled.error = err;
    })
    .finally(() => {
      pulled.ended = true;
    });
  cleanups.push(async () => {
    src.stop();
    await pulled.done;
  });
  return pulled;
}

describe('StreamSource over a stream', () => {
  it('yields the data as it arrives and ends with an endOfSegment batch at EOF', async () => {
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    const pulled = consume(src);
    stream.write('line one\nline ');
    await until(
      () => pulled.text() === 'line one\nline ',
      () => 'the first write',
    );
    expect(pulled.ended).toBe(false);
    stream.write(Buffer.from('two\n'));
    stream.end('last, without newline');
    await pulled.done;
    expect(pulled.error).toBeUndefined();
    expect(pulled.text()).toBe('line one\nline two\nlast, without newline');
    expect(pulled.batches.at(-1)).toEqual({ text: '', endOfSegment: true, segment: undefined, offset: 0 });
    expect(pulled.batches.slice(0, -1).every((b) => !b.endOfSegment && b.segment === undefined)).toBe(true);
  });

  it('yields Buffers for a stream in string mode', async () => {
    const src = new StreamSource('strings', () => Readable.from(['héllo\n', 'wörld\n'], { objectMode: true }));
    await src.start();
    const pulled = consume(src);
    await pulled.done;
    expect(Buffer.concat(pulled.batches.map((b) => Buffer.from(b.text, 'latin1'))).toString('utf8')).toBe('héllo\nwörld\n');
  });

  it('ends batches() when stopped while waiting for data', async () => {
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    const pulled = consume(src);
    stream.write('a\n');
    await until(
      () => pulled.text() === 'a\n',
      () => 'the data',
    );
    src.stop();
    await until(
      () => pulled.ended,
      () => 'batches() to end',
    );
    expect(pulled.error).toBeUndefined();
    expect(stream.destroyed).toBe(true);
    src.stop(); // idempotent
  });

  it('turns a stream error into GALLRA_SOURCE_FAILED', async () => {
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    const pulled = consume(src);
    stream.destroy(Object.assign(new Error('boom'), { code: 'EIO' }));
    await pulled.done;
    expect(isGallraError(pulled.error)).toBe(true);
    expect(pulled.error).toMatchObject({ code: 'GALLRA_SOURCE_FAILED' });
    expect((pulled.error as Error).message).toContain('pipe');
    expect((pulled.error as Error).message).toContain('EIO');
  });

  it('has nothing to commit and reports what the stream holds unread', async () => {
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    stream.write('abc');
    expect(src.lagBytes()).toBe(3);
    await expect(src.commit({ segment: { dev: 1, ino: 2 }, offset: 3 })).resolves.toBeUndefined();
    src.stop();
  });
});

describe('StreamSource over a FIFO', () => {
  /** Writes to the FIFO as a web server would: open, write, close. */
  function writer(fifo: string, text: string): void {
    const fd = fs.openSync(fifo, 'w');
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  }

  it('creates a missing FIFO with mode 0600', async () => {
    const fifo = path.join(dir, 'access.fifo');
    const src = new StreamSource('fifo', () => openFifo(fifo));
    await src.start();
    cleanups.push(() => src.stop());
    const st = fs.statSync(fifo);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('reads what several writers write one after another, without ending when a writer closes', async () => {
    const fifo = path.join(dir, 'access.fifo');
    const src = new StreamSource('fifo', () => openFifo(fifo));
    await src.start();
    const pulled = consume(src);
    writer(fifo, 'first writer\n');
    await until(
      () => pulled.text() === 'first writer\n',
      () => 'the first writer',
    );
    writer(fifo, 'second writer\n');
    await until(
      () => pulled.text() === 'first writer\nsecond writer\n',
      () => 'the second writer',
    );
    expect(pulled.ended).toBe(false);
    expect(pulled.batches.some((b) => b.endOfSegment)).toBe(false);
    src.stop();
    await until(
      () => pulled.ended,
      () => 'batches() to end after stop()',
    );
    expect(pulled.error).toBeUndefined();
  });

  it('opens an existing FIFO', async () => {
    const fifo = path.join(dir, 'existing.fifo');
    const first = new StreamSource('fifo', () => openFifo(fifo));
    await first.start();
    first.stop();
    const src = new StreamSource('fifo', () => openFifo(fifo));
    await src.start();
    const pulled = consume(src);
    writer(fifo, 'x\n');
    await until(
      () => pulled.text() === 'x\n',
      () => 'the data',
    );
  });

  it('fails with GALLRA_SOURCE_FAILED when the path exists but is not a FIFO', async () => {
    const file = path.join(dir, 'regular');
    fs.writeFileSync(file, '');
    const src = new StreamSource('fifo', () => openFifo(file));
    const err = await src.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SOURCE_FAILED' });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('not a named pipe');
  });

  it('fails with GALLRA_SOURCE_FAILED saying what to do when the FIFO cannot be created', () => {
    const fifo = path.join(dir, 'no-such-dir', 'access.fifo');
    let err: unknown;
    try {
      openFifo(fifo);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'GALLRA_SOURCE_FAILED' });
    expect((err as Error).message).toContain(fifo);
    expect((err as Error).message).toContain('mkfifo -m 600');
    expect((err as Error).message).not.toContain('undefined');
  });
});
