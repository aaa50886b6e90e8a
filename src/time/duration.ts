/**
 * ISO 8601 durations (the `PnYnMnWnDTnHnMnS` subset) and UTC calendar
 * arithmetic on them. The retention window (`P6M`), salt epochs (`P1D`) and
 * grace periods (`PT1H`) are all written this way in the config, so one parser
 * and one notion of "six calendar months" serve every component.
 */

export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  /** The text it was parsed from, normalised to upper case. */
  readonly text: string;
}

// P[nY][nM][nW][nD][T[nH][nM][nS]] with integer parts (seconds may be fractional).
const DURATION_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses an ISO 8601 duration, or returns undefined when `text` is not one.
 *
 * @example
 * parseDuration('P6M')  // { months: 6, ... }
 * parseDuration('PT1H') // { hours: 1, ... }
 */
export function parseDuration(text: string): Duration | undefined {
  const upper = text.trim().toUpperCase();
  const m = DURATION_RE.exec(upper);
  if (m === null || upper === 'P' || upper.endsWith('T')) return undefined;
  const n = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  return {
    years: n(m[1]),
    months: n(m[2]),
    weeks: n(m[3]),
    days: n(m[4]),
    hours: n(m[5]),
    minutes: n(m[6]),
    seconds: n(m[7]),
    text: upper,
  };
}

/** The part of a duration that is a fixed number of milliseconds (weeks and below). */
function fixedMs(d: Duration): number {
  return ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
}

/** Calendar months in a duration (years count as twelve). */
function calendarMonths(d: Duration): number {
  return d.years * 12 + d.months;
}

/**
 * Adds `sign × d` to a UTC instant. Months move the calendar date and clamp
 * the day to the target month's length (31 Aug − P6M = 28/29 Feb), as
 * java.time and PostgreSQL do; the fixed part is added after.
 */
function shift(ms: number, d: Duration, sign: 1 | -1): number {
  const months = calendarMonths(d);
  let out = ms;
  if (months !== 0) {
    const t = new Date(ms);
    const y = t.getUTCFullYear();
    const mo = t.getUTCMonth() + sign * months;
    const targetY = y + Math.floor(mo / 12);
    const targetM = ((mo % 12) + 12) % 12;
    const lastDay = new Date(Date.UTC(targetY, targetM + 1, 0)).getUTCDate();
    const day = Math.min(t.getUTCDate(), lastDay);
    out = Date.UTC(targetY, targetM, day, t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds());
  }
  return out + sign * fixedMs(d);
}

/**
 * `ms + d` in UTC calendar arithmetic.
 *
 * @example
 * addDuration(Date.UTC(2026, 0, 31), parseDuration('P1M')!) // 2026-02-28
 */
export function addDuration(ms: number, d: Duration): number {
  return shift(ms, d, 1);
}

/**
 * `ms − d` in UTC calendar arithmetic.
 *
 * @example
 * subtractDuration(Date.UTC(2026, 7, 31), parseDuration('P6M')!) // 2026-02-28
 */
export function subtractDuration(ms: number, d: Duration): number {
  return shift(ms, d, -1);
}

/**
 * True when going back `d` from any instant never reaches further than going
 * back `limit` — e.g. a configured retention window never exceeds `P6M`.
 * Checked on every day of a four-year leap cycle (cheap, and exact for
 * calendar months, whose lengths repeat with that cycle near today).
 *
 * @example
 * fitsWithin(parseDuration('P181D')!, parseDuration('P6M')!) // true
 * fitsWithin(parseDuration('P182D')!, parseDuration('P6M')!) // false (Sep–Feb is 181 days)
 */
export function fitsWithin(d: Duration, limit: Duration): boolean {
  const start = Date.UTC(2024, 0, 1);
  for (let day = 0; day < 1461; day++) {
    const t = start + day * 86_400_000;
    if (subtractDuration(t, d) < subtractDuration(t, limit)) return false;
  }
  return true;
}

/**
 * Parses a duration that is known to be valid (a constant in the code).
 *
 * @example
 * const SIX_MONTHS = mustParseDuration('P6M');
 */
export function mustParseDuration(text: string): Duration {
  const d = parseDuration(text);
  if (d === undefined) throw new Error(`internal: bad duration constant ${text}`);
  return d;
}

/**
 * Parses a duration the policy schema has already validated.
 *
 * @example
 * const grace = toDuration(config.salts.grace);
 */
export function toDuration(text: string): Duration {
  const d = parseDuration(text);
  if (d === undefined) throw new Error(`internal: unvalidated duration ${text}`);
  return d;
}
