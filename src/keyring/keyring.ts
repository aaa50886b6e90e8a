/**
 * The salt keyring: one secret salt per epoch, shared by every gallra
 * instance that must produce the same pseudonyms, destroyed once the epoch is
 * closed so that the pseudonyms of that epoch can no longer be linked to
 * anyone (DESIGN.md, "Pseudonyms under a rotating salt").
 *
 * This module holds only the contract; backends (the file keyring in
 * `file.ts`; a Kafka-backed one to come) implement it, and the pseudonymiser,
 * the pipeline and the CLI are written against it. Nothing in it assumes
 * files: "stored" means wherever a backend keeps salts.
 *
 * Off the hot path: the per-line lookup (`saltFor`) reads memory only; all
 * I/O happens in `prepare` (before a batch) and in housekeeping.
 */
import type { EpochPeriod } from '../time/epoch.js';

/**
 * The salt of one epoch, as handed to the pseudonymiser.
 *
 * Callers must treat it as a live secret: the keyring zero-fills `salt` in
 * place when housekeeping destroys the salt of its closed epoch
 * (`destroyClosed()` / `rotate()`), on `destroyAll()` / `close()`, and when
 * an old ephemeral salt is evicted, and then sets `wiped`. (From the moment
 * the epoch closes until then, `saltFor()` no longer hands it out.) Anything
 * derived from the salt (an HMAC key, a keyed hash state) must be dropped
 * when `wiped` is true, and a fresh `EpochSalt` asked
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
  /** `end + grace`: from this instant on the epoch is closed: its salt is no longer handed out, and housekeeping destroys it. */
  readonly closesAt: number;
  /** True for a salt made for an already-closed epoch: random, held in memory only, never persisted. */
  readonly ephemeral: boolean;
  /**
   * 32 bytes. Zero-filled in place when the epoch closes. Never logged: the
   * object's toJSON and util.inspect.custom hide it.
   */
  readonly salt: Uint8Array;
  /**
   * True once `salt` has been zero-filled (destroyed by housekeeping,
   * destroyAll, close, or eviction of an old ephemeral salt). Never goes back to false. A caller
   * that caches a key derived from this object must drop it when this is set.
   */
  readonly wiped: boolean;
}

/**
 * A stored salt as seen by `list()`: where it is and which epoch it serves,
 * never its bytes. (Named after the file backend; every backend reports its
 * salts this way.)
 *
 * @example
 * for (const f of await keyring.list()) console.log(f.period, new Date(f.start).toISOString(), f.state, f.mode?.toString(8));
 */
export interface SaltFileInfo {
  /** The file's own period (from its name), which may differ from the keyring's if the config changed. */
  period: EpochPeriod;
  start: number;
  end: number;
  /** `end + grace`, with the grace of the keyring that listed it. */
  closesAt: number;
  state: 'open' | 'closed';
  /** Where the salt is stored: for the file backend, the absolute path of the salt file. */
  path: string;
  /** Permission bits (`mode & 0o777`), e.g. `0o600`, where the store has them (files); undefined otherwise. */
  mode?: number;
}

/**
 * Where salts live and how they are created, shared and destroyed.
 *
 * @example
 * const keyring: Keyring = new FileKeyring({ dir: '/var/lib/gallra/salts', period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')! });
 * await keyring.rotate();                  // at start-up: validates the store, creates today's salt
 * await keyring.prepare(nowMs);            // before each batch, with the retention gate's now
 * const s = keyring.saltFor(event.timeMs); // per event: memory only
 * keyring.close();                         // on shutdown: wipes every in-memory salt
 */
export interface Keyring {
  /**
   * Loads — creating, first writer wins — the salt of every epoch that can
   * still be open for an event the pipeline accepts at `nowMs`: epochs with
   * `end + grace > nowMs` and `start <= nowMs + future` (future: the
   * retention gate's max_future, a constructor option; backends may load a
   * little further ahead, see HORIZON_SLACK_MS). Async I/O only. Cheap when
   * nothing changed since the last call: no I/O, an already-resolved
   * promise. Called by the pipeline before each batch with the same `nowMs`
   * its retention gate uses. Starts nothing in the background; concurrent
   * calls are safe (they queue).
   */
  prepare(nowMs: number): Promise<void>;
  /**
   * The salt for the epoch containing event time `eventMs`. Memory only:
   * never I/O, never destroys anything.
   * - Closed epoch (`closesAt` reached, by the keyring's clock or any time it
   *   has seen before): the ephemeral salt — random or derived from the
   *   ephemeral secret, never persisted, the same for every call in this run
   *   (so pseudonyms are consistent within one run and linkable to nothing
   *   else). This holds also while the epoch's stored salt still awaits
   *   housekeeping: that salt is never handed out again.
   * - Open and prepared: its salt.
   * - Open but not prepared: throws GallraError GALLRA_INTERNAL (a bug in
   *   the caller, which must `await prepare(now)` before the batch).
   */
  saltFor(eventMs: number): EpochSalt;
  /** Stored salts, no salt bytes. */
  list(): Promise<SaltFileInfo[]>;
  /** Housekeeping at start-up and from timers: destroy closed salts, then ensure the current epoch's salt exists. Returns what was created (undefined when it already existed) and destroyed. */
  rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }>;
  /** Destroy every stored salt whose epoch is closed (for files: overwrite with random bytes, fsync, unlink, fsync dir), and wipe any in-memory copy. */
  destroyClosed(): Promise<SaltFileInfo[]>;
  /** Emergency: destroy every stored salt, open or closed, and wipe memory; the next prepare() creates new ones. */
  destroyAll(): Promise<SaltFileInfo[]>;
  /** Wipe all in-memory salts (on shutdown). */
  close(): void;
}
