/**
 * File backend of the salt keyring: one 32-byte file per epoch in a private
 * directory, shared by every gallra process on the host (salt-files.ts has
 * the layout and the first-writer-wins creation, destroy.ts the
 * destruction).
 *
 * Off the hot path: the per-line lookup (`saltFor`) reads memory only. The
 * pipeline calls `prepare(now)` before each batch, which loads — creating
 * if need be — every salt an accepted event can need, with asynchronous I/O
 * and only when the set of such epochs has changed (about once per epoch).
 * Destruction happens in housekeeping only (`destroyClosed`, `rotate`).
 *
 * Between an epoch's close and the next housekeeping run its salt is still
 * on disk and in memory but is never handed out: `saltFor` gives that
 * epoch's events the ephemeral salt instead. The file therefore lives on for
 * at most one housekeeping interval (a minute in `gallra run` and
 * `anonymise`; until the next `gallra salts destroy` or `gallra retention`
 * when no gallra process runs) — as long as the pseudonyms it made stay
 * linkable — and nothing new is ever derived from it.
 */
import { resolve } from 'node:path';
import type { Duration } from '../time/duration.js';
import { epochOf, type EpochPeriod } from '../time/epoch.js';
import { destroyFile, removeStaleTemps } from './destroy.js';
import type { EpochSalt, Keyring, SaltFileInfo } from './keyring.js';
import { ensureSaltDir, listSaltFiles, loadOrCreateSalt, saltFileInfo, saltFileName } from './salt-files.js';
import { SaltTable } from './salt-table.js';

/** What prepare() returns when there is nothing to load: already resolved. */
const PREPARED: Promise<void> = Promise.resolve();
const noop = (): void => undefined;

/**
 * Options of {@link FileKeyring}.
 *
 * @example
 * const opts: FileKeyringOptions = { dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')! };
 */
export interface FileKeyringOptions {
  /** The salt directory; created 0700 if missing. Must not be shared with other data. */
  dir: string;
  /** Epoch length for new salts. */
  period: EpochPeriod;
  /** How long after an epoch's end late events still get its persisted salt. */
  grace: Duration;
  /** How far ahead of the clock an accepted event may be stamped: the retention gate's `max_future`. prepare() loads the epochs up to there. */
  future: Duration;
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

/**
 * Salt keyring on the local file system. Processes on one host that share
 * `dir` and `period` agree on every salt; use a directory on tmpfs or an
 * encrypted volume (see destroy.ts on why overwriting is best effort).
 *
 * The constructor does not touch the disk; `rotate()` at start-up validates
 * the directory and creates the current salt early.
 *
 * @example
 * const keyring = new FileKeyring({ dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')! });
 * await keyring.rotate();
 * await keyring.prepare(Date.now());                            // before each batch
 * const s = keyring.saltFor(Date.parse('2026-11-22T15:04:05Z')); // per line: memory only
 * // s.start === Date.UTC(2026, 10, 22); file /var/lib/gallra/salts/P1D-20261122T000000Z.salt
 * keyring.close();
 */
export class FileKeyring implements Keyring {
  /** Absolute salt directory. */
  readonly dir: string;
  readonly period: EpochPeriod;
  readonly grace: Duration;
  readonly future: Duration;
  readonly #now: () => number;
  readonly #table: SaltTable;
  /** The end of the last queued disk operation: prepare, rotate and destruction run one at a time. */
  #tail: Promise<void> = PREPARED;
  /** Bumped by close(): a load that was under way must not install its salt afterwards. */
  #generation = 0;

