/**
 * Salt files on disk: their names, the directory's and files' permission
 * checks, reading, first-writer-wins creation and listing. All I/O is
 * asynchronous (fs.promises); the keyring calls these only from prepare()
 * and housekeeping, never on the per-line path.
 *
 * Layout: `<dir>/<period>-<epochLabel(start)>.salt`, 32 raw bytes, mode
 * 0600, directory 0700. Creation writes a private temp file and hard-links it
 * to the final name (`writeFileDurably(…, { exclusive: true })`); link fails
 * with EEXIST when another process won, so concurrent processes and threads
 * always agree on a salt.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { GallraError, isGallraError } from '../errors.js';
import type { Duration } from '../time/duration.js';
import { closesAt, epochLabel, epochOf, type EpochPeriod, isEpochPeriod, parseEpochLabel } from '../time/epoch.js';
import { DURABLE_TEMP_RE, DurableWriteError, writeFileDurably } from '../util/durable-fs.js';
import { errnoOf } from '../util/errno.js';
import { corruptSaltError, keyringIoError, permissionsError } from './errors.js';
import type { SaltFileInfo } from './keyring.js';
import { freshSalt, SALT_BYTES } from './salt-handle.js';

const SALT_NAME_RE = /^([A-Z0-9]+)-(\d{8}T\d{6}Z)\.salt$/;
// Refuse to follow a symlink planted in place of a salt file (read or overwrite its target).
const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

/**
 * The file name of an epoch's salt.
 *
 * @example
 * saltFileName('P1D', Date.UTC(2026, 10, 22)) // 'P1D-20261122T000000Z.salt'
 */
export function saltFileName(period: EpochPeriod, start: number): string {
  return `${period}-${epochLabel(start)}.salt`;
}

/**
 * True for a temp file left by salt creation (`.<salt name>.<pid>.<hex>.tmp`).
 *
 * @example
 * isSaltTempName('.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp') // true
 */
export function isSaltTempName(name: string): boolean {
  return DURABLE_TEMP_RE.test(name) && name.includes('.salt.');
}

/**
 * Creates the salt directory 0700 if missing; refuses one that group or
 * others can access (GALLRA_KEYRING_PERMISSIONS) or that is not a directory.
 *
 * @example
 * await ensureSaltDir('/var/lib/gallra/salts');
 */
export async function ensureSaltDir(dir: string): Promise<void> {
  try {
    const made = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    // Only a directory we just made is fixed up (the umask may have removed owner bits);
    // an existing one with loose bits is an operator's mistake to report, not to hide.
    if (made !== undefined) await fsp.chmod(dir, 0o700);
  } catch (err) {
    throw keyringIoError('create directory', dir, err);
  }
  let mode: number;
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
    mode = st.mode & 0o777;
  } catch (err) {
    throw keyringIoError('use directory', dir, err);
  }
  if ((mode & 0o077) !== 0) throw permissionsError('directory', dir, mode);
}

/**
 * Reads and validates a salt file: a regular file (not a symlink), mode
 * 0600, exactly 32 bytes. Undefined when it does not exist.
 *
 * @example
 * const bytes = await readSaltFile('/var/lib/gallra/salts/P1D-20261122T000000Z.salt');
 */
export async function readSaltFile(path: string): Promise<Uint8Array | undefined> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw corruptSaltError(path, 'is a symbolic link, not a salt file');
    throw keyringIoError('read', path, err);
  }
  const buf = new Uint8Array(SALT_BYTES);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw corruptSaltError(path, 'is not a regular file');
    const mode = st.mode & 0o777;
    if (mode !== 0o600) throw permissionsError('file', path, mode);
    if (st.size !== SALT_BYTES) throw corruptSaltError(path, `is ${st.size} bytes, not ${SALT_BYTES}`);
    let got = 0;
    while (got < SALT_BYTES) {
      const { bytesRead } = await fh.read(buf, got, SALT_BYTES - got, got);
      if (bytesRead === 0) throw corruptSaltError(path, `ended after ${got} bytes`);
      got += bytesRead;
    }
    return buf;
  } catch (err) {
    buf.fill(0);
    throw isGallraError(err) ? err : keyringIoError('read', path, err);
  } finally {
    await fh.close();
  }
}

