/**
 * The operator's own address ranges (CIDR), and membership tests against
 * them: an address in one is a server of the operator's (a load-balancer
 * target, an origin), not a person's.
 */
import { parseIpv4, parseIpv6 } from '../truncate-ip.js';

export interface OwnRanges {
  /** Whether `ip` (an address, optionally `:port`, `[v6]:port` or with a zone) lies in one of the ranges. */
  has(ip: string): boolean;
}

const V4 = new Uint8Array(4);
const V6 = new Uint16Array(8);
const encoder = new TextEncoder();

/** The 16 bytes of an IPv4 or IPv6 address as IPv6 (IPv4 mapped to ::ffff:0:0/96), or undefined. */
function bytesOf(text: string): Uint8Array | undefined {
  const b = encoder.encode(text);
  if (parseIpv4(b, 0, b.length, V4)) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(V4, 12);
    return out;
  }
  if (!parseIpv6(b, 0, b.length, V6)) return undefined;
  const out = new Uint8Array(16);
  for (let k = 0; k < 8; k++) {
    out[2 * k] = V6[k]! >> 8;
    out[2 * k + 1] = V6[k]! & 255;
  }
  return out;
}

/** The address part of `ip:port`, `[v6]:port`, `[v6]`, `v6%zone`, or the text itself. */
export function addressPart(token: string): string {
  let t = token;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    t = close < 0 ? t : t.slice(1, close);
  } else {
    const colon = t.indexOf(':');
    // One colon: IPv4 with a port. More: IPv6 (AWS and HAProxy write it unbracketed with a port after a last colon).
    if (colon >= 0 && t.indexOf(':', colon + 1) < 0) t = t.slice(0, colon);
  }
  const pct = t.indexOf('%');
  return pct < 0 ? t : t.slice(0, pct);
}

/**
 * Parses CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`, or a single address);
 * undefined for the first one that does not parse.
 *
 * @example
 * parseRanges(['10.0.0.0/8'])?.has('10.1.2.3:80') // true
 */
export function parseRanges(cidrs: readonly string[]): OwnRanges | undefined {
  const nets: { bytes: Uint8Array; bits: number }[] = [];
  for (const c of cidrs) {
    const [addr, len] = c.split('/');
    const bytes = bytesOf(addr ?? '');
    if (bytes === undefined) return undefined;
    const v4 = !addr!.includes(':');
    const max = v4 ? 32 : 128;
    const bits = len === undefined ? max : Number(len);
    if (!Number.isInteger(bits) || bits < 0 || bits > max || (len !== undefined && !/^\d{1,3}$/.test(len))) return undefined;
    nets.push({ bytes, bits: v4 ? bits + 96 : bits });
  }
  return {
    has(ip: string): boolean {
      let b = bytesOf(addressPart(ip));
      if (b === undefined) {
        // Unbracketed IPv6 with a port (2001:db8::1:443): without its last group.
        const last = ip.lastIndexOf(':');
        if (last > 0 && /^\d{1,5}$/.test(ip.slice(last + 1))) b = bytesOf(ip.slice(0, last));
      }
      if (b === undefined) return false;
      for (const n of nets) if (inNet(b, n.bytes, n.bits)) return true;
      return false;
    },
  };
}

function inNet(b: Uint8Array, net: Uint8Array, bits: number): boolean {
  let k = 0;
  for (; bits >= 8; bits -= 8, k++) if (b[k] !== net[k]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (b[k]! & mask) === (net[k]! & mask);
}