  constructor(options: FileKeyringOptions) {
    this.#table = new SaltTable(options);
    this.dir = resolve(options.dir);
    this.period = options.period;
    this.grace = options.grace;
    this.future = options.future;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads (creating, first writer wins) the salt of every epoch an event
   * accepted at `nowMs` can belong to; see {@link Keyring.prepare}. Resolves
   * at once, without I/O, when nothing changed since the last call.
   *
   * @example
   * await keyring.prepare(nowMs); gate.refresh(nowMs); for (const line of batch) …
   */
  prepare(nowMs: number): Promise<void> {
    if (!Number.isFinite(nowMs)) return Promise.reject(new RangeError(`prepare: now must be a time in ms, got ${String(nowMs)}`));
    this.#table.observe(nowMs);
    if (this.#table.isPrepared(nowMs)) return PREPARED;
    return this.#serial(() => this.#prepare(nowMs));
  }

  /**
   * The salt for the epoch containing `eventMs`, from memory; see
   * {@link Keyring.saltFor}. Throws RangeError when `eventMs` is not a valid
   * time, GALLRA_INTERNAL for an open epoch that was not prepared. An open
   * epoch whose start cannot be written as a file label (beyond year 9999)
   * gets an ephemeral salt, because a file for it could never be listed nor
   * destroyed.
   *
   * @example
   * const s = keyring.saltFor(Date.parse('2026-11-22T15:04:05Z'));
   * if (s.ephemeral) metrics.lateEvents.inc();
   */
  saltFor(eventMs: number): EpochSalt {
    return this.#table.lookup(eventMs, this.#now());
  }

  /**
   * Salt files in the directory, sorted by start then period; names that
   * are not salt files are ignored. Never reads salt bytes, never refuses on
   * permissions (so an operator can see what is wrong).
   *
   * @example
   * (await keyring.list()).filter((f) => f.state === 'closed').length
   */
  list(): Promise<SaltFileInfo[]> {
    return listSaltFiles(this.dir, this.grace, this.#now());
  }

  /**
   * Housekeeping: destroys closed salts and stale temp files, then makes
   * sure the current epoch's salt exists (validating the directory).
   * `created` is the current salt when this call created its file.
   *
   * @example
   * const { created, destroyed } = await keyring.rotate();
   */
  rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }> {
    return this.#serial(async () => {
      const destroyed = await this.#destroyClosed();
      const now = this.#now();
      this.#table.observe(now);
      const epoch = epochOf(now, this.period);
      let created: SaltFileInfo | undefined;
      if (this.#table.needs(epoch)) {
        const generation = this.#generation;
        await ensureSaltDir(this.dir);
        const name = saltFileName(this.period, epoch.start);
        const r = await loadOrCreateSalt(this.dir, name);
        if (generation === this.#generation) this.#table.install(epoch, r.bytes);
        else r.bytes.fill(0);
        if (r.created) created = await saltFileInfo(this.dir, name, this.grace, now);
      }
      return { created, destroyed };
    });
  }

  /**
   * Destroys every closed salt file (of any period, closed-ness judged by
   * the file's own period and this keyring's grace), wipes in-memory salts
   * of closed epochs, and removes temp files left by a crash.
   *
   * @example
   * for (const f of await keyring.destroyClosed()) audit.log('salt destroyed', f.period, f.start);
   */
  destroyClosed(): Promise<SaltFileInfo[]> {
    return this.#serial(() => this.#destroyClosed());
  }

  /**
   * Emergency: wipes every in-memory salt and destroys every salt file, open
   * or closed, and every temp file. The next prepare() creates new salts.
   *
   * @example
   * await keyring.destroyAll(); // e.g. after the salt directory may have been copied
   */
  destroyAll(): Promise<SaltFileInfo[]> {
    return this.#serial(async () => {
      this.#table.wipeAll();
      await removeStaleTemps(this.dir, true);
      const destroyed: SaltFileInfo[] = [];
      for (const info of await listSaltFiles(this.dir, this.grace, this.#now())) {
        if (await destroyFile(this.dir, info.path)) destroyed.push(info);
      }
      return destroyed;
    });
  }

  /**
   * Wipes all in-memory salts and the ephemeral secret. The keyring stays
   * usable (a later prepare() reloads from disk), but callers holding an
   * EpochSalt see `wiped`.
   *
   * @example
   * process.on('SIGTERM', () => { keyring.close(); process.exit(0); });
   */
  close(): void {
    this.#generation++;
    this.#table.wipeAll();
    // The secret goes too; a keyring used again after close() starts a new one.
    this.#table.renewSecret();
  }

  async #prepare(nowMs: number): Promise<void> {
    const generation = this.#generation;
    // Asked again at our turn: an earlier call in the queue may have loaded everything.
    const missing = this.#table.missing(nowMs);
    if (missing.length > 0) {
      await ensureSaltDir(this.dir);
      for (const epoch of missing) {
        const { bytes } = await loadOrCreateSalt(this.dir, saltFileName(this.period, epoch.start));
        if (generation !== this.#generation) {
          bytes.fill(0);
          return;
        }
        this.#table.install(epoch, bytes);
      }
    }
    if (generation === this.#generation) this.#table.markPrepared(nowMs);
  }

  async #destroyClosed(): Promise<SaltFileInfo[]> {
    const now = this.#now();
    // Memory first: if destroying a file fails, the bytes are gone from here anyway and the file is retried next time.
    this.#table.wipeClosed(now);
    await removeStaleTemps(this.dir, false);
    const destroyed: SaltFileInfo[] = [];
    for (const info of await listSaltFiles(this.dir, this.grace, now)) {
      if (info.state === 'closed' && (await destroyFile(this.dir, info.path))) destroyed.push(info);
    }
    return destroyed;
  }

  /** Runs `fn` after every disk operation queued before it, whatever their outcome. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.then(noop, noop);
    return run;
  }
}
