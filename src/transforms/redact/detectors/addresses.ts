/**
 * IP addresses (v4, v6 in every text form, IPv4-mapped) and colon-separated
 * MACs inside a word: addresses are rewritten to their truncated form, MACs
 * replaced.
 */
import { COLON, DOT, PERCENT } from '../../../util/ascii.js';
import { type IpTruncation, formatMaskedIpv4, formatMaskedIpv6, parseIpv4, parseIpv6 } from '../../truncate-ip.js';
import { CLASS, C_DIGIT, C_HEX_LETTER, C_LETTER, indexOfByte, isDigits, isHex, lastIndexOfByte, sameText } from '../bytes.js';
import { afterEscapeDigits } from '../percent.js';
import { REPLACEMENT, type Spans } from '../spans.js';

/**
 * @example
 * const d = new AddressDetector(DEFAULT_IP_TRUNCATION, true, spans);
 * d.ipv4(bytes, 0, bytes.length, DEFAULT_IP_TRUNCATION); // spans: 81.6.12.34 → 81.6.12.0
 */
export class AddressDetector {
  private readonly v4 = new Uint8Array(4);
  private readonly v6 = new Uint16Array(8);

  constructor(
    private readonly ip: IpTruncation | undefined,
    private readonly mac: boolean,
    private readonly spans: Spans,
  ) {}

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

  /** {@link macOrIpv6} without a trailing `:port`. */
  private withoutPort(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined): boolean {
    const port = lastIndexOfByte(t, COLON, s, e);
    return port > s && t[port - 1] !== COLON && isDigits(t, port + 1, e) && this.macOrIpv6(t, s, port, ip, true);
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
      this.spans.add(s, e, REPLACEMENT.mac);
      return true;
    }
    if (ip === undefined || !parseIpv6(t, s, e, this.v6)) return false;
    const text = formatMaskedIpv6(this.v6, ip);
    if (bracket) this.spans.add(s, e, `[${text}]`);
    else if (!sameText(t, s, e, text)) this.spans.add(s, e, text);
    return true;
  }

  /** Dotted-quad IPv4 addresses inside the word `t[a..b)`. */
  ipv4(t: Uint8Array, a: number, b: number, ip: IpTruncation): void {
    let i = a;
    while (i < b) {
      if (!(CLASS[t[i]!]! & C_DIGIT)) {
        i++;
        continue;
      }
      const s = i;
      let dots = 0;
      while (i < b) {
        const d = t[i]!;
        if (d === DOT) dots++;
        else if (!(CLASS[d]! & C_DIGIT)) break;
        i++;
      }
      let e = i;
      while (e > s && t[e - 1] === DOT) {
        e--;
        dots--;
      }
      // Exactly four parts; longer dotted numbers are versions or OIDs.
      if (dots !== 3 || !parseIpv4(t, s, e, this.v4)) continue;
      const text = formatMaskedIpv4(this.v4, ip.ipv4Prefix);
      if (!sameText(t, s, e, text)) this.spans.add(s, e, text);
    }
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
