/**
 * Number-shaped identifiers: Swedish personal identity and coordination
 * numbers, phone numbers, payment card numbers. They are found as runs of
 * digit groups joined by single separators (`070-123 45 67`,
 * `4111 1111 1111 1111`, `19811218-9876`) and then validated, so that plain
 * numbers (ids, timestamps, prices) are left alone.
 */
import { luhnValid } from './luhn.js';
import { MINUS, NINE, PLUS, SPACE, ZERO } from '../../util/ascii.js';

export const NUMBER_KINDS = ['personnummer', 'phone', 'card'] as const;
export type NumberKind = (typeof NUMBER_KINDS)[number];

export interface NumberDetectors {
  readonly personnummer: boolean;
  readonly phone: boolean;
  readonly card: boolean;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}
function isAlnum(c: number): boolean {
  return (c >= ZERO && c <= NINE) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
}

/**
 * The fewest digits any number detector needs (E.164 and Swedish landlines
 * need 8, with some slack for groups split oddly), so shorter runs are
 * skipped without further work.
 */
export const MIN_NUMBER_DIGITS = 7;
const MIN_DIGITS = MIN_NUMBER_DIGITS;
const MAX_GROUPS = 12;
// A run longer than MAX_GROUPS is read in windows that overlap by this many
// groups, so an identifier written in up to this many groups (`+46 70 123 45 67`,
// `4111 1111 1111 1111`) is found wherever it sits in the run.
const OVERLAP = 6;

/**
 * Finds number-shaped identifiers in the bytes `b[from..to)` and reports each with
 * `emit(start, end, kind)`. Reuses its scratch arrays; not reentrant.
 *
 * @example
 * const scan = new NumberScanner({ personnummer: true, phone: true, card: true });
 * scan.scan(Buffer.from('call 070-123 45 67'), 0, 18, (a, z, kind) => console.log(a, z, kind)); // 5 18 phone
 */
export class NumberScanner {
  // Digit groups of the current run: [start, end) in b.
  private readonly gs = new Int32Array(MAX_GROUPS);
  private readonly ge = new Int32Array(MAX_GROUPS);
  // The digits of a candidate, as char codes, for the Luhn check.
  private readonly digits = new Uint8Array(64);
  // Whether the last classified candidate was preceded by an E.164 `+`.
  private plus = false;

  constructor(private readonly enabled: NumberDetectors) {}

  scan(b: Uint8Array, from: number, to: number, emit: (start: number, end: number, kind: NumberKind) => void): void {
    let i = from;
    while (i < to) {
      const c = b[i]!;
      if (!isDigit(c)) {
        i++;
        continue;
      }
      // A run starts at a digit that is not glued to a word before it (so hex
      // hashes and `id12345678` style names are not mistaken for numbers).
      if (i > from && isAlnum(b[i - 1]!)) {
        while (i < to && isAlnum(b[i]!)) i++;
        continue;
      }
      // Collect groups joined by one separator.
      let n = 0;
      let total = 0;
      let j = i;
      let more = false;
      for (;;) {
        const a = j;
        while (j < to && isDigit(b[j]!)) j++;
        this.gs[n] = a;
        this.ge[n] = j;
        n++;
        total += j - a;
        if (j + 1 < to) {
          const sep = b[j]!;
          if ((sep === SPACE || sep === MINUS || sep === PLUS) && isDigit(b[j + 1]!)) {
            // The window is full: classify it, then go on from a group inside it (below).
            if (n === MAX_GROUPS) {
              more = true;
              break;
            }
            j++;
            continue;
          }
        }
        break;
      }
      if (more) {
        // Only matches starting in the first MAX_GROUPS - OVERLAP groups are taken
        // from this window; the run is read on from there (or from after the last
        // match), so an identifier near the window's end is seen whole in the next.
        // Without this, anything after the twelfth group went unchecked.
        const keep = MAX_GROUPS - OVERLAP;
        const next = total >= MIN_DIGITS ? this.candidates(b, from, n, keep, emit) : 0;
        i = this.gs[Math.max(next, keep)] ?? j + 1;
        continue;
      }
      // The run must end at a word boundary too.
      const glued = j < to && isAlnum(b[j]!);
      if (total >= MIN_DIGITS && !glued) this.candidates(b, from, n, n, emit);
      i = j;
      if (glued) while (i < to && isAlnum(b[i]!)) i++;
    }
  }

