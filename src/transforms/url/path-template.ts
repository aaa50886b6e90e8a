/**
 * Path templates: a URL path with its identifier-shaped segments replaced by
 * typed placeholders — `/api/v1/users/134792/orders/0012345678` becomes
 * `/api/v1/users/{user}/orders/{id}`. The redactor applies this rule to the
 * paths it keeps, and the aggregate stage uses {@link templatePath} as its
 * `path_template` dimension: one implementation, so the two never disagree.
 */
import { SEGMENT_PLACEHOLDER, SEG_EMAIL, SEG_IP, SEG_KEEP, SEG_MAC, SEG_PHONE, SEG_PNR, SEG_USER, SEG_UUID, classifySegment, extensionStart } from './segment.js';
import { isPnrDigits } from './shapes.js';
import { SegmentCache } from './segment-cache.js';

export interface PathTemplateOptions {
  /**
   * Segments after which the next one names a user (`/users/anna`,
   * `/home/anna`, `C:\Users\anna`), compared case-insensitively.
   */
  readonly userPrefixes: readonly string[];
}

/** The built-in user-path prefixes (`/@handle` and `~user` are recognised by shape). */
export const DEFAULT_USER_PREFIXES = ['users', 'user', 'u', 'profile', 'profiles', 'author', 'authors', 'home', 'members', 'member', 'people'] as const;

export const DEFAULT_PATH_TEMPLATE: PathTemplateOptions = { userPrefixes: DEFAULT_USER_PREFIXES };

/** Words that follow a user prefix without naming a user (`/users/me`, `/profile/edit`). */
const NOT_A_USER = ['me', 'self', 'new', 'edit', 'settings', 'search', 'index', 'list', 'all', 'current'].map((w) => new TextEncoder().encode(w));

/** Segments after which the next ones hold a phone number. */
const PHONE_PREFIXES = ['tel', 'phone', 'sms', 'call', 'callback', 'msisdn'].map((w) => new TextEncoder().encode(w));

function allDigits(b: Uint8Array, a: number, z: number): boolean {
  for (let k = a; k < z; k++) if (b[k]! < 48 || b[k]! > 57) return false;
  return true;
}

/** Digits of a split personal number, reused: the date segment's six or eight, then the four of the next. */
const pnrDigits = new Uint8Array(12);

/**
 * Whether `b[a..z)` (six or eight digits, a valid date) and the segment after
 * the separator at `z` (exactly four digits) are together a personal identity
 * number written with a slash (`/811218/1234`, `/19811218/1234`): the date,
 * the four digits and the Luhn check all have to agree, so a date followed by
 * a four-digit record number is rarely taken (one in ten).
 */
function isSplitPnr(b: Uint8Array, a: number, z: number, end: number): boolean {
  const n = z - a;
  if ((n !== 6 && n !== 8) || z + 5 > end || !allDigits(b, a, z) || !allDigits(b, z + 1, z + 5)) return false;
  const after = z + 5 < end ? b[z + 5]! : -1;
  if (after !== -1 && after !== 47 && after !== 92 && after !== 59 && after !== 46) return false;
  for (let k = 0; k < n; k++) pnrDigits[k] = b[a + k]!;
  for (let k = 0; k < 4; k++) pnrDigits[n + k] = b[z + 1 + k]!;
  return isPnrDigits(pnrDigits.subarray(0, n + 4));
}

function hasDigit(b: Uint8Array, a: number, z: number): boolean {
  for (let k = a; k < z; k++) if (b[k]! >= 48 && b[k]! <= 57) return true;
  return false;
}

/** Whether `b[a..z)` is one of `words` (lower-case ASCII), compared case-insensitively on the bytes: no string per segment. */
function matchesAny(b: Uint8Array, a: number, z: number, words: readonly Uint8Array[]): boolean {
  outer: for (const w of words) {
    if (w.length !== z - a) continue;
    for (let k = 0; k < w.length; k++) if ((b[a + k]! | (b[a + k]! >= 65 && b[a + k]! <= 90 ? 0x20 : 0)) !== w[k]) continue outer;
    return true;
  }
  return false;
}

