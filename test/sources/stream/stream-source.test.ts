import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import { openFifo, StreamSource } from '../../../src/sources/stream/stream-source.js';
import { Cleanups, until } from '../../helpers/wait.js';

let dir: string;
/** Everything a test opened, closed after it whatever happened. */
const cleanups = new Cleanups();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-stream-'));
});

afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});


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
    for await (const b of src.batches()) {
      pulled.batches.push({ text: b.data.toString('latin1'), endOfSegment: b.endOfSegment, segment: b.segment, offset: b.offset });
    }
  })()
    .catch((err: unknown) => {
      pulled.error = err;
    })
    .finally(() => {
      pulled.ended = true;
    });
  cleanups.add(async () => {
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

  it('ends batches() promptly when stopped while the stream has never had data, without faking an end of stream', async () => {
    const stream = new PassThrough();
    const ends = vi.fn();
    stream.on('end', ends);
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    const pulled = consume(src);
    // Let batches() get to its wait for the first chunk.
    await new Promise((r) => setImmediate(r));
    expect(pulled.ended).toBe(false);
    src.stop();
    await until(
      () => pulled.ended,
      () => 'batches() to end',
      2000,
    );
    expect(pulled.error).toBeUndefined();
    // Only the final (empty) endOfSegment batch.
    expect(pulled.batches).toEqual([{ text: '', endOfSegment: true, segment: undefined, offset: 0 }]);
    expect(ends).not.toHaveBeenCalled();
    expect(stream.destroyed).toBe(true);
  });

  it('ends batches() at once when stopped before it is pulled', async () => {
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    src.stop();
    const pulled = consume(src);
    await until(
      () => pulled.ended,
      () => 'batches() to end',
      2000,
    );
    expect(pulled.text()).toBe('');
    expect(pulled.error).toBeUndefined();
  });

  it('does not keep chunks it has handed on reachable (a long-running pipe must not hold its whole input)', async () => {
    // A full collection on demand: V8 exposes gc() to new contexts once the flag is set.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const stream = new PassThrough();
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    const refs: WeakRef<Buffer>[] = [];
    let seen = 0;
    const pull = src.batches()[Symbol.asyncIterator]();
    cleanups.add(async () => {
      src.stop();
      while (!(await pull.next()).done);
    });
    const n = 50;
    for (let i = 0; i < n; i++) {
      const chunk = Buffer.alloc(64 * 1024, i);
      refs.push(new WeakRef(chunk));
      stream.write(chunk);
      const r = await pull.next();
      expect(r.value?.data.length).toBe(64 * 1024);
      seen++;
    }
    expect(seen).toBe(n);
    // WeakRef targets are kept until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    // The last chunk or two may still sit in the stream's machinery; the rest must be gone.
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    expect(alive).toBeLessThanOrEqual(2);
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
    await expect(src.commit([{ segment: { key: '1:2' }, offset: 3 }])).resolves.toBeUndefined();
    src.stop();
  });
});

describe('StreamSource over stdin', () => {
  /**
   * Puts `fake` where process.stdin is for the test: the source treats stdin
   * specially, and the real one belongs to the test runner.
   */
  function fakeStdin(fake: Readable): void {
    const own = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    Object.defineProperty(process, 'stdin', { configurable: true, enumerable: own.enumerable, get: () => fake });
    cleanups.add(() => {
      Object.defineProperty(process, 'stdin', own);
    });
  }

  it('ends batches() promptly when stopped while stdin is idle, leaving stdin open but no longer keeping the process alive', async () => {
    const stdin = Object.assign(new PassThrough(), { unref: vi.fn() });
    fakeStdin(stdin);
    const src = new StreamSource('stdin', () => process.stdin);
    await src.start();
    const pulled = consume(src);
    stdin.write('a\n');
    await until(
      () => pulled.text() === 'a\n',
      () => 'the data',
    );
    src.stop();
    await until(
      () => pulled.ended,
      () => 'batches() to end',
      2000,
    );
    expect(pulled.error).toBeUndefined();
    expect(stdin.destroyed).toBe(false);
    expect(stdin.unref).toHaveBeenCalled();
  });

  it('ends at EOF on stdin, with an endOfSegment batch', async () => {
    const stdin = new PassThrough();
    fakeStdin(stdin);
    const src = new StreamSource('stdin', () => process.stdin);
    await src.start();
    const pulled = consume(src);
    stdin.end('last line, no newline');
    await pulled.done;
    expect(pulled.text()).toBe('last line, no newline');
    expect(pulled.batches.at(-1)?.endOfSegment).toBe(true);
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
    cleanups.add(() => src.stop());
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
