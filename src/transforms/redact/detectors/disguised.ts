/**
 * Addresses in disguise: dashed in a host name (`c-90-76-31-188.hsd1…`),
 * inet_aton's octal and hex quads (`0260.0270.023.04`, `0x5f.0xf6.0x51.0x56`),
 * hex or integer beside an address label, `….ip6.arpa` names; MACs in
 * Cisco's notation (`001a.2b3c.4d5e`) and bare (`001A2B3C4D5E`, or lower
 * case beside a label).
 */
import { DOT, MINUS } from '../../../util/ascii.js';
import { type IpTruncation, formatMaskedIpv4 } from '../../truncate-ip.js';
import { CLASS, C_DIGIT, C_LETTER, hexValue, isHex, sameText } from '../bytes.js';
import { K } from '../kinds.js';
import { L_IP, L_MAC, L_NET } from '../name-rules.js';
import type { LabelSource } from '../numbers.js';
import type { Spans } from '../spans.js';

/**
 * @example
 * const d = new DisguisedAddressDetector(true, spans);
 * d.dashed(bytes, a, b, DEFAULT_IP_TRUNCATION); // c-90-76-31-188 → c-90-76-31-0
 */
export class DisguisedAddressDetector {
  private readonly v4 = new Uint8Array(4);
  private readonly partStart = new Int32Array(4);
  private readonly partEnd = new Int32Array(4);

  constructor(
    private readonly mac: boolean,
    private readonly spans: Spans,
  ) {}

  /**
   * An address written with dashes inside a host name (`c-90-76-31-188.hsd1…`,
   * `ip-81-6-12-34.eu-north-1…`, `81-6-12-34.static.example.net`): a letter
   * word before it, or a domain after it, says it is a host name and not a
   * phone number or date; the last parts are zeroed as the IP rule says.
   */
  dashed(t: Uint8Array, a: number, b: number, ip: IpTruncation): void {
    const o = this.v4;
    for (let i = a; i < b; i++) {
      if (!(CLASS[t[i]!]! & C_DIGIT) || (i > a && CLASS[t[i - 1]!]! & C_DIGIT)) continue;
      let k = i;
      let parts = 0;
      const starts = this.partStart;
      const ends = this.partEnd;
      while (parts < 4) {
        const ps = k;
        let v = 0;
        while (k < b && CLASS[t[k]!]! & C_DIGIT && k - ps < 4) v = v * 10 + t[k++]! - 48;
        if (k === ps || k - ps > 3 || v > 255 || (k - ps > 1 && t[ps] === 48)) break;
        starts[parts] = ps;
        ends[parts] = k;
        o[parts++] = v;
        if (parts < 4) {
          if (t[k] !== MINUS) break;
          k++;
        }
      }
      if (parts !== 4 || (k < b && CLASS[t[k]!]! & C_DIGIT)) continue;
      const prefixWord = i - 2 >= a && t[i - 1] === MINUS && CLASS[t[i - 2]!]! & C_LETTER;
      const domainAfter = t[k] === DOT && k + 1 < b && CLASS[t[k + 1]!]! & C_LETTER;
      if (!prefixWord && !domainAfter) continue;
      const masked = formatMaskedIpv4(o, ip.ipv4Prefix).split('.');
      for (let p = 0; p < 4; p++) if (Number(masked[p]) !== o[p]) this.spans.add(starts[p]!, ends[p]!, masked[p]!, K.ip);
      i = k;
    }
  }

  /**
   * A dotted quad in inet_aton's other bases (`0x5f.0xf6.0x51.0x56`,
   * `0260.0270.023.04`, mixed): each part parsed in its own base, the
   * masked parts written back in it.
   */
  aton(t: Uint8Array, s: number, e: number, ip: IpTruncation): void {
    const o = this.v4;
    let k = s;
    for (let p = 0; p < 4; p++) {
      const ps = k;
      let v = 0;
      let base = 10;
      if (t[k] === 48 && (t[k + 1]! | 0x20) === 120) {
        base = 16;
        k += 2;
      } else if (t[k] === 48 && k + 1 < e && t[k + 1] !== DOT) base = 8;
      const ds = k;
      while (k < e && t[k] !== DOT) {
        const c = t[k]!;
        const d = isHex(c) ? hexValue(c) : 99;
        if (d >= base) return;
        v = v * base + d;
        k++;
      }
      if (k === ds || v > 255 || (p < 3 && t[k] !== DOT) || (p === 3 && k !== e)) return;
      this.partStart[p] = ps;
      this.partEnd[p] = k;
      o[p] = v;
      k++;
    }
    const masked = formatMaskedIpv4(o, ip.ipv4Prefix).split('.').map(Number);
    for (let p = 0; p < 4; p++) {
      if (masked[p] === o[p]) continue;
      const ps = this.partStart[p]!;
      const hex = t[ps] === 48 && (t[ps + 1]! | 0x20) === 120;
      const text = hex ? `0x${masked[p]!.toString(16).padStart(2, '0')}` : t[ps] === 48 && masked[p]! > 0 ? `0${masked[p]!.toString(8)}` : String(masked[p]);
      this.spans.add(ps, this.partEnd[p]!, text, K.ip);
    }
  }

