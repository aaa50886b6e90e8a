/**
 * Number-shaped identifiers: Swedish personal identity and coordination
 * numbers, phone numbers (national, international, MSISDNs without `+`),
 * payment card numbers, IMEI/IMEISV, IMSI and ICCID, and IPv4 addresses
 * written as one integer beside an address label. They are found as runs
 * of digit groups joined by separators — space, no-break and other Unicode
 * spaces, `-`, en dash, minus sign, `+`, `.`, `/`, `(0)` — and then
 * validated (dates, Luhn, IIN ranges, numbering plans), with the label in
 * front as context: an order number beside `order` is not a phone number,
 * a timestamp beside `ts` is not a personal number, `pnr811218-9876` is one.
 */
import { luhnValid } from './luhn.js';
import { S_DASH, S_DOT, S_PAREN, S_PLUS, S_SLASH, S_SPACE, THIS_YEAR, deviceKind, ipv4Integer, isCard, isDate, isDateLayout, isMsisdn } from './number-checks.js';
import { L_BIRTH, L_CARD, L_ICCID, L_ID, L_IMEI, L_IMSI, L_IP, L_NET, L_PHONE, L_PNR, L_TIME, L_VERSION } from './name-rules.js';
import { MINUS, NINE, PLUS, SPACE, ZERO } from '../../util/ascii.js';

export { ipv4Integer } from './number-checks.js';

export const NUMBER_KINDS = ['personnummer', 'phone', 'card', 'imei', 'imsi', 'iccid', 'ip', 'birthdate'] as const;
export type NumberKind = (typeof NUMBER_KINDS)[number];

export interface NumberDetectors {
  readonly personnummer: boolean;
  readonly phone: boolean;
  readonly card: boolean;
  /** IMEI/IMEISV, IMSI, ICCID (default on). */
  readonly device?: boolean;
}

/**
 * What the text in front of a number says about it: label flags from
 * name-rules.ts (`L_TIME`, `L_ID`, `L_PHONE` …), 0 for none.
 */
export interface LabelSource {
  /** The label before the number that starts at `start` (`order 0123…`, `"ts":17…`, `pnr=…`). */
  before(b: Uint8Array, from: number, start: number): number;
  /** The label that the letters `b[s..e)` glued to a number spell (`pnr` in `pnr811218-9876`). */
  word(b: Uint8Array, s: number, e: number): number;
}

