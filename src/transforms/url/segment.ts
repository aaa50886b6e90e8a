/**
 * Path segments by shape: whether a segment of a URL path (or a query name
 * or allow-listed value) is an identifier, and of what type.
 *
 * Word-like segments (`api`, `blog`, `privacy-guide-311`, `björn`), short
 * numbers (`2024`, `v1`), file names with extensions and content-hashed
 * asset names (`app.1efe627a.css`) are kept; a segment shaped like an
 * identifier becomes a typed placeholder: digit runs of seven or more and letters mixed
 * with digits `{id}`, e-mail `{email}`, `~user` and `@handle` `{user}`,
 * UUIDs `{uuid}`, hex digests `{hex}`, base64 and other random tokens
 * `{token}`, phone numbers `{phone}`, personal identity numbers `{pnr}`,
 * IP addresses `{ip}`.
 */
import { CLS, DIGIT, HEXL, HIGH, LOWER, OTHER, SEP, UPPER, hexVal } from './classes.js';
import { dashedQuad, dottedHostQuad, isAtonQuad, hasByte, hasDomain, isDateShape, isDimensions, isDottedQuad, isIpv6Like, isPnrDigits, isUuidAt, longMixedCaseRun } from './shapes.js';

export const SEG_KEEP = 0;
export const SEG_ID = 1;
export const SEG_USER = 2;
export const SEG_EMAIL = 3;
export const SEG_UUID = 4;
export const SEG_HEX = 5;
export const SEG_TOKEN = 6;
export const SEG_PHONE = 7;
export const SEG_PNR = 8;
export const SEG_IP = 9;
export const SEG_MAC = 10;

/** The placeholder of each segment kind. */
export const SEGMENT_PLACEHOLDER = ['', '{id}', '{user}', '{email}', '{uuid}', '{hex}', '{token}', '{phone}', '{pnr}', '{ip}', '{mac}'] as const;

/** The longest segment decoded for classification; longer ones are read as they are. */
const MAX_DECODED = 4096;
const scratch = new Uint8Array(MAX_DECODED);
/** The digits of a numeric segment (at most 15 are looked at). */
const digitBuf = new Uint8Array(16);


/**
 * Percent-decodes `b[s..e)` (up to three rounds: `%2540` is `%40` is `@`)
 * into the scratch buffer; returns its length, or -1 when there is nothing
 * to decode (then the caller reads `b` itself).
 */
