/**
 * File backend of the salt keyring: one 32-byte file per epoch in a private
 * directory, shared by every gallra process on the host.
 *
 * Layout: `<dir>/<period>-<epochLabel(start)>.salt`, 32 raw bytes, mode 0600,
 * directory 0700. Creation is atomic and first-writer-wins (write a private
 * temp file, then hard-link it to the final name; link fails with EEXIST if
 * another process won), so concurrent processes always agree on a salt.
 *
 * Destruction overwrites the file with random bytes, fsyncs, unlinks and
 * fsyncs the directory. On copy-on-write or journaling file systems (btrfs,
 * ZFS, ext4 data=journal) and on SSDs (wear levelling) the overwrite is best
 * effort: old blocks may survive on the medium. What makes the pseudonyms
 * unlinkable is the unlink plus the loss of every in-memory copy; to make the
 * old blocks worthless too, put the salt directory on tmpfs (salts then die
 * with a reboot, which only makes pseudonyms change early) or on an encrypted
 * volume.
 *
 * All I/O is synchronous on purpose: it happens once per epoch (plus
 * housekeeping), and `saltFor()` sits on the per-line hot path where an async
 * hop would cost more than the rare disk access.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { GallraError, isGallraError } from '../errors.js';
import type { Duration } from '../time/duration.js';
import { closesAt, type EpochBounds, epochLabel, epochOf, type EpochPeriod, isEpochPeriod, parseEpochLabel } from '../time/epoch.js';
import type { EpochSalt, Keyring, SaltFileInfo } from './keyring.js';

const SALT_BYTES = 32;
/** Bound on remembered ephemeral salts, so a replay of years of logs cannot grow memory without limit. */
const EPHEMERAL_CAP = 1000;
/** A temp file this old cannot belong to a creation still in progress (that takes milliseconds). */
const TEMP_MAX_AGE_MS = 60_000;
const SALT_NAME_RE = /^([A-Z0-9]+)-(\d{8}T\d{6}Z)\.salt$/;
const TEMP_NAME_RE = /^\..+\.salt\.\d+\.[0-9a-f]+\.tmp$/;
// Refuse to follow a symlink planted in place of a salt file (read or overwrite its target).
const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

/**
 * Options of {@link FileKeyring}.
 *
 * @example
 * const opts: FileKeyringOptions = { dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')! };
 */
export interface FileKeyringOptions {
  /** The salt directory; created 0700 if missing. Must not be shared with other data. */
  dir: string;
  /** Epoch length for new salts. */
  period: EpochPeriod;
  /** How long after an epoch's end late events still get its persisted salt. */
  grace: Duration;
  /** Clock for deciding which epochs are closed (ms since the Unix epoch); default `Date.now`. Injected by tests. */
  now?: () => number;
  /**
   * 32 secret bytes that ephemeral salts are derived from (HMAC-SHA-256 of
   * the epoch's label), so several keyrings of one run — the worker threads
   * of `anonymise --threads` — give a closed epoch the same throw-away salt.
   * Never persisted; default: fresh random bytes for this keyring alone.
   */
  ephemeralSecret?: Uint8Array;
}

/** The one concrete EpochSalt: keeps the bytes in a private field so no enumeration, spread or inspection reaches them. */
class SaltHandle implements EpochSalt {
  readonly period: EpochPeriod;
  readonly start: number;
  readonly end: number;
  readonly closesAt: number;
  readonly ephemeral: boolean;
  readonly #salt: Uint8Array;
  #wiped = false;

  constructor(period: EpochPeriod, epoch: EpochBounds, closeAt: number, ephemeral: boolean, salt: Uint8Array) {
    this.period = period;
    this.start = epoch.start;
    this.end = epoch.end;
    this.closesAt = closeAt;
    this.ephemeral = ephemeral;
    this.#salt = salt;
  }

