/**
 * `truncate-ip`: keep only the network part of a client address, so a log
 * line still tells which network a request came from but not which host.
 *
 * Parsing is hand-written over bytes because it runs for every line
 * (remote_addr) and for every candidate in free text: on this Node a
 * Uint8Array read costs about a third of a `charCodeAt` (figures in
 * bench/RESULTS.md). ipaddr.js is the oracle in the property tests and
 * handles nothing on the hot path. Output follows RFC 5952 (lower case,
 * shortest form, `::` for the longest zero run) so the same network always
 * prints the same way whatever form came in.
 */
import { z } from '../util/zod.js';
import { COLON, COMMA, DOT, LBRACKET, NINE, PERCENT, RBRACKET, SPACE, ZERO } from '../util/ascii.js';

export interface IpTruncation {
  /** Bits of an IPv4 address to keep (0..32). */
  readonly ipv4Prefix: number;
  /** Bits of an IPv6 address to keep (0..128). */
  readonly ipv6Prefix: number;
  /** Keep a `:port` suffix (client source ports are rarely useful and help re-identify users behind CGNAT). */
  readonly keepPort: boolean;
}

/**
 * Named presets. `default` and `ga` zero the last 8 (IPv4) and 80 (IPv6)
 * bits like Google Analytics' IP anonymisation; `cnil` keeps only the /16 of
 * IPv4 as the CNIL recommends for audience measurement; `strict` keeps /16
 * and /32 (a provider, roughly).
 */
export const IP_PRESETS = {
  default: { ipv4Prefix: 24, ipv6Prefix: 48 },
  ga: { ipv4Prefix: 24, ipv6Prefix: 48 },
  cnil: { ipv4Prefix: 16, ipv6Prefix: 48 },
  strict: { ipv4Prefix: 16, ipv6Prefix: 32 },
} as const satisfies Record<string, { ipv4Prefix: number; ipv6Prefix: number }>;
export type IpPreset = keyof typeof IP_PRESETS;

export const DEFAULT_IP_TRUNCATION: IpTruncation = { ...IP_PRESETS.default, keepPort: false };

/** Value of hex digit `c`, or -1. */
function hexVal(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Parses a dotted-quad IPv4 address filling exactly `b[start..end)` into
 * `out[0..4]`. Octets are decimal even with leading zeros (nginx and Apache
 * never print them, so such text came from a user and is read as the address
 * it most plainly is).
 *
 * @example
 * const o = new Uint8Array(4); parseIpv4(Buffer.from('81.6.12.34'), 0, 10, o) // true, o = [81,6,12,34]
 */
export function parseIpv4(b: Uint8Array, start: number, end: number, out: Uint8Array): boolean {
  let part = 0;
  let value = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      if (++len > 3 || value > 255) return false;
    } else if (c === DOT) {
      if (len === 0 || part === 3) return false;
      out[part++] = value;
      value = 0;
      len = 0;
    } else {
      return false;
    }
  }
  if (len === 0 || part !== 3) return false;
  out[3] = value;
  return true;
}

const SCRATCH_V4 = new Uint8Array(4);
const SCRATCH_V4B = new Uint8Array(4);
const SCRATCH_V6 = new Uint16Array(8);

/**
 * Parses an IPv6 address (any RFC 4291 text form: full, `::`-compressed,
 * upper or lower case, leading zeros, trailing dotted IPv4) filling exactly
 * `b[start..end)` into eight 16-bit groups.
 *
 * @example
 * const g = new Uint16Array(8); parseIpv6(Buffer.from('2001:db8::1'), 0, 11, g) // true
 */
