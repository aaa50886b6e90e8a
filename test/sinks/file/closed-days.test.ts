/**
 * The file sink's stable current name and compressed day files: `<prefix>.log`
 * follows the newest day file across UTC midnight (one name for tail -F);
 * day files are gzipped once their day is over by compress_after (late lines
 * of a compressed day start a new file, compressed and appended in turn as
 * another gzip member), never while they have data not yet synced, nor
 * when the file changed meanwhile; the retention sweep deletes gzipped day
 * files too; compressions are logged.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetentionWindow } from '../../../src/retention/window.js';
import { compressDayFile } from '../../../src/sinks/file/closed-days.js';
import { FileSink, type FileSinkOptions } from '../../../src/sinks/file/file-sink.js';
import { dayLabel, dayOf } from '../../../src/sinks/sink.js';
import { parseDuration } from '../../../src/time/duration.js';
import { batchOf } from '../../helpers/batches.js';
import { until } from '../../helpers/wait.js';

const DAY_MS = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2031, 2, 14, 23, 59);
const TODAY = dayOf(T0);
const WINDOW: RetentionWindow = { keep: parseDuration('P6M')!, maxFuture: parseDuration('PT1H')! };

let dir: string;
let clock: { t: number };
const sinks: FileSink[] = [];
const infos: string[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-dayfiles-'));
  clock = { t: T0 };
  infos.length = 0;
});
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

function sink(over: Partial<FileSinkOptions> = {}): FileSink {
  const s = new FileSink({ name: 'out', dir: path.join(dir, 'out'), prefix: 'access', bufferBytes: 1 << 20, window: WINDOW, now: () => clock.t, info: (m) => infos.push(m), warn: (m) => infos.push(`warning: ${m}`), ...over });
  sinks.push(s);
  return s;
}

const out = (name: string): string => path.join(dir, 'out', name);
const dayName = (day: number, ext = '.log'): string => `access-${dayLabel(day)}${ext}`;
const write = (s: FileSink, day: number, ...lines: string[]): Promise<void> => s.write(batchOf([{ day, text: lines.map((l) => `${l}\n`).join(''), lines: lines.length }]));

describe('the current link', () => {
  it('keeps <prefix>.log pointing at the newest day file, across UTC midnight, and not back at an older day a late line goes to', async () => {
    const s = sink({ currentLink: true });
    await write(s, TODAY, 'a');
    await s.flush();
    expect(fs.readlinkSync(out('access.log'))).toBe(dayName(TODAY));
    expect(fs.readFileSync(out('access.log'), 'utf8')).toBe('a\n');
    clock.t += 2 * 60_000;
    await write(s, TODAY + 1, 'b');
    await write(s, TODAY, 'late');
    await s.flush();
    expect(fs.readlinkSync(out('access.log'))).toBe(dayName(TODAY + 1));
    expect(fs.readFileSync(out('access.log'), 'utf8')).toBe('b\n');
  });

  it('points at the newest day file a previous run left, once it writes again', async () => {
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(out(dayName(TODAY)), 'old\n');
    const s = sink({ currentLink: true });
    await write(s, TODAY - 1, 'late');
    await write(s, TODAY, 'new');
    await s.flush();
    expect(fs.readlinkSync(out('access.log'))).toBe(dayName(TODAY));
  });

  it('is not made without current_link', async () => {
    const s = sink();
    await write(s, TODAY, 'a');
    await s.flush();
    expect(fs.existsSync(out('access.log'))).toBe(false);
  });
});

describe('compressed day files', () => {
  it('gzips a day file once its day is over by compress_after, never the newest day, and logs it', async () => {
    const s = sink({ compressAfterMs: HOUR, currentLink: true });
    await write(s, TODAY - 1, 'y1', 'y2');
    await write(s, TODAY, 't1');
    await s.flush();
    // Yesterday ended 1 min ago: not yet.
    expect(fs.existsSync(out(dayName(TODAY - 1)))).toBe(true);
    clock.t = (TODAY + 1) * DAY_MS + 2 * HOUR;
    await write(s, TODAY + 1, 'n1');
    await s.flush();
    await until(() => infos.includes(`file sink out: compressed ${dayName(TODAY - 1)} to ${dayName(TODAY - 1)}.gz`), () => `yesterday compressed: ${JSON.stringify(infos)}`);
    expect(fs.existsSync(out(dayName(TODAY - 1)))).toBe(false);
    expect(zlib.gunzipSync(fs.readFileSync(out(dayName(TODAY - 1, '.log.gz')))).toString()).toBe('y1\ny2\n');
    // One at a time, a minute apart: then the day before the newest.
    clock.t += 61_000;
    await s.flush();
    await until(() => infos.length === 2, () => `the next day compressed: ${JSON.stringify(infos)}`);
    expect(fs.existsSync(out(dayName(TODAY, '.log.gz')))).toBe(true);
    expect(fs.existsSync(out(dayName(TODAY + 1)))).toBe(true);
    expect(fs.existsSync(out(dayName(TODAY + 1, '.log.gz')))).toBe(false);
    expect((fs.statSync(out(dayName(TODAY, '.log.gz'))).mode & 0o777).toString(8)).toBe('640');
  });

  it('puts late lines of a compressed day in a new file, compressed and appended as another gzip member', async () => {
    const s = sink({ compressAfterMs: 0 });
    await write(s, TODAY - 1, 'y1');
    await write(s, TODAY, 't1');
    await s.flush();
    // Compressed, and done (the directory synced): only then is the next compression looked for.
    await until(() => infos.length === 1, () => `yesterday compressed: ${JSON.stringify(infos)}`);
    await write(s, TODAY - 1, 'y-late');
    await s.flush();
    expect(fs.readFileSync(out(dayName(TODAY - 1)), 'utf8')).toBe('y-late\n');
    clock.t += 11 * 60_000; // idle: the late file is closed, then compressed
    await s.flush();
    clock.t += 61_000;
    await s.flush();
    await until(() => !fs.existsSync(out(dayName(TODAY - 1))), () => `the late file compressed: ${JSON.stringify(infos)} ${JSON.stringify(fs.readdirSync(path.join(dir, 'out')))}`);
    expect(zlib.gunzipSync(fs.readFileSync(out(dayName(TODAY - 1, '.log.gz')))).toString()).toBe('y1\ny-late\n');
  });

  it('gives up a compression when the day is written to meanwhile, leaving the plain file as it is', async () => {
    fs.mkdirSync(path.join(dir, 'out'));
    const file = out(dayName(TODAY - 1));
    fs.writeFileSync(file, 'a\n'.repeat(1000));
    expect(await compressDayFile(file, () => false)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([dayName(TODAY - 1)]);
    expect(await compressDayFile(file, () => true)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([`${dayName(TODAY - 1)}.gz`]);
    // Changed while being compressed (a retention rewrite): given up too.
    fs.writeFileSync(file, 'b\n'.repeat(1000));
    expect(await compressDayFile(file, () => { fs.appendFileSync(file, 'c\n'); return true; })).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual([dayName(TODAY - 1), `${dayName(TODAY - 1)}.gz`]);
  });

  it('are deleted by the retention sweep with their day, plain and compressed alike', async () => {
    const s = sink({ compressAfterMs: 0, currentLink: true });
    fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
    const old = TODAY - 400;
    fs.writeFileSync(out(dayName(old, '.log.gz')), zlib.gzipSync('old\n'));
    fs.writeFileSync(out(dayName(old + 1)), 'old\n');
    await write(s, TODAY, 'a');
    await s.flush();
    const outcome = await s.enforce(clock.t, false);
    expect(outcome.removed.map((r) => r.name).sort()).toEqual([dayName(old, '.log.gz'), dayName(old + 1)]);
    // The current link is not a day file: it stays.
    expect(fs.readlinkSync(out('access.log'))).toBe(dayName(TODAY));
  });
});