/** No context: every number is judged by its shape alone. */
export const NO_LABELS: LabelSource = { before: () => 0, word: () => 0 };

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}
function isAlnum(c: number): boolean {
  return (c >= ZERO && c <= NINE) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
}
function isLetter(c: number): boolean {
  return (c | 0x20) >= 97 && (c | 0x20) <= 122;
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


/** Labels that, glued to a number (`pnr811218-9876`, `tel0701234567`), say what it is. */
const GLUED = L_PNR | L_PHONE | L_IMEI | L_IMSI | L_ICCID | L_CARD;

/** The current year and month, for the check that a personal number's birth date is not a recent timestamp. */
const NOW = new Date();
const THIS_MONTH = NOW.getUTCMonth() + 1;
/** Unix seconds a year from now: an integer above it is no timestamp of an event being logged. */
const LATEST_TIMESTAMP = NOW.getTime() / 1000 + 366 * 86400;
/** Unix seconds ten years ago: beside a network word, an integer below it is an address rather than a timestamp. */
const EARLIEST_TIMESTAMP = NOW.getTime() / 1000 - 10 * 366 * 86400;

/**
 * Finds number-shaped identifiers in the bytes `b[from..to)` and reports each with
 * `emit(start, end, kind)`. Reuses its scratch arrays; not reentrant.
 *
 * @example
 * const scan = new NumberScanner({ personnummer: true, phone: true, card: true });
 * scan.scan(Buffer.from('call 070-123 45 67'), 0, 18, (a, z, kind) => console.log(a, z, kind)); // 5 18 phone
 */
export class NumberScanner {
  // Digit groups of the current run: [start, end) in b, and the separator type after each.
  private readonly gs = new Int32Array(MAX_GROUPS);
  private readonly ge = new Int32Array(MAX_GROUPS);
  private readonly gsep = new Uint8Array(MAX_GROUPS);
  // The digits of a candidate, as char codes, for the checks.
  private readonly digits = new Uint8Array(64);
  // Whether the last classified candidate was preceded by an E.164 `+`.
  private plus = false;
  // The label of the current run (for candidates starting at its first group).
  private runLabel = 0;
  private readonly device: boolean;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(private readonly enabled: NumberDetectors) {
    this.device = enabled.device ?? true;
  }

  scan(b: Uint8Array, from: number, to: number, emit: (start: number, end: number, kind: NumberKind) => void, labels: LabelSource = NO_LABELS): void {
    this.bytes = b;
    let i = from;
    while (i < to) {
      const c = b[i]!;
      if (!isDigit(c)) {
        i++;
        continue;
      }
      let glued = 0;
      // A run starts at a digit that is not glued to a word before it (so hex
      // hashes and `id12345678` style names are not mistaken for numbers) —
      // unless the word is a label that says what the number is (`pnr811218-9876`).
      if (i > from && isAlnum(b[i - 1]!)) {
        let ls = i;
        while (ls > from && i - ls < 24 && isLetter(b[ls - 1]!)) ls--;
        if (ls < i && (ls === from || !isAlnum(b[ls - 1]!)) && digitsAhead(b, i, to) >= MIN_DIGITS) glued = labels.word(b, ls, i) & GLUED;
        if (glued === 0) {
          while (i < to && isAlnum(b[i]!)) i++;
          continue;
        }
      }
      // Collect groups joined by a separator.
      let n = 0;
      let total = 0;
      let j = i;
      let more = false;
      for (;;) {
        const a = j;
        while (j < to && isDigit(b[j]!)) j++;
        this.gs[n] = a;
        this.ge[n] = j;
        this.gsep[n] = 0;
        n++;
        total += j - a;
        const after = this.separator(b, j, to, n - 1);
        if (after > j && after < to && isDigit(b[after]!)) {
          // The window is full: classify it, then go on from a group inside it (below).
          if (n === MAX_GROUPS) {
            more = true;
            break;
          }
          j = after;
          continue;
        }
        this.gsep[n - 1] = 0;
        break;
      }
      this.runLabel = total >= MIN_DIGITS ? glued || labels.before(b, from, i) : 0;
      if (more) {
        // Only matches starting in the first MAX_GROUPS - OVERLAP groups are taken
        // from this window; the run is read on from there (or from after the last
        // match), so an identifier near the window's end is seen whole in the next.
        const keep = MAX_GROUPS - OVERLAP;
        const next = total >= MIN_DIGITS ? this.candidates(b, from, n, keep, emit) : 0;
        i = this.gs[Math.max(next, keep)] ?? j + 1;
        continue;
      }
      // The run must end at a word boundary too.
      const gluedAfter = j < to && isAlnum(b[j]!);
      if (total >= MIN_DIGITS && !gluedAfter) this.candidates(b, from, n, n, emit);
      i = j;
      if (gluedAfter) while (i < to && isAlnum(b[i]!)) i++;
    }
  }

  /**
   * Where the separator run after a group ending at `j` ends (`j` when there
   * is none): one separator character, or a parenthesis or dash with a space
   * on either side (`) `, ` (`, ` - `). Records its type for group `g`.
   */
  private separator(b: Uint8Array, j: number, to: number, g: number): number {
    let k = j;
    let spaces = 0;
    let others = 0;
    let type = 0;
    while (k < to && spaces + others < 3) {
      const c = b[k]!;
      let len = 1;
      let t = 0;
      if (c === SPACE) t = S_SPACE;
      else if (c === MINUS) t = S_DASH;
      else if (c === PLUS) t = S_PLUS;
      else if (c === 46) t = S_DOT;
      else if (c === 47) t = S_SLASH;
      else if (c === 40 || c === 41) t = S_PAREN;
      else if (c === 0xc2 && b[k + 1] === 0xa0) {
        t = S_SPACE; // no-break space
        len = 2;
      } else if (c === 0xe2 && b[k + 1] === 0x80) {
        const d = b[k + 2]!;
        if ((d >= 0x80 && d <= 0x8a) || d === 0xaf) t = S_SPACE; // en quad … hair space, narrow no-break space
        else if (d >= 0x90 && d <= 0x93) t = S_DASH; // hyphen, non-breaking hyphen, figure dash, en dash
        len = 3;
      } else if (c === 0xe2 && b[k + 1] === 0x88 && b[k + 2] === 0x92) {
        t = S_DASH; // minus sign
        len = 3;
      } else if (c === 0xe3 && b[k + 1] === 0x80 && b[k + 2] === 0x80) {
        t = S_SPACE; // ideographic space
        len = 3;
      }
      if (t === 0) break;
      if (t === S_SPACE) {
        if (++spaces > 2 || (spaces === 2 && others === 0)) break;
      } else if (++others > 1 || (t === S_PLUS && spaces > 0)) break;
      type |= t;
      k += len;
    }
    // Two spaces need something between them; a plus stands alone.
    if (spaces === 2 && others === 0) return j;
    if (k > j && (type & S_PLUS) !== 0 && k - j > 1) return j;
    this.gsep[g] = type;
    return k;
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
      // `.` joins the parts of one number (`10.0.19045.3693`): a candidate neither starts nor ends inside such a run.
      if (first > 0 && this.gsep[first - 1]! & S_DOT) {
        first++;
        continue;
      }
      for (let last = n - 1; last >= first; last--) {
        if (last < n - 1 && this.gsep[last]! & S_DOT) continue;
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
    let seps = 0;
    for (let g = first; g <= last; g++) {
      for (let k = this.gs[g]!; k < this.ge[g]!; k++) {
        if (count === d.length) return undefined;
        d[count++] = b[k]!;
      }
      if (g < last) seps |= this.gsep[g]!;
    }
    if (count < MIN_DIGITS) return undefined;
    const start = this.gs[first]!;
    const groups = last - first + 1;
    // `+46…` is E.164 only when the plus starts a word (`me+070` is a query-string space).
    const plus = start > from && b[start - 1]! === PLUS && (start - 1 === from || !isAlnum(b[start - 2]!));
    this.plus = plus;
    const label = first === 0 ? this.runLabel : 0;
    if (label & L_VERSION) return undefined;
    const time = (label & L_TIME) !== 0;
    const id = (label & L_ID) !== 0;
    const en = this.enabled;
    if (label & (L_IP | L_NET) && groups === 1 && count >= 8 && count <= 10) {
      // Behind a weak label (`from`, `query`) only outside the range of Unix timestamps.
      const v = ipv4Integer(d, count);
      if (v >= 0 && (label & L_IP || v < EARLIEST_TIMESTAMP || v > LATEST_TIMESTAMP)) return 'ip';
    }
    if (label & L_BIRTH && isDate(d, count, groups, seps)) return 'birthdate';
    // Behind an order or record label, only a personal number written as one (with its separator) is taken for one.
    if (en.personnummer && !plus && !time && !(id && groups === 1) && this.isPersonnummer(first, last, count, seps, label)) return 'personnummer';
    const date = isDateLayout(this.ge, this.gs, first, groups, seps);
    if (this.device && !plus && !time && !date) {
      const dev = deviceKind(d, count, groups, seps, label);
      if (dev !== undefined) return dev;
    }
    if (en.card && !plus && !time && !id && !(seps & (S_DOT | S_SLASH | S_PAREN)) && isCard(d, count, groups, (label & L_CARD) !== 0)) return 'card';
    if (en.phone && !date && ((!time && !id) || label & L_PHONE) && this.isPhone(d, count, plus, first, groups, seps, label)) return 'phone';
    return undefined;
  }

  /**
   * Swedish personnummer / samordningsnummer (Skatteverket SKV 704):
   * YYMMDD-NNNC or YYYYMMDDNNNC, `+` instead of `-` for people over 100,
   * day + 60 for coordination numbers, C the Luhn digit over the 10-digit
   * form. Written in one run, with one separator before the last four
   * digits (`-`, `+`, a dash, a space, `.` or `/`), or with the date's
   * parts separated too (`1981-12-18-9876`, `81.12.18-9876`). Without a
   * label, a birth date in the last year or the future is a timestamp
   * (`20241122-1530`), not a person.
   */
  private isPersonnummer(first: number, last: number, count: number, seps: number, label: number): boolean {
    if (count !== 10 && count !== 12) return false;
    const groups = last - first + 1;
    const len = (g: number): number => this.ge[first + g]! - this.gs[first + g]!;
    if (groups === 2) {
      if (len(1) !== 4) return false;
    } else if (groups === 4) {
      if (len(1) !== 2 || len(2) !== 2 || len(3) !== 4) return false;
      const a = this.gsep[first]!;
      if (a !== this.gsep[first + 1] || a & (S_PLUS | S_PAREN)) return false;
    } else if (groups !== 1) return false;
    if (seps & S_PAREN) return false;
    const d = this.digits;
    const off = count - 10;
    let year = (d[off]! - ZERO) * 10 + (d[off + 1]! - ZERO);
    if (count === 12) {
      const century = (d[0]! - ZERO) * 10 + (d[1]! - ZERO);
      if (century < 18 || century > 20) return false;
      year += century * 100;
    } else {
      year += year <= THIS_YEAR % 100 ? 2000 : 1900;
      // `+` before the last four: a hundred years or more (SKV 704).
      if (groups === 2 && this.gsep[first]! & S_PLUS) year -= 100;
    }
    const month = (d[off + 2]! - ZERO) * 10 + (d[off + 3]! - ZERO);
    let day = (d[off + 4]! - ZERO) * 10 + (d[off + 5]! - ZERO);
    if (day > 60) day -= 60;
    if (month < 1 || month > 12 || day < 1 || day > 31) return false;
    if (!(label & L_PNR) && (year > THIS_YEAR - 1 || (year === THIS_YEAR - 1 && month >= THIS_MONTH))) return false;
    return luhnValid(d, off, count);
  }

  /** The `k`th digit of group `g` after `first`, as a char code. */
  private digitAt(first: number, g: number, k: number): number {
    return this.bytes[this.gs[first + g]! + k]!;
  }

  /**
   * Phone numbers: E.164 (`+` and 8–15 digits, the first not 0, a trunk
   * `(0)` allowed), international with `00`, national numbers (`0` + an
   * area code not starting with 0, 8–11 digits: Swedish, British, German,
   * French, Dutch, Finnish layouts), MSISDNs written without `+` (Swedish,
   * Norwegian, Finnish, British and German mobiles), North American
   * `(415) 555-2671`; behind a phone label, any 7–15 digits.
   */
  private isPhone(d: Uint8Array, count: number, plus: boolean, first: number, groups: number, seps: number, label: number): boolean {
    const len = (g: number): number => this.ge[first + g]! - this.gs[first + g]!;
    if (seps & S_DOT) {
      // Every part with a leading zero (`0260.0270.023.04`): inet_aton's octal, an address.
      let octal = true;
      for (let g = 0; g < groups; g++) if (this.digitAt(first, g, 0) !== ZERO) octal = false;
      if (octal && groups === 4) return false;
      // Dotted: every part two digits or more (`070.123.45.67`), and four parts of at most 255
      // are an IPv4 address unless laid out as a Swedish mobile number (07x.xxx.xx.xx).
      let octets = groups === 4 && !plus;
      for (let g = 0; g < groups; g++) {
        if (len(g) < 2) return false;
        if (len(g) > 3 || (len(g) === 3 && (this.digitAt(first, g, 0) - ZERO) * 100 + (this.digitAt(first, g, 1) - ZERO) * 10 + this.digitAt(first, g, 2) - ZERO > 255)) octets = false;
      }
      if (octets && !(d[0] === ZERO && d[1] === 55 && len(0) === 3 && len(1) === 3 && len(2) === 2 && len(3) === 2)) return false;
    }
    if (label & L_PHONE && count >= 8 && count <= 15) {
      // `from=1712051234` is a time range's start, not a caller.
      if (count !== 10 || d[0] !== 49) return true;
      const v = ipv4Integer(d, count);
      if (v < 1e9 || v > LATEST_TIMESTAMP) return true;
    }
    if (plus) return count >= 7 && count <= 15 && d[0] !== ZERO;
    if (d[0] === ZERO) {
      if (d[1] === ZERO) return count >= 11 && count <= 17 && d[2] !== ZERO; // 00 + E.164
      // Eight to ten digits (Swedish, French, Dutch…); eleven (British, German) in at most three groups, the last of three digits or more.
      // Twelve: a German mobile (015x, 016x, 017x).
      const mobileDe = count === 12 && d[1] === 49 && d[2]! >= 53 && d[2]! <= 55;
      return count >= 8 && (count <= 10 || ((count === 11 || mobileDe) && groups <= 3 && len(groups - 1) >= 3));
    }
    if (seps & S_SLASH) return false;
    if (groups === 1 && isMsisdn(d, count)) return true;
    // North American: NXX NXX XXXX, optionally after a 1.
    if (count === 10 && groups === 3 && len(0) === 3 && len(1) === 3 && d[0]! >= 50 && d[3]! >= 50) return true;
    if (count === 11 && groups === 4 && d[0] === 49 && len(0) === 1 && len(1) === 3 && len(2) === 3 && d[1]! >= 50 && d[4]! >= 50) return true;
    return false;
  }
}

/** How many digits follow `i` before a letter (up to 16). */
function digitsAhead(b: Uint8Array, i: number, to: number): number {
  let n = 0;
  for (let k = i; k < to && n < 16; k++) {
    const c = b[k]!;
    if (isDigit(c)) n++;
    else if (isLetter(c)) break;
  }
  return n;
}

