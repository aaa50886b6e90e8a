/**
 * The checks behind the number detectors: dates, numbering plans (MSISDNs),
 * IMEI/IMSI/ICCID rules, payment card networks (IIN ranges and lengths),
 * IPv4 addresses written as one integer.
 */
import { luhnValid } from './luhn.js';
import { L_ICCID, L_ID, L_IMEI, L_IMSI } from './name-rules.js';
import { ZERO } from '../../util/ascii.js';
import type { NumberKind } from './numbers.js';

// Separator types between two digit groups (as numbers.ts records them).
export const S_SPACE = 1;
export const S_DASH = 2;
export const S_PLUS = 4;
export const S_DOT = 8;
export const S_SLASH = 16;
export const S_PAREN = 32;

/** The current year: a birth date is not in the future. */
export const THIS_YEAR = new Date().getUTCFullYear();

/** A date written with separators (`05/11/2024`, `2024.11.22`, `22-11-24`): not a phone number. */
export function isDateLayout(ge: Int32Array, gs: Int32Array, first: number, groups: number, seps: number): boolean {
  if (groups !== 3 || seps & (S_SPACE | S_PLUS | S_PAREN)) return false;
  const l0 = ge[first]! - gs[first]!;
  const l1 = ge[first + 1]! - gs[first + 1]!;
  const l2 = ge[first + 2]! - gs[first + 2]!;
  return l1 <= 2 && ((l0 <= 2 && (l2 === 4 || l2 === 2)) || (l0 === 4 && l2 <= 2));
}

/** Mobile numbers written as MSISDNs, country code first, no `+`. */
export function isMsisdn(d: Uint8Array, count: number): boolean {
  const at = (k: number): number => d[k]! - ZERO;
  if (count === 11 && at(0) === 4 && at(1) === 6 && at(2) === 7 && at(3) !== 1 && at(3) !== 4 && at(3) !== 5) return true; // SE 46 7x
  if (count === 10 && at(0) === 4 && at(1) === 7 && (at(2) === 4 || at(2) === 9)) return true; // NO 47 4x/9x
  if (count >= 10 && count <= 12 && at(0) === 3 && at(1) === 5 && at(2) === 8 && (at(3) === 4 || (at(3) === 5 && at(4) === 0))) return true; // FI 358 4x/50
  if (count === 12 && at(0) === 4 && at(1) === 4 && at(2) === 7) return true; // UK 44 7
  if ((count === 12 || count === 13) && at(0) === 4 && at(1) === 9 && at(2) === 1 && at(3) >= 5 && at(3) <= 7) return true; // DE 49 15x-17x
  if (count === 11 && at(0) === 4 && at(1) === 8 && at(2) >= 4 && at(2) <= 8) return true; // PL 48 4x-8x
  if (count === 11 && at(0) === 3 && at(1) === 1 && at(2) === 6) return true; // NL 31 6
  if (count === 11 && at(0) === 3 && at(1) === 4 && (at(2) === 6 || at(2) === 7)) return true; // ES 34 6/7
  if (count === 11 && at(0) === 3 && at(1) === 3 && (at(2) === 6 || at(2) === 7)) return true; // FR 33 6/7
  if ((count === 11 || count === 12) && at(0) === 3 && at(1) === 9 && at(2) === 3) return true; // IT 39 3
  if (count === 10 && at(0) === 4 && at(1) === 5 && at(2) >= 2) return true; // DK 45, eight digits
  return false;
}

/** A date: YYYYMMDD in one run, or day, month and year (or year, month, day) in three parts. */
export function isDate(d: Uint8Array, count: number, groups: number, seps: number): boolean {
  if (count !== 8 || (groups !== 1 && groups !== 3) || seps & (S_PLUS | S_PAREN)) return false;
  const n = (k: number, len: number): number => {
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 10 + d[k + i]! - ZERO;
    return v;
  };
  const ymd = (y: number, m: number, day: number): boolean => y >= 1880 && y <= THIS_YEAR && m >= 1 && m <= 12 && day >= 1 && day <= 31;
  return ymd(n(0, 4), n(4, 2), n(6, 2)) || ymd(n(4, 4), n(2, 2), n(0, 2)) || ymd(n(4, 4), n(0, 2), n(2, 2));
}

