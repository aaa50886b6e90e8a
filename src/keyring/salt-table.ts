/**
 * The in-memory half of a keyring, shared by every backend (files today, a
 * Kafka topic next): which epochs are open, closed or not yet loaded, the
 * salts loaded for open epochs, the throw-away salts of closed ones, and the
 * per-line lookup. Nothing here does I/O: a backend asks {@link missing}
 * which salts to load before a batch, loads them however it stores them and
 * hands them to {@link install}; housekeeping tells the table to
 * {@link wipeClosed} before it destroys what is stored.
 *
 * Closed is for good: the table remembers the latest time it has seen
 * (`closedThrough`), so an epoch it once judged closed stays closed when the
 * clock steps back — its salt may already be destroyed, and loading it again
 * would create a second salt for the same epoch.
 */
import { type Duration, addDuration, subtractDuration } from '../time/duration.js';
import { closesAt, type EpochBounds, epochLabel, epochOf, type EpochPeriod, isEpochPeriod, parseEpochLabel } from '../time/epoch.js';
import { unpreparedEpochError } from './errors.js';
import type { EpochSalt } from './keyring.js';
import { derivedSalt, freshSalt, SaltHandle } from './salt-handle.js';

/** Bound on remembered ephemeral salts, so a replay of years of logs cannot grow memory without limit. */
export const EPHEMERAL_CAP = 1000;

/**
 * How far beyond `now + future` prepare() loads. The retention gate refreshes
 * its bounds only when the clock has moved a second or more, and a batch may
 * read the clock a little after prepare() did; this margin makes every event
 * the gate accepts find its epoch prepared. The cost is that the next
 * epoch's salt is created up to a minute earlier than strictly needed, which
 * links nothing.
 */
export const HORIZON_SLACK_MS = 60_000;

/**
 * Options of {@link SaltTable}.
 *
 * @example
 * const opts: SaltTableOptions = { period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')! };
 */
export interface SaltTableOptions {
  readonly period: EpochPeriod;
  /** How long after an epoch's end its persisted salt still serves late events. */
  readonly grace: Duration;
  /** How far ahead of the clock an accepted event may be stamped (the retention gate's max_future). */
  readonly future: Duration;
  /** 32 secret bytes that ephemeral salts derive from; copied. Default: fresh random bytes. */
  readonly ephemeralSecret?: Uint8Array;
}

/**
 * @example
 * const table = new SaltTable({ period: 'P1D', grace, future });
 * for (const epoch of table.missing(now)) table.install(epoch, await load(epoch));
 * table.markPrepared(now);
 * table.lookup(eventMs, Date.now()); // per line, memory only
 */
export class SaltTable {
  readonly period: EpochPeriod;
  readonly grace: Duration;
  readonly future: Duration;
  /** Persisted salts of open epochs, by epoch start: what lookup() hands out. */
  readonly #open = new Map<number, SaltHandle>();
  /** Persisted salts whose epoch has closed: never handed out again, wiped by the next wipeClosed(). */
  readonly #retired = new Map<number, SaltHandle>();
  /**
   * Ephemeral salts of closed epochs, by epoch start, in creation order. When
   * more than EPHEMERAL_CAP are held the oldest-created is wiped and dropped;
   * a later event of that epoch gets a new handle with the same derived bytes.
   */
  readonly #ephemeral = new Map<number, SaltHandle>();
  /** Fast path: the salt returned last. */
  #last: SaltHandle | undefined;
  /** Earliest closesAt in #open; while the clock is before it nothing in #open has closed. */
  #nextClose = Infinity;
  /** The latest time seen: every epoch with closesAt at or before it is closed for good. */
  #closedThrough = -Infinity;
  /** Every open epoch starting before this is loaded: prepare() at a time whose horizon is below it has nothing to do. */
  #preparedBefore = -Infinity;
  #ephemeralSecret: Uint8Array;

  constructor(options: SaltTableOptions) {
    if (!isEpochPeriod(options.period)) throw new RangeError(`keyring: unsupported epoch period ${String(options.period)}`);
    // A grace that is not a Duration would make every close time NaN: nothing
    // would ever count as open, and every call would take the slow path.
    if (!Number.isFinite(closesAt(epochOf(0, options.period), options.grace))) throw new RangeError('keyring: grace must be a Duration (parseDuration)');
    if (!Number.isFinite(addDuration(0, options.future))) throw new RangeError('keyring: future must be a Duration (parseDuration)');
    this.period = options.period;
    this.grace = options.grace;
    this.future = options.future;
    this.#ephemeralSecret = options.ephemeralSecret !== undefined ? Uint8Array.from(options.ephemeralSecret) : freshSalt();
  }

