/**
 * The retention window: the one definition of "at most six calendar months"
 * that every part of gallra enforces — the ingest gate here, and every store
 * that gallra writes (day files, checkpoints, the aggregate store with its
 * own `aggregates.retention`), through the sweeper. Calendar months in UTC:
 * on 31 August the window starts on 28/29 February, as `subtractDuration`
 * defines.
 *
 * One boundary rule everywhere: something stamped at `t` is kept while
 * `t >= retentionCutoff(now)` — exactly at the cutoff is inside, a
 * millisecond before it is outside ({@link isExpiredAt}).
 */
import { type Duration, fitsWithin, mustParseDuration, subtractDuration, addDuration } from '../time/duration.js';

/** The longest window any config may ask for: the privacy promise. */
export const MAX_RETENTION: Duration = mustParseDuration('P6M');

export interface RetentionWindow {
  /** How long events are kept, at most {@link MAX_RETENTION}. */
  readonly keep: Duration;
  /**
   * Events stamped further in the future than this are dropped too: a store
   * that ages data by event time would otherwise keep them past the window.
   */
  readonly maxFuture: Duration;
}

/** Verdict of the gate, as small integers for the hot path. */
export const WINDOW_INSIDE = 0;
export const WINDOW_EXPIRED = 1;
export const WINDOW_FUTURE = 2;
export type WindowVerdict = typeof WINDOW_INSIDE | typeof WINDOW_EXPIRED | typeof WINDOW_FUTURE;

/**
 * True when `keep` never exceeds six calendar months on any date.
 *
 * @example
 * isAllowedRetention(parseDuration('P90D')!) // true
 * isAllowedRetention(parseDuration('P1Y')!)  // false
 */
export function isAllowedRetention(keep: Duration): boolean {
  return fitsWithin(keep, MAX_RETENTION);
}

/**
 * The oldest instant still inside the window at `nowMs`; anything stamped
 * before it must not be kept.
 *
 * @example
 * retentionCutoff(Date.UTC(2026, 7, 31), window) // Date.UTC(2026, 1, 28)
 */
export function retentionCutoff(nowMs: number, window: Pick<RetentionWindow, 'keep'>): number {
  return subtractDuration(nowMs, window.keep);
}

/**
 * Whether something stamped `eventMs` is outside the window whose cutoff is
 * `cutoffMs`: the gate, the sweeper and `gallra status` all decide with this.
 * NaN (no time) counts as outside: what cannot be placed in time cannot be
 * shown to be inside the window.
 *
 * @example
 * isExpiredAt(cutoff - 1, cutoff) // true
 * isExpiredAt(cutoff, cutoff)     // false
 */
export function isExpiredAt(eventMs: number, cutoffMs: number): boolean {
  return !(eventMs >= cutoffMs);
}

export const DAY_MS = 86_400_000;

/** Where a UTC day lies against a cutoff. */
export type DayVerdict = 'expired' | 'straddles' | 'inside';

/**
 * Where the UTC day starting at `dayStartMs` lies against `cutoffMs`: wholly
 * before it (`expired`: everything stamped that day is outside), across it
 * (`straddles`: the day's first part is outside, the rest inside), or from
 * it on (`inside`).
 *
 * @example
 * dayVerdict(Date.UTC(2026, 1, 28), Date.UTC(2026, 1, 28, 12)) // 'straddles'
 * dayVerdict(Date.UTC(2026, 1, 28), Date.UTC(2026, 1, 28))     // 'inside'
 */
export function dayVerdict(dayStartMs: number, cutoffMs: number): DayVerdict {
  if (dayStartMs + DAY_MS <= cutoffMs) return 'expired';
  return dayStartMs < cutoffMs ? 'straddles' : 'inside';
}

/**
 * Classifies event times against the window. The cutoff is recomputed only
 * when the clock has moved by a second or more, because the check runs per
 * event and the calendar arithmetic allocates a Date.
 *
 * @example
 * const gate = new RetentionGate(window, Date.now);
 * if (gate.verdict(eventMs) !== WINDOW_INSIDE) drop();
 */
export class RetentionGate {
  private cutoff = 0;
  private latest = 0;
  private computedAt = -Infinity;

  constructor(
    readonly window: RetentionWindow,
    private readonly now: () => number,
  ) {}

  /** Refreshes the bounds from the clock; call once per batch, not per event. */
  refresh(nowMs: number = this.now()): void {
    if (Math.abs(nowMs - this.computedAt) < 1000) return;
    this.computedAt = nowMs;
    this.cutoff = subtractDuration(nowMs, this.window.keep);
    this.latest = addDuration(nowMs, this.window.maxFuture);
  }

  /** Where `eventMs` falls; the caller has called {@link refresh} for this batch. */
  verdict(eventMs: number): WindowVerdict {
    // isExpiredAt, inlined for the per-event path (NaN goes to the caller's no_timestamp count first).
    if (eventMs < this.cutoff) return WINDOW_EXPIRED;
    if (eventMs > this.latest) return WINDOW_FUTURE;
    return WINDOW_INSIDE;
  }
}