export function parseIpv6(b: Uint8Array, start: number, end: number, out: Uint16Array): boolean {
  let n = 0; // groups written
  let gap = -1; // index in out where '::' sits
  let i = start;
  if (end - start < 2) return false;
  if (b[i] === COLON) {
    if (b[i + 1] !== COLON) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  while (i < end) {
    if (n === 8) return false;
    let j = i;
    let v = 0;
    let len = 0;
    let h: number;
    while (j < end && (h = hexVal(b[j]!)) >= 0) {
      v = (v << 4) | h;
      j++;
      if (++len > 4) break;
    }
    // A dotted IPv4 tail takes two groups.
    if (j < end && b[j] === DOT) {
      if (n > 6 || !parseIpv4(b, i, end, SCRATCH_V4)) return false;
      out[n++] = (SCRATCH_V4[0]! << 8) | SCRATCH_V4[1]!;
      out[n++] = (SCRATCH_V4[2]! << 8) | SCRATCH_V4[3]!;
      i = end;
      break;
    }
    if (len === 0 || len > 4) return false;
    out[n++] = v;
    i = j;
    if (i === end) break;
    if (b[i] !== COLON) return false;
    i++;
    if (i < end && b[i] === COLON) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  if (gap < 0) return n === 8;
  if (n === 8) return false; // '::' must stand for at least one group
  // Move the groups after the gap to the end and zero the middle.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[n - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

/**
 * The IPv4 address `o` with only its first `prefix` bits kept, dotted.
 *
 * @example
 * formatMaskedIpv4(Uint8Array.of(81, 6, 12, 34), 24) // '81.6.12.0'
 */
export function formatMaskedIpv4(o: Uint8Array, prefix: number): string {
  const v = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
  const m = prefix <= 0 ? 0 : prefix >= 32 ? v : (v & (~0 << (32 - prefix))) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}`;
}

/** Zeroes all but the first `prefix` bits of eight groups, in place. */
function maskGroups(g: Uint16Array, prefix: number): void {
  for (let k = 0; k < 8; k++) {
    const keep = prefix - k * 16;
    if (keep >= 16) continue;
    g[k] = keep <= 0 ? 0 : g[k]! & ((0xffff << (16 - keep)) & 0xffff);
  }
}

/** RFC 5952 text of eight groups. */
function formatGroups(g: Uint16Array): string {
  // Longest run of two or more zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      best = k;
      bestLen = e - k;
    }
    k = e;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === best) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out.length > 0 && out.charCodeAt(out.length - 1) !== COLON) out += ':';
    out += g[k]!.toString(16);
  }
  return out;
}

/**
 * True for IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`,
 * deprecated) addresses, which carry a whole IPv4 address in the last 32 bits
 * and so must be truncated by the IPv4 rule.
 */
function embedsIpv4(g: Uint16Array): 'mapped' | 'compat' | undefined {
  if (g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0) return undefined;
  if (g[5] === 0xffff) return 'mapped';
  if (g[5] === 0 && (g[6]! !== 0 || g[7]! > 1)) return 'compat';
  return undefined;
}

/**
 * Text of the IPv6 address `g` truncated by `t` (`g` is modified).
 * IPv4-mapped addresses are truncated by the IPv4 rule and printed mixed
 * (`::ffff:81.6.12.0`); 6to4 addresses (2002::/16) carry their IPv4 address
 * in bits 16..47, so they keep no more than 16 + the IPv4 prefix bits.
 *
 * @example
 * formatMaskedIpv6(groups, DEFAULT_IP_TRUNCATION)
 */
export function formatMaskedIpv6(g: Uint16Array, t: IpTruncation): string {
  const embedded = embedsIpv4(g);
  if (embedded !== undefined) {
    const o = SCRATCH_V4B;
    o[0] = g[6]! >>> 8;
    o[1] = g[6]! & 255;
    o[2] = g[7]! >>> 8;
    o[3] = g[7]! & 255;
    const v4 = formatMaskedIpv4(o, t.ipv4Prefix);
    if (embedded === 'mapped') return '::ffff:' + v4;
    // All 128 bits zero is `::` (RFC 5952); `::0.0.0.0` would read back as the
    // unspecified address, not as an IPv4-compatible one, and print differently.
    return v4 === '0.0.0.0' ? '::' : '::' + v4;
  }
  const prefix = g[0] === 0x2002 ? Math.min(t.ipv6Prefix, 16 + t.ipv4Prefix) : t.ipv6Prefix;
  maskGroups(g, prefix);
  return formatGroups(g);
}

function isPort(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 1 || end - start > 5) return false;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/**
 * Truncates the address token `b[start..end)`: IPv4, IPv6 in any text form,
 * `ip:port`, `[v6]:port`, `[v6]`, and zone ids (`fe80::1%eth0`, dropped:
 * interface names can name a person's machine). Returns undefined when the
 * token is not an address.
 *
 * @example
 * truncateIpAt(Buffer.from('81.6.12.34:51234'), 0, 16, DEFAULT_IP_TRUNCATION) // '81.6.12.0'
 */
export function truncateIpAt(b: Uint8Array, start: number, end: number, t: IpTruncation): string | undefined {
  if (end - start < 2) return undefined;
  const first = b[start]!;
  // Fast path: a plain dotted quad (or with a port), the common case for remote_addr.
  if (first >= ZERO && first <= NINE) {
    let colon = -1;
    for (let i = start + 1; i < end; i++) {
      const c = b[i]!;
      if (c === COLON) {
        colon = i;
        break;
      }
      if (c !== DOT && (c < ZERO || c > NINE)) {
        colon = -2;
        break;
      }
    }
    if (colon === -1) return parseIpv4(b, start, end, SCRATCH_V4) ? formatMaskedIpv4(SCRATCH_V4, t.ipv4Prefix) : undefined;
    if (colon > 0 && isPort(b, colon + 1, end)) {
      // One colon then digits: IPv4 with a port (an IPv6 address has two colons or more).
      if (!parseIpv4(b, start, colon, SCRATCH_V4)) return undefined;
      const ip = formatMaskedIpv4(SCRATCH_V4, t.ipv4Prefix);
      return t.keepPort ? `${ip}:${portText(b, colon + 1, end)}` : ip;
    }
  }
  let s = start;
  let e = end;
  let portStart = -1;
  if (first === LBRACKET) {
    let close = -1;
    for (let i = start + 1; i < end; i++) {
      if (b[i] === RBRACKET) {
        close = i;
        break;
      }
    }
    if (close < 0) return undefined;
    if (close + 1 < end) {
      if (b[close + 1] !== COLON || !isPort(b, close + 2, end)) return undefined;
      portStart = close + 2;
    }
    s = start + 1;
    e = close;
  }
  for (let i = s; i < e; i++) {
    if (b[i] === PERCENT) {
      e = i;
      break;
    }
  }
  if (!parseIpv6(b, s, e, SCRATCH_V6)) return undefined;
  const ip = formatMaskedIpv6(SCRATCH_V6, t);
  return portStart >= 0 && t.keepPort ? `[${ip}]:${portText(b, portStart, end)}` : ip;
}

function portText(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** `text` as bytes in a shared scratch buffer, or undefined when it is not ASCII (no address is). */
function asciiBytes(text: string): Uint8Array | undefined {
  if (text.length > scratch.length) scratch = new Uint8Array(text.length * 2);
  const { read, written } = encoder.encodeInto(text, scratch);
  // `written` alone is not enough: when a multi-byte character does not fit,
  // encodeInto stops early and may have written exactly text.length bytes.
  return read === text.length && written === text.length ? scratch : undefined;
}

/**
 * Truncates one address token given as text; undefined when it is not one.
 *
 * @example
 * truncateIp('[2a02:8108:1234:5678::1]:443', DEFAULT_IP_TRUNCATION) // '2a02:8108:1234::'
 */
export function truncateIp(token: string, t: IpTruncation): string | undefined {
  const b = asciiBytes(token);
  return b === undefined ? undefined : truncateIpAt(b, 0, token.length, t);
}

/**
 * Truncates an address field whose text is `value` and whose bytes are
 * `b[off..off + value.length)` (ASCII): one address or a comma-separated list
 * as in X-Forwarded-For (`client, proxy1, proxy2`). `-` and the empty value
 * stay; `unknown` (RFC 7239's placeholder) stays; any other token that is not
 * an address — a host name from HostnameLookups, an obfuscated id — becomes
 * `-`, because it may name the client and cannot be truncated.
 *
 * @example
 * truncateIpListAt('81.6.12.34, 10.1.2.3', bytes, 0, DEFAULT_IP_TRUNCATION) // '81.6.12.0, 10.1.2.0'
 */
export function truncateIpListAt(value: string, b: Uint8Array, off: number, t: IpTruncation): string {
  const len = value.length;
  if (len === 0 || (len === 1 && b[off] === 45)) return value;
  let comma = -1;
  for (let i = off; i < off + len; i++) {
    if (b[i] === COMMA) {
      comma = i;
      break;
    }
  }
  if (comma < 0) {
    const one = truncateDottedQuad(value, b, off, t.ipv4Prefix) ?? truncateIpAt(b, off, off + len, t);
    if (one !== undefined) return one;
    // Not a bare address: the loop below trims spaces (` 81.6.12.34`) as it does in a list.
  }
  let out = '';
  let i = 0;
  while (i <= len) {
    let j = value.indexOf(',', i);
    if (j < 0) j = len;
    // Keep the separator's spacing: "a, b" has tokens "a" and " b".
    let a = i;
    while (a < j && b[off + a] === SPACE) a++;
    let z = j;
    while (z > a && b[off + z - 1] === SPACE) z--;
    const token = truncateIpAt(b, off + a, off + z, t) ?? tokenFallback(value.slice(a, z));
    out += value.slice(i, a) + token + value.slice(z, j);
    if (j === len) break;
    out += ',';
    i = j + 1;
  }
  return out;
}

/**
 * The fast path for the commonest field value, a plain dotted quad: one pass
 * over the bytes, and for byte-aligned prefixes (/24, /16, /8) with octets
 * written without leading zeros the kept part is cut from the text itself
 * rather than printed again. Undefined when `value` is anything else.
 */
function truncateDottedQuad(value: string, b: Uint8Array, off: number, prefix: number): string | undefined {
  const len = value.length;
  if (len < 7 || len > 15) return undefined;
  const o = SCRATCH_V4;
  let part = 0;
  let v = 0;
  let digits = 0;
  let canonical = true;
  let cut = -1; // index just after the dot that ends the kept octets
  const keepOctets = prefix & 7 ? -1 : prefix >>> 3;
  for (let i = 0; i < len; i++) {
    const c = b[off + i]!;
    if (c >= ZERO && c <= NINE) {
      if (digits === 1 && v === 0) canonical = false;
      v = v * 10 + (c - ZERO);
      if (++digits > 3 || v > 255) return undefined;
    } else if (c === DOT && digits > 0 && part < 3) {
      o[part++] = v;
      if (part === keepOctets) cut = i + 1;
      v = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (part !== 3 || digits === 0) return undefined;
  o[3] = v;
  if (cut > 0 && canonical) return value.slice(0, cut) + ZERO_TAILS[keepOctets]!;
  return formatMaskedIpv4(o, prefix);
}
// What follows the kept octets: indexed by how many are kept.
const ZERO_TAILS = ['0.0.0.0', '0.0.0', '0.0', '0', ''];

function tokenFallback(token: string): string {
  return token === 'unknown' || token === '-' || token === '' ? token : '-';
}

/**
 * {@link truncateIpListAt} for a value given as text only.
 *
 * @example
 * truncateIpList('81.6.12.34, unknown', DEFAULT_IP_TRUNCATION) // '81.6.12.0, unknown'
 */
export function truncateIpList(value: string, t: IpTruncation): string {
  const b = asciiBytes(value);
  if (b !== undefined) return truncateIpListAt(value, b, 0, t);
  // Not ASCII: no token with a non-ASCII character is an address.
  return value
    .split(',')
    .map((part) => {
      const token = part.trim();
      const r = truncateIp(token, t) ?? tokenFallback(token);
      return part.replace(token, r);
    })
    .join(',');
}

// Keeping more than a /24 of IPv4 or a /64 of IPv6 names a single host or
// household, which is what truncation exists to prevent, so the config caps it.
const MAX_IPV4_PREFIX = 24;
const MAX_IPV6_PREFIX = 64;

/** The `ip:` section of a policy. */
export const ipConfigSchema = z.strictObject({
  preset: z.enum(Object.keys(IP_PRESETS) as [IpPreset, ...IpPreset[]]).default('default'),
  ipv4_prefix: z.int().min(0).max(MAX_IPV4_PREFIX, `at most ${MAX_IPV4_PREFIX}: a longer prefix identifies a host`).optional(),
  ipv6_prefix: z.int().min(0).max(MAX_IPV6_PREFIX, `at most ${MAX_IPV6_PREFIX}: a longer prefix identifies a host`).optional(),
  keep_port: z.boolean().default(false),
});
export type IpConfig = z.infer<typeof ipConfigSchema>;

/**
 * The truncation rule a policy's `ip:` section describes: the preset, with
 * explicit prefixes taking precedence.
 *
 * @example
 * ipTruncationFromConfig({ preset: 'cnil', keep_port: false }) // { ipv4Prefix: 16, ipv6Prefix: 48, keepPort: false }
 */
export function ipTruncationFromConfig(c: IpConfig): IpTruncation {
  const preset = IP_PRESETS[c.preset];
  return {
    ipv4Prefix: c.ipv4_prefix ?? preset.ipv4Prefix,
    ipv6Prefix: c.ipv6_prefix ?? preset.ipv6Prefix,
    keepPort: c.keep_port,
  };
}