  /**
   * The salt for an event at `eventMs` when the clock reads `now`; memory
   * only. Closed epoch (or one whose start cannot be named, beyond year
   * 9999) → its ephemeral salt; open and loaded → its salt; open and not
   * loaded → GALLRA_INTERNAL. RangeError when `eventMs` is not a time.
   */
  lookup(eventMs: number, now: number): EpochSalt {
    const last = this.#last;
    // Per-line hot path: same epoch as last time and nothing in #open has closed.
    if (last !== undefined && eventMs >= last.start && eventMs < last.end && now < this.#nextClose) return last;
    return this.#lookupSlow(eventMs, now);
  }

  /**
   * Records that the clock has reached `now`: epochs closed by then are
   * closed for good, and their loaded salts are retired (no longer handed
   * out; wiped by the next {@link wipeClosed}).
   */
  observe(now: number): void {
    if (now > this.#closedThrough) this.#closedThrough = now;
    if (now >= this.#nextClose) this.#retire(now);
  }

  /** True when everything a batch at `nowMs` can need is loaded: prepare() has no I/O to do. */
  isPrepared(nowMs: number): boolean {
    return this.#horizon(nowMs) < this.#preparedBefore;
  }

  /**
   * Epochs that can still be open for an event accepted at `nowMs` (closesAt
   * after `nowMs`, start at most `nowMs + future` plus {@link HORIZON_SLACK_MS})
   * and are not loaded, oldest first. Skips epochs already closed for good
   * and those that cannot be named (beyond year 9999: ephemeral).
   */
  missing(nowMs: number): EpochBounds[] {
    this.observe(nowMs);
    const horizon = this.#horizon(nowMs);
    const out: EpochBounds[] = [];
    for (let e = epochOf(subtractDuration(nowMs, this.grace), this.period); e.start <= horizon; e = epochOf(e.end, this.period)) {
      if (this.needs(e)) out.push(e);
    }
    return out;
  }

  /** True when `epoch` is open, can be named and has no salt loaded. */
  needs(epoch: EpochBounds): boolean {
    return !this.#open.has(epoch.start) && closesAt(epoch, this.grace) > this.#closedThrough && labelRoundTrips(epoch.start);
  }

  /**
   * Takes the loaded salt of an open epoch (the array is owned by the table
   * from now on). False, with `bytes` zero-filled, when the epoch closed
   * meanwhile or already has a salt.
   */
  install(epoch: EpochBounds, bytes: Uint8Array): boolean {
    if (!this.needs(epoch)) {
      bytes.fill(0);
      return false;
    }
    const closeAt = closesAt(epoch, this.grace);
    this.#open.set(epoch.start, new SaltHandle(this.period, epoch, closeAt, false, bytes));
    this.#nextClose = Math.min(this.#nextClose, closeAt);
    return true;
  }

  /** Records that every salt {@link missing}(`nowMs`) listed has been installed. */
  markPrepared(nowMs: number): void {
    this.#preparedBefore = Math.max(this.#preparedBefore, epochOf(this.#horizon(nowMs), this.period).end);
  }

  /** Retires (as {@link observe}) and then wipes and forgets every loaded salt whose epoch is closed at `now`. */
  wipeClosed(now: number): void {
    this.observe(now);
    for (const handle of this.#retired.values()) handle.wipe();
    this.#retired.clear();
  }

  /** Wipes and forgets every salt, loaded or ephemeral; the next batch must be prepared again. */
  wipeAll(): void {
    for (const map of [this.#open, this.#retired, this.#ephemeral]) {
      for (const handle of map.values()) handle.wipe();
      map.clear();
    }
    this.#last = undefined;
    this.#nextClose = Infinity;
    this.#preparedBefore = -Infinity;
  }

  /** Zero-fills the ephemeral secret and starts a new one (on close). */
  renewSecret(): void {
    this.#ephemeralSecret.fill(0);
    this.#ephemeralSecret = freshSalt();
  }

  #horizon(nowMs: number): number {
    return addDuration(nowMs, this.future) + HORIZON_SLACK_MS;
  }

  #lookupSlow(eventMs: number, now: number): SaltHandle {
    if (!(Math.abs(eventMs) <= 8.64e15)) throw new RangeError(`saltFor: event time must be a valid time in ms, got ${String(eventMs)}`);
    this.observe(now);
    const epoch = epochOf(eventMs, this.period);
    const closeAt = closesAt(epoch, this.grace);
    let handle: SaltHandle | undefined;
    if (closeAt <= this.#closedThrough || !labelRoundTrips(epoch.start)) {
      handle = this.#ephemeralFor(epoch, closeAt);
    } else {
      handle = this.#open.get(epoch.start);
      if (handle === undefined) throw unpreparedEpochError(`${this.period}-${epochLabel(epoch.start)}`);
    }
    this.#last = handle;
    return handle;
  }

  #ephemeralFor(epoch: EpochBounds, closeAt: number): SaltHandle {
    const existing = this.#ephemeral.get(epoch.start);
    if (existing !== undefined) return existing;
    // Never the persisted salt, even while its file still exists: that would link these events to the old pseudonyms.
    const handle = new SaltHandle(this.period, epoch, closeAt, true, derivedSalt(this.#ephemeralSecret, `${this.period}-${epoch.start}`));
    this.#ephemeral.set(epoch.start, handle);
    if (this.#ephemeral.size > EPHEMERAL_CAP) {
      const [oldestKey, oldest] = this.#ephemeral.entries().next().value as [number, SaltHandle];
      oldest.wipe();
      this.#ephemeral.delete(oldestKey);
    }
    return handle;
  }

  #retire(now: number): void {
    this.#nextClose = Infinity;
    for (const [start, handle] of this.#open) {
      if (now < handle.closesAt) {
        this.#nextClose = Math.min(this.#nextClose, handle.closesAt);
        continue;
      }
      this.#open.delete(start);
      this.#retired.set(start, handle);
      if (this.#last === handle) this.#last = undefined;
    }
  }
}

/** True when a salt named after `start` can be parsed back, so it can be found and destroyed later. */
function labelRoundTrips(start: number): boolean {
  try {
    return parseEpochLabel(epochLabel(start)) === start;
  } catch {
    return false;
  }
}
