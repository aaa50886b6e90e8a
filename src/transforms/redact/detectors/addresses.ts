/**
 * IP addresses (v4, v6 in every text form, IPv4-mapped) and colon-separated
 * MACs inside a word: addresses are rewritten to their truncated form, MACs
 * replaced. Also the disguises an address takes in logs: dashed in a host
 * name (`c-90-76-31-188.hsd1…`, `ip-81-6-12-34.eu-north-1.compute.internal`),
 * tcpdump's `a.b.c.d.port`, reverse DNS (`34.12.6.81.in-addr.arpa`,
 * `….ip6.arpa`), hex beside an address label (`0x51060c22`); Cisco
 * (`001a.2b3c.4d5e`) and, beside a label, bare MACs. A port after an address
 * goes too unless `ip.keep_port` is set. A dotted quad that is a version
 * (`app-1.2.3.4.js`, `v1.2.3.4`, `version 10.0.0.1`) stays.
 */
import { COLON, DOT, MINUS, PERCENT } from '../../../util/ascii.js';
import { type IpTruncation, formatMaskedIpv4, formatMaskedIpv6, parseIpv4, parseIpv6 } from '../../truncate-ip.js';
import { CLASS, C_DIGIT, C_HEX_LETTER, C_LETTER, indexOfByte, isDigits, isHex, lastIndexOfByte, sameText } from '../bytes.js';
import { K } from '../kinds.js';
import { L_IP, L_VERSION } from '../name-rules.js';
import type { LabelSource } from '../numbers.js';
import { afterEscapeDigits } from '../percent.js';
import { DisguisedAddressDetector, isReverseDns } from './disguised.js';
import type { Spans } from '../spans.js';

/** The kind of a span that removes a port: not counted as a hit of its own. */
export const K_PORT = -1;

/**
 * @example
 * const d = new AddressDetector(DEFAULT_IP_TRUNCATION, true, spans);
 * d.ipv4(bytes, 0, bytes.length, DEFAULT_IP_TRUNCATION); // spans: 81.6.12.34 → 81.6.12.0
 */
export class AddressDetector {
  private readonly v4 = new Uint8Array(4);
  private readonly v6 = new Uint16Array(8);
  /** Addresses and MACs in their other notations. */
  readonly disguised: DisguisedAddressDetector;

  /** The end of the text being scanned: a port after a word is read up to here, never past it. */
  limit = 0;

  constructor(
    private readonly ip: IpTruncation | undefined,
    private readonly mac: boolean,
    private readonly spans: Spans,
  ) {
    this.disguised = new DisguisedAddressDetector(mac, spans);
  }

  /** IPv6 addresses (and colon-separated MACs) inside the word `t[a..b)`. */
  ipv6OrMac(t: Uint8Array, a: number, b: number): void {
    const ip = this.ip;
    let i = a;
    while (i < b) {
      // Maximal run of hex digits, ':' and '.'.
      const c = t[i]!;
      if (!(CLASS[c]! & (C_DIGIT | C_HEX_LETTER)) && c !== COLON) {
        i++;
        continue;
      }
      const s = i;
      let e = i;
      let colons = 0;
      let firstColon = -1;
      while (e < b) {
        const d = t[e]!;
        if (d === COLON) {
          if (colons++ === 0) firstColon = e;
        } else if (!(CLASS[d]! & (C_DIGIT | C_HEX_LETTER)) && d !== DOT) break;
        e++;
      }
      i = e;
      if (colons < 2) continue;
      // In a view that more rounds will decode, `%5B2001:db8::1` starts with
      // an escape (`[`), and `%255B…` with an escaped one, not with hex glued
      // to the address: reading it as glue would rewrite the address
      // differently on every pass. If that reading finds nothing, the `%`
      // may be a literal one (`%2500:1a:2b:3c:4d:5e`): the run is read whole.
      const afterEscape = s > a && t[s - 1] === PERCENT ? afterEscapeDigits(t, s, e) : s;
      if (afterEscape > s && this.addressInRun(t, afterEscape, e, firstColon, a, b, ip)) continue;
      this.addressInRun(t, s, e, firstColon, a, b, ip);
    }
  }

