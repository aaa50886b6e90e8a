/**
 * Timestamp parsers for the forms web servers and applications write. Each
 * returns milliseconds since the Unix epoch (UTC) or NaN. They never consult
 * the host's time zone: a log is anonymised the same way on every machine.
 */
import { MONTH_CODES, packMonth } from './months.js';
import { ZERO } from '../util/ascii.js';

function monthAt(s: string, i: number): number | undefined {
  const m = MONTH_CODES.indexOf(packMonth(s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)));
  return m < 0 ? undefined : m;
}

/** Value of the `n` ASCII digits at `s[i..]`, or -1 if any is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

// Days in each month of a common year; February gets one more in leap years.
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 1 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : MONTH_DAYS[mo]!;
}

// The day is checked against its month: Date.UTC would silently roll 31 Feb over into March.
function validDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 0 && mo < 12 && d >= 1 && d <= daysInMonth(y, mo) && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s <= 60 && y >= 1970 && y < 10000;
}

/**
 * Parses the Common Log Format time `dd/Mon/yyyy:HH:MM:SS ±hhmm` (nginx
 * `$time_local`, Apache `%t` without brackets). Hand-rolled with charCodeAt
 * because it runs for every line whose second differs from the previous one.
 *
 * @example
 * parseClfTime('10/Oct/2000:13:55:36 -0700') // Date.UTC(2000, 9, 10, 20, 55, 36)
 */
export function parseClfTime(s: string): number {
  // 26 chars exactly: 10/Oct/2000:13:55:36 -0700
  if (s.length !== 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58 || s.charCodeAt(14) !== 58 || s.charCodeAt(17) !== 58 || s.charCodeAt(20) !== 32) return NaN;
  const day = digits(s, 0, 2);
  const mon = monthAt(s, 3);
  const year = digits(s, 7, 4);
  const hh = digits(s, 12, 2);
  const mm = digits(s, 15, 2);
  const ss = digits(s, 18, 2);
  const sign = s.charCodeAt(21);
  const oh = digits(s, 22, 2);
  const om = digits(s, 24, 2);
  if (mon === undefined || day < 0 || year < 0 || hh < 0 || mm < 0 || ss < 0 || oh < 0 || om < 0 || oh > 23 || om > 59) return NaN;
  if ((sign !== 43 && sign !== 45) || !validDate(year, mon, day, hh, mm, ss)) return NaN;
  const offset = (oh * 60 + om) * 60_000;
  const utc = Date.UTC(year, mon, day, hh, mm, ss);
  return sign === 43 ? utc - offset : utc + offset;
}

/**
 * A CLF time parser with memory, reading `src[s..e)` in place: consecutive
 * log lines share their date, so when the date and zone match the previous
 * line's the result is that day's base plus the new time of day — sixteen
 * compares and three digit pairs instead of a slice and a full parse.
 *
 * @example
 * const parse = createClfTimeParser();
 * parse(line, 1, 27); // '[' + 26 characters + ']'
 */
export function createClfTimeParser(): (src: string, s: number, e: number) => number {
  const prevDate = new Uint16Array(11); // dd/Mon/yyyy
  const prevZone = new Uint16Array(5); // +hhmm
  let dayBase = NaN; // the UTC instant of 00:00:00 on that date in that zone
  return (src: string, s: number, e: number): number => {
    if (e - s !== 26 || src.charCodeAt(s + 11) !== 58 || src.charCodeAt(s + 14) !== 58 || src.charCodeAt(s + 17) !== 58 || src.charCodeAt(s + 20) !== 32) return NaN;
    const hh = digits(src, s + 12, 2);
    const mm = digits(src, s + 15, 2);
    const ss = digits(src, s + 18, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
    const timeOfDay = ((hh * 60 + mm) * 60 + ss) * 1000;
    let same = !Number.isNaN(dayBase);
    for (let i = 0; same && i < 11; i++) same = src.charCodeAt(s + i) === prevDate[i];
    for (let i = 0; same && i < 5; i++) same = src.charCodeAt(s + 21 + i) === prevZone[i];
    if (same) return dayBase + timeOfDay;
    const ms = parseClfTime(src.slice(s, e));
    if (Number.isNaN(ms)) return NaN;
    dayBase = ms - timeOfDay;
    for (let i = 0; i < 11; i++) prevDate[i] = src.charCodeAt(s + i);
    for (let i = 0; i < 5; i++) prevZone[i] = src.charCodeAt(s + 21 + i);
    return ms;
  };
}

// 2026-11-22T10:11:12(.123456)?(Z|±hh(:?mm)?)? — also with a space instead of T.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses ISO 8601 / RFC 3339 date-times (nginx `$time_iso8601`, most JSON
 * loggers). A time without an offset is taken as UTC, never as host local time.
 *
 * @example
 * parseIsoTime('2026-11-22T10:11:12+01:00') // Date.UTC(2026, 10, 22, 9, 11, 12)
 */
