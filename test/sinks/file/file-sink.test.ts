import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import type { RetentionWindow } from '../../../src/retention/window.js';
import { DayFileStore } from '../../../src/retention/day-files.js';
import { FileSink, type FileSinkOptions } from '../../../src/sinks/file/file-sink.js';
import { dayLabel, dayOf } from '../../../src/sinks/sink.js';
import { batchOf, type DayChunk } from '../../helpers/batches.js';
import { parseDuration } from '../../../src/time/duration.js';

const DAY_MS = 86_400_000;
/** The injected "now": years from the real clock, so reading the real one would fail the tests. */
const T0 = Date.UTC(2031, 2, 14, 12);
const TODAY = dayOf(T0); // 2031-03-14
const WINDOW: RetentionWindow = { keep: parseDuration('P6M')!, maxFuture: parseDuration('PT1H')! };

let dir: string;
let clock: { t: number };
const sinks: FileSink[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-filesink-'));
  clock = { t: T0 };
});

afterEach(async () => {
  const errors: unknown[] = [];
  for (const s of sinks.splice(0)) await s.close().catch((e: unknown) => errors.push(e));
  fs.rmSync(dir, { recursive: true, force: true });
  if (errors.length > 0 && !errors.every((e) => isGallraError(e))) throw errors[0];
});

function sink(over: Partial<FileSinkOptions> = {}): FileSink {
  const s = new FileSink({ name: 'out', dir: path.join(dir, 'out'), prefix: 'access', bufferBytes: 1 << 20, window: WINDOW, now: () => clock.t, ...over });
  sinks.push(s);
  return s;
}

function chunk(day: number, ...lines: string[]): DayChunk {
  return { day, text: lines.map((l) => `${l}\n`).join(''), lines: lines.length };
}

function dayFile(day: number, prefix = 'access'): string {
  return path.join(dir, 'out', `${prefix}-${dayLabel(day)}.log`);
}

/** The files of the output directory, without the hidden marker a live sink keeps there. */
function logFiles(): string[] {
  return fs.readdirSync(path.join(dir, 'out')).filter((n) => !n.startsWith('.')).sort();
}

function read(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '<missing>';
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('FileSink daily files', () => {
  it('writes each chunk to the file of its event day', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'a1', 'a2'), chunk(TODAY - 1, 'y1'), chunk(TODAY, 'a3')]));
    await s.flush();
    expect(read(path.join(dir, 'out', 'access-2031-03-14.log'))).toBe('a1\na2\na3\n');
    expect(read(path.join(dir, 'out', 'access-2031-03-13.log'))).toBe('y1\n');
    expect(logFiles()).toEqual(['access-2031-03-13.log', 'access-2031-03-14.log']);
    expect(s.linesWritten).toBe(4);
    expect(s.fileFor(TODAY)).toBe(dayFile(TODAY));
  });

  it('names files after the UTC day, not the local one or the day of writing', async () => {
    const s = sink();
    clock.t = T0 + 5 * DAY_MS;
    await s.write(batchOf([chunk(dayOf(Date.UTC(2031, 0, 1, 23, 59, 59)), 'last second of new year')]));
    await s.flush();
    expect(read(path.join(dir, 'out', 'access-2031-01-01.log'))).toBe('last second of new year\n');
  });

  it('creates the directory and the day files with mode 0640', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'a')]));
    await s.flush();
    expect(fs.statSync(dayFile(TODAY)).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(dir, 'out')).isDirectory()).toBe(true);
  });

  it('appends to the day file after reopen()', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'before')]));
    await s.reopen();
    await s.write(batchOf([chunk(TODAY, 'after')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('before\nafter\n');
  });

  it('appends to a day file a previous run left', async () => {
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(dayFile(TODAY), 'from the last run\n');
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'this run')]));
    await s.close();
    expect(read(dayFile(TODAY))).toBe('from the last run\nthis run\n');
  });

  it('writes a file moved away by logrotate anew after reopen()', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'one')]));
    await s.flush();
    fs.renameSync(dayFile(TODAY), `${dayFile(TODAY)}.1`);
    await s.reopen();
    await s.write(batchOf([chunk(TODAY, 'two')]));
    await s.flush();
    expect(read(`${dayFile(TODAY)}.1`)).toBe('one\n');
    expect(read(dayFile(TODAY))).toBe('two\n');
  });

  it('ignores empty chunks', async () => {
    const s = sink();
    await s.write(batchOf([{ day: TODAY, text: '', lines: 0 }]));
    await s.flush();
    expect(logFiles()).toEqual([]);
  });
});