  /**
   * Records the MAC or IPv6 address in the run `t[s..e)` of hex digits,
   * colons and dots (in the word `t[a..b)`, first colon at `firstColon`).
   * True when the run is settled — an address read (recorded if truncating
   * changes it) or code such as `Foo::Bar`; false when it is neither.
   */
  private addressInRun(t: Uint8Array, s: number, e: number, firstColon: number, a: number, b: number, ip: IpTruncation | undefined): boolean {
    // Trim punctuation that belongs to the sentence, not the address.
    while (e > s && t[e - 1] === DOT) e--;
    if (e - s >= 2 && t[e - 1] === COLON && t[e - 2] !== COLON) e--;
    if (t[s] === COLON && t[s + 1] !== COLON) {
      s++;
      firstColon = indexOfByte(t, COLON, s, e);
    }
    // `ActiveRecord::Base`, `std::cout`, `Foo::Bar`: a scope operator between
    // words reads as a short IPv6 address (d::ba). An address written into
    // text has digits or more groups; without either, and glued to a word,
    // it is code.
    if (isScopeOperator(t, s, e, a, b)) return true;
    // A word glued in front (`abc2001:db8::1`): keep the last four hex digits.
    const glued = firstColon - s > 4;
    if (glued) s = firstColon - 4;
    if (this.macOrIpv6(t, s, e, ip, glued)) return true;
    // Too many groups for an address: a port after a full address
    // (`2001:db8:…:7334:8080`), or a word glued on with a colon whose tail
    // looks like hex (`src:2001:db8:…`). Which comes first depends on
    // whether the run starts inside a word.
    if (glued || (s > a && CLASS[t[s - 1]!]! & C_LETTER)) return this.withoutLeadingGroups(t, s, e, ip) || this.withoutPort(t, s, e, ip);
    return this.withoutPort(t, s, e, ip) || this.withoutLeadingGroups(t, s, e, ip);
  }

  /** {@link macOrIpv6} after dropping leading groups one at a time (never into a `::`). */
  private withoutLeadingGroups(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined): boolean {
    for (let p = s; (p = indexOfByte(t, COLON, p, e)) >= 0 && t[p + 1] !== COLON; ) if (this.macOrIpv6(t, ++p, e, ip, true)) return true;
    return false;
  }

  /** {@link macOrIpv6} without a trailing `:port` (which goes too unless ports are kept). */
  private withoutPort(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined): boolean {
    const port = lastIndexOfByte(t, COLON, s, e);
    if (!(port > s && t[port - 1] !== COLON && isDigits(t, port + 1, e) && this.macOrIpv6(t, s, port, ip, true))) return false;
    if (ip !== undefined && !ip.keepPort) this.spans.add(port, e, '', K_PORT);
    return true;
  }

  /**
   * Records `t[s..e)` when it is a colon-separated MAC or an IPv6 address;
   * false when it is neither. An address cut out of a longer run is written
   * in brackets (`src:[2001:db8:85a3::]`, `[2001:db8:85a3::]:8080`), as
   * RFC 3986 does beside a port: unbracketed, the truncated text would run
   * into its neighbours and read as another address on a second pass.
   */
  private macOrIpv6(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined, bracket: boolean): boolean {
    if (this.mac && e - s === 17 && isMac(t, s, COLON)) {
      this.spans.addKind(s, e, 'mac');
      return true;
    }
    if (ip === undefined || !parseIpv6(t, s, e, this.v6)) return false;
    const text = formatMaskedIpv6(this.v6, ip);
    if (bracket) this.spans.add(s, e, `[${text}]`, K.ip);
    else if (!sameText(t, s, e, text)) this.spans.add(s, e, text, K.ip);
    // `[2001:db8::1]:443`: the port goes unless ports are kept.
    if (!ip.keepPort && e + 1 < this.limit && t[e] === 93 /* ] */ && t[e + 1] === COLON) this.port(t, e + 1, this.limit);
    return true;
  }

  /** Removes `:port` at `t[c..)` (c at the colon) when one to five digits follow and end there. */
  private port(t: Uint8Array, c: number, to: number): void {
    let z = c + 1;
    while (z < to && z - c <= 6 && CLASS[t[z]!]! & C_DIGIT) z++;
    if (z > c + 1 && z - c <= 6 && !(z < to && (CLASS[t[z]!]! & (C_DIGIT | C_LETTER) || t[z] === DOT || t[z] === COLON))) this.spans.add(c, z, '', K_PORT);
  }