/**
 * The salt stored under `name` in `dir`, created (first writer wins) when
 * there is none. `created` is true when this call published the file. The
 * directory must exist (see {@link ensureSaltDir}).
 *
 * @example
 * const { bytes, created } = await loadOrCreateSalt(dir, saltFileName('P1D', start));
 */
export async function loadOrCreateSalt(dir: string, name: string): Promise<{ bytes: Uint8Array; created: boolean }> {
  const path = join(dir, name);
  let bytes = await readSaltFile(path);
  // A few attempts: the winner's file may vanish between our EEXIST and our read
  // only if someone destroys it concurrently (destroyAll); then we create again.
  for (let attempt = 0; bytes === undefined && attempt < 3; attempt++) {
    const mine = freshSalt();
    let published: boolean;
    try {
      published = await writeFileDurably(path, mine, { mode: 0o600, exclusive: true });
    } catch (err) {
      mine.fill(0);
      throw err instanceof DurableWriteError ? keyringIoError(err.step, err.path, err.cause) : err;
    }
    if (published) return { bytes: mine, created: true };
    mine.fill(0); // lost the race: our bytes were never used by anyone
    bytes = await readSaltFile(path);
  }
  if (bytes === undefined) {
    throw new GallraError('GALLRA_KEYRING_IO', `salt keyring: ${path} keeps disappearing while being created; is another process destroying salts in ${dir}?`);
  }
  return { bytes, created: false };
}

/**
 * Salt files in `dir`, sorted by start then period; names that are not salt
 * files are ignored, and a missing directory has none. Never reads salt
 * bytes and never refuses on permissions, so an operator can see what is
 * wrong. `state` is judged by each file's own period and `grace` at `now`.
 *
 * @example
 * (await listSaltFiles(dir, grace, Date.now())).filter((f) => f.state === 'closed')
 */
export async function listSaltFiles(dir: string, grace: Duration, now: number): Promise<SaltFileInfo[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw keyringIoError('list', dir, err);
  }
  const out: SaltFileInfo[] = [];
  for (const name of names) {
    const info = await saltFileInfo(dir, name, grace, now);
    if (info !== undefined) out.push(info);
  }
  return out.sort((a, b) => a.start - b.start || a.period.localeCompare(b.period));
}

/**
 * Describes `name` in `dir` if it is a salt file (a name of ours, aligned to
 * its period); undefined otherwise, or when it just vanished.
 *
 * @example
 * await saltFileInfo(dir, 'P1D-20261122T000000Z.salt', grace, now) // { period: 'P1D', state: 'open', mode: 0o600, … }
 */
export async function saltFileInfo(dir: string, name: string, grace: Duration, now: number): Promise<SaltFileInfo | undefined> {
  const m = SALT_NAME_RE.exec(name);
  if (m === null) return undefined;
  const period = m[1] as string;
  const label = m[2] as string;
  if (!isEpochPeriod(period)) return undefined;
  const start = parseEpochLabel(label);
  if (start === undefined || epochLabel(start) !== label) return undefined;
  const epoch = epochOf(start, period);
  if (epoch.start !== start) return undefined; // not aligned to its period: not one of ours
  const path = join(dir, name);
  let mode: number;
  try {
    const st = await fsp.lstat(path);
    if (st.isDirectory()) return undefined;
    mode = st.mode & 0o777;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw keyringIoError('stat', path, err);
  }
  const closeAt = closesAt(epoch, grace);
  return { period, start, end: epoch.end, closesAt: closeAt, state: now >= closeAt ? 'closed' : 'open', path, mode };
}
