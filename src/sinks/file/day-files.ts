/**
 * The files of a `file` sink's directory besides its writing:
 *
 * - retention: `<prefix>-YYYY-MM-DD.log` and its compressed form `.log.gz`
 *   (and a compression's leftover temp file) whose day began before the
 *   window go;
 * - the current link: `<prefix>.log`, a symlink to the newest day file, so
 *   `tail -F` and log viewers follow one name across UTC midnight (replaced
 *   atomically: a new link under a temp name, renamed over the old);
 * - compression: a closed day file becomes `<prefix>-YYYY-MM-DD.log.gz` —
 *   written to a temp file, fsynced, renamed, the directory fsynced, and only
 *   then the `.log` removed; late lines for a day already compressed start a
 *   new `.log`, which is compressed in turn and appended to the `.gz` as
 *   another gzip member (gzip readers read the members as one stream).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { type RetentionWindow, retentionCutoff } from '../../retention/window.js';

const DAY_FILE = /^(.+)-(\d{4})-(\d{2})-(\d{2})\.log(\.gz(\.tmp-\d+)?)?$/;
const DAY_MS = 86_400_000;

/** A day file of the directory, by its name. */
export interface DayFileName {
  readonly file: string;
  /** Days since the epoch. */
  readonly day: number;
  readonly kind: 'log' | 'gz' | 'tmp';
}

/**
 * The day files of `prefix` in `dir` (none when it cannot be listed).
 *
 * @example
 * dayFiles('/var/log/gallra', 'access') // [{ file: '…/access-2026-11-22.log', day: 20779, kind: 'log' }, …]
 */
export function dayFiles(dir: string, prefix: string): DayFileName[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: DayFileName[] = [];
  for (const name of names) {
    const m = DAY_FILE.exec(name);
    if (m === null || m[1] !== prefix) continue;
    const day = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) / DAY_MS;
    out.push({ file: path.join(dir, name), day, kind: m[6] !== undefined ? 'tmp' : m[5] !== undefined ? 'gz' : 'log' });
  }
  return out.sort((a, b) => a.day - b.day || a.file.localeCompare(b.file));
}

/**
 * Deletes the day files of `prefix` in `dir` (plain, gzip, leftover temp)
 * whose day began before the window's start at `nowMs`. `onDelete(day)` runs
 * before each unlink.
 *
 * @example
 * enforceDailyRetention('/var/log/gallra', 'access', window, Date.now(), true) // what would go
 */
export function enforceDailyRetention(dir: string, prefix: string, window: RetentionWindow, nowMs: number, dryRun: boolean, onDelete?: (day: number, file: string) => void): string[] {
  const cutoff = retentionCutoff(nowMs, window);
  const removed: string[] = [];
  for (const f of dayFiles(dir, prefix)) {
    if (!(f.day * DAY_MS < cutoff)) continue;
    removed.push(f.file);
    if (dryRun) continue;
    onDelete?.(f.day, f.file);
    fs.rmSync(f.file, { force: true });
  }
  return removed;
}

/**
 * Points `<dir>/<prefix>.log` at `target` (a file name in the same
 * directory), atomically.
 *
 * @example
 * pointCurrentLink('/var/log/gallra', 'access', 'access-2026-11-22.log');
 */
export function pointCurrentLink(dir: string, prefix: string, target: string): void {
  const link = path.join(dir, `${prefix}.log`);
  const tmp = path.join(dir, `.${prefix}.log.link-${process.pid}`);
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

/**
 * Compresses one closed day file to `<file>.gz` (appending a gzip member if
 * the `.gz` exists), durably, then removes the plain file — unless
 * `stillClosed()` says, at the end, that the day was written to meanwhile
 * (then the work is thrown away and tried again later). Resolves to whether
 * it was compressed.
 *
 * `signal` aborts it (a shutdown does not wait for a large file): nothing changes then.
 *
 * @example
 * await compressDayFile('/var/log/gallra/access-2026-11-21.log', () => !sink.isOpen(day));
 */
export async function compressDayFile(file: string, stillClosed: () => boolean, signal?: AbortSignal): Promise<boolean> {
  const gz = `${file}.gz`;
  const tmp = `${gz}.tmp-${process.pid}`;
  const before = fs.statSync(file);
  try {
    // A .gz already there (late lines after an earlier compression): ours is appended as another member.
    if (fs.existsSync(gz)) fs.copyFileSync(gz, tmp);
    const out = fs.createWriteStream(tmp, { flags: 'a', mode: 0o640 });
    await pipeline(fs.createReadStream(file), zlib.createGzip({ level: 6 }), out, { signal });
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const after = fs.statSync(file);
    if (!stillClosed() || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      fs.rmSync(tmp, { force: true });
      return false;
    }
    fs.renameSync(tmp, gz);
    syncDir(path.dirname(file));
    fs.rmSync(file);
    syncDir(path.dirname(file));
    return true;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