describe('FileSink buffering', () => {
  it('keeps data under buffer_bytes in memory until flush()', async () => {
    const s = sink({ bufferBytes: 4096 });
    await s.write(batchOf([chunk(TODAY, 'buffered')]));
    expect(fs.existsSync(dayFile(TODAY)) ? fs.statSync(dayFile(TODAY)).size : 0).toBe(0);
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('buffered\n');
  });

  it('fsyncs every day file written since the last flush, and only those', async () => {
    const s = sink();
    const fsync = vi.spyOn(fs, 'fsync');
    try {
      await s.write(batchOf([chunk(TODAY, 'a'), chunk(TODAY - 1, 'b')]));
      await s.flush();
      expect(fsync).toHaveBeenCalledTimes(2);
      await s.flush();
      expect(fsync).toHaveBeenCalledTimes(2);
      await s.write(batchOf([chunk(TODAY, 'c')]));
      await s.flush();
      expect(fsync).toHaveBeenCalledTimes(3);
    } finally {
      fsync.mockRestore();
    }
  });

  it('writes once buffer_bytes is reached, without a flush', async () => {
    const s = sink({ bufferBytes: 4096 });
    const line = 'x'.repeat(99);
    const lines = Array.from({ length: 41 }, () => line); // 41 × 100 bytes ≥ 4096
    await s.write(batchOf([chunk(TODAY, ...lines.slice(0, 20))]));
    expect(fs.statSync(dayFile(TODAY)).size).toBe(0);
    await s.write(batchOf([chunk(TODAY, ...lines.slice(20))]));
    expect(read(dayFile(TODAY))).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('counts buffer_bytes across days', async () => {
    const s = sink({ bufferBytes: 4096 });
    const line = 'y'.repeat(99);
    await s.write(batchOf([chunk(TODAY, ...Array.from({ length: 25 }, () => line)), chunk(TODAY - 1, ...Array.from({ length: 25 }, () => line))]));
    expect(fs.statSync(dayFile(TODAY)).size).toBe(2500);
    expect(fs.statSync(dayFile(TODAY - 1)).size).toBe(2500);
  });

  it('writes multi-byte text whole', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'räksmörgås ✓ 🦐')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('räksmörgås ✓ 🦐\n');
  });
});

describe('FileSink torn last lines', () => {
  function prepare(content: string | Buffer): void {
    fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
    fs.writeFileSync(dayFile(TODAY), content);
  }

  it('cuts a day file back to its last newline before appending', async () => {
    prepare('whole 1\nwhole 2\nhalf a li');
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'next')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('whole 1\nwhole 2\nnext\n');
  });

  it('empties a day file that holds no newline at all', async () => {
    prepare('only half a line');
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'next')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('next\n');
  });

  it('finds the last newline further back than one read', async () => {
    prepare(`first\n${'z'.repeat(200_000)}`);
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'next')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('first\nnext\n');
  });

  it('leaves a day file that ends with a newline alone', async () => {
    prepare('complete\n');
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'next')]));
    await s.flush();
    expect(read(dayFile(TODAY))).toBe('complete\nnext\n');
  });
});