  get salt(): Uint8Array {
    return this.#salt;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** Zero-fills the bytes in place, so every holder of the array loses them too. */
  wipe(): void {
    this.#salt.fill(0);
    this.#wiped = true;
  }

  #describe(): { period: EpochPeriod; start: string; end: string; ephemeral: boolean; wiped: boolean; salt: string } {
    const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
    return { period: this.period, start: iso(this.start), end: iso(this.end), ephemeral: this.ephemeral, wiped: this.#wiped, salt: '[redacted]' };
  }

  toJSON(): unknown {
    return this.#describe();
  }

  toString(): string {
    const d = this.#describe();
    return `EpochSalt(${d.period} ${d.start}${d.ephemeral ? ' ephemeral' : ''}${d.wiped ? ' wiped' : ''})`;
  }

  [inspect.custom](): string {
    return `EpochSalt ${JSON.stringify(this.#describe())}`;
  }
}

/**
 * Salt keyring on the local file system. Processes on one host that share
 * `dir` and `period` agree on every salt; use a directory on tmpfs or an
 * encrypted volume (see the module comment on why overwriting is best effort).
 *
 * The constructor does not touch the disk; call `rotate()` at start-up to
 * validate the directory (permissions) and create the current salt early.
 *
 * @example
 * const keyring = new FileKeyring({ dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')! });
 * keyring.rotate();
 * const s = keyring.saltFor(Date.parse('2026-11-22T15:04:05Z'));
 * // s.start === Date.UTC(2026, 10, 22); file /var/lib/gallra/salts/P1D-20261122T000000Z.salt
 * keyring.close();
 */
export class FileKeyring implements Keyring {
  /** Absolute salt directory. */
  readonly dir: string;
  readonly period: EpochPeriod;
  readonly grace: Duration;
  readonly #now: () => number;
  /** Persisted salts of open epochs this process has loaded, by epoch start. */
  readonly #open = new Map<number, SaltHandle>();
  /**
   * Ephemeral salts of closed epochs, by epoch start, in creation order. When
   * more than EPHEMERAL_CAP are held the oldest-created is wiped and dropped,
   * so for a replay spanning more than that many closed epochs consistency is
   * per epoch while it stays in the cache (a later event of an evicted epoch
   * gets a new ephemeral salt).
   */
  readonly #ephemeral = new Map<number, SaltHandle>();
  /** Fast path: the salt returned last. */
  #last: SaltHandle | undefined;
  /** Earliest closesAt among #open; while now() is before it no in-memory salt needs wiping. */
  #nextClose = Infinity;
  /** What ephemeral salts are derived from; zeroed on close(). */
  #ephemeralSecret: Uint8Array;

  constructor(options: FileKeyringOptions) {
    if (!isEpochPeriod(options.period)) throw new RangeError(`FileKeyring: unsupported epoch period ${String(options.period)}`);
    // A grace that is not a Duration would make every close time NaN: nothing
    // would ever count as open, and every call would take the slow path.
    if (!Number.isFinite(closesAt(epochOf(0, options.period), options.grace))) throw new RangeError('FileKeyring: grace must be a Duration (parseDuration)');
    this.dir = resolve(options.dir);
    this.period = options.period;
    this.grace = options.grace;
    this.#now = options.now ?? Date.now;
    this.#ephemeralSecret = options.ephemeralSecret !== undefined ? Uint8Array.from(options.ephemeralSecret) : freshSalt();
  }

  /**
   * The salt for the epoch containing `eventMs`; see {@link Keyring.saltFor}.
   * Throws RangeError when `eventMs` is not a valid time. An open epoch whose
   * start cannot be written as a file label (beyond year 9999) gets an
   * ephemeral salt too, because a file for it could never be listed nor
   * destroyed.
   *
   * @example
   * const s = keyring.saltFor(Date.parse('2026-11-22T15:04:05Z'));
   * if (s.ephemeral) metrics.lateEvents.inc();
   */
  async prepare(_nowMs: number): Promise<void> {
    // Salts are loaded on first need in saltFor() for now.
  }

