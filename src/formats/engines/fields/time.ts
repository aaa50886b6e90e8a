/**
 * Fast timestamp readers for the cloud formats, reading `src[s..e)` in
 * place. Consecutive lines share their date, so each reader remembers the
 * previous line's date (and zone) and then reads only the time of day —
 * a regex and a Date.UTC per line would cost more than the rest of a field.
 */
import { MONTH_CODES, packMonth } from '../../../time/months.js';

/** Value of the `n` ASCII digits at `s[i..]`, or -1. */
export function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The UTC instant of 00:00 on y-mo-d (mo 1..12), or NaN when the date does not exist. */
export function dayStart(y: number, mo: number, d: number): number {
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : MONTH_DAYS[mo - 1]!)) return NaN;
  return Date.UTC(y, mo - 1, d);
}

/** Milliseconds of `HH:MM:SS[.fraction]` at `s[i..e)`, or NaN. `fraction` may be absent; at most 9 digits. */
export function timeOfDayAt(s: string, i: number, e: number): number {
  if (e - i < 8 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return NaN;
  const hh = digitsAt(s, i, 2);
  const mm = digitsAt(s, i + 3, 2);
  const ss = digitsAt(s, i + 6, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
  let ms = ((hh * 60 + mm) * 60 + ss) * 1000;
  if (e - i > 8) {
    if (s.charCodeAt(i + 8) !== 46 || e - i < 10 || e - i > 18) return NaN;
    let scale = 100;
    for (let k = i + 9; k < e; k++) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return NaN;
      if (scale >= 1) ms += d * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  return ms;
}

/** Milliseconds of a `YYYY-MM-DD` date at `s[i..i+10)`, or NaN. */
export function isoDateAt(s: string, i: number): number {
  if (s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45) return NaN;
  return dayStart(digitsAt(s, i, 4), digitsAt(s, i + 5, 2), digitsAt(s, i + 8, 2));
}

/**
 * A reader of RFC 3339 / ISO 8601 date-times `YYYY-MM-DDTHH:MM:SS[.f]` with
 * `Z` or `±HH:MM` (or `±HHMM`); `requireZone` refuses times without one
 * (CDRs: guessing a zone is not failing closed), otherwise they are UTC.
 * Fractions of up to 9 digits (Azure writes 7, CloudWatch 9).
 *
 * @example
 * const read = createIsoReader(false); read('2018-07-02T22:23:00.186641Z', 0, 27) // Date.UTC(2018, 6, 2, 22, 23, 0, 186)
 */
export function createIsoReader(requireZone: boolean): (src: string, s: number, e: number) => number {
  let prevDay = -1; // y*10000+m*100+d of the previous line
  let prevBase = NaN;
  return (src, s, e) => {
    if (e - s < 19) return NaN;
    const t = src.charCodeAt(s + 10);
    if (t !== 84 && t !== 116 && t !== 32) return NaN; // T, t or space
    if (src.charCodeAt(s + 4) !== 45 || src.charCodeAt(s + 7) !== 45) return NaN;
    const y = digitsAt(src, s, 4);
    const mo = digitsAt(src, s + 5, 2);
    const d = digitsAt(src, s + 8, 2);
    if (y < 0 || mo < 0 || d < 0) return NaN;
    const key = y * 10000 + mo * 100 + d;
    let base: number;
    if (key === prevDay) base = prevBase;
    else {
      base = dayStart(y, mo, d);
      if (Number.isNaN(base)) return NaN;
      prevDay = key;
      prevBase = base;
    }
    // The zone: Z, ±HH:MM, ±HHMM, or none.
    let z = e;
    let offset = 0;
    const last = src.charCodeAt(e - 1);
    if (last === 90 || last === 122) z = e - 1;
    else {
      const c6 = src.charCodeAt(e - 6);
      const c5 = src.charCodeAt(e - 5);
      if ((c6 === 43 || c6 === 45) && src.charCodeAt(e - 3) === 58 && e - 6 >= s + 19) {
        z = e - 6;
        const oh = digitsAt(src, e - 5, 2);
        const om = digitsAt(src, e - 2, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
        offset = (c6 === 43 ? 1 : -1) * (oh * 60 + om) * 60_000;
      } else if ((c5 === 43 || c5 === 45) && e - 5 >= s + 19) {
        z = e - 5;
        const oh = digitsAt(src, e - 4, 2);
        const om = digitsAt(src, e - 2, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
        offset = (c5 === 43 ? 1 : -1) * (oh * 60 + om) * 60_000;
      } else if (requireZone) return NaN;
    }
    const tod = timeOfDayAt(src, s + 11, z);
    return Number.isNaN(tod) ? NaN : base + tod - offset;
  };
}

/**
 * A reader of CLF-style dates with an optional fraction and an optional
 * zone: `06/Feb/2009:12:14:14.655` (HAProxy's accept date, local time)
 * or `06/Feb/2019:00:00:38 +0000` (S3). Without a zone the time is read as
 * UTC and the caller applies the zone it knows.
 *
 * @example
 * createClfReader()('06/Feb/2009:12:14:14.655', 0, 24) // Date.UTC(2009, 1, 6, 12, 14, 14, 655)
 */
export function createClfReader(): (src: string, s: number, e: number) => number {
  let prevDay = -1;
  let prevBase = NaN;
  return (src, s, e) => {
    if (e - s < 20 || src.charCodeAt(s + 2) !== 47 || src.charCodeAt(s + 6) !== 47 || src.charCodeAt(s + 11) !== 58) return NaN;
    const d = digitsAt(src, s, 2);
    const m = MONTH_CODES.indexOf(packMonth(src.charCodeAt(s + 3), src.charCodeAt(s + 4), src.charCodeAt(s + 5)));
    const y = digitsAt(src, s + 7, 4);
    if (d < 0 || m < 0 || y < 0) return NaN;
    const key = y * 10000 + (m + 1) * 100 + d;
    let base: number;
    if (key === prevDay) base = prevBase;
    else {
      base = dayStart(y, m + 1, d);
      if (Number.isNaN(base)) return NaN;
      prevDay = key;
      prevBase = base;
    }
    let z = e;
    let offset = 0;
    if (e - s >= 26 && src.charCodeAt(e - 6) === 32) {
      const sign = src.charCodeAt(e - 5);
      const oh = digitsAt(src, e - 4, 2);
      const om = digitsAt(src, e - 2, 2);
      if ((sign !== 43 && sign !== 45) || oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offset = (sign === 43 ? 1 : -1) * (oh * 60 + om) * 60_000;
      z = e - 6;
    }
    const tod = timeOfDayAt(src, s + 12, z);
    return Number.isNaN(tod) ? NaN : base + tod - offset;
  };
}