function decodeSegment(b: Uint8Array, s: number, e: number): number {
  if (e - s > MAX_DECODED) return -1;
  let n = 0;
  for (let i = s; i < e; i++) scratch[n++] = b[i]!;
  for (let round = 0; round < 3; round++) {
    let m = 0;
    let changed = false;
    for (let i = 0; i < n; ) {
      const c = scratch[i]!;
      // `%XX`, and nginx's `\xXX`.
      const at = c === 37 ? 1 : c === 92 && scratch[i + 1] === 120 ? 2 : 0;
      if (at > 0 && i + at + 1 < n) {
        const h = hexVal(scratch[i + at]!);
        const l = hexVal(scratch[i + at + 1]!);
        if (h >= 0 && l >= 0) {
          scratch[m++] = (h << 4) | l;
          i += at + 2;
          changed = true;
          continue;
        }
      }
      scratch[m++] = c;
      i++;
    }
    n = m;
    if (!changed) break;
  }
  // Unicode spaces read as spaces (no-break C2 A0; en quad … hair, narrow no-break E2 80 8x/AF),
  // Unicode dashes as `-` (hyphens, figure and en dash E2 80 90–93, minus sign E2 88 92).
  let m = 0;
  for (let i = 0; i < n; ) {
    const c = scratch[i]!;
    const c1 = scratch[i + 1];
    const c2 = scratch[i + 2]!;
    if (c === 0xc2 && c1 === 0xa0) {
      scratch[m++] = 32;
      i += 2;
    } else if (c === 0xe2 && c1 === 0x80 && ((c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xaf)) {
      scratch[m++] = 32;
      i += 3;
    } else if (c === 0xe2 && ((c1 === 0x80 && c2 >= 0x90 && c2 <= 0x93) || (c1 === 0x88 && c2 === 0x92))) {
      scratch[m++] = 45;
      i += 3;
    } else scratch[m++] = scratch[i++]!;
  }
  return m;
}

/**
 * The kind of the segment `b[s..e)` (percent-encoded or not): one of the
 * `SEG_*` constants, `SEG_KEEP` for a segment that stays.
 *
 * @example
 * classifySegment(Buffer.from('12345678'), 0, 8) // SEG_ID
 * classifySegment(Buffer.from('app.1efe627a.css'), 0, 16) // SEG_KEEP
 */
export function classifySegment(b: Uint8Array, s: number, e: number): number {
  // One pass: most segments are lower-case words (`static`, `account`, `privacy-guide`), with
  // nothing to decode or judge; most others have nothing to decode.
  let word = true;
  let escaped = false;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if ((c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46) continue;
    word = false;
    if (c === 37 || c === 92 || c >= 0xc2) escaped = true;
  }
  if (word) return SEG_KEEP;
  const n = escaped ? decodeSegment(b, s, e) : -1;
  return n < 0 ? classifyDecoded(b, s, e) : classifyDecoded(scratch, 0, n);
}

function classifyDecoded(d: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 0) return SEG_KEEP;
  const first = d[s]!;
  const last = d[e - 1]!;
  // A placeholder left by an earlier pass: `{id}`, `[email]`.
  if ((first === 123 && last === 125) || (first === 91 && last === 93)) {
    let word = true;
    for (let i = s + 1; i < e - 1; i++) if (!(CLS[d[i]!]! & (LOWER | UPPER)) && d[i] !== 95) word = false;
    if (word && n > 2) return SEG_KEEP;
  }
  let all = 0;
  let at = -1;
  let colons = 0;
  let dots = 0;
  let digits = 0;
  for (let i = s; i < e; i++) {
    const c = d[i]!;
    all |= CLS[c]!;
    if (c === 64 && at < 0) at = i;
    else if (c === 58) colons++;
    else if (c === 46) dots++;
    if (CLS[c]! & DIGIT) digits++;
  }
  if (at >= 0) return at === s || !hasDomain(d, at + 1, e) ? SEG_USER : SEG_EMAIL;
  if (first === 126 /* ~ */ && n > 1) return SEG_USER;
  if (colons >= 2 && isIpv6Like(d, s, e)) return SEG_IP;
  if (digits === 0) {
    // Letters only (and separators): words, unless a long run reads like a random token, or is a MAC of hex letters.
    if ((n === 17 || n === 14) && isMacShape(d, s, n)) return SEG_MAC;
    return longMixedCaseRun(d, s, e) || upperRun(d, s, e) ? SEG_TOKEN : SEG_KEEP;
  }
  if (dots === 3 && (isDottedQuad(d, s, e) || isAtonQuad(d, s, e))) return SEG_IP;
  if (n === 36 && isUuidAt(d, s)) return SEG_UUID;
  if ((n === 17 || n === 14) && isMacShape(d, s, n)) return SEG_MAC;
  if ((all & ~(DIGIT | SEP)) === 0) return numeric(d, s, e, digits);
  // A file name: keep its extension, and any content hash in its stem.
  const ext = extensionStart(d, s, e);
  // A MAC as a file name (`SEP001a2b3c4d5e.cnf.xml`, `dca6.327d.e63d.cfg`) is a MAC.
  if (ext > s) {
    const stem = ext - 1;
    const dot = lastDot(d, s, stem);
    if ((stem - s === 14 || stem - s === 17) && isMacShape(d, s, stem - s)) return SEG_MAC;
    if (dot > s && (dot - s === 14 || dot - s === 17) && isMacShape(d, s, dot - s)) return SEG_MAC;
    if (stem - s > 17 && isMacShape(d, stem - 17, 17)) return SEG_MAC;
    return parts(d, s, stem, true);
  }
  return parts(d, s, e, false);
}

