/**
 * Normalisation and matching for the privacy checker.
 *
 * A field value from gallra's output is turned into a set of *views*: every
 * decoding a reader could apply to get the identifier back — CLF/nginx `\xHH`
 * escapes of UTF-8 bytes, percent-encoding (repeatedly: redirect chains
 * encode a URL inside a URL), JSON `\uXXXX` escapes inside text, form
 * encoding (`+` for space), punycode labels — each then NFKC-normalised
 * (no-break and other Unicode spaces, full-width digits) and lower-cased.
 * The `joined` views additionally drop separators (spaces of every kind,
 * `- – − . / ( ) + _ : '`), so `+46 (0)70–123 45 67` reads `46070123 4567`
 * without its gaps.
 *
 * A planted identifier is described by its *cores*: the pieces that identify
 * the person on their own (a phone number's national digits, a personal
 * number's ten digits, a lower-cased e-mail address, a password). A core is
 * leaked when any view of any field of its line holds it. Short cores must
 * stand alone (no letter or digit glued on either side), so a PIN `4821`
 * is not "found" inside the byte count `148213`.
 *
 * This module is shared by the checker and by the generator's own
 * consistency check (every plant must be found when only it is left in the
 * line, and no core may be found when every plant is replaced); it knows
 * nothing about gallra.
 */
import { domainToUnicode } from 'node:url';

/** Cores shorter than this must be bounded by non-alphanumerics to count. */
export const BOUNDED_BELOW = 8;
/** Most views one value may produce (decodings compound). */
const MAX_VIEWS = 256;
/** Most decoding rounds (a URL nested six deep is already absurd). */
const MAX_ROUNDS = 8;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false });
const enc = new TextEncoder();

/**
 * Bytes → text: UTF-8 when valid, else both a lenient UTF-8 reading and a
 * Latin-1 reading (`bj%F6rn` from an old client).
 * @param {Uint8Array} bytes
 * @returns {string[]}
 */
function bytesToTexts(bytes) {
  try {
    return [utf8.decode(bytes)];
  } catch {
    let latin1 = '';
    for (const b of bytes) latin1 += String.fromCharCode(b);
    return [utf8Lenient.decode(bytes), latin1];
  }
}

/**
 * Replaces `\xHH` escapes (nginx and Apache access logs) by their bytes.
 * @param {string} s
 * @returns {string[]} the decoded readings, or [] when there is nothing to decode
 */
export function decodeXhh(s) {
  if (!/\\x[0-9a-fA-F]{2}/.test(s)) return [];
  const src = enc.encode(s);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0x5c && src[i + 1] === 0x78 && isHexByte(src[i + 2]) && isHexByte(src[i + 3])) {
      out[n++] = (hexVal(src[i + 2]) << 4) | hexVal(src[i + 3]);
      i += 3;
    } else out[n++] = src[i];
  }
  return bytesToTexts(out.subarray(0, n));
}

/**
 * One round of percent-decoding over the UTF-8 bytes of `s` (valid `%XX`
 * only; anything else stays as it is).
 * @param {string} s
 * @returns {string[]} readings, or [] when there is nothing to decode
 */
export function decodePercent(s) {
  if (!/%[0-9a-fA-F]{2}/.test(s)) return [];
  const src = enc.encode(s);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0x25 && isHexByte(src[i + 1]) && isHexByte(src[i + 2])) {
      out[n++] = (hexVal(src[i + 1]) << 4) | hexVal(src[i + 2]);
      i += 2;
    } else out[n++] = src[i];
  }
  return bytesToTexts(out.subarray(0, n));
}

/**
 * JSON-style escapes inside text (a JSON document logged as a string, or
 * Python's ensure_ascii): `\uXXXX`, `\"`, `\\`, `\/`.
 * @param {string} s
 * @returns {string[]}
 */
