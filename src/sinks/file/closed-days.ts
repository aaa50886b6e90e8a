/**
 * What a `file` sink does with its day files besides writing them (retention
 * is the sweeper's: retention/day-files.ts, which reads `.log.gz` too):
 *
 * - the current link: `<prefix>.log`, a symlink to the newest day file, so
 *   `tail -F` and log viewers follow one name across UTC midnight (replaced
 *   atomically: a new link under a temp name, renamed over the old; a
 *   symlink is never taken for a day file);
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
import { fsyncDir } from '../../util/durable-fs.js';

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

/** Size and modification time: whether a file changed while it was being compressed. */
function stamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

/**
 * Compresses one closed day file to `<file>.gz` (appending a gzip member if
 * the `.gz` exists), durably, then removes the plain file — unless, at the
 * end, `stillClosed()` says the day was written to meanwhile, or either file
 * changed (a retention rewrite): then the work is thrown away and tried
 * again later. `signal` aborts it (a shutdown does not wait for a large
 * file): nothing changes then. Resolves to whether it was compressed.
 *
 * @example
 * await compressDayFile('/var/log/gallra/access-2026-11-21.log', () => !sink.isOpen(day));
 */
export async function compressDayFile(file: string, stillClosed: () => boolean, signal?: AbortSignal): Promise<boolean> {
  const gz = `${file}.gz`;
  // Hidden (a dot first), so no listing takes it for a day file.
  const tmp = path.join(path.dirname(file), `.${path.basename(gz)}.${process.pid}.compressing`);
  const before = [stamp(file), stamp(gz)];
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
    // Checked and published with no await in between: a write reopening the day cannot come between.
    if (!stillClosed() || stamp(file) !== before[0] || stamp(gz) !== before[1]) {
      fs.rmSync(tmp, { force: true });
      return false;
    }
    fs.renameSync(tmp, gz);
    fs.rmSync(file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(file));
  return true;
}

/**
 * Leftover temp files of compressions a crash interrupted (not this process's).
 *
 * @example
 * removeStaleCompressions('/var/log/gallra');
 */
export function removeStaleCompressions(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (/^\..+\.log\.gz\.\d+\.compressing$/.test(n) && !n.endsWith(`.${process.pid}.compressing`)) fs.rmSync(path.join(dir, n), { force: true });
}