describe('FileSink retention', () => {
  /** Days wholly inside the window, across its start, and wholly before it, relative to T0 (cutoff 2030-09-14T12:00Z). */
  const KEPT = ['2030-09-15', '2031-03-14', '2031-03-15'];
  const EXPIRED = ['2030-09-14', '2030-09-13', '2029-01-01'];

  function populate(): void {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out, { recursive: true });
    for (const d of [...KEPT, ...EXPIRED]) fs.writeFileSync(path.join(out, `access-${d}.log`), 'x\n');
    // The sink's too: a day file gzipped after its day closed.
    fs.writeFileSync(path.join(out, 'access-2029-01-02.log.gz'), 'x\n');
    // Not this sink's: another prefix, other names, a symlink to the current file.
    for (const name of ['other-2029-01-01.log', 'access-latest.log', 'notes.txt', 'xaccess-2029-01-01.log']) fs.writeFileSync(path.join(out, name), 'keep\n');
    fs.symlinkSync('access-2031-03-14.log', path.join(out, 'access-2029-01-03.log'));
  }

  function present(): string[] {
    return fs.readdirSync(path.join(dir, 'out')).filter((n) => !n.startsWith('.')).sort();
  }

  const names = (o: { removed: readonly { name: string }[] }): string[] => o.removed.map((r) => r.name).sort();
  const expiredNames = [...EXPIRED.map((d) => `access-${d}.log`), 'access-2029-01-02.log.gz'].sort();

  it('deletes the day files of days before the window start, gzipped or not, and only those (without a line reader, the day across the start goes whole)', async () => {
    populate();
    const s = sink();
    expect(names(await s.enforce(clock.t, false))).toEqual(expiredNames);
    expect(present()).toEqual(
      [...KEPT.map((d) => `access-${d}.log`), 'other-2029-01-01.log', 'access-latest.log', 'notes.txt', 'xaccess-2029-01-01.log', 'access-2029-01-03.log'].sort(),
    );
  });

  it('lists what it would delete without deleting on a dry run', async () => {
    populate();
    const before = present();
    const s = sink();
    expect(names(await s.enforce(clock.t, true))).toEqual(expiredNames);
    expect(present()).toEqual(before);
  });

  it('follows the clock it is given', async () => {
    populate();
    const s = sink();
    clock.t = Date.UTC(2031, 2, 16, 0, 0, 1); // cutoff 2030-09-16T00:00:01Z
    expect(names(await s.enforce(clock.t, false))).toContain('access-2030-09-15.log');
  });

  it('leaves the window to the sweeper: a flush deletes nothing, and keeps writing the open day', async () => {
    populate();
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'today')]));
    await s.flush();
    expect(present()).toContain('access-2029-01-01.log');
    expect(read(dayFile(TODAY))).toBe('x\ntoday\n');
  });

  it('writes out what it holds for a day and closes the file before it deletes or replaces it', async () => {
    const s = sink();
    const old = dayOf(Date.UTC(2030, 8, 1));
    await s.write(batchOf([chunk(old, 'old')]));
    await s.flush();
    expect(fs.existsSync(dayFile(old))).toBe(true);
    await s.enforce(clock.t, false);
    expect(fs.existsSync(dayFile(old))).toBe(false);
    expect((s as unknown as { files: Map<number, unknown> }).files.has(old)).toBe(false);
  });

  it('rewrites the day the window starts in by the event time of each line, closing it first; the next write reopens it', async () => {
    const straddling = dayOf(Date.UTC(2030, 8, 14));
    const s = sink({ lineTime: (line) => Date.parse(line.slice(0, 24)) });
    const at = (h: number): string => new Date(Date.UTC(2030, 8, 14, h)).toISOString();
    await s.write(batchOf([chunk(straddling, `${at(6)} early`, `${at(14)} late`)]));
    const outcome = await s.enforce(clock.t, false);
    expect(outcome.removed).toEqual([{ what: 'lines', name: 'access-2030-09-14.log', count: 1 }]);
    expect(read(dayFile(straddling))).toBe(`${at(14)} late\n`);
    await s.write(batchOf([chunk(straddling, `${at(20)} later`)]));
    await s.flush();
    expect(read(dayFile(straddling))).toBe(`${at(14)} late\n${at(20)} later\n`);
  });

  it('marks its directory while it writes, so that other processes leave rewrites to it', async () => {
    const s = sink();
    const marker = path.join(dir, 'out', `.access.writer.${process.pid}`);
    expect(fs.existsSync(marker)).toBe(true);
    await s.close();
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('finds nothing in a directory that does not exist', async () => {
    const store = new DayFileStore({ dir: path.join(dir, 'nope'), prefix: 'access', window: WINDOW });
    expect(await store.enforce(T0, false)).toEqual({ removed: [] });
  });
});

describe('FileSink housekeeping', () => {
  it('closes day files that have been idle for ten minutes, and reopens them on the next write', async () => {
    const s = sink();
    const files = (s as unknown as { files: Map<number, unknown> }).files;
    await s.write(batchOf([chunk(TODAY - 1, 'yesterday')]));
    await s.flush();
    expect(files.has(TODAY - 1)).toBe(true);
    clock.t += 11 * 60_000;
    await s.write(batchOf([chunk(TODAY, 'today')]));
    await s.flush();
    expect(files.has(TODAY - 1)).toBe(false);
    expect(files.has(TODAY)).toBe(true);
    await s.write(batchOf([chunk(TODAY - 1, 'late')]));
    await s.flush();
    expect(read(dayFile(TODAY - 1))).toBe('yesterday\nlate\n');
  });
});