function lastDot(d: Uint8Array, s: number, e: number): number {
  for (let i = e - 1; i > s; i--) if (d[i] === 46) return i;
  return -1;
}


/** Six hex pairs joined by `:` or `-` (17 characters), or Cisco's three groups of four joined by `.` (14). */
function isMacShape(d: Uint8Array, s: number, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const c = d[s + k]!;
    const sepAt = n === 17 ? k % 3 === 2 : k === 4 || k === 9;
    if (sepAt ? !(n === 17 ? c === 58 || c === 45 : c === 46) : hexVal(c) < 0) return false;
  }
  return true;
}

/** Sixteen or more upper-case letters (and digits) in one run: a key (`AKIAIOSFODNNEXAMPLE`), not a word. */
function upperRun(d: Uint8Array, s: number, e: number): boolean {
  let run = 0;
  for (let i = s; i < e; i++) {
    if (CLS[d[i]!]! & (UPPER | DIGIT)) {
      if (++run >= 16) return true;
    } else run = 0;
  }
  return false;
}

/** A segment of digits and separators only: a short number stays; long ones are typed. */
function numeric(d: Uint8Array, s: number, e: number, digits: number): number {
  if (d[s] !== 43 && dashedQuad(d, s, e, true)) return SEG_IP;
  let longest = 0;
  let run = 0;
  let groups = 0;
  for (let i = s; i < e; i++) {
    if (CLS[d[i]!]! & DIGIT) {
      if (run++ === 0) groups++;
      if (run > longest) longest = run;
    } else run = 0;
  }
  // Numbers of up to six digits (years, pages, record numbers: `2024`, `000123`, `10-20`) and dates
  // (`2024-11-22`) stay; seven digits or more — as many as the shortest phone and personal numbers —
  // are typed, also in small groups (`98 91 69 96`, a phone number written with spaces).
  if (digits <= 6 || (digits === 8 && groups === 3 && longest <= 4 && isDateShape(d, s, e))) return SEG_KEEP;
  if (digits > 15) return SEG_ID;
  const ds = digitBuf;
  let n = 0;
  for (let i = s; i < e; i++) if (CLS[d[i]!]! & DIGIT) ds[n++] = d[i]!;
  if ((digits === 10 || digits === 12) && groups <= 4 && isPnrDigits(ds.subarray(0, n))) return SEG_PNR;
  const plus = d[s] === 43;
  if ((plus && digits >= 8 && digits <= 15) || (ds[0] === 48 && digits >= 8 && digits <= 13) || (groups > 1 && digits >= 7 && digits <= 15 && !hasByte(d, s, e, 46))) return SEG_PHONE;
  if (digits === 11 && ds[0] === 52 && ds[1] === 54 && ds[2] === 55) return SEG_PHONE; // 467…: a Swedish MSISDN
  return SEG_ID;
}

/**
 * The parts of a stem (`[s, e)`), separated by `- _ . + ~ ,`: an identifier
 * anywhere makes the segment one. In a file name, a hex part beside a word
 * is a content hash (`app.1efe627a.css`, `main-5f3c2a1b9e8d7c6b.js`) and
 * stays; a file named by a hash alone (`8f14e45f….jpg`, a Gravatar-style
 * digest of an address) does not.
 */