export function decodeBackslash(s) {
  if (!/\\(?:u[0-9a-fA-F]{4}|["\\/])/.test(s)) return [];
  return [
    s.replace(/\\(?:u([0-9a-fA-F]{4})|(["\\/]))/g, (_m, hex, ch) => (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : ch)),
  ];
}

/**
 * Punycode labels (`xn--…`) in Unicode.
 * @param {string} s
 * @returns {string[]}
 */
function decodePunycode(s) {
  if (!/xn--/i.test(s)) return [];
  const r = s.replace(/(?:[a-z0-9-]+\.)*xn--[a-z0-9-]+(?:\.[a-z0-9-]+)*/gi, (host) => {
    const u = domainToUnicode(host.toLowerCase());
    return u === '' ? host : u;
  });
  return r === s ? [] : [r];
}

/** @param {string} s @returns {string[]} */
function decodePlus(s) {
  return s.includes('+') ? [s.replace(/\+/g, ' ')] : [];
}

const DECODERS = [decodeXhh, decodePercent, decodeBackslash, decodePunycode, decodePlus];

/**
 * Separators a number or name may be written with, dropped in the joined
 * views: every Unicode space (NFKC has already made most of them U+0020,
 * but not all), zero-width characters, hyphens and dashes of every kind, the
 * minus sign, dots, slashes, parentheses, plus, underscore, colon, apostrophe
 * and the middle dot.
 */
const SEPARATORS = /[\s\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\-\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d.\u3002\uff0e/\\()+_:'\u00b7\u2027]/g;

/**
 * The views of one field value (see the module comment).
 *
 * @param {readonly string[]} sources the value as parsed, plus any other
 *   reading of it the parser has (e.g. the raw escaped text)
 * @returns {{ plain: string[], joined: string[] }}
 * @example
 * fieldViews(['/a?e=bj%25C3%25B6rn%2540example.se']).plain.some((v) => v.includes('björn@example.se')) // true
 */
export function fieldViews(sources) {
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {string[]} */
  let frontier = [];
  for (const s of sources) {
    if (typeof s === 'string' && !seen.has(s)) {
      seen.add(s);
      frontier.push(s);
    }
  }
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0 && seen.size < MAX_VIEWS; round++) {
    /** @type {string[]} */
    const next = [];
    for (const s of frontier) {
      // NFKC may reveal escapes (full-width %), so decoders also see the normalised text.
      const forms = [s, s.normalize('NFKC')];
      for (const f of forms) {
        for (const d of DECODERS) {
          for (const r of d(f)) {
            if (!seen.has(r) && seen.size < MAX_VIEWS) {
              seen.add(r);
              next.push(r);
            }
          }
        }
      }
    }
    frontier = next;
  }
  const plain = [...new Set([...seen].map((s) => s.normalize('NFKC').toLowerCase()))];
  const joined = [...new Set(plain.map((s) => s.replace(SEPARATORS, '')))];
  return { plain, joined };
}

/**
 * A core. `partial: true`: a long enough fragment of it counts as a partial
 * leak. `grade: 'partial'`: finding it whole is itself only a partial leak
 * (a family name alone, when the plant is a full name).
 * @typedef {{ kind: 'text' | 'joined', value: string, partial?: boolean, grade?: 'partial' }
 *   | { kind: 'ipv4', octets: [number, number, number, number] }
 *   | { kind: 'ipv6', groups: number[] }
 *   | { kind: 'geo', lat: number, lng: number }} Core
 */

/**
 * How a core is found in a set of views: 'leak' (whole), 'partial' (a long
 * enough fragment of a core marked `partial`), or undefined.
 *
 * @param {Core} core
 * @param {{ plain: string[], joined: string[] }} views
 * @returns {'leak' | 'partial' | undefined}
 */
export function findCore(core, views) {
  switch (core.kind) {
    case 'text':
    case 'joined': {
      const hay = core.kind === 'text' ? views.plain : views.joined;
      const needle = core.value;
      for (const v of hay) if (contains(v, needle)) return core.grade === 'partial' ? 'partial' : 'leak';
      if (core.partial === true) {
        const L = fragmentLength(needle);
        if (L < needle.length) {
          for (let p = 0; p + L <= needle.length; p++) {
            const frag = needle.slice(p, p + L);
            for (const v of hay) if (v.includes(frag)) return 'partial';
          }
        }
      }
      return undefined;
    }
    case 'ipv4':
      for (const v of views.plain) if (hasIpv4(v, core.octets)) return 'leak';
      return undefined;
    case 'ipv6':
      for (const v of views.plain) if (hasIpv6(v, core.groups)) return 'leak';
      return undefined;
    case 'geo':
      for (const v of views.plain) if (hasGeo(v, core.lat, core.lng)) return 'leak';
      // Across views of the same field: lat in one reading, lng in another.
      if (views.plain.some((v) => hasCoord(v, core.lat)) && views.plain.some((v) => hasCoord(v, core.lng))) return 'leak';
      return undefined;
    default:
      throw new Error(`unknown core kind ${/** @type {any} */ (core).kind}`);
  }
}

/**
 * How long a surviving fragment of a core must be to count as a partial
 * leak: most of it, and never fewer than 6 characters (7 when all digits:
 * digits recur by chance more easily).
 * @param {string} core
 */
export function fragmentLength(core) {
  return /^\d+$/.test(core) ? Math.max(7, Math.ceil(core.length * 0.7)) : Math.max(6, Math.ceil(core.length * 0.6));
}

const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Whether `hay` holds `needle`; short needles must not be glued to a letter
 * or digit on either side.
 * @param {string} hay
 * @param {string} needle
 */
export function contains(hay, needle) {
  if (needle.length >= BOUNDED_BELOW) return hay.includes(needle);
  let at = hay.indexOf(needle);
  while (at >= 0) {
    const before = at > 0 ? hay[at - 1] : '';
    const after = hay[at + needle.length] ?? '';
    if (!(before !== '' && ALNUM.test(before)) && !(after !== '' && ALNUM.test(after))) return true;
    at = hay.indexOf(needle, at + 1);
  }
  return false;
}

/**
 * Numeric readings of a token: decimal; octal too when it has a leading zero
 * (`0121.06.014.042`); hex with `0x`.
 * @param {string} tok lower case
 * @returns {number[]}
 */
function readings(tok) {
  if (tok.startsWith('0x')) return tok.length > 2 ? [parseInt(tok.slice(2), 16)] : [];
  const r = [parseInt(tok, 10)];
  if (tok.length > 1 && tok[0] === '0' && /^[0-7]+$/.test(tok)) r.push(parseInt(tok, 8));
  return r;
}

/**
 * Whether an IPv4 address is written in `v` in any form that gives all four
 * octets back: dotted (also dashed or underscored, as in host names:
 * `c-90-76-31-188`), reversed (`188.31.76.90.in-addr.arpa`), followed by a
 * port (`81.6.12.34.51234`), each octet decimal, octal or hex; or as one
 * 32-bit number (decimal, or hex with `0x`), or eight bare hex digits.
 * @param {string} v lower case
 * @param {readonly number[]} o the four octets
 */
export function hasIpv4(v, o) {
  const int = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
  const hex8 = int.toString(16).padStart(8, '0');
  {
    // Eight hex digits standing alone, or after `0x`.
    let at = v.indexOf(hex8);
    while (at >= 0) {
      const before = at > 0 ? v[at - 1] : '';
      const after = v[at + 8] ?? '';
      const ok = (before === '' || !/[0-9a-z]/.test(before) || (before === 'x' && v[at - 2] === '0')) && (after === '' || !/[0-9a-z]/.test(after));
      if (ok) return true;
      at = v.indexOf(hex8, at + 1);
    }
  }
  const toks = [];
  const re = /0x[0-9a-f]+|[0-9]+/g;
  let m;
  while ((m = re.exec(v)) !== null) toks.push({ s: m.index, e: m.index + m[0].length, r: readings(m[0]) });
  for (const t of toks) if (t.r.includes(int) && int > 0xffffff) return true;
  const rev = [o[3], o[2], o[1], o[0]];
  for (let i = 0; i + 3 < toks.length; i++) {
    let chained = true;
    for (let k = i; k < i + 3 && chained; k++) {
      const gap = v.slice(toks[k].e, toks[k + 1].s);
      chained = gap.length === 1 && '.-_'.includes(gap);
    }
    if (!chained) continue;
    const fwd = [0, 1, 2, 3].every((k) => toks[i + k].r.includes(o[k]));
    const bwd = [0, 1, 2, 3].every((k) => toks[i + k].r.includes(rev[k]));
    if (fwd || bwd) return true;
  }
  return false;
}

/**
 * Parses an IPv6 address (with `::`, an embedded IPv4 tail, no zone).
 * @param {string} s
 * @returns {number[] | null} eight 16-bit groups
 */
export function parseIpv6(s) {
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return null;
  let tail = [];
  let str = s;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4 !== null) {
    const o = v4.slice(1).map(Number);
    if (o.some((x) => x > 255)) return null;
    tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    str = s.slice(0, v4.index);
    // `::1.2.3.4` keeps its `::`; `…:ffff:1.2.3.4` loses the colon before the tail.
    if (!str.endsWith('::')) {
      if (!str.endsWith(':')) return null;
      str = str.slice(0, -1);
    }
  }
  const parts = str.split('::');
  if (parts.length > 2) return null;
  const parse = (p) => (p === '' ? [] : p.split(':'));
  const head = parse(parts[0]);
  const back = parts.length === 2 ? parse(parts[1]) : [];
  if ([...head, ...back].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const total = head.length + back.length + tail.length;
  if (parts.length === 1 && total !== 8) return null;
  if (parts.length === 2 && total > 7) return null;
  const fill = 8 - total;
  return [...head.map((g) => parseInt(g, 16)), ...Array(parts.length === 2 ? fill : 0).fill(0), ...back.map((g) => parseInt(g, 16)), ...tail];
}

/**
 * Whether more of the IPv6 address `g` is written in `v` than a /64
 * truncation keeps: the whole address in any text form, its first five
 * groups or more (a prefix longer than /64), or its 64-bit interface
 * identifier (the last four groups, in a row).
 * @param {string} v lower case
 * @param {readonly number[]} g
 */
export function hasIpv6(v, g) {
  const re = /[0-9a-f:.]*:[0-9a-f:.]*/g;
  const iid = g.slice(4).join(':');
  let m;
  while ((m = re.exec(v)) !== null) {
    const cand = m[0].replace(/^[.:]+(?=[0-9a-f]{1,4}:)/, '').replace(/\.+$/, '');
    const tries = [cand];
    // A trailing port or group glued on without brackets (`2a02::1:443`).
    const cut = cand.lastIndexOf(':');
    if (cut > 0) tries.push(cand.slice(0, cut));
    if (cand.startsWith(':') && !cand.startsWith('::')) tries.push(cand.slice(1));
    for (const t of tries) {
      const p = parseIpv6(t);
      if (p !== null && p.every((x, k) => x === g[k])) return true;
    }
    // Runs of groups between `::`: a long prefix, or the interface identifier.
    const segs = cand.split('::');
    for (let k = 0; k < segs.length; k++) {
      const groups = segs[k].split(':').filter((x) => /^[0-9a-f]{1,4}$/.test(x)).map((x) => parseInt(x, 16));
      if (k === 0) {
        let n = 0;
        while (n < groups.length && n < 8 && groups[n] === g[n]) n++;
        if (n >= 5) return true;
      }
      for (let i = 0; i + 4 <= groups.length; i++) if (groups.slice(i, i + 4).join(':') === iid) return true;
    }
  }
  return false;
}

/**
 * A coordinate written with at least three decimals (≈ 100 m) within 0.001
 * of `c` — that is, not coarsened to the ~1 km the issue asks for.
 * @param {string} v
 * @param {number} c
 */
function hasCoord(v, c) {
  const re = /-?\d{1,3}\.(\d+)/g;
  let m;
  while ((m = re.exec(v)) !== null) {
    if (m[1].length >= 3 && Math.abs(Number(m[0]) - c) <= 0.001 + 1e-9) return true;
  }
  return false;
}

/**
 * Both coordinates of a point, each to at least three decimals.
 * @param {string} v
 * @param {number} lat
 * @param {number} lng
 */
export function hasGeo(v, lat, lng) {
  return hasCoord(v, lat) && hasCoord(v, lng);
}

/** @param {number | undefined} c */
function isHexByte(c) {
  return c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102));
}
/** @param {number} c */
function hexVal(c) {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}
