/**
 * Destroying salt files: overwrite with random bytes, fsync, unlink, fsync
 * the directory. Called only from housekeeping (`destroyClosed`, `rotate`)
 * and `destroyAll`, never from a salt lookup.
 *
 * On copy-on-write or journaling file systems (btrfs, ZFS, ext4
 * data=journal) and on SSDs (wear levelling) the overwrite is best effort:
 * old blocks may survive on the medium. What makes the pseudonyms unlinkable
 * is the unlink plus the loss of every in-memory copy; to make the old blocks
 * worthless too, put the salt directory on tmpfs (salts then die with a
 * reboot, which only makes pseudonyms change early) or on an encrypted volume.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { DurableWriteError, fsyncDir, writeFully } from '../util/durable-fs.js';
import { errnoOf } from '../util/errno.js';
import { keyringIoError } from './errors.js';
import { isSaltTempName } from './salt-files.js';
import { SALT_BYTES } from './salt-handle.js';

/** A temp file this old cannot belong to a creation still in progress (that takes milliseconds). */
export const TEMP_MAX_AGE_MS = 60_000;
const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;
const CHUNK = 65_536;

/**
 * Overwrites the file at `path` (in `dir`) with random bytes, fsyncs,
 * unlinks it and fsyncs the directory. Resolves false when it was already
 * gone (another process destroyed it). A symlink in its place is removed
 * without touching its target.
 *
 * @example
 * if (await destroyFile(dir, info.path)) destroyed.push(info);
 */
export async function destroyFile(dir: string, path: string): Promise<boolean> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(path, constants.O_RDWR | O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return false;
    // A symlink in place of a salt file: remove the link, leave its target alone.
    if (code !== 'ELOOP') throw keyringIoError('destroy', path, err);
  }
  if (fh !== undefined) {
    try {
      const size = Math.max((await fh.stat()).size, SALT_BYTES);
      for (let pos = 0; pos < size; pos += CHUNK) await writeFully(fh, randomBytes(Math.min(CHUNK, size - pos)), pos);
      await fh.sync();
    } catch (err) {
      throw keyringIoError('overwrite', path, err);
    } finally {
      await fh.close();
    }
  }
  try {
    await fsp.unlink(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw keyringIoError('unlink', path, err);
  }
  try {
    await fsyncDir(dir);
  } catch (err) {
    throw err instanceof DurableWriteError ? keyringIoError(err.step, err.path, err.cause) : err;
  }
  return true;
}

/**
 * Removes temp files that salt creation left behind in a crash. Only
 * unlinked, not overwritten: a crash between link() and unlink() leaves a
 * temp file that is a second name of a live salt, and overwriting it would
 * corrupt that salt. A temp file that was never linked was never used, so
 * unlinking is enough. Only files older than {@link TEMP_MAX_AGE_MS} go (a
 * younger one may be a creation in progress). With `all` (destroyAll) every
 * temp file goes, overwritten, since every salt is being destroyed anyway.
 *
 * @example
 * await removeStaleTemps(dir, false);
 */
export async function removeStaleTemps(dir: string, all: boolean): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw keyringIoError('list', dir, err);
  }
  // Compared with the wall clock, not an injected one: mtime is set by the file system.
  const cutoff = Date.now() - TEMP_MAX_AGE_MS;
  for (const name of names) {
    if (!isSaltTempName(name)) continue;
    const path = join(dir, name);
    if (all) {
      await destroyFile(dir, path);
      continue;
    }
    try {
      if ((await fsp.lstat(path)).mtimeMs < cutoff) await fsp.unlink(path);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw keyringIoError('remove stale temp file', path, err);
    }
  }
}
