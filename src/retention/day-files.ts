/**
 * Day files — `<dir>/<prefix>-YYYY-MM-DD.log`, and the same gzipped
 * (`.log.gz`) once the sink has closed the day — held to the window:
 *
 * - a file whose whole UTC day is before the window start is deleted;
 * - the file of the day the window starts in ("straddling" it) is rewritten
 *   atomically without its expired lines (and without lines whose time cannot
 *   be read: what cannot be placed in time cannot be shown to be inside).
 *   A live sink, swept every minute, asks for the lines that expire within
 *   the next `rewriteAheadMs` to go too (an hour: {@link REWRITE_AHEAD_MS})
 *   so that a busy day's file is rewritten at most hourly, not every minute:
 *   nothing is kept past the window, in-window lines go at most that early;
 * - without a way to read a line's time, a straddling file is deleted whole.
 *
 * The same files are what data-subject requests search and rewrite
 * (subject/), through {@link DayFileStore.lines} and {@link DayFileStore.rewrite}.
 *
 * A rewrite replaces the file by rename, so a process that still appends to
 * the old file would lose what it writes: a live file sink marks its
 * directory (`.<prefix>.writer.<pid>`), runs its own sweeps in line with its
 * writes, and other processes leave straddling files to it and refuse to
 * erase beside it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { errnoOf } from '../util/errno.js';
import { fsyncDir } from '../util/durable-fs.js';
import type { Removal, Retainable, SweepOutcome } from './retainable.js';
import { DAY_MS, dayVerdict, isExpiredAt, retentionCutoff, type RetentionWindow } from './window.js';

const DAY_FILE = /^(.+)-(\d{4})-(\d{2})-(\d{2})\.log(\.gz)?$/;
const NL = 0x0a;
/** How far ahead of the window start a live sink has its straddling file cut (so it is rewritten at most hourly). */
export const REWRITE_AHEAD_MS = 3_600_000;

/** One day file. */
export interface DayFile {
  readonly path: string;
  /** Base name, as the audit trail and reports name it. */
  readonly name: string;
  /** 00:00 UTC of its day (ms). */
  readonly day: number;
  readonly gzip: boolean;
}

/**
 * The day files of `prefix` in `dir`, oldest day first (`.log` before
 * `.log.gz` of one day). Symlinks (a "current file" link), hidden files and
 * other names are not day files.
 *
 * @example
 * await listDayFiles('/var/log/gallra', 'access') // [{ name: 'access-2031-03-13.log.gz', … }, …]
 */
export async function listDayFiles(dir: string, prefix: string): Promise<DayFile[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
  const out: DayFile[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const m = DAY_FILE.exec(e.name);
    if (m === null || m[1] !== prefix) continue;
    const day = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]));
    // 2031-02-30 is no day: Date.UTC would roll it over into March.
    if (new Date(day).toISOString().slice(0, 10) !== `${m[2]}-${m[3]}-${m[4]}`) continue;
    out.push({ path: path.join(dir, e.name), name: e.name, day, gzip: m[5] !== undefined });
  }
  return out.sort((a, b) => a.day - b.day || Number(a.gzip) - Number(b.gzip));
}

/** A stored line: its text (no newline) and its exact bytes. */
export interface StoredLine {
  readonly text: string;
  readonly bytes: Buffer;
}

/**
 * The complete lines of a day file, in order, decompressed when gzipped. A
 * last line without its newline (a write a crash cut short, never
 * acknowledged) is not a line.
 *
 * @example
 * for await (const line of readDayFile(file)) count++;
 */
export async function* readDayFile(file: DayFile): AsyncGenerator<StoredLine> {
  const raw = fs.createReadStream(file.path);
  const stream: AsyncIterable<Buffer> = file.gzip ? raw.pipe(createGunzip()) : raw;
  let carry: Buffer | undefined;
  try {
    for await (const chunk of stream) {
      const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(NL, start); nl >= 0; nl = buf.indexOf(NL, start)) {
        const bytes = buf.subarray(start, nl);
        yield { text: bytes.toString('utf8'), bytes };
        start = nl + 1;
      }
      carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    }
  } finally {
    raw.destroy();
  }
}