function parts(d: Uint8Array, s: number, e: number, file: boolean): number {
  let result = SEG_KEEP;
  let i = s;
  let numericParts = 0;
  let words = 0;
  let hashes = 0;
  while (i < e) {
    if (CLS[d[i]!]! & SEP) {
      i++;
      continue;
    }
    const a = i;
    let k = 0;
    let digits = 0;
    let letters = 0;
    let transitions = 0;
    let prevDigit = -1;
    let nonHex = false;
    let x = false;
    while (i < e && !(CLS[d[i]!]! & SEP)) {
      const byte = d[i]!;
      const c = CLS[byte]!;
      k |= c;
      if (c & (LOWER | UPPER) && !(c & HEXL)) {
        nonHex = true;
        if (byte === 120) x = true;
      }
      const isDigit = c & DIGIT ? 1 : 0;
      if (isDigit) digits++;
      else if (c & (LOWER | UPPER | HIGH)) letters++;
      if (prevDigit >= 0 && isDigit !== prevDigit && c & (DIGIT | LOWER | UPPER)) transitions++;
      if (c & (DIGIT | LOWER | UPPER)) prevDigit = isDigit;
      i++;
    }
    const len = i - a;
    let kind = part(d, a, i, len, k, digits, letters, transitions, !nonHex, x);
    if (digits === 0 && letters > 0) words++;
    // A content hash beside a word in a file name: hex, or eight hex digits that happen to be decimal
    // (`app.34618027.css`, webpack's [contenthash:8]; not one starting with 0, which a phone number does).
    if (file && (kind === SEG_HEX ? len <= 32 : digits === len && len === 8 && d[a] !== 48 && a > s && d[a - 1] === 46)) {
      hashes++;
      kind = SEG_KEEP;
    }
    if (digits === len && len <= 3) {
      // Four short numbers in a row are an address written with dashes or dots (`c-90-76-31-188`);
      // in a file name only with dashes: `app-1.2.3.4.js` is a version.
      if (++numericParts === 4 && (dashedQuad(d, s, e, !file) || dottedHostQuad(d, s, i, e))) return SEG_IP;
    } else numericParts = 0;
    if (kind !== SEG_KEEP && (result === SEG_KEEP || kind === SEG_TOKEN)) result = kind;
  }
  if (hashes > 0 && words === 0 && result === SEG_KEEP) return SEG_HEX;
  return result;
}

function part(d: Uint8Array, a: number, b: number, len: number, k: number, digits: number, letters: number, transitions: number, hexLetters: boolean, x: boolean): number {
  if (digits === 0) return len >= 20 && longMixedCaseRun(d, a, b) ? SEG_TOKEN : SEG_KEEP;
  if (digits === len) return len >= 7 ? SEG_ID : SEG_KEEP;
  if (x && isDimensions(d, a, b)) return SEG_KEEP; // 2048x1536
  if (k & OTHER) {
    // Punctuation inside a part (`a:b`, `x(1)`): judge the letters and digits alone by count.
    return digits >= 5 ? SEG_ID : SEG_KEEP;
  }
  const hexOnly = (k & HIGH) === 0 && hexLetters;
  if (hexOnly && len >= 6 && letters > 0) return SEG_HEX;
  if (len >= 16 && letters > 0) return SEG_TOKEN;
  if (len <= 4) return SEG_KEEP; // v1, a1, 3d, y587, 6dzp: too short to single anyone out
  // Model numbers and sizes: letters then up to three digits (`iphone15`, `h264`,
  // `mp3`, `x86`), or up to four digits then up to three letters (`1080p`, `4k`, `2fa`).
  if (transitions === 1) {
    const letterFirst = !(CLS[d[a]!]! & DIGIT);
    if (letterFirst && digits <= 3) return SEG_KEEP;
    if (!letterFirst && digits <= 4 && letters <= 3) return SEG_KEEP;
  }
  return SEG_ID;
}

/**
 * Where the extension of a file name starts (after the last `.`), or -1:
 * one to five letters and digits with a letter (`css`, `mp4`, `woff2`), after
 * a non-empty stem.
 */
export function extensionStart(d: Uint8Array, s: number, e: number): number {
  let dot = -1;
  for (let i = e - 1; i > s; i--) {
    if (d[i] === 46) {
      dot = i;
      break;
    }
  }
  if (dot < 0 || e - dot - 1 < 1 || e - dot - 1 > 5) return -1;
  let letter = false;
  for (let i = dot + 1; i < e; i++) {
    const c = CLS[d[i]!]!;
    if (!(c & (DIGIT | LOWER | UPPER))) return -1;
    if (c & (LOWER | UPPER)) letter = true;
  }
  return letter ? dot + 1 : -1;
}