  /** Hex dotted quads (`0x5f.0xf6.0x51.0x56`) inside the word `t[a..b)`. */
  atonHex(t: Uint8Array, a: number, b: number, ip: IpTruncation): void {
    for (let i = a; i + 1 < b; i++) {
      if (t[i] !== 48 || (t[i + 1]! | 0x20) !== 120 || (i > a && t[i - 1] !== DOT && CLASS[t[i - 1]!]! & (C_DIGIT | C_LETTER))) continue;
      let e = i;
      let dots = 0;
      while (e < b && (isHex(t[e]!) || (t[e]! | 0x20) === 120 || t[e] === DOT)) if (t[e++] === DOT) dots++;
      while (e > i && t[e - 1] === DOT) {
        e--;
        dots--;
      }
      if (dots === 3) this.aton(t, i, e, ip);
      i = e;
    }
  }

  /** Cisco's `001a.2b3c.4d5e` MAC notation inside the word `t[a..b)`. */
  ciscoMac(t: Uint8Array, a: number, b: number): void {
    for (let i = a; i + 14 <= b; i++) {
      if (i > a && isHex(t[i - 1]!)) continue;
      let ok = true;
      for (let k = 0; k < 14 && ok; k++) ok = k === 4 || k === 9 ? t[i + k] === DOT : isHex(t[i + k]!);
      if (!ok || (i + 14 < b && (isHex(t[i + 14]!) || t[i + 14] === DOT))) continue;
      this.spans.addKind(i, i + 14, 'mac');
      i += 13;
    }
  }

  /**
   * Words that are an address only beside a label: a bare 12-hex MAC
   * (`mac=001a2b3c4d5e`) or a hex IPv4 (`addr: 0x51060c22`).
   */
  labelled(t: Uint8Array, a: number, b: number, ip: IpTruncation | undefined, labels: LabelSource, from: number): void {
    const n = b - a;
    if (n === 12 && this.mac) {
      let lower = false;
      let letters = 0;
      for (let k = a; k < b; k++) {
        if (!isHex(t[k]!)) return;
        if (t[k]! >= 97) lower = true;
        if (t[k]! >= 65) letters++;
      }
      // Upper-case hex pairs are how MACs are printed (hashes are lower case); lower case needs a label.
      if ((!lower && letters >= 2 && letters <= 10) || labels.before(t, from, a) & L_MAC) this.spans.addKind(a, b, 'mac');
      return;
    }
    if (n === 10 && ip !== undefined && t[a] === 48 && (t[a + 1] | 0x20) === 120) {
      let v = 0;
      for (let k = a + 2; k < b; k++) {
        if (!isHex(t[k]!)) return;
        v = v * 16 + hexValue(t[k]!);
      }
      if (!(labels.before(t, from, a) & (L_IP | L_NET))) return;
      const keep = ip.ipv4Prefix;
      const m = keep <= 0 ? 0 : keep >= 32 ? v : (v & (~0 << (32 - keep))) >>> 0;
      const text = `0x${m.toString(16).padStart(8, '0')}`;
      if (!sameText(t, a, b, text)) this.spans.add(a, b, text, K.ip);
    }
  }

  /** `….ip6.arpa` names: the nibbles of the host part (the first ones written) are zeroed. */
  ip6Arpa(t: Uint8Array, a: number, b: number, ip: IpTruncation): void {
    const end = indexOfText(t, a, b, '.ip6.arpa');
    if (end < 0) return;
    // 32 nibbles separated by dots, ending at `end`.
    const s = end - 63;
    if (s < a) return;
    for (let k = 0; k < 32; k++) if (!isHex(t[s + 2 * k]!) || (k < 31 && t[s + 2 * k + 1] !== DOT)) return;
    const zero = Math.max(0, 32 - Math.ceil(ip.ipv6Prefix / 4));
    let text = '';
    for (let k = 0; k < 32; k++) text += (k < zero ? '0' : String.fromCharCode(t[s + 2 * k]!)) + (k < 31 ? '.' : '');
    if (!sameText(t, s, end, text)) this.spans.add(s, end, text, K.ip);
  }
}

/** `.in-addr.arpa` right after `t[..e)`. */
export function isReverseDns(t: Uint8Array, e: number, to: number): boolean {
  return indexOfText(t, e, Math.min(to, e + 13), '.in-addr.arpa') === e;
}

/** Where the ASCII text `s` (lower case) starts in `t[a..b)`, case-insensitively, or -1. */
function indexOfText(t: Uint8Array, a: number, b: number, s: string): number {
  outer: for (let i = a; i + s.length <= b; i++) {
    for (let k = 0; k < s.length; k++) if ((t[i + k]! | (t[i + k]! >= 65 && t[i + k]! <= 90 ? 0x20 : 0)) !== s.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

