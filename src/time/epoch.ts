/**
 * Salt epochs: UTC-aligned time slices, each with its own salt. The epoch of
 * an event comes from the event's own timestamp, so replaying a log gives the
 * same pseudonyms for as long as the epoch's salt lives.
 */
import { addDuration, type Duration } from './duration.js';

/** Epoch lengths gallra supports; each aligns to a UTC boundary. */
export const EPOCH_PERIODS = ['PT1H', 'PT6H', 'PT12H', 'P1D', 'P7D', 'P1M'] as const;
export type EpochPeriod = (typeof EPOCH_PERIODS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 1970-01-01 was a Thursday; ISO weeks start on Monday, 3 days earlier.
const MONDAY_OFFSET = -3 * DAY;

export interface EpochBounds {
  /** Inclusive start, ms since the Unix epoch (UTC). */
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
}

/**
 * True when `text` names a supported epoch period.
 *
 * @example
 * isEpochPeriod('P1D') // true
 */
export function isEpochPeriod(text: string): text is EpochPeriod {
  return (EPOCH_PERIODS as readonly string[]).includes(text);
}

/**
 * The epoch that contains instant `ms`.
 *
 * @example
 * epochOf(Date.UTC(2026, 10, 22, 15), 'P1D') // { start: 2026-11-22T00Z, end: 2026-11-23T00Z }
 */
export function epochOf(ms: number, period: EpochPeriod): EpochBounds {
  switch (period) {
    case 'PT1H':
    case 'PT6H':
    case 'PT12H':
    case 'P1D': {
      const len = period === 'P1D' ? DAY : Number(period.slice(2, -1)) * HOUR;
      const start = Math.floor(ms / len) * len;
      return { start, end: start + len };
    }
    case 'P7D': {
      const start = Math.floor((ms - MONDAY_OFFSET) / (7 * DAY)) * 7 * DAY + MONDAY_OFFSET;
      return { start, end: start + 7 * DAY };
    }
    case 'P1M': {
      const t = new Date(ms);
      const start = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
      return { start, end: Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1) };
    }
  }
}

/**
 * The instant an epoch closes for good: its end plus the grace period for
 * late events. After this its salt is destroyed.
 *
 * @example
 * closesAt(epochOf(now, 'P1D'), parseDuration('PT1H')!)
 */
export function closesAt(epoch: EpochBounds, grace: Duration): number {
  return addDuration(epoch.end, grace);
}

/**
 * A compact, sortable, file-name-safe label for an epoch start:
 * `20261122T000000Z`.
 *
 * @example
 * epochLabel(Date.UTC(2026, 10, 22)) // '20261122T000000Z'
 */
export function epochLabel(start: number): string {
  return new Date(start).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Inverse of {@link epochLabel}; undefined when `label` is not one.
 *
 * @example
 * parseEpochLabel('20261122T000000Z') // Date.UTC(2026, 10, 22)
 */
export function parseEpochLabel(label: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(label);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Date.UTC rolls month 13 or 31 Feb over and maps years 0–99 to 19xx: only a label that prints back as itself is one.
  return Number.isFinite(ms) && epochLabel(ms) === label ? ms : undefined;
}
