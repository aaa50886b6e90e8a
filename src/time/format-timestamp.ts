/**
 * Writes a time back in the forms web servers log it, in UTC — for events
 * stamped with their arrival time (`input.missing_timestamp: arrival`),
 * whose line must still read as a line of its format (GoAccess skips a
 * line whose `[$time_local]` is not a time).
 */
import { MONTH_NAMES } from './months.js';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * nginx `$time_local` / Apache `%t` (without brackets), in UTC.
 *
 * @example
 * formatClfTime(Date.UTC(2026, 10, 22, 10, 0, 5)) // '22/Nov/2026:10:00:05 +0000'
 */
export function formatClfTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}/${MONTH_NAMES[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

/**
 * nginx `$time_iso8601`, in UTC.
 *
 * @example
 * formatIsoTime(Date.UTC(2026, 10, 22, 10, 0, 5)) // '2026-11-22T10:00:05+00:00'
 */
export function formatIsoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/**
 * nginx `$msec`: seconds since the epoch with milliseconds.
 *
 * @example
 * formatMsec(1763805605123) // '1763805605.123'
 */
export function formatMsec(ms: number): string {
  return (ms / 1000).toFixed(3);
}
