/**
 * Path templating: a URL path with every identifier-shaped segment replaced
 * by a typed placeholder, so `/users/12345/orders/550e8400-…` becomes
 * `/users/{id}/orders/{uuid}` and no identifier survives in it. The query
 * string and fragment are removed.
 *
 * This is the one templating function of gallra: the aggregate stage's
 * `path_template` dimension uses it, and so does the URL hardening of the
 * privacy work. (A minimal version, to be replaced by the privacy branch's;
 * the contract — `templatePath(path: string): string` — stays.)
 */

/** Longest template kept; a longer path is cut at a segment boundary and ends in `/…`. */
const MAX_LENGTH = 200;
/** Most segments kept. */
const MAX_SEGMENTS = 16;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}$/i;
const NUMBER = /^[0-9][0-9._,-]*$/;
const EMAIL = /@|%40/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f]*:[0-9a-f:.]*$/i;
/** Base64/base64url/hex-like runs: long, no vowels-only words, at least two digits. */
const TOKEN = /^[A-Za-z0-9_~=+-]{16,}$/;
/** A slug: words of letters joined by dashes or underscores (`my-first-post`, `about_us-2024`). */
const SLUG = /^[a-z]+(?:[-_][a-z0-9]+)+$/i;
/** A placeholder the redactor already wrote (`[uuid]`, `[email]`, `%5Bredacted%5D`). */
const MARKER = /^(?:\[|%5b)([a-z_]{1,16})(?:\]|%5d)$/i;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/**
 * The placeholder for one segment, or the segment itself when it is not
 * identifier-shaped.
 */
function templateSegment(seg: string): string {
  if (seg === '') return seg;
  const marker = MARKER.exec(seg);
  if (marker !== null) return `{${marker[1]!.toLowerCase()}}`;
  if (EMAIL.test(seg)) return '{email}';
  if (IPV4.test(seg) || (seg.length >= 3 && IPV6.test(seg) && seg.includes(':'))) return '{ip}';
  if (NUMBER.test(seg)) return '{id}';
  if (UUID.test(seg)) return '{uuid}';
  if (HEX.test(seg)) return '{hex}';
  if (TOKEN.test(seg) && digitCount(seg) >= 2 && !SLUG.test(seg)) return '{token}';
  // Anything with a digit run of six or more (an order number inside a word) is an identifier too.
  if (/\d{6,}/.test(seg)) return '{id}';
  if (seg.length > 64) return '{long}';
  return seg;
}

/**
 * The template of a URL path (or a full URL, or a request target).
 *
 * @example
 * templatePath('/users/12345/orders/550e8400-e29b-41d4-a716-446655440000?page=2') // '/users/{id}/orders/{uuid}'
 * templatePath('/profile/jo@example.com')                                         // '/profile/{email}'
 */
export function templatePath(path: string): string {
  let p = path;
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  // A full URL: keep only its path.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme !== null) p = p.slice(scheme[0].length);
  if (p === '' || p === '*') return p === '*' ? '*' : '/';
  const segs = p.split('/');
  let out = '';
  const n = Math.min(segs.length, MAX_SEGMENTS + 1);
  for (let i = 0; i < n; i++) {
    const t = templateSegment(segs[i]!);
    const next = i === 0 ? t : out + '/' + t;
    if (next.length > MAX_LENGTH) return out + '/…';
    out = next;
  }
  if (segs.length > n) out += '/…';
  return out.startsWith('/') ? out : '/' + out;
}