/** Type Allocation Code reporting bodies that IMEIs start with (GSMA TS.06). */
function imeiPrefix(d: Uint8Array): boolean {
  const p = (d[0]! - ZERO) * 10 + (d[1]! - ZERO);
  return p === 1 || p === 35 || p === 86 || p === 99 || p === 30 || p === 33 || p === 44 || p === 45 || p === 49 || (p >= 50 && p <= 54);
}

/** Nordic MCC+MNC prefixes an IMSI starts with (Telia, Tele2, Telenor, Tre; Norway, Denmark, Finland). */
const IMSI_PREFIXES = ['24001', '24002', '24005', '24007', '24008', '24024', '24201', '24202', '23801', '23802', '24405', '24491'];

export function deviceKind(d: Uint8Array, count: number, groups: number, seps: number, label: number): NumberKind | undefined {
  if (seps & (S_DOT | S_SLASH | S_PAREN | S_PLUS)) return undefined;
  if (label & L_ICCID && count >= 18 && count <= 20) return 'iccid';
  if (count >= 19 && count <= 20 && d[0] === 56 && d[1] === 57) return 'iccid'; // 89: telecom
  if (label & L_IMSI && count >= 14 && count <= 15) return 'imsi';
  if (label & L_IMEI && count >= 14 && count <= 16) return 'imei';
  if (label & L_ID || groups > 4) return undefined;
  if (count === 15 && imeiPrefix(d) && luhnValid(d, 0, 15) && !(d[0] === 51 && (d[1] === 52 || d[1] === 55))) return 'imei';
  if (count === 16 && groups === 1 && imeiPrefix(d) && !(luhnValid(d, 0, 16) && cardNetwork(d, 16))) return 'imei'; // IMEISV: no check digit, written whole
  if (count === 15 && groups === 1) {
    let prefix = '';
    for (let k = 0; k < 5; k++) prefix += String.fromCharCode(d[k]!);
    if (IMSI_PREFIXES.includes(prefix)) return 'imsi';
  }
  return undefined;
}

/**
 * Payment card numbers (ISO/IEC 7812): 13–19 digits, written as one run or in
 * three or more groups, Luhn-valid, in a card network's IIN range with one
 * of its lengths (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
 * Maestro, Mir) — or, behind a card label, any major industry identifier of
 * 2–6. Requiring the IIN keeps millisecond timestamps and most order ids
 * from being taken for cards.
 */
export function isCard(d: Uint8Array, count: number, groups: number, labelled: boolean): boolean {
  if (count < 12 || count > 19) return false;
  if (groups > 1 && groups < 3) return false; // `1234 567890123` is not how cards are written
  const mii = d[0]! - ZERO;
  if (mii < 2 || mii > 6) return false;
  if (!luhnValid(d, 0, count)) return false;
  return labelled ? count >= 13 : cardNetwork(d, count);
}

export function cardNetwork(d: Uint8Array, count: number): boolean {
  const n = (k: number): number => {
    let v = 0;
    for (let i = 0; i < k; i++) v = v * 10 + d[i]! - ZERO;
    return v;
  };
  const p2 = n(2);
  const p3 = n(3);
  const p4 = n(4);
  if (d[0] === 52) return count === 13 || count === 16 || count === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return count === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return count === 15; // Amex
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return count >= 16; // Discover
  if (p4 >= 3528 && p4 <= 3589) return count >= 16; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return count >= 14; // Diners
  if (p2 === 62) return count >= 16; // UnionPay
  if (p4 >= 2200 && p4 <= 2204) return count >= 16; // Mir
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return count >= 12; // Maestro
  return false;
}

/** The value of `count` digits as an IPv4 address (0 … 2³²−1), or -1. */
export function ipv4Integer(d: ArrayLike<number>, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) v = v * 10 + d[k]! - ZERO;
  return v <= 0xffffffff && v >= 0x01000000 ? v : -1;
}
