/**
 * The encoding layers of W3C-style logs, each undone exactly once before the
 * anonymise stage sees a value and done again on what it writes back:
 *
 * - CloudFront URL-encodes every value (RFC 1738 unsafe bytes, space, `%`
 *   itself): a client's `%40` is logged `%2540`. Decoding once gives what
 *   the client sent, so the redactor meets `%40` (an e-mail address it
 *   knows) rather than `%2540`.
 * - IIS writes a space as `+` in string fields (user agent, referer, cookie).
 */

const HEXD = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Decodes values whose bytes go beyond ASCII; fatal, so bytes that are not UTF-8 throw. Made once: a decoder per call cost more than the decoding. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Scratch for the decoded bytes (grown for long values). */
let scratch = Buffer.allocUnsafe(1024);

/**
 * `%XX` decoded once, as UTF-8; a `%` not followed by two hex digits stays.
 * Bytes that are not valid UTF-8, or a raw character beyond ASCII (not
 * CloudFront's encoding), leave the whole value as it was. The bytes are
 * written into a scratch buffer in one pass; when every one is ASCII (user
 * agents, most queries) the text is read back as Latin-1 — the string UTF-8
 * decoding gives, since ASCII bytes decode to themselves — in one flat
 * string rather than a chain of slices.
 *
 * @example
 * percentDecodeOnce('mail=alice%2540example.com') // 'mail=alice%40example.com'
 */
export function percentDecodeOnce(v: string): string {
  if (v.indexOf('%') < 0) return v;
  if (v.length > scratch.length) scratch = Buffer.allocUnsafe(v.length * 2);
  const bytes = scratch;
  let n = 0;
  let decoded = false;
  let high = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 37) {
      const hi = hexVal(v.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexVal(v.charCodeAt(i + 2));
      if (lo >= 0) {
        const b = (hi << 4) | lo;
        if (b >= 128) high = true;
        bytes[n++] = b;
        decoded = true;
        i += 2;
        continue;
      }
    } else if (c >= 128) return v;
    bytes[n++] = c;
  }
  if (!decoded) return v;
  if (!high) return bytes.toString('latin1', 0, n);
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    return v;
  }
}

/** Characters CloudFront encodes (RFC 1738's unsafe set, space, control bytes, `%`). */
const CLOUDFRONT_UNSAFE = new Uint8Array(128);
for (let c = 0; c <= 32; c++) CLOUDFRONT_UNSAFE[c] = 1;
for (const ch of '<>"#%{}|\\^~[]`\'') CLOUDFRONT_UNSAFE[ch.charCodeAt(0)] = 1;
CLOUDFRONT_UNSAFE[127] = 1;

const encoder = new TextEncoder();

/**
 * Encodes a value the way CloudFront does (every byte ≥ 127 and the unsafe
 * ASCII set as `%XX`).
 *
 * @example
 * cloudfrontEncode('Chrome 120 [mobile]') // 'Chrome%20120%20%5Bmobile%5D'
 */
export function cloudfrontEncode(v: string): string {
  let plain = true;
  for (let i = 0; i < v.length && plain; i++) {
    const c = v.charCodeAt(i);
    plain = c < 128 && CLOUDFRONT_UNSAFE[c] === 0;
  }
  if (plain) return v.length === 0 ? '-' : v;
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // Beyond ASCII: the UTF-8 bytes of the rest, each encoded as CloudFront does.
    if (c >= 128) return out + v.slice(from, i) + encodeBytes(v.slice(i));
    if (CLOUDFRONT_UNSAFE[c] === 1) {
      out += v.slice(from, i) + '%' + HEXD[c >> 4]! + HEXD[c & 15]!;
      from = i + 1;
    }
  }
  return out + v.slice(from);
}

/** cloudfrontEncode of text holding characters beyond ASCII, byte by byte of its UTF-8. */
function encodeBytes(v: string): string {
  let out = '';
  for (const b of encoder.encode(v)) out += b < 128 && CLOUDFRONT_UNSAFE[b] === 0 ? String.fromCharCode(b) : '%' + HEXD[b >> 4]! + HEXD[b & 15]!;
  return out;
}

/**
 * IIS's `+` for a space, undone (lossy: a literal `+` reads as a space too,
 * which only matters for text the policy changes anyway).
 *
 * @example
 * plusDecode('Mozilla/5.0+(Windows+NT+10.0)') // 'Mozilla/5.0 (Windows NT 10.0)'
 */
export function plusDecode(v: string): string {
  return v.indexOf('+') < 0 ? v : v.replace(/\+/g, ' ');
}

/**
 * A value for a space-separated W3C field: spaces as `+` (IIS), other
 * whitespace and control characters percent-encoded, empty as `-`.
 *
 * @example
 * spaceFieldValue('Chrome 120') // 'Chrome+120'
 */
export function spaceFieldValue(v: string): string {
  if (v.length === 0) return '-';
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 32 || c < 32 || c === 127 || c === 34) {
      out += v.slice(from, i) + (c === 32 ? '+' : '%' + HEXD[c >> 4]! + HEXD[c & 15]!);
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}

/**
 * A value for a tab-separated field: tabs, line breaks and other control
 * characters percent-encoded, empty as `-`.
 */
export function tabFieldValue(v: string): string {
  if (v.length === 0) return '-';
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c === 127) {
      out += v.slice(from, i) + '%' + HEXD[c >> 4]! + HEXD[c & 15]!;
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}