describe('FileSink failures', () => {
  it('fails with GALLRA_SINK_FAILED when its directory cannot be created', () => {
    fs.writeFileSync(path.join(dir, 'out'), 'a file');
    let err: unknown;
    try {
      sink();
    } catch (e) {
      err = e;
    }
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
    expect((err as Error).message).toContain(path.join(dir, 'out'));
  });

  it('rejects a write with GALLRA_SINK_FAILED when the day file cannot be opened', async () => {
    const s = sink();
    fs.mkdirSync(dayFile(TODAY)); // a directory where the day file should be
    const err = await rejectionOf(s.write(batchOf([chunk(TODAY, 'a')])));
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
    expect((err as Error).message).toContain(dayFile(TODAY));
    expect((err as Error).message).toContain('EISDIR');
  });

  it('rejects flush() with GALLRA_SINK_FAILED when closing an idle day file fails', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY - 1, 'yesterday')]));
    await s.flush();
    clock.t += 11 * 60_000;
    const closeSync = fs.closeSync;
    const spy = vi.spyOn(fs, 'closeSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, close'), { code: 'EIO' });
    });
    try {
      await expect(s.flush()).rejects.toMatchObject({ code: 'GALLRA_SINK_FAILED', message: expect.stringMatching(/housekeeping.*EIO/) });
    } finally {
      spy.mockRestore();
    }
    // The descriptor is still the sink's: release it as close() would have.
    const files = (s as unknown as { files: Map<number, { fd: number }> }).files;
    for (const f of files.values()) closeSync(f.fd);
    files.clear();
  });

  it('rejects flush() with GALLRA_SINK_FAILED when a write fails', async () => {
    const s = sink();
    await s.write(batchOf([chunk(TODAY, 'a')]));
    // Take the descriptor away from under the sink, as a failing disk would.
    const f = (s as unknown as { files: Map<number, { fd: number }> }).files.get(TODAY)!;
    const fd = f.fd;
    fs.closeSync(fd);
    f.fd = fs.openSync(dayFile(TODAY), 'r'); // read-only: writing fails with EBADF
    const err = await rejectionOf(s.flush());
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_SINK_FAILED' });
  });
});

describe('FileSink reopen under concurrent writes', () => {
  it('loses no text written while a reopen flushes: everything written before and during it reaches the files once', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-sink-reopen-'));
    try {
      const sink = new FileSink({ name: 'out', dir, prefix: 'access', bufferBytes: 4096, window: { keep: parseDuration('P6M')!, maxFuture: parseDuration('PT1H')! } });
      const day = Math.floor(Date.now() / 86_400_000);
      const expected: string[] = [];
      const pending: Promise<void>[] = [];
      let i = 0;
      const write = (): void => {
        const line = `line ${String(i++).padStart(5, '0')} ${'x'.repeat(40)}\n`;
        expected.push(line);
        pending.push(sink.write(batchOf([{ day, text: line, lines: 1 }])));
      };
      for (let round = 0; round < 50; round++) {
        for (let k = 0; k < 20; k++) write();
        // A reopen (SIGHUP) starts flushing; lines keep arriving while its writes and fsync are in flight.
        const reopened = sink.reopen();
        for (let tick = 0; tick < 5; tick++) {
          await new Promise((resolve) => setImmediate(resolve));
          write();
        }
        await reopened;
      }
      await Promise.all(pending);
      await sink.close();
      const text = fs.readFileSync(sink.fileFor(day), 'utf8');
      expect(text).toBe(expected.join(''));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileSink after a failed write', () => {
  it('stays failed: no later flush reports success, so no other source can checkpoint past the lost lines', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-sink-fail-'));
    try {
      const sink = new FileSink({ name: 'out', dir, prefix: 'access', bufferBytes: 1 << 20, window: { keep: parseDuration('P6M')!, maxFuture: parseDuration('PT1H')! } });
      const day = Math.floor(Date.now() / 86_400_000);
      await sink.write(batchOf([{ day, text: 'first\n', lines: 1 }]));
      // Make the next write fail: swap the day file's descriptor for a read-only one.
      const files = (sink as unknown as { files: Map<number, { fd: number }> }).files;
      const f = files.get(day)!;
      fs.closeSync(f.fd);
      f.fd = fs.openSync(sink.fileFor(day), 'r');
      await expect(sink.flush()).rejects.toMatchObject({ code: 'GALLRA_SINK_FAILED' });
      // Another source's data and flush after the failure: refused, not acknowledged.
      await expect(sink.write(batchOf([{ day, text: 'second\n', lines: 1 }]))).rejects.toMatchObject({ code: 'GALLRA_SINK_FAILED' });
      await expect(sink.flush()).rejects.toMatchObject({ code: 'GALLRA_SINK_FAILED' });
      fs.closeSync(f.fd);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
