/**
 * Day files held to the window: whole days before it deleted, the day it
 * starts in rewritten atomically without its expired lines (gzipped files
 * too), on an injected clock, with lines exactly at, just inside and just
 * outside the boundary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { claimWriter, DayFileStore, listDayFiles, liveWriters, REWRITE_AHEAD_MS } from '../../src/retention/day-files.js';
import { retentionCutoff } from '../../src/retention/window.js';
import { mustParseDuration } from '../../src/time/duration.js';
import { TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
afterEach(() => tmp.cleanup());

const WINDOW = { keep: mustParseDuration('P6M') };
/** 31 Aug 2028 (a leap year) at 12:00Z: the window starts 29 Feb 2028 12:00Z. */
const NOW = Date.UTC(2028, 7, 31, 12);
const CUTOFF = retentionCutoff(NOW, WINDOW);
const iso = (ms: number): string => new Date(ms).toISOString();
/** Lines carry their time first, as ISO 8601 (what a JSON or ISO-stamped log would give the reader). */
const lineTime = (line: string): number => (/^\d{4}-/.test(line) ? Date.parse(line.slice(0, 24)) : NaN);
const line = (ms: number, what: string): string => `${iso(ms)} ${what}`;

function setup(): { dir: string; write: (name: string, lines: string[], gz?: boolean) => string; lines: (name: string) => string[] } {
  const dir = tmp.make('dayfiles');
  return {
    dir,
    write(name, lines, gz = false) {
      const p = path.join(dir, name);
      const text = lines.map((l) => `${l}\n`).join('');
      fs.writeFileSync(p, gz ? gzipSync(text) : text, { mode: 0o640 });
      fs.chmodSync(p, 0o640);
      return p;
    },
    lines(name) {
      const p = path.join(dir, name);
      if (!fs.existsSync(p)) return ['<missing>'];
      const b = fs.readFileSync(p);
      return (name.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8').split('\n').slice(0, -1);
    },
  };
}

describe('DayFileStore.enforce', () => {
  it('deletes days wholly before the window, rewrites the day across its start keeping exactly what is at or after it, and leaves later days', async () => {
    expect(iso(CUTOFF)).toBe('2028-02-29T12:00:00.000Z');
    const { dir, write, lines } = setup();
    write('access-2028-02-28.log', [line(Date.UTC(2028, 1, 28, 23, 59, 59, 999), 'expired day')]);
    write('access-2028-02-29.log', [
      line(CUTOFF - 1, 'just outside'),
      line(CUTOFF, 'exactly at'),
      line(CUTOFF + 1, 'just inside'),
      'no time at all',
      line(Date.UTC(2028, 1, 29, 1), 'early'),
      line(Date.UTC(2028, 1, 29, 23), 'late'),
    ]);
    write('access-2028-03-01.log', [line(Date.UTC(2028, 2, 1), 'inside'), 'no time, but its whole day is inside']);
    const before = fs.statSync(path.join(dir, 'access-2028-03-01.log')).ino;
    const store = new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: 0 });
    const outcome = await store.enforce(NOW, false);
    expect(outcome.removed).toEqual([
      { what: 'file', name: 'access-2028-02-28.log' },
      { what: 'lines', name: 'access-2028-02-29.log', count: 3 },
    ]);
    expect(lines('access-2028-02-28.log')).toEqual(['<missing>']);
    expect(lines('access-2028-02-29.log')).toEqual([line(CUTOFF, 'exactly at'), line(CUTOFF + 1, 'just inside'), line(Date.UTC(2028, 1, 29, 23), 'late')]);
    expect(lines('access-2028-03-01.log')).toHaveLength(2);
    expect(fs.statSync(path.join(dir, 'access-2028-03-01.log')).ino).toBe(before);
    // The rewritten file keeps its mode, and no temp file is left behind.
    expect(fs.statSync(path.join(dir, 'access-2028-02-29.log')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(['access-2028-02-29.log', 'access-2028-03-01.log']);
  });

  it('rewrites a gzipped day file into a gzipped file, and deletes gzipped expired days', async () => {
    const { dir, write, lines } = setup();
    write('access-2028-02-27.log.gz', [line(Date.UTC(2028, 1, 27, 5), 'expired')], true);
    write('access-2028-02-29.log.gz', [line(CUTOFF - 60_000, 'outside'), line(CUTOFF + 60_000, 'inside')], true);
    // A late event of that day came after it was gzipped: the sink wrote a new .log beside it.
    write('access-2028-02-29.log', [line(CUTOFF - 1, 'late but outside'), line(CUTOFF + 2, 'late and inside')]);
    const outcome = await new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: 0 }).enforce(NOW, false);
    expect(outcome.removed.map((r) => r.name).sort()).toEqual(['access-2028-02-27.log.gz', 'access-2028-02-29.log', 'access-2028-02-29.log.gz']);
    expect(lines('access-2028-02-29.log.gz')).toEqual([line(CUTOFF + 60_000, 'inside')]);
    expect(lines('access-2028-02-29.log')).toEqual([line(CUTOFF + 2, 'late and inside')]);
  });

  it('deletes a straddling file whose every line is outside, instead of leaving it empty', async () => {
    const { dir, write } = setup();
    write('access-2028-02-29.log', [line(CUTOFF - 5, 'a'), line(CUTOFF - 1, 'b')]);
    const outcome = await new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: 0 }).enforce(NOW, false);
    expect(outcome.removed).toEqual([{ what: 'file', name: 'access-2028-02-29.log' }]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('cuts up to an hour ahead when asked (the live sink, swept every minute), so a busy day is rewritten at most hourly, never keeping anything past the window', async () => {
    const { dir, write, lines } = setup();
    const p = write('access-2028-02-29.log', [line(CUTOFF - 1, 'outside'), line(CUTOFF + REWRITE_AHEAD_MS - 1, 'goes an hour early'), line(CUTOFF + REWRITE_AHEAD_MS, 'stays')]);
    const store = new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: REWRITE_AHEAD_MS });
    expect((await store.enforce(NOW, false)).removed).toEqual([{ what: 'lines', name: 'access-2028-02-29.log', count: 2 }]);
    expect(lines('access-2028-02-29.log')).toEqual([line(CUTOFF + REWRITE_AHEAD_MS, 'stays')]);
    const ino = fs.statSync(p).ino;
    // Minutes later nothing in it is outside yet: it is not touched.
    for (let m = 1; m < 60; m += 17) expect((await store.enforce(NOW + m * 60_000, false)).removed).toEqual([]);
    expect(fs.statSync(p).ino).toBe(ino);
  });

  it('says what would go on a dry run and changes nothing', async () => {
    const { dir, write } = setup();
    write('access-2028-02-28.log', [line(Date.UTC(2028, 1, 28), 'x')]);
    const p = write('access-2028-02-29.log', [line(CUTOFF - 1, 'outside'), line(CUTOFF, 'at')]);
    const before = fs.readFileSync(p, 'utf8');
    const outcome = await new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: 0 }).enforce(NOW, true);
    expect(outcome.removed).toEqual([
      { what: 'file', name: 'access-2028-02-28.log' },
      { what: 'lines', name: 'access-2028-02-29.log', count: 1 },
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual(['access-2028-02-28.log', 'access-2028-02-29.log']);
    expect(fs.readFileSync(p, 'utf8')).toBe(before);
  });

  it('drops a last line a crash left without its newline when it rewrites', async () => {
    const { dir } = setup();
    fs.writeFileSync(path.join(dir, 'access-2028-02-29.log'), `${line(CUTOFF - 1, 'outside')}\n${line(CUTOFF + 1, 'inside')}\n${line(CUTOFF + 2, 'torn')}`);
    await new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime, rewriteAheadMs: 0 }).enforce(NOW, false);
    expect(fs.readFileSync(path.join(dir, 'access-2028-02-29.log'), 'utf8')).toBe(`${line(CUTOFF + 1, 'inside')}\n`);
  });

  it('leaves the straddling file to the live process that writes the files, and says so', async () => {
    const { dir, write } = setup();
    write('access-2028-02-28.log', [line(Date.UTC(2028, 1, 28), 'x')]);
    const p = write('access-2028-02-29.log', [line(CUTOFF - 1, 'outside')]);
    fs.writeFileSync(path.join(dir, '.access.writer.1'), '1\n'); // pid 1 is always alive
    const outcome = await new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime }).enforce(NOW, false);
    expect(outcome.removed).toEqual([{ what: 'file', name: 'access-2028-02-28.log' }]);
    expect(outcome.deferred).toEqual([expect.stringMatching(/access-2028-02-29\.log .*pid 1/)]);
    expect(fs.existsSync(p)).toBe(true);
  });

  it('deletes the straddling day whole when lines cannot be read back (nothing outlives the window)', async () => {
    const { dir, write } = setup();
    write('access-2028-02-29.log', [line(CUTOFF + 1, 'inside')]);
    expect((await new DayFileStore({ dir, prefix: 'access', window: WINDOW }).enforce(NOW, false)).removed).toEqual([{ what: 'file', name: 'access-2028-02-29.log' }]);
  });
});

