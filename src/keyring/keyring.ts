/**
 * The salt keyring: one secret salt per epoch, shared by every gallra
 * instance that must produce the same pseudonyms, destroyed once the epoch is
 * closed so that the pseudonyms of that epoch can no longer be linked to
 * anyone (DESIGN.md, "Pseudonyms under a rotating salt").
 *
 * This module holds only the contract; backends (the file keyring in
 * `file.ts`) implement it, and the pseudonymiser and the CLI are written
 * against it.
 */
import type { EpochPeriod } from '../time/epoch.js';

/**
 * The salt of one epoch, as handed to the pseudonymiser.
 *
 * Callers must treat it as a live secret: the keyring zero-fills `salt` in
 * place when the epoch closes (or on `destroyAll()` / `close()`), and then
 * sets `wiped`. Anything derived from the salt (an HMAC key, a keyed hash
 * state) must be dropped when `wiped` is true, and a fresh `EpochSalt` asked
 * for with `saltFor()`. The bytes of an `EpochSalt` are never replaced by
 * other bytes: a salt object only ever goes from live to wiped, so caching
 * derived keys per object and checking `wiped` is enough.
 *
 * It never shows its bytes: `JSON.stringify`, `util.inspect`, `console.log`
 * and `String()` all render it without `salt`.
 *
 * @example
 * const cache = new WeakMap<EpochSalt, Hmac>();
 * const s = keyring.saltFor(eventMs);
 * let key = cache.get(s);
 * if (key === undefined || s.wiped) { key = deriveKey(s.salt); cache.set(s, key); }
 */
export interface EpochSalt {
  readonly period: EpochPeriod;
  /** Epoch start, ms since the Unix epoch, UTC. */
  readonly start: number;
  /** Epoch end, exclusive. */
  readonly end: number;
  /** `end + grace`: from this instant on the epoch is closed and its salt destroyed. */
  readonly closesAt: number;
  /** True for a salt made for an already-closed epoch: random, held in memory only, never persisted. */
  readonly ephemeral: boolean;
  /**
   * 32 bytes. Zero-filled in place when the epoch closes. Never logged: the
   * object's toJSON and util.inspect.custom hide it.
   */
  readonly salt: Uint8Array;
  /**
   * True once `salt` has been zero-filled (epoch closed, destroyAll, close,
   * or eviction of an old ephemeral salt). Never goes back to false. A caller
   * that caches a key derived from this object must drop it when this is set.
   */
  readonly wiped: boolean;
}

/**
 * A salt file as seen by `list()`: where it is and which epoch it serves,
 * never its bytes.
 *
 * @example
 * for (const f of keyring.list()) console.log(f.period, new Date(f.start).toISOString(), f.state, f.mode.toString(8));
 */
export interface SaltFileInfo {
  /** The file's own period (from its name), which may differ from the keyring's if the config changed. */
  period: EpochPeriod;
  start: number;
  end: number;
  /** `end + grace`, with the grace of the keyring that listed it. */
  closesAt: number;
  state: 'open' | 'closed';
  /** Absolute path of the salt file. */
  path: string;
  /** Permission bits (`mode & 0o777`), e.g. `0o600`. */
  mode: number;
}

/**
 * Where salts live and how they are created, shared and destroyed.
 *
 * @example
 * const keyring: Keyring = new FileKeyring({ dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')! });
 * keyring.rotate();                        // at start-up: validates the directory, creates today's salt
 * const s = keyring.saltFor(event.timeMs); // per event
 * keyring.close();                         // on shutdown: wipes every in-memory salt
 */
export interface Keyring {
  /**
   * Makes every salt an event accepted at `nowMs` can need resident, so that
   * saltFor() does no I/O on the per-line path.
   */
  prepare(nowMs: number): Promise<void>;
  /**
   * The salt for the epoch containing event time `eventMs`. Creates and
   * persists it on first need while the epoch is open; for a closed epoch
   * returns an ephemeral salt that is random, held in memory only, and the
   * same for every call in this process (so pseudonyms are consistent within
   * one run and linkable to nothing else).
   */
  saltFor(eventMs: number): EpochSalt;
  /** Files in the directory, no salt bytes. */
  list(): SaltFileInfo[];
  /** Ensure the current epoch's salt exists, destroy closed ones. Returns what was created (undefined when it already existed) and destroyed. */
  rotate(): { created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] };
  /** Destroy (overwrite with random bytes, fsync, unlink, fsync dir) every salt file whose epoch is closed, and wipe any in-memory copy. */
  destroyClosed(): SaltFileInfo[];
  /** Emergency: destroy every salt file, open or closed, and wipe memory. */
  destroyAll(): SaltFileInfo[];
  /** Wipe all in-memory salts (on shutdown). */
  close(): void;
}