export function parseIsoTime(s: string): number {
  const m = ISO_RE.exec(s);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const mon = Number(m[2]) - 1;
  const day = Number(m[3]);
  const hh = Number(m[4]);
  const mm = Number(m[5]);
  const ss = m[6] === undefined ? 0 : Number(m[6]);
  if (!validDate(year, mon, day, hh, mm, ss)) return NaN;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let ms = Date.UTC(year, mon, day, hh, mm, ss, frac);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.charCodeAt(0) === 43 ? 1 : -1;
    const zh = Number(zone.slice(1, 3));
    const zm = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    if (zh > 23 || zm > 59) return NaN;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

// Plausible epoch ranges (2001-09-09 .. 2286-11-20 in seconds) decide the unit
// of a bare number: seconds, milliseconds, microseconds or nanoseconds.
const SEC_MIN = 1e9;
const SEC_MAX = 1e10;

/**
 * Interprets a number as a Unix time in s, ms, µs or ns by its magnitude
 * (nginx `$msec` is seconds with a fraction; JavaScript loggers write ms).
 *
 * @example
 * epochToMs(1763800000)      // 1763800000000
 * epochToMs(1763800000123)   // 1763800000123
 */
export function epochToMs(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return NaN;
  if (n >= SEC_MIN && n < SEC_MAX) return Math.floor(n * 1000);
  if (n >= SEC_MIN * 1e3 && n < SEC_MAX * 1e3) return Math.floor(n);
  if (n >= SEC_MIN * 1e6 && n < SEC_MAX * 1e6) return Math.floor(n / 1e3);
  if (n >= SEC_MIN * 1e9 && n < SEC_MAX * 1e9) return Math.floor(n / 1e6);
  return NaN;
}

const EPOCH_TEXT_RE = /^\d{9,19}(?:\.\d{1,9})?$/;

/**
 * Parses any timestamp value found in a JSON log: ISO 8601 text, CLF text
 * (with or without brackets), or a Unix time as number or digit string.
 *
 * @example
 * parseAnyTimestamp('2026-11-22T10:11:12Z')
 * parseAnyTimestamp('[22/Nov/2026:10:11:12 +0000]')
 * parseAnyTimestamp(1763806272)
 */
export function parseAnyTimestamp(value: unknown): number {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string') return NaN;
  let s = value.trim();
  if (s.length === 0) return NaN;
  const c = s.charCodeAt(0);
  if (c === 91 /* [ */ && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  if (s.length === 26 && s.charCodeAt(2) === 47) return parseClfTime(s);
  if (EPOCH_TEXT_RE.test(s)) return epochToMs(Number(s));
  return parseIsoTime(s);
}

const d2 = (v: string, i: number): number => {
  const a = v.charCodeAt(i) - 48;
  const b = v.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * Whether `v[s..e)` is a time {@link parseAnyTimestamp} reads. The shape
 * load balancers and CDNs write, `YYYY-MM-DDTHH:MM:SS[.f]Z` (1–9 fraction
 * digits), is checked in place without slicing or a regular expression —
 * the same dates {@link parseIsoTime} accepts; any other text goes through
 * parseAnyTimestamp.
 *
 * @example
 * isTimestampAt('x 2026-11-22T10:11:12.5Z', 2, 24) // true
 */
export function isTimestampAt(v: string, s: number, e: number): boolean {
  const n = e - s;
  if (n >= 20 && n <= 30 && v.charCodeAt(s + 4) === 45 && v.charCodeAt(s + 7) === 45 && v.charCodeAt(s + 10) === 84 && v.charCodeAt(s + 13) === 58 && v.charCodeAt(s + 16) === 58 && v.charCodeAt(e - 1) === 90) {
    let frac = n === 20;
    if (!frac && v.charCodeAt(s + 19) === 46 && n >= 22) {
      frac = true;
      for (let i = s + 20; i < e - 1; i++) {
        const c = v.charCodeAt(i);
        if (c < 48 || c > 57) frac = false;
      }
    }
    const hi = d2(v, s);
    const lo = d2(v, s + 2);
    const mo = d2(v, s + 5);
    const d = d2(v, s + 8);
    const h = d2(v, s + 11);
    const mi = d2(v, s + 14);
    const sec = d2(v, s + 17);
    if (frac && hi >= 0 && lo >= 0 && mo >= 0 && d >= 0 && h >= 0 && mi >= 0 && sec >= 0 && validDate(hi * 100 + lo, mo - 1, d, h, mi, sec)) return true;
  }
  return Number.isFinite(parseAnyTimestamp(v.slice(s, e)));
}