describe('DayFileStore.oldest', () => {
  it('is the earliest line time of the oldest day, or its start when a line there has no time', async () => {
    const { dir, write } = setup();
    write('access-2028-03-02.log', [line(Date.UTC(2028, 2, 2, 9), 'a'), line(Date.UTC(2028, 2, 2, 3), 'b (late, earlier)')]);
    write('access-2028-03-03.log', [line(Date.UTC(2028, 2, 3, 1), 'c')]);
    const store = new DayFileStore({ dir, prefix: 'access', window: WINDOW, lineTime });
    expect(await store.oldest()).toBe(Date.UTC(2028, 2, 2, 3));
    write('access-2028-03-02.log', ['no time', line(Date.UTC(2028, 2, 2, 9), 'a')]);
    expect(await store.oldest()).toBe(Date.UTC(2028, 2, 2));
    expect(await new DayFileStore({ dir: path.join(dir, 'none'), prefix: 'access', window: WINDOW }).oldest()).toBeUndefined();
  });
});

describe('day files and their writers', () => {
  it('lists .log and .log.gz day files of one prefix by day, skipping symlinks, temp files and impossible dates', async () => {
    const { dir, write } = setup();
    for (const n of ['access-2028-03-02.log', 'access-2028-03-01.log.gz', 'access-2028-03-01.log', 'access-2028-02-30.log', 'other-2028-03-01.log', '.access-2028-03-01.log.1.0123456789abcdef.tmp']) write(n, ['x']);
    fs.symlinkSync('access-2028-03-02.log', path.join(dir, 'access-2028-01-01.log'));
    expect((await listDayFiles(dir, 'access')).map((f) => f.name)).toEqual(['access-2028-03-01.log', 'access-2028-03-01.log.gz', 'access-2028-03-02.log']);
  });

  it('knows the live writers of a directory by their markers, and clears markers of processes that are gone', async () => {
    const { dir } = setup();
    const release = claimWriter(dir, 'access');
    fs.writeFileSync(path.join(dir, '.access.writer.1'), '1\n');
    fs.writeFileSync(path.join(dir, '.access.writer.2147483646'), '');
    expect(await liveWriters(dir, 'access')).toEqual([1]); // not ourselves, not the dead one
    expect(fs.existsSync(path.join(dir, '.access.writer.2147483646'))).toBe(false);
    release();
    expect(fs.existsSync(path.join(dir, `.access.writer.${process.pid}`))).toBe(false);
  });
});
