/**
 * Shape checks the segment classifier uses: addresses, UUIDs, personal
 * numbers, dates, random-looking runs. Each reads `d[s..e)` of a decoded
 * segment.
 */
import { luhnValid } from '../../util/luhn.js';
import { CLS, DIGIT, LOWER, UPPER, HIGH, HEXL, hexVal } from './classes.js';

/** Whether a run of 20 or more letters changes case often enough to be random (base64), not a CamelCase name. */
export function longMixedCaseRun(d: Uint8Array, s: number, e: number): boolean {
  let run = 0;
  let changes = 0;
  let prevUpper = -1;
  for (let i = s; i <= e; i++) {
    const c = i < e ? CLS[d[i]!]! : 0;
    if (c & (LOWER | UPPER)) {
      const up = c & UPPER ? 1 : 0;
      if (prevUpper >= 0 && up !== prevUpper) changes++;
      prevUpper = up;
      run++;
      continue;
    }
    if (run >= 20 && changes * 4 >= run) return true;
    run = 0;
    changes = 0;
    prevUpper = -1;
  }
  return false;
}

/** `local@domain.tld` after the `@` at `s - 1`: a dot with letters after it. */
export function hasDomain(d: Uint8Array, s: number, e: number): boolean {
  for (let i = e - 2; i > s; i--) if (d[i] === 46) return (CLS[d[i + 1]!]! & (LOWER | UPPER | HIGH)) !== 0;
  return false;
}

export function isDottedQuad(d: Uint8Array, s: number, e: number): boolean {
  let parts = 0;
  let v = 0;
  let len = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? d[i]! : 46;
    if (c === 46) {
      if (len === 0 || v > 255) return false;
      parts++;
      v = 0;
      len = 0;
    } else if (c >= 48 && c <= 57) {
      v = v * 10 + c - 48;
      if (++len > 3) return false;
    } else return false;
  }
  return parts === 4;
}

/**
 * Four numbers of at most 255 joined by `-` (or `.` too, with `dots`)
 * somewhere in `d[s..e)` (`ip-81-6-12-34`, `c-90-76-31-188.hsd1`).
 */
export function dashedQuad(d: Uint8Array, s: number, e: number, dots: boolean): boolean {
  let count = 0;
  let v = 0;
  let len = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? d[i]! : 32;
    if (c >= 48 && c <= 57) {
      v = v * 10 + c - 48;
      len++;
      continue;
    }
    if (len > 0 && len <= 3 && v <= 255 && !(len > 1 && d[i - len] === 48)) {
      count++;
      if (count === 4) return true;
      if (c !== 45 && !(dots && c === 46)) count = 0;
    } else count = 0;
    v = 0;
    len = 0;
  }
  return false;
}

export function isIpv6Like(d: Uint8Array, s: number, e: number): boolean {
  let groups = 0;
  let len = 0;
  let hexDigits = 0;
  for (let i = s; i < e; i++) {
    const c = d[i]!;
    if (c === 58) {
      if (len > 4) return false;
      if (len > 0) groups++;
      len = 0;
    } else if (hexVal(c) >= 0) {
      len++;
      hexDigits++;
    } else if (c !== 46 && c !== 91 && c !== 93) return false;
  }
  if (len > 0) groups++;
  return groups >= 3 && hexDigits >= 3;
}

export function isUuidAt(d: Uint8Array, s: number): boolean {
  for (let k = 0; k < 36; k++) {
    const c = d[s + k]!;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return false;
    } else if (hexVal(c) < 0) return false;
  }
  return true;
}

/** Ten or twelve digits that form a valid Swedish personal identity or coordination number. */
export function isPnrDigits(ds: ArrayLike<number>): boolean {
  const off = ds.length - 10;
  if (off === 2) {
    const century = (ds[0]! - 48) * 10 + ds[1]! - 48;
    if (century < 18 || century > 20) return false;
  }
  const month = (ds[off + 2]! - 48) * 10 + ds[off + 3]! - 48;
  let day = (ds[off + 4]! - 48) * 10 + ds[off + 5]! - 48;
  if (day > 60) day -= 60;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && luhnValid(ds, off, ds.length);
}

/** Four, two and two digits or two, two and four, joined by one kind of separator. */
export function isDateShape(d: Uint8Array, s: number, e: number): boolean {
  const lens: number[] = [];
  let run = 0;
  let sep = -1;
  for (let i = s; i <= e; i++) {
    const c = i < e ? d[i]! : -1;
    if (c >= 48 && c <= 57) {
      run++;
      continue;
    }
    if (c >= 0) {
      if (sep >= 0 && c !== sep) return false;
      sep = c;
    }
    lens.push(run);
    run = 0;
  }
  return lens.length === 3 && lens[1] === 2 && ((lens[0] === 4 && lens[2] === 2) || (lens[0] === 2 && lens[2] === 4));
}

export function hasByte(d: Uint8Array, s: number, e: number, c: number): boolean {
  for (let i = s; i < e; i++) if (d[i] === c) return true;
  return false;
}

/** `WIDTHxHEIGHT`: up to five digits, `x`, up to five digits. */
export function isDimensions(d: Uint8Array, a: number, b: number): boolean {
  let x = -1;
  for (let i = a; i < b; i++) {
    const c = d[i]!;
    if (c === 120 && x < 0) x = i;
    else if (!(CLS[c]! & DIGIT)) return false;
  }
  return x > a && x < b - 1 && x - a <= 5 && b - x - 1 <= 5;
}

export function allHex(d: Uint8Array, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (!(CLS[d[i]!]! & (DIGIT | HEXL))) return false;
  return true;
}


/**
 * A dotted quad in inet_aton's other bases: each part hex (`0xb0`), octal
 * (`0260`) or decimal, at most 255 (`0xb0.0xd.0xca.0xbb`).
 */
export function isAtonQuad(d: Uint8Array, s: number, e: number): boolean {
  let parts = 0;
  let k = s;
  while (k <= e && parts < 4) {
    let base = 10;
    if (d[k] === 48 && (d[k + 1]! | 0x20) === 120) {
      base = 16;
      k += 2;
    } else if (d[k] === 48 && k + 1 < e && d[k + 1] !== 46) base = 8;
    const ds = k;
    let v = 0;
    while (k < e && d[k] !== 46) {
      const h = hexVal(d[k]!);
      if (h < 0 || h >= base) return false;
      v = v * base + h;
      k++;
    }
    if (k === ds || v > 255) return false;
    parts++;
    k++;
  }
  return parts === 4 && k >= e;
}

/**
 * Four numbers at the start of a host name written into a path
 * (`62.0.6.95.dyn.example-isp.se`): the quad starts the segment, ends at
 * `quadEnd`, and two or more labels follow it.
 */
export function dottedHostQuad(d: Uint8Array, s: number, quadEnd: number, e: number): boolean {
  if (!isDottedQuad(d, s, quadEnd)) return false;
  let dots = 0;
  for (let i = quadEnd; i < e; i++) if (d[i] === 46) dots++;
  return dots >= 2;
}