  saltFor(eventMs: number): EpochSalt {
    const now = this.#now();
    const last = this.#last;
    // Per-line hot path: same epoch as last time and nothing in memory has closed.
    if (last !== undefined && eventMs >= last.start && eventMs < last.end && now < this.#nextClose) return last;
    return this.#saltForSlow(eventMs, now);
  }

  /**
   * Salt files in the directory, sorted by start then period; names that are
   * not salt files are ignored. Never reads salt bytes, never throws on
   * permissions (so an operator can see what is wrong).
   *
   * @example
   * keyring.list().filter((f) => f.state === 'closed').length
   */
  list(): SaltFileInfo[] {
    return this.#list(this.#now());
  }

  /**
   * Housekeeping: destroys closed salts and stale temp files, then makes sure
   * the current epoch's salt exists (validating directory permissions).
   *
   * @example
   * const { created, destroyed } = keyring.rotate();
   */
  rotate(): { created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] } {
    const destroyed = this.destroyClosed();
    const now = this.#now();
    const epoch = epochOf(now, this.period);
    let created: SaltFileInfo | undefined;
    if (!this.#open.has(epoch.start)) {
      const closeAt = closesAt(epoch, this.grace);
      if (this.#load(epoch, closeAt)) created = this.#infoFor(this.#fileName(epoch.start), now);
    }
    return { created, destroyed };
  }

  /**
   * Destroys every closed salt file (of any period, closed-ness judged by the
   * file's own period and this keyring's grace), wipes in-memory salts of
   * closed epochs, and removes temp files left by a crash.
   *
   * @example
   * for (const f of keyring.destroyClosed()) audit.log('salt destroyed', f.period, f.start);
   */
  destroyClosed(): SaltFileInfo[] {
    const now = this.#now();
    const destroyed = this.#sweepOpen(now);
    this.#removeStaleTemps(false);
    for (const info of this.#list(now)) {
      if (info.state === 'closed' && this.#destroyPath(info.path)) destroyed.push(info);
    }
    return destroyed;
  }

  /**
   * Emergency: wipes every in-memory salt and destroys every salt file, open
   * or closed, and every temp file. Later `saltFor()` calls create new salts.
   *
   * @example
   * keyring.destroyAll(); // e.g. after the salt directory may have been copied
   */
  destroyAll(): SaltFileInfo[] {
    this.#wipeMemory();
    this.#removeStaleTemps(true);
    const destroyed: SaltFileInfo[] = [];
    for (const info of this.#list(this.#now())) {
      if (this.#destroyPath(info.path)) destroyed.push(info);
    }
    return destroyed;
  }

  /**
   * Wipes all in-memory salts. The keyring stays usable (a later `saltFor()`
   * reloads from disk), but callers holding an EpochSalt see `wiped`.
   *
   * @example
   * process.on('SIGTERM', () => { keyring.close(); process.exit(0); });
   */
  close(): void {
    this.#wipeMemory();
    // The secret goes too; a keyring used again after close() starts a new one.
    this.#ephemeralSecret.fill(0);
    this.#ephemeralSecret = freshSalt();
  }

  #saltForSlow(eventMs: number, now: number): SaltHandle {
    if (!(Math.abs(eventMs) <= 8.64e15)) throw new RangeError(`saltFor: event time must be a valid time in ms, got ${String(eventMs)}`);
    if (now >= this.#nextClose) this.#sweepOpen(now);
    const epoch = epochOf(eventMs, this.period);
    const closeAt = closesAt(epoch, this.grace);
    let handle: SaltHandle | undefined;
    if (now >= closeAt || this.#ephemeral.has(epoch.start) || !labelRoundTrips(epoch.start)) {
      // The ephemeral map is checked even for an open epoch: if the clock stepped
      // back, an epoch we already treated as closed stays ephemeral (its file is gone).
      handle = this.#ephemeralFor(epoch, closeAt, now);
    } else {
      handle = this.#open.get(epoch.start);
      if (handle === undefined) {
        this.#load(epoch, closeAt);
        handle = this.#open.get(epoch.start) as SaltHandle;
      }
    }
    this.#last = handle;
    return handle;
  }

  #ephemeralFor(epoch: EpochBounds, closeAt: number, now: number): SaltHandle {
    const existing = this.#ephemeral.get(epoch.start);
    if (existing !== undefined) return existing;
    // The epoch is closed, so a file for it that nobody destroyed yet must go now;
    // it is never read (that would link these events to the old pseudonyms).
    if (now >= closeAt && labelRoundTrips(epoch.start)) this.#destroyPath(join(this.dir, this.#fileName(epoch.start)));
    const handle = new SaltHandle(this.period, epoch, closeAt, true, derivedSalt(this.#ephemeralSecret, `${this.period}-${epoch.start}`));
    this.#ephemeral.set(epoch.start, handle);
    if (this.#ephemeral.size > EPHEMERAL_CAP) {
      const [oldestKey, oldest] = this.#ephemeral.entries().next().value as [number, SaltHandle];
      oldest.wipe();
      this.#ephemeral.delete(oldestKey);
    }
    return handle;
  }

  /** Loads or creates the salt of an open epoch into #open; true when this process created the file. */
  #load(epoch: EpochBounds, closeAt: number): boolean {
    this.#ensureDir();
    const name = this.#fileName(epoch.start);
    const path = join(this.dir, name);
    let created = false;
    let bytes = this.#readSalt(path);
    // A few attempts: the winner's file may vanish between our EEXIST and our read
    // only if someone destroys it concurrently (destroyAll); then we create again.
    for (let attempt = 0; bytes === undefined && attempt < 3; attempt++) {
      const r = this.#create(name);
      bytes = r.bytes;
      created = r.created;
    }
    if (bytes === undefined) {
      throw new GallraError('GALLRA_KEYRING_IO', `salt keyring: ${path} keeps disappearing while being created; is another process destroying salts in ${this.dir}?`);
    }
    this.#open.set(epoch.start, new SaltHandle(this.period, epoch, closeAt, false, bytes));
    this.#nextClose = Math.min(this.#nextClose, closeAt);
    return created;
  }

  /**
   * First-writer-wins creation: the bytes go to a private temp file that is
   * complete and fsynced before `link()` publishes it under the final name.
   * `link()` never replaces an existing file (unlike `rename()`), so exactly
   * one process publishes and every other one reads the winner's bytes.
   * Returns bytes undefined when the winner's file vanished before we read it.
   */
  #create(name: string): { bytes: Uint8Array | undefined; created: boolean } {
    const path = join(this.dir, name);
    // Hidden, per-process and random, so concurrent creators never share a temp file and list() ignores it.
    const tmp = join(this.dir, `.${name}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
    const bytes = freshSalt();
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (err) {
      bytes.fill(0);
      throw ioError('create', tmp, err);
    }
    try {
      try {
        fchmodSync(fd, 0o600); // the umask may have taken bits away; make it exactly 0600
        writeAll(fd, bytes, tmp);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(tmp, path);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw ioError('publish', path, err);
        bytes.fill(0); // lost the race: our bytes were never used by anyone
        unlinkQuiet(tmp);
        return { bytes: this.#readSalt(path), created: false };
      }
      unlinkQuiet(tmp);
      this.#fsyncDir(); // makes both the new name and the removed temp name durable
      return { bytes, created: true };
    } catch (err) {
      bytes.fill(0);
      // Best effort on the error path; the original error is the one worth reporting.
      try {
        unlinkSync(tmp);
      } catch {
        // already gone, or the directory is unusable (then the original error says so)
      }
      throw isGallraError(err) ? err : ioError('write', tmp, err);
    }
  }

  /** Reads and validates a salt file; undefined when it does not exist. */
  #readSalt(path: string): Uint8Array | undefined {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw corruptError(path, 'is a symbolic link, not a salt file');
      throw ioError('read', path, err);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw corruptError(path, 'is not a regular file');
      const mode = st.mode & 0o777;
      if (mode !== 0o600) {
        throw new GallraError(
          'GALLRA_KEYRING_PERMISSIONS',
          `salt file ${path} has mode ${octal(mode)}; it must be 0600 (readable by its owner only). Fix: chmod 600 ${shellQuote(path)}`,
        );
      }
      if (st.size !== SALT_BYTES) throw corruptError(path, `is ${st.size} bytes, not ${SALT_BYTES}`);
      const buf = new Uint8Array(SALT_BYTES);
      let got = 0;
      while (got < SALT_BYTES) {
        const n = readSync(fd, buf, got, SALT_BYTES - got, got);
        if (n === 0) throw corruptError(path, `ended after ${got} bytes`);
        got += n;
      }
      return buf;
    } catch (err) {
      throw isGallraError(err) ? err : ioError('read', path, err);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Overwrites a salt file with random bytes, fsyncs, unlinks and fsyncs the
   * directory. False when it was already gone (another process destroyed it).
   * Best effort on CoW/journaling file systems and SSDs; see the module comment.
   */
  #destroyPath(path: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | O_NOFOLLOW);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') return false;
      // A symlink in place of a salt file: remove the link, leave its target alone.
      if (code !== 'ELOOP') throw ioError('destroy', path, err);
      fd = -1;
    }
    if (fd >= 0) {
      try {
        const size = Math.max(fstatSync(fd).size, SALT_BYTES);
        for (let pos = 0; pos < size; pos += 65_536) {
          writeAll(fd, randomBytes(Math.min(65_536, size - pos)), path, pos);
        }
        fsyncSync(fd);
      } catch (err) {
        throw isGallraError(err) ? err : ioError('overwrite', path, err);
      } finally {
        closeSync(fd);
      }
    }
    try {
      unlinkSync(path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false;
      throw ioError('unlink', path, err);
    }
    this.#fsyncDir();
    return true;
  }

  /**
   * Removes temp files left behind by a crash. Only unlinked, not overwritten:
   * a crash between link() and unlink() leaves a temp file that is a second
   * name of a live salt, and overwriting it would corrupt that salt. A temp
   * file that was never linked was never used, so unlinking is enough.
   * With `all` (destroyAll) every temp file goes, overwritten, since every
   * salt is being destroyed anyway.
   */
  #removeStaleTemps(all: boolean): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return;
      throw ioError('list', this.dir, err);
    }
    // Compared with the wall clock, not the injected one: mtime is set by the file system.
    const cutoff = Date.now() - TEMP_MAX_AGE_MS;
    for (const name of names) {
      if (!TEMP_NAME_RE.test(name)) continue;
      const path = join(this.dir, name);
      if (all) {
        this.#destroyPath(path);
        continue;
      }
      try {
        if (lstatSync(path).mtimeMs < cutoff) unlinkSync(path);
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw ioError('remove stale temp file', path, err);
      }
    }
  }

  #list(now: number): SaltFileInfo[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw ioError('list', this.dir, err);
    }
    const out: SaltFileInfo[] = [];
    for (const name of names) {
      const info = this.#infoFor(name, now);
      if (info !== undefined) out.push(info);
    }
    return out.sort((a, b) => a.start - b.start || a.period.localeCompare(b.period));
  }

  /** Describes `name` in the directory if it is a salt file; undefined otherwise (or if it just vanished). */
  #infoFor(name: string, now: number): SaltFileInfo | undefined {
    const m = SALT_NAME_RE.exec(name);
    if (m === null) return undefined;
    const period = m[1] as string;
    const label = m[2] as string;
    if (!isEpochPeriod(period)) return undefined;
    const start = parseEpochLabel(label);
    if (start === undefined || epochLabel(start) !== label) return undefined;
    const epoch = epochOf(start, period);
    if (epoch.start !== start) return undefined; // not aligned to its period: not one of ours
    const path = join(this.dir, name);
    let mode: number;
    try {
      const st = lstatSync(path);
      if (st.isDirectory()) return undefined;
      mode = st.mode & 0o777;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw ioError('stat', path, err);
    }
    const closeAt = closesAt(epoch, this.grace);
    return { period, start, end: epoch.end, closesAt: closeAt, state: now >= closeAt ? 'closed' : 'open', path, mode };
  }

  /**
   * Wipes and forgets every in-memory salt of an epoch closed by `now`, and
   * destroys its file. Returns the files it destroyed.
   */
  #sweepOpen(now: number): SaltFileInfo[] {
    const destroyed: SaltFileInfo[] = [];
    try {
      for (const [start, handle] of this.#open) {
        if (now < handle.closesAt) continue;
        // Memory first: if destroying the file fails, the bytes are gone from here anyway
        // and the file is retried by the next destroyClosed().
        handle.wipe();
        this.#open.delete(start);
        if (this.#last === handle) this.#last = undefined;
        const name = this.#fileName(start);
        const info = this.#infoFor(name, now);
        if (this.#destroyPath(join(this.dir, name)) && info !== undefined) destroyed.push(info);
      }
    } finally {
      this.#nextClose = Infinity;
      for (const handle of this.#open.values()) this.#nextClose = Math.min(this.#nextClose, handle.closesAt);
    }
    return destroyed;
  }

  #wipeMemory(): void {
    for (const handle of this.#open.values()) handle.wipe();
    for (const handle of this.#ephemeral.values()) handle.wipe();
    this.#open.clear();
    this.#ephemeral.clear();
    this.#last = undefined;
    this.#nextClose = Infinity;
  }

  /** Creates the directory 0700 if missing; refuses one that group or others can access. */
  #ensureDir(): void {
    try {
      const made = mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Only a directory we just made is fixed up (the umask may have removed owner bits);
      // an existing one with loose bits is an operator's mistake to report, not to hide.
      if (made !== undefined) chmodSync(this.dir, 0o700);
    } catch (err) {
      throw ioError('create directory', this.dir, err);
    }
    let mode: number;
    try {
      const st = statSync(this.dir);
      if (!st.isDirectory()) throw new Error('not a directory');
      mode = st.mode & 0o777;
    } catch (err) {
      throw ioError('use directory', this.dir, err);
    }
    if ((mode & 0o077) !== 0) {
      throw new GallraError(
        'GALLRA_KEYRING_PERMISSIONS',
        `salt directory ${this.dir} has mode ${octal(mode)}; it must be 0700 (accessible by its owner only). Fix: chmod 700 ${shellQuote(this.dir)}`,
      );
    }
  }

  /** Makes a link/unlink in the directory durable. Some platforms cannot fsync a directory; that is not an error there. */
  #fsyncDir(): void {
    let fd: number;
    try {
      fd = openSync(this.dir, 'r');
    } catch (err) {
      throw ioError('open directory', this.dir, err);
    }
    try {
      fsyncSync(fd);
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw ioError('fsync directory', this.dir, err);
    } finally {
      closeSync(fd);
    }
  }

  #fileName(start: number): string {
    return `${this.period}-${epochLabel(start)}.salt`;
  }
}

/** 32 CSPRNG bytes in a Uint8Array of their own (not a view into a shared Buffer pool, which zero-filling would miss). */
function freshSalt(): Uint8Array {
  const buf = randomBytes(SALT_BYTES);
  const out = new Uint8Array(SALT_BYTES);
  out.set(buf);
  buf.fill(0);
  return out;
}

/** HMAC-SHA-256(secret, "gallra ephemeral salt\0" + label) in a Uint8Array of its own. */
function derivedSalt(secret: Uint8Array, label: string): Uint8Array {
  const mac = createHmac('sha256', secret).update(`gallra ephemeral salt\0${label}`).digest();
  const out = new Uint8Array(SALT_BYTES);
  out.set(mac.subarray(0, SALT_BYTES));
  mac.fill(0);
  return out;
}

/** True when a file named after `start` can be parsed back by list(), so it can be found and destroyed later. */
function labelRoundTrips(start: number): boolean {
  try {
    return parseEpochLabel(epochLabel(start)) === start;
  } catch {
    return false;
  }
}

function writeAll(fd: number, data: Uint8Array, path: string, position = 0): void {
  let done = 0;
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw ioError('write', path, new Error('short write'));
    done += n;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw ioError('remove temp file', path, err);
  }
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(op: string, path: string, cause: unknown): GallraError {
  const code = errnoOf(cause);
  return new GallraError(
    'GALLRA_KEYRING_IO',
    `salt keyring: cannot ${op} ${path}${code === undefined ? '' : ` (${code})`}; check that the salt directory exists, belongs to this user, is writable and the disk is not full`,
    { cause },
  );
}

function corruptError(path: string, what: string): GallraError {
  return new GallraError(
    'GALLRA_KEYRING_CORRUPT',
    `salt file ${path} ${what}; it is not a valid salt. Destroy it with \`gallra salts destroy --all\` or delete it (pseudonyms of that epoch will change)`,
  );
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Quotes a path for the copy-pasteable fix in an error message only when the shell would need it. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