  /**
   * Tries sub-runs of whole groups starting before group `starts`, earliest
   * start first, longest first. Returns the index of the group after the last
   * match (0 when none matched).
   */
  private candidates(b: Uint8Array, from: number, n: number, starts: number, emit: (start: number, end: number, kind: NumberKind) => void): number {
    let first = 0;
    let next = 0;
    while (first < starts) {
      let matched = false;
      for (let last = n - 1; last >= first; last--) {
        const kind = this.classify(b, from, first, last);
        if (kind !== undefined) {
          const start = this.gs[first]!;
          emit(kind === 'phone' && this.plus ? start - 1 : start, this.ge[last]!, kind);
          first = next = last + 1;
          matched = true;
          break;
        }
      }
      if (!matched) first++;
    }
    return next;
  }

  private classify(b: Uint8Array, from: number, first: number, last: number): NumberKind | undefined {
    const d = this.digits;
    let count = 0;
    for (let g = first; g <= last; g++) {
      for (let k = this.gs[g]!; k < this.ge[g]!; k++) {
        if (count === d.length) return undefined;
        d[count++] = b[k]!;
      }
    }
    if (count < MIN_DIGITS) return undefined;
    const start = this.gs[first]!;
    // `+46…` is E.164 only when the plus starts a word (`me+070` is a query-string space).
    const plus = start > from && b[start - 1]! === PLUS && (start - 1 === from || !isAlnum(b[start - 2]!));
    this.plus = plus;
    if (this.enabled.personnummer && !plus && this.isPersonnummer(first, last, count)) return 'personnummer';
    if (this.enabled.card && !plus && isCard(d, count, last - first + 1)) return 'card';
    if (this.enabled.phone && isPhone(d, count, plus)) return 'phone';
    return undefined;
  }

  /**
   * Swedish personnummer / samordningsnummer (Skatteverket SKV 704):
   * YYMMDD-NNNC or YYYYMMDDNNNC, `+` instead of `-` for people over 100,
   * day + 60 for coordination numbers, C the Luhn digit over the 10-digit form.
   */
  private isPersonnummer(first: number, last: number, count: number): boolean {
    if (count !== 10 && count !== 12) return false;
    const groups = last - first + 1;
    if (groups > 2) return false;
    // With a separator it must sit right before the last four digits.
    if (groups === 2 && this.ge[last]! - this.gs[last]! !== 4) return false;
    const d = this.digits;
    const off = count - 10;
    if (count === 12) {
      const century = (d[0]! - ZERO) * 10 + (d[1]! - ZERO);
      if (century < 18 || century > 20) return false;
    }
    const month = (d[off + 2]! - ZERO) * 10 + (d[off + 3]! - ZERO);
    let day = (d[off + 4]! - ZERO) * 10 + (d[off + 5]! - ZERO);
    if (day > 60) day -= 60;
    if (month < 1 || month > 12 || day < 1 || day > 31) return false;
    return luhnValid(d, off, count);
  }
}

/**
 * Payment card numbers (ISO/IEC 7812): 13–19 digits, written as one run or in
 * groups, Luhn-valid, with a major industry identifier of 2–6 (the card
 * networks). Requiring the MII keeps millisecond timestamps (starting with 1)
 * from being taken for cards.
 */
function isCard(d: Uint8Array, count: number, groups: number): boolean {
  if (count < 13 || count > 19) return false;
  if (groups > 1 && groups < 3) return false; // `1234 567890123` is not how cards are written
  const mii = d[0]! - ZERO;
  if (mii < 2 || mii > 6) return false;
  return luhnValid(d, 0, count);
}

/**
 * Phone numbers: E.164 (`+` and 8–15 digits, the first not 0), international
 * with `00`, and Swedish national numbers (`0` + area code not starting with
 * 0, 8–10 digits in all: `08-123 45 67`, `070-123 45 67`, `0701234567`).
 */
function isPhone(d: Uint8Array, count: number, plus: boolean): boolean {
  if (plus) return count >= 8 && count <= 15 && d[0] !== ZERO;
  if (d[0] !== ZERO) return false;
  if (d[1] === ZERO) return count >= 10 && count <= 17 && d[2] !== ZERO; // 00 + E.164
  return count >= 8 && count <= 10;
}