  /**
   * Dotted-quad IPv4 addresses inside the word `t[a..b)` (the text runs to
   * `to`): also tcpdump's `a.b.c.d.port` and reverse DNS `d.c.b.a.in-addr.arpa`.
   */
  ipv4(t: Uint8Array, a: number, b: number, to: number, ip: IpTruncation, labels: LabelSource, from: number): void {
    let i = a;
    while (i < b) {
      if (!(CLASS[t[i]!]! & C_DIGIT)) {
        i++;
        continue;
      }
      const s = i;
      let dots = 0;
      let fourth = -1;
      while (i < b) {
        const d = t[i]!;
        if (d === DOT) {
          if (++dots === 4) fourth = i;
        } else if (!(CLASS[d]! & C_DIGIT)) break;
        i++;
      }
      let e = i;
      while (e > s && t[e - 1] === DOT) {
        e--;
        dots--;
      }
      if (dots === 4 && fourth > s && isDigits(t, fourth + 1, e) && parseIpv4(t, s, fourth, this.v4) && this.tcpdump(t, s, e, to, from)) {
        // tcpdump: address.port.
        this.spans.add(s, ip.keepPort ? fourth : e, formatMaskedIpv4(this.v4, ip.ipv4Prefix), K.ip);
        continue;
      }
      // Exactly four parts; longer dotted numbers are versions or OIDs.
      if (dots !== 3) continue;
      if (!parseIpv4(t, s, e, this.v4)) {
        // inet_aton's octal (`0260.0270.023.04`): parts with a leading zero.
        if (t[s] === 48) this.disguised.aton(t, s, e, ip);
        continue;
      }
      if (isReverseDns(t, e, to)) {
        const o = this.v4;
        const r = Uint8Array.of(o[3]!, o[2]!, o[1]!, o[0]!);
        const m = formatMaskedIpv4(r, ip.ipv4Prefix).split('.').reverse().join('.');
        if (!sameText(t, s, e, m)) this.spans.add(s, e, m, K.ip);
        continue;
      }
      if (this.isVersion(t, s, e, to, labels, from)) continue;
      const text = formatMaskedIpv4(this.v4, ip.ipv4Prefix);
      if (!sameText(t, s, e, text)) this.spans.add(s, e, text, K.ip);
      if (!ip.keepPort && t[e] === COLON) this.port(t, e, to);
    }
  }

  /**
   * A dotted quad that is a version, not an address: glued to a word by `-`
   * or `_` and followed by a file extension (`app-1.2.3.4.js`), right after
   * a `v` (`v1.2.3.4`), or behind a version label (`version 10.0.0.1`).
   */
  private isVersion(t: Uint8Array, s: number, e: number, to: number, labels: LabelSource, from: number): boolean {
    const before = s > from ? t[s - 1]! : 0;
    if ((before === 118 || before === 86) && (s - 1 === from || !(CLASS[t[s - 2]!]! & C_LETTER))) return true; // v1.2.3.4
    if ((before === MINUS || before === 95 || before === 64) && t[e] === DOT && e + 1 < to && CLASS[t[e + 1]!]! & C_LETTER) return true;
    return (labels.before(t, from, s) & (L_VERSION | L_IP)) === L_VERSION;
  }

  /** tcpdump context: `IP a.b.c.d.port > …` or `… > a.b.c.d.port:`. */
  private tcpdump(t: Uint8Array, s: number, e: number, to: number, from: number): boolean {
    if (e < to && (t[e] === COLON || (t[e] === 32 && t[e + 1] === 62 /* > */))) return true;
    if (s - 2 >= from && t[s - 1] === 32 && (t[s - 2] === 62 || (t[s - 2] === 80 && t[s - 3] === 73) || (t[s - 2] === 54 && t[s - 3] === 80))) return true;
    return false;
  }

}

/**
 * Whether the run `t[s..e)` is a `Name::Name` scope operator rather than an
 * address: no decimal digit, at most two groups, and a letter (beyond a–f)
 * or underscore glued on at least one side within the word `t[a..b)`.
 */
function isScopeOperator(t: Uint8Array, s: number, e: number, a: number, b: number): boolean {
  let groups = 0;
  let inGroup = false;
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (CLASS[c]! & C_DIGIT) return false;
    if (c === COLON) inGroup = false;
    else if (!inGroup) {
      inGroup = true;
      if (++groups > 2) return false;
    }
  }
  const glued = (k: number): boolean => (CLASS[t[k]!]! & C_LETTER) !== 0 || t[k] === 95;
  return (s > a && glued(s - 1)) || (e < b && glued(e));
}

/** Six hex pairs separated by `sep` at `t[i..i+17)`. */
export function isMac(t: Uint8Array, i: number, sep: number): boolean {
  for (let k = 0; k < 17; k++) {
    const c = t[i + k]!;
    if (k % 3 === 2) {
      if (c !== sep) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}