/**
 * Walks the path `b[s..e)` segment by segment (split at `/` and `\`, ending
 * at a `?` or `#`, whose offset it returns) and reports each segment that
 * must be replaced, with its kind:
 * `segment(start, end, kind)`. A `;` ends a segment's own text; what
 * follows it up to the next separator (matrix parameters, `;jsessionid=…`)
 * is reported with `params(start, end)`.
 *
 * @example
 * const w = new PathWalker(DEFAULT_PATH_TEMPLATE);
 * w.walk(bytes, 0, bytes.length, (a, z, kind) => …, (a, z) => …);
 */
export class PathWalker {
  private readonly longestPrefix: number;
  private readonly prefixBytes: Uint8Array[];
  private readonly cache = new SegmentCache();

  constructor(options: PathTemplateOptions) {
    this.prefixBytes = [...new Set(options.userPrefixes.map((p) => p.toLowerCase()))].map((p) => new TextEncoder().encode(p));
    this.longestPrefix = Math.max(0, ...options.userPrefixes.map((p) => p.length));
  }

  walk(b: Uint8Array, s: number, e: number, segment: (start: number, end: number, kind: number) => void, params: (start: number, end: number) => void): number {
    let afterPrefix = false;
    let afterPhone = false;
    // The segment before was the date of a personal number split by a slash: this one is its four digits.
    let pnrTail = false;
    let i = s;
    let end = e;
    while (i <= end) {
      const a = i;
      let semi = -1;
      // Whether the segment is a lower-case word (`static`, `privacy-guide`): then nothing to classify.
      let word = true;
      // `\` separates Windows path segments, but `\xHH` is nginx's escape of a byte. `?` and `#` end the path.
      while (i < end) {
        const c = b[i]!;
        if (c === 47 || (c === 92 && b[i + 1] !== 120)) break;
        if (c === 63 || c === 35) {
          end = i;
          break;
        }
        if (c === 59 && semi < 0) semi = i;
        if (word && !((c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46)) word = semi >= 0;
        i++;
      }
      const z = semi >= 0 ? semi : i;
      if (z > a) {
        let kind = word && !afterPrefix ? SEG_KEEP : this.cache.kind(b, a, z);
        if (afterPrefix && kind !== SEG_IP && !this.isWord(b, a, z, NOT_A_USER) && !isPlaceholder(b, a, z)) kind = SEG_USER;
        // After `/tel/`, `/sms/`, `/phone/`: segments with digits are the number, however it was split (`/tel/040/14%2040%2095`).
        else if (afterPhone && !word && kind === SEG_KEEP && hasDigit(b, a, z)) kind = SEG_PHONE;
        else afterPhone = false;
        if (pnrTail) kind = SEG_PNR;
        pnrTail = false;
        // Only a segment of six or eight digits before a separator pays for the look-ahead.
        if (b[z] === 47 && (z - a === 6 || z - a === 8) && semi < 0 && isSplitPnr(b, a, z, end)) {
          kind = SEG_PNR;
          pnrTail = true;
        }
        if (kind !== SEG_KEEP) {
          // A file name keeps its extension (`/{id}.pdf`), unless it is percent-encoded.
          // A shape judged on the whole segment (an address, an e-mail address — whose domain's
          // last label is no extension —, a MAC, a UUID) has no extension to keep.
          const ext = kind === SEG_USER || kind === SEG_EMAIL || kind === SEG_IP || kind === SEG_MAC || kind === SEG_UUID ? (kind === SEG_MAC ? macExtension(b, a, z) : -1) : rawExtension(b, a, z);
          segment(a, ext > a + 1 ? ext - 1 : z, kind);
        }
        afterPrefix = this.isPrefix(b, a, z);
        if (matchesAny(b, a, z, PHONE_PREFIXES)) afterPhone = true;
      }
      if (semi >= 0 && i > semi + 1) params(semi + 1, i);
      i++;
    }
    return end;
  }

  private isPrefix(b: Uint8Array, a: number, z: number): boolean {
    return z - a <= this.longestPrefix && matchesAny(b, a, z, this.prefixBytes);
  }

  private isWord(b: Uint8Array, a: number, z: number, words: readonly Uint8Array[]): boolean {
    return z - a <= 8 && matchesAny(b, a, z, words);
  }
}

/** For a MAC file name (`dca6.327d.e63d.cfg`): where its extension starts, or -1 (`dca6.327d.e63d`). */
function macExtension(b: Uint8Array, a: number, z: number): number {
  const n = z - a;
  if (n === 14 || n === 17) return -1;
  return rawExtension(b, a, z);
}

/** The extension's start in a segment written without escapes, or -1. */
function rawExtension(b: Uint8Array, a: number, z: number): number {
  for (let k = a; k < z; k++) if (b[k] === 37) return -1;
  return extensionStart(b, a, z);
}


function isPlaceholder(b: Uint8Array, a: number, z: number): boolean {
  return z - a > 2 && ((b[a] === 123 && b[z - 1] === 125) || (b[a] === 91 && b[z - 1] === 93));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const defaultWalker = new PathWalker(DEFAULT_PATH_TEMPLATE);
const walkers = new WeakMap<PathTemplateOptions, PathWalker>();

/**
 * The path of `path` (a path, a request target or an absolute URL) with
 * identifier-shaped segments replaced by typed placeholders: `{id}`,
 * `{user}`, `{email}`, `{uuid}`, `{hex}`, `{token}`, `{phone}`, `{pnr}`,
 * `{ip}`. The query string, the fragment and matrix parameters
 * (`;jsessionid=…`) are dropped; of an absolute URL the scheme and host are
 * kept (user info dropped, an address host templated as `{ip}`).
 *
 * @example
 * templatePath('/api/v1/users/134792/orders?page=2')   // '/api/v1/users/{user}/orders'
 * templatePath('/static/app.1efe627a.css')             // '/static/app.1efe627a.css'
 * templatePath('/reset/anna%40example.se')             // '/reset/{email}'
 * templatePath('https://u:p@shop.example/p/8f14e45fceea167a5a36dedd4bea2543') // 'https://shop.example/p/{hex}'
 */
export function templatePath(path: string, options: PathTemplateOptions = DEFAULT_PATH_TEMPLATE): string {
  let walker = options === DEFAULT_PATH_TEMPLATE ? defaultWalker : walkers.get(options);
  if (walker === undefined) {
    walker = new PathWalker(options);
    walkers.set(options, walker);
  }
  const b = encoder.encode(path);
  let end = b.length;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 63 || b[i] === 35) {
      end = i;
      break;
    }
  }
  let out = '';
  let start = 0;
  const scheme = schemeEnd(b, 0, end);
  if (scheme > 0) {
    // scheme://[userinfo@]host[:port]
    let hostEnd = scheme;
    while (hostEnd < end && b[hostEnd] !== 47 && b[hostEnd] !== 92) hostEnd++;
    let hostStart = scheme;
    for (let k = scheme; k < hostEnd; k++) if (b[k] === 64) hostStart = k + 1;
    out = decoder.decode(b.subarray(0, scheme));
    const kind = classifySegment(b, hostStart, hostEnd);
    out += kind === SEG_IP || kind === SEG_USER ? SEGMENT_PLACEHOLDER[kind] : decoder.decode(b.subarray(hostStart, hostEnd));
    start = hostEnd;
  }
  let prev = start;
  const cuts: number[] = [];
  walker.walk(
    b,
    start,
    end,
    (a, z, kind) => cuts.push(a, z, kind),
    (a, z) => cuts.push(a - 1, z, -1),
  );
  for (let k = 0; k < cuts.length; k += 3) {
    const a = cuts[k]!;
    const z = cuts[k + 1]!;
    const kind = cuts[k + 2]!;
    out += decoder.decode(b.subarray(prev, a)) + (kind < 0 ? '' : SEGMENT_PLACEHOLDER[kind]);
    prev = z;
  }
  return out + decoder.decode(b.subarray(prev, end));
}

/**
 * The offset after `scheme://` (RFC 3986 §3.1: a letter, then letters,
 * digits, `+ - .`) at the start of `b[s..e)`, or 0 when there is none.
 *
 * @example
 * schemeEnd(Buffer.from('https://x'), 0, 9) // 8
 */
export function schemeEnd(b: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e && i - s < 32) {
    const c = b[i]!;
    const letter = (c | 0x20) >= 97 && (c | 0x20) <= 122;
    if (letter || (i > s && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))) {
      i++;
      continue;
    }
    break;
  }
  return i > s && i + 2 < e && b[i] === 58 && b[i + 1] === 47 && b[i + 2] === 47 ? i + 3 : 0;
}
