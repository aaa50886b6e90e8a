/**
 * Precise locations: coordinates are coarsened to two decimals (about
 * 1.1 km of latitude), not removed, so a map of where traffic comes from
 * still works. Found behind a label (`lat=59.334591`, `"lng": 18.063240`)
 * or as a pair of decimals with four or more places each
 * (`59.334591,18.063240`, `@59.3345,18.0632,15z`, `geo:59.3345,18.0632`).
 */
import { COMMA, DOT, MINUS, SPACE } from '../../../util/ascii.js';
import { K } from '../kinds.js';
import type { Spans } from '../spans.js';

/** Decimal places kept: 0.01° is 1.1 km of latitude. */
const KEEP_DECIMALS = 2;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * `t[s..e)` with at most two decimals when it is a decimal number of at most
 * 180 with more than two; undefined when it is not one or already coarse.
 *
 * @example
 * coarsenCoordinate(Buffer.from('59.334591'), 0, 9) // '59.33'
 */
export function coarsenCoordinate(t: Uint8Array, s: number, e: number): string | undefined {
  const end = decimalEnd(t, s, e);
  if (end !== e) return undefined;
  let dot = -1;
  for (let i = s; i < e; i++) if (t[i] === DOT) dot = i;
  if (dot < 0 || e - dot - 1 <= KEEP_DECIMALS) return undefined;
  let text = '';
  for (let i = s; i <= dot + KEEP_DECIMALS; i++) text += String.fromCharCode(t[i]!);
  return text;
}

/** Where a decimal number (`-?\d{1,3}\.\d+`, at most 180) starting at `s` ends, or -1. */
function decimalEnd(t: Uint8Array, s: number, e: number): number {
  let i = s;
  if (t[i] === MINUS || t[i] === 43) i++;
  const intStart = i;
  let v = 0;
  while (i < e && isDigit(t[i]!)) v = v * 10 + t[i++]! - 48;
  if (i === intStart || i - intStart > 3 || v > 180 || t[i] !== DOT) return -1;
  i++;
  const fs = i;
  while (i < e && isDigit(t[i]!)) i++;
  return i > fs ? i : -1;
}

/**
 * @example
 * const d = new LocationDetector(spans);
 * d.pairs(bytes, 0, bytes.length); // 59.334591,18.063240 → 59.33,18.06
 */
export class LocationDetector {
  constructor(private readonly spans: Spans) {}

  /** A decimal number after a location label: `t[s..e)` is the value's range (it may run on). */
  labelled(t: Uint8Array, s: number, e: number): number {
    let a = s;
    if (t[a] === 34 || t[a] === 39) a++;
    const z = decimalEnd(t, a, e);
    if (z < 0 || (z < e && isDigit(t[z]!))) return s;
    const c = coarsenCoordinate(t, a, z);
    if (c !== undefined) this.spans.add(a, z, c, K.location);
    return z;
  }

  /**
   * Pairs of decimals in the word at `t[a..b)` and after it: four or more
   * places each when a comma separates them (`59.3345,18.0632`), five or
   * more when only a space or a `/` does (`GPS fix 67.822305 20.190350`,
   * `/reverse/67.85962/20.23062`).
   */
  pairs(t: Uint8Array, a: number, b: number, to: number): void {
    for (let i = a; i < b; i++) {
      const c = t[i]!;
      if (!(isDigit(c) || c === MINUS) || (i > a && (isDigit(t[i - 1]!) || t[i - 1] === DOT))) continue;
      const z1 = decimalEnd(t, i, to);
      if (z1 < 0 || z1 >= to || (t[z1] !== COMMA && t[z1] !== SPACE && t[z1] !== 47)) continue;
      const places = t[z1] === COMMA ? 4 : 5;
      if (!fine(t, i, z1, places)) continue;
      let j = z1 + 1;
      if (t[z1] === COMMA && t[j] === SPACE) j++;
      const z2 = decimalEnd(t, j, to);
      if (z2 < 0 || !fine(t, j, z2, places) || (z2 < to && (isDigit(t[z2]!) || t[z2] === DOT))) continue;
      this.spans.add(i, z1, coarsenCoordinate(t, i, z1)!, K.location);
      this.spans.add(j, z2, coarsenCoordinate(t, j, z2)!, K.location);
      i = z2;
    }
  }
}

/** `places` or more decimal places. */
function fine(t: Uint8Array, s: number, e: number, places: number): boolean {
  let dot = -1;
  for (let i = s; i < e; i++) if (t[i] === DOT) dot = i;
  return dot >= 0 && e - dot - 1 >= places;
}