/**
 * Rewrites a day file atomically with the lines `keep` accepts: a private
 * temp file beside it (gzipped again when it was), fsynced, renamed over it,
 * the directory fsynced; with no line kept the file is deleted. Returns how
 * many lines were kept and removed. The caller makes sure nobody appends to
 * the file meanwhile.
 *
 * @example
 * await rewriteDayFile(file, (line) => !line.includes(pseudonym))
 */
export async function rewriteDayFile(file: DayFile, keep: (line: string) => boolean): Promise<{ kept: number; removed: number }> {
  const dir = path.dirname(file.path);
  const st = await fsp.stat(file.path);
  const tmp = path.join(dir, `.${file.name}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  let kept = 0;
  let removed = 0;
  async function* filtered(): AsyncGenerator<Buffer> {
    for await (const line of readDayFile(file)) {
      if (!keep(line.text)) {
        removed++;
        continue;
      }
      kept++;
      yield Buffer.concat([line.bytes, NEWLINE]);
    }
  }
  try {
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: st.mode & 0o777 });
    await (file.gzip ? pipeline(Readable.from(filtered()), createGzip(), out) : pipeline(Readable.from(filtered()), out));
    if (kept === 0) {
      await fsp.unlink(tmp);
      await fsp.unlink(file.path);
    } else {
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.chmod(st.mode & 0o777); // exactly the old mode, whatever the umask
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, file.path);
    }
    await fsyncDir(dir);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  return { kept, removed };
}

const NEWLINE = Buffer.from('\n');

/**
 * Marks `dir` as written by this process (a hidden `.<prefix>.writer.<pid>`
 * file) until the returned function is called: other processes then leave
 * rewrites of those files to it.
 *
 * @example
 * const release = claimWriter('/var/log/gallra', 'access'); … release();
 */
export function claimWriter(dir: string, prefix: string): () => void {
  const marker = path.join(dir, `.${prefix}.writer.${process.pid}`);
  try {
    fs.writeFileSync(marker, `${process.pid}\n`, { mode: 0o640 });
  } catch {
    // Best effort: without the marker another process only misses that this one writes.
    return () => undefined;
  }
  return () => fs.rmSync(marker, { force: true });
}

/**
 * Pids of the live processes (other than this one) that write the day files
 * of `prefix` in `dir`. Markers left by processes that are gone are removed.
 *
 * @example
 * if ((await liveWriters(dir, 'access')).length > 0) refuse();
 */
export async function liveWriters(dir: string, prefix: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const stem = `.${prefix}.writer.`;
  const pids: number[] = [];
  for (const name of names) {
    if (!name.startsWith(stem)) continue;
    const pid = Number(name.slice(stem.length));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (isAlive(pid)) pids.push(pid);
    else await fsp.rm(path.join(dir, name), { force: true });
  }
  return pids.sort((a, b) => a - b);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

export interface DayFileStoreOptions {
  readonly dir: string;
  readonly prefix: string;
  readonly window: Pick<RetentionWindow, 'keep'>;
  /** A stored line's event time (NaN when it has none); without it a straddling file is deleted whole. */
  readonly lineTime?: ((line: string) => number) | undefined;
  /** How far ahead of the window start a straddling file is cut (default 0: exactly at it). */
  readonly rewriteAheadMs?: number;
}

/** Hooks of a sweep run by the process that writes the store. */
export interface WriterHooks {
  /** Called before a file is deleted or replaced: close it (it is reopened on the next write). */
  beforeChange(file: DayFile): void | Promise<void>;
}

/**
 * The day files of one file sink as a store: swept to the window, searched
 * and rewritten for data-subject requests.
 *
 * @example
 * const store = new DayFileStore({ dir: '/var/log/gallra', prefix: 'access', window, lineTime });
 * await store.enforce(Date.now(), true); // what would go
 */
export class DayFileStore implements Retainable {
  readonly dir: string;
  readonly prefix: string;
  /** Oldest line time per file, by path, valid while its inode and size are unchanged. */
  private readonly minCache = new Map<string, { ino: number; size: number; min: number }>();

  constructor(private readonly options: DayFileStoreOptions) {
    this.dir = options.dir;
    this.prefix = options.prefix;
  }

  /** Whether stored lines can be placed in time (and so be searched, and rewritten at the window start). */
  get readable(): boolean {
    return this.options.lineTime !== undefined;
  }

  files(): Promise<DayFile[]> {
    return listDayFiles(this.dir, this.prefix);
  }

  lines(file: DayFile): AsyncGenerator<StoredLine> {
    return readDayFile(file);
  }

  rewrite(file: DayFile, keep: (line: string) => boolean): Promise<{ kept: number; removed: number }> {
    this.minCache.delete(file.path);
    return rewriteDayFile(file, keep);
  }

  /** Other live processes writing these files. */
  writers(): Promise<number[]> {
    return liveWriters(this.dir, this.prefix);
  }

  /**
   * Holds the files to the window at `nowMs` (see the module comment).
   * `writer` is given by the live sink that writes these files; without it,
   * a straddling file is left (deferred) while another process writes them.
   */
  async enforce(nowMs: number, dryRun: boolean, writer?: WriterHooks): Promise<SweepOutcome> {
    const cutoff = retentionCutoff(nowMs, this.options.window);
    const lineTime = this.options.lineTime;
    const removed: Removal[] = [];
    const deferred: string[] = [];
    let others: number[] | undefined;
    let changed = false;
    for (const file of await this.files()) {
      const verdict = dayVerdict(file.day, cutoff);
      if (verdict === 'inside') continue;
      if (verdict === 'expired' || lineTime === undefined) {
        removed.push({ what: 'file', name: file.name });
        if (dryRun) continue;
        await writer?.beforeChange(file);
        await fsp.rm(file.path, { force: true });
        this.minCache.delete(file.path);
        changed = true;
        continue;
      }
      // Straddling: only when it holds something already outside.
      if (!isExpiredAt(await this.minTime(file, lineTime), cutoff)) continue;
      if (writer === undefined && (others ??= await this.writers()).length > 0) {
        deferred.push(`${file.name} straddles the window start; left to the gallra process that writes it (pid ${others.join(', ')}), which sweeps it every minute`);
        continue;
      }
      const until = Math.min(cutoff + (this.options.rewriteAheadMs ?? 0), file.day + DAY_MS);
      const keep = (line: string): boolean => !isExpiredAt(lineTime(line), until);
      if (dryRun) {
        let n = 0;
        for await (const line of this.lines(file)) if (!keep(line.text)) n++;
        removed.push({ what: 'lines', name: file.name, count: n });
        continue;
      }
      await writer?.beforeChange(file);
      const r = await this.rewrite(file, keep);
      removed.push(r.kept === 0 ? { what: 'file', name: file.name } : { what: 'lines', name: file.name, count: r.removed });
    }
    if (changed) await fsyncDir(this.dir).catch(() => undefined);
    return deferred.length > 0 ? { removed, deferred } : { removed };
  }

  /** The time of the oldest line held (its day's start when lines carry no readable time). */
  async oldest(): Promise<number | undefined> {
    const files = await this.files();
    if (files.length === 0) return undefined;
    const day = files[0]!.day;
    const lineTime = this.options.lineTime;
    if (lineTime === undefined) return day;
    let min = Infinity;
    for (const f of files) {
      if (f.day !== day) break;
      const t = await this.minTime(f, lineTime);
      // A line without a time counts from its day's start: that is all that is known of it.
      min = Math.min(min, Number.isNaN(t) ? day : t);
    }
    return min === Infinity ? day : min;
  }

  /** The oldest line time of a file (NaN when one has no time), cached by inode and size. */
  private async minTime(file: DayFile, lineTime: (line: string) => number): Promise<number> {
    const st = await fsp.stat(file.path);
    const cached = this.minCache.get(file.path);
    if (cached !== undefined && cached.ino === st.ino && cached.size === st.size) return cached.min;
    let min = Infinity;
    for await (const line of this.lines(file)) {
      const t = lineTime(line.text);
      if (Number.isNaN(t)) {
        min = NaN;
        break;
      }
      if (t < min) min = t;
    }
    if (min === Infinity) min = file.day + DAY_MS; // no complete line: nothing is held
    this.minCache.set(file.path, { ino: st.ino, size: st.size, min });
    return min;
  }
}
