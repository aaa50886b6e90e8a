/**
 * Durable file writes, done one way everywhere in gallra: the bytes go to a
 * private temp file beside the target, are fsynced, are published under the
 * final name, and the directory is fsynced so that the new name survives a
 * crash too. A reader therefore sees either no file or the whole file, never
 * a torn one.
 *
 * Publishing is either
 * - `rename()` (default): replaces whatever was there — for state that has
 *   one writer and moves on (checkpoints);
 * - `link()` (`exclusive: true`): never replaces; when the name already
 *   exists the write reports `false` and the existing file stays — for
 *   first-writer-wins creation that several processes race to (salts, keys).
 *
 * Asynchronous (fs.promises) throughout, so it can run beside a hot path.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf } from './errno.js';

/**
 * Names of the temp files {@link writeFileDurably} makes:
 * `.<target name>.<pid>.<16 hex digits>.tmp`. Hidden, so listings of the
 * real files skip them, and unique per writer, so concurrent writers (other
 * processes, worker threads) never share one.
 */
export const DURABLE_TEMP_RE = /^\..+\.\d+\.[0-9a-f]{16}\.tmp$/;

/** Which step of a durable write failed; callers put it in their own error message. */
export type DurableStep = 'create' | 'write' | 'publish' | 'remove temp file' | 'open directory' | 'fsync directory';

/**
 * A durable write failed. `step` and `path` say where; `cause` is the
 * system error and `code` its errno name. Callers wrap it in their own
 * GallraError code (keyring, checkpoint, sink).
 *
 * @example
 * catch (err) { if (err instanceof DurableWriteError) throw new GallraError('GALLRA_CHECKPOINT_IO', `cannot ${err.step} ${err.path} (${err.code})`, { cause: err }); }
 */
export class DurableWriteError extends Error {
  readonly step: DurableStep;
  readonly path: string;
  readonly code: string | undefined;

  constructor(step: DurableStep, path: string, cause: unknown) {
    const code = errnoOf(cause);
    super(`cannot ${step} ${path}${code === undefined ? '' : ` (${code})`}`, { cause });
    this.name = 'DurableWriteError';
    this.step = step;
    this.path = path;
    this.code = code;
  }
}

/**
 * Options of {@link writeFileDurably}.
 *
 * @example
 * const opts: DurableWriteOptions = { mode: 0o600, exclusive: true };
 */
export interface DurableWriteOptions {
  /** Permission bits of the published file, set exactly whatever the umask. Default `0o600`. */
  readonly mode?: number;
  /** Publish with `link()`, which never replaces an existing file (first writer wins); default `rename()`, which does. */
  readonly exclusive?: boolean;
}

/**
 * Writes `data` to `path` durably: temp file, fsync, rename or link, fsync
 * the directory. Resolves `true` once the file is published, `false` only
 * with `exclusive` when `path` already existed (that file is left as it is
 * and the temp file is removed). The directory must exist. Rejects with a
 * {@link DurableWriteError}; the temp file is removed on the way out.
 *
 * The caller keeps ownership of `data` (it is not copied, so a secret can be
 * zero-filled by its owner afterwards).
 *
 * @example
 * // first writer wins: every process ends up reading the same key
 * if (!(await writeFileDurably(file, freshKey, { exclusive: true }))) freshKey.fill(0);
 * const key = await fsp.readFile(file);
 * @example
 * // replace: a checkpoint
 * await writeFileDurably(file, `${JSON.stringify(position)}\n`, { mode: 0o600 });
 */
export async function writeFileDurably(path: string, data: Uint8Array | string, options: DurableWriteOptions = {}): Promise<boolean> {
  const mode = options.mode ?? 0o600;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await fsp.open(tmp, 'wx', mode);
  } catch (err) {
    throw new DurableWriteError('create', tmp, err);
  }
  try {
    try {
      await fh.chmod(mode); // the umask may have taken bits away; make them exactly `mode`
      await writeFully(fh, bytes, 0);
      await fh.sync();
    } catch (err) {
      throw new DurableWriteError('write', tmp, err);
    } finally {
      await fh.close();
    }
    let published = true;
    try {
      if (options.exclusive === true) await fsp.link(tmp, path);
      else await fsp.rename(tmp, path);
    } catch (err) {
      if (options.exclusive !== true || errnoOf(err) !== 'EEXIST') throw new DurableWriteError('publish', path, err);
      published = false;
    }
    if (options.exclusive === true) await unlinkIfThere(tmp);
    // Makes the new name (and the temp name's removal) durable; nothing new to record when we lost the race.
    if (published) await fsyncDir(dirname(path));
    return published;
  } catch (err) {
    // Best effort on the error path; the original error is the one worth reporting.
    await fsp.unlink(tmp).catch(() => undefined);
    throw err instanceof DurableWriteError ? err : new DurableWriteError('write', tmp, err);
  }
}

/**
 * Makes links, unlinks and renames in `dir` durable. Some platforms and file
 * systems cannot fsync a directory; that is not an error there.
 *
 * @example
 * await fsp.unlink(file); await fsyncDir(path.dirname(file));
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(dir, 'r');
  } catch (err) {
    throw new DurableWriteError('open directory', dir, err);
  }
  try {
    await fh.sync();
  } catch (err) {
    const code = errnoOf(err);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw new DurableWriteError('fsync directory', dir, err);
  } finally {
    await fh.close();
  }
}

/**
 * Writes all of `data` at `position`, however many short writes that takes.
 * Rejects with the system error (or "short write" when the file system
 * accepted nothing).
 *
 * @example
 * await writeFully(fh, randomBytes(32), 0); await fh.sync();
 */
export async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
  }
}

async function unlinkIfThere(path: string): Promise<void> {
  try {
    await fsp.unlink(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw new DurableWriteError('remove temp file', path, err);
  }
}
