import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IP_TRUNCATION,
  formatMaskedIpv4,
  IP_PRESETS,
  type IpTruncation,
  ipConfigSchema,
  ipTruncationFromConfig,
  parseIpv4,
  parseIpv6,
  truncateIp,
  truncateIpAt,
  truncateIpList,
  truncateIpListAt,
} from '../../src/transforms/truncate-ip.js';

const D = DEFAULT_IP_TRUNCATION;
const KEEP_PORT: IpTruncation = { ...D, keepPort: true };
const FC = { seed: 0x5eed, numRuns: 500 } as const;

function rule(preset: keyof typeof IP_PRESETS, keepPort = false): IpTruncation {
  return { ...IP_PRESETS[preset], keepPort };
}

// ---- random textual forms of addresses (the oracle's input) ----

interface V4Form {
  octets: number[];
  /** Extra leading zeros per octet (each octet stays at most three digits). */
  pad: number[];
}

const v4Form: fc.Arbitrary<V4Form> = fc.record({
  octets: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  pad: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
});

function renderV4({ octets, pad }: V4Form): string {
  return octets.map((o, k) => String(o).padStart(Math.min(3, String(o).length + pad[k]!), '0')).join('.');
}

interface V6Form {
  groups: number[];
  /** Digits per group (at least what the value needs). */
  width: number[];
  upper: boolean[];
  /** Index and length of the zero run written as `::`, if any. */
  gap: { at: number; len: number } | undefined;
  /** Write the last 32 bits as a dotted quad. */
  dotted: boolean;
}

/** Groups biased towards zeros so that `::` runs of every length occur. */
const groupsArb = fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) }), {
  minLength: 8,
  maxLength: 8,
});

/** Every zero run (start, length ≥ 1) of `g`, any of which RFC 4291 lets a writer compress. */
function zeroRuns(g: readonly number[]): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  for (let a = 0; a < 8; a++) for (let z = a; z < 8 && g[z] === 0; z++) out.push({ at: a, len: z - a + 1 });
  return out;
}

function v6FormOf(groups: fc.Arbitrary<number[]>): fc.Arbitrary<V6Form> {
  return groups.chain((g) => {
    const runs = zeroRuns(g);
    return fc.record({
      groups: fc.constant(g),
      width: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }),
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      gap: runs.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...runs), { nil: undefined }),
      dotted: fc.boolean(),
    });
  });
}

function renderV6(f: V6Form): string {
  const hex = (k: number): string => {
    const s = f.groups[k]!.toString(16).padStart(f.width[k]!, '0');
    return f.upper[k] ? s.toUpperCase() : s;
  };
  const dotted = f.dotted && (f.gap === undefined || f.gap.at + f.gap.len <= 6);
  const last = dotted ? 6 : 8;
  const part = (from: number, to: number): string[] => {
    const out: string[] = [];
    for (let k = from; k < to; k++) out.push(hex(k));
    return out;
  };
  let text: string;
  if (f.gap === undefined) text = part(0, last).join(':');
  else {
    const head = part(0, f.gap.at).join(':');
    const tail = part(Math.min(f.gap.at + f.gap.len, last), last).join(':');
    text = `${head}::${tail}`;
  }
  if (dotted) {
    const g6 = f.groups[6]!;
    const g7 = f.groups[7]!;
    const quad = `${g6 >>> 8}.${g6 & 255}.${g7 >>> 8}.${g7 & 255}`;
    text += text.endsWith(':') ? quad : `:${quad}`;
  }
  return text;
}

/** An ordinary IPv6 address: not in ::/96 (IPv4-mapped and -compatible have their own rule). */
const plainV6 = v6FormOf(groupsArb.filter((g) => g.slice(0, 6).some((x) => x !== 0) && !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)));

function groupsText(g: readonly number[]): string {
  return g.map((x) => x.toString(16)).join(':');
}

/** The oracle: ipaddr.js's network address for the prefix the rule keeps. */
function oracleV4(octets: readonly number[], prefix: number): string {
  return ipaddr.IPv4.networkAddressFromCIDR(`${octets.join('.')}/${prefix}`).toString();
}

function oracleV6(groups: readonly number[], t: IpTruncation): string {
  const prefix = groups[0] === 0x2002 ? Math.min(t.ipv6Prefix, 16 + t.ipv4Prefix) : t.ipv6Prefix;
  return ipaddr.IPv6.networkAddressFromCIDR(`${groupsText(groups)}/${prefix}`).toRFC5952String();
}

const rules = fc.constantFrom<IpTruncation>(
  D,
  rule('cnil'),
  rule('strict'),
  { ipv4Prefix: 0, ipv6Prefix: 0, keepPort: false },
  { ipv4Prefix: 20, ipv6Prefix: 56, keepPort: false },
  { ipv4Prefix: 32, ipv6Prefix: 128, keepPort: false },
  { ipv4Prefix: 8, ipv6Prefix: 17, keepPort: false },
);

describe('presets and config', () => {
  it('keeps /24 of IPv4 and /48 of IPv6 by default, like the ga preset', () => {
    expect(D).toEqual({ ipv4Prefix: 24, ipv6Prefix: 48, keepPort: false });
    expect(IP_PRESETS.ga).toEqual(IP_PRESETS.default);
    expect(truncateIp('81.6.12.34', D)).toBe('81.6.12.0');
    expect(truncateIp('2a02:8108:1234:5678:9abc:def0:1234:5678', D)).toBe('2a02:8108:1234::');
    expect(truncateIp('81.6.12.34', rule('ga'))).toBe('81.6.12.0');
  });

  it('keeps /16 of IPv4 and /48 of IPv6 with the cnil preset', () => {
    expect(truncateIp('81.6.12.34', rule('cnil'))).toBe('81.6.0.0');
    expect(truncateIp('2a02:8108:1234:5678::1', rule('cnil'))).toBe('2a02:8108:1234::');
  });

  it('keeps /16 of IPv4 and /32 of IPv6 with the strict preset', () => {
    expect(truncateIp('81.6.12.34', rule('strict'))).toBe('81.6.0.0');
    expect(truncateIp('2a02:8108:1234:5678::1', rule('strict'))).toBe('2a02:8108::');
  });

  it('takes the preset from the config and lets explicit prefixes override it', () => {
    const parse = (c: unknown): IpTruncation => ipTruncationFromConfig(ipConfigSchema.parse(c));
    expect(parse({})).toEqual({ ipv4Prefix: 24, ipv6Prefix: 48, keepPort: false });
    expect(parse({ preset: 'cnil' })).toEqual({ ipv4Prefix: 16, ipv6Prefix: 48, keepPort: false });
    expect(parse({ preset: 'strict', keep_port: true })).toEqual({ ipv4Prefix: 16, ipv6Prefix: 32, keepPort: true });
    expect(parse({ preset: 'strict', ipv4_prefix: 8 })).toEqual({ ipv4Prefix: 8, ipv6Prefix: 32, keepPort: false });
    expect(parse({ preset: 'cnil', ipv6_prefix: 40, ipv4_prefix: 20 })).toEqual({ ipv4Prefix: 20, ipv6Prefix: 40, keepPort: false });
    expect(parse({ ipv4_prefix: 0, ipv6_prefix: 0 })).toEqual({ ipv4Prefix: 0, ipv6Prefix: 0, keepPort: false });
  });

  it('rejects prefixes that would identify a host, unknown presets and unknown keys', () => {
    expect(ipConfigSchema.safeParse({ ipv4_prefix: 25 }).success).toBe(false);
    expect(ipConfigSchema.safeParse({ ipv6_prefix: 65 }).success).toBe(false);
    expect(ipConfigSchema.safeParse({ ipv4_prefix: 24, ipv6_prefix: 64 }).success).toBe(true);
    expect(ipConfigSchema.safeParse({ preset: 'lax' }).success).toBe(false);
    expect(ipConfigSchema.safeParse({ prefix: 24 }).success).toBe(false);
    expect(ipConfigSchema.safeParse({ ipv4_prefix: 16.5 }).success).toBe(false);
  });
});

describe('IPv4', () => {
  it.each([
    ['81.6.12.34', '81.6.12.0'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.0'],
    ['10.1.2.3', '10.1.2.0'],
  ])('truncates %s to %s', (input, want) => {
    expect(truncateIp(input, D)).toBe(want);
  });

  it('reads octets with leading zeros as decimal and never prints the host octet back', () => {
    expect(truncateIp('010.001.002.003', D)).toBe('10.1.2.0');
    expect(truncateIp('081.006.012.034', D)).toBe('81.6.12.0');
    expect(truncateIp('010.001.002.003', rule('cnil'))).toBe('10.1.0.0');
    expect(truncateIp('01.2.3.4', D)).toBe('1.2.3.0');
    // The list fast path (a plain dotted quad) must agree.
    expect(truncateIpList('010.001.002.003', D)).toBe('10.1.2.0');
    expect(truncateIpList('081.006.012.034', rule('cnil'))).toBe('81.6.0.0');
    expect(truncateIpList('00.00.00.07', D)).toBe('0.0.0.0');
  });

  it('masks prefixes that are not whole octets', () => {
    expect(truncateIp('81.6.12.34', { ...D, ipv4Prefix: 20 })).toBe('81.6.0.0');
    expect(truncateIp('81.6.255.34', { ...D, ipv4Prefix: 20 })).toBe('81.6.240.0');
    expect(truncateIp('255.255.255.255', { ...D, ipv4Prefix: 1 })).toBe('128.0.0.0');
    expect(truncateIp('255.255.255.255', { ...D, ipv4Prefix: 0 })).toBe('0.0.0.0');
    expect(truncateIp('255.255.255.255', { ...D, ipv4Prefix: 32 })).toBe('255.255.255.255');
    expect(truncateIpList('81.6.255.34', { ...D, ipv4Prefix: 20 })).toBe('81.6.240.0');
  });

  it('drops the port unless keepPort is set', () => {
    expect(truncateIp('81.6.12.34:51234', D)).toBe('81.6.12.0');
    expect(truncateIp('81.6.12.34:51234', KEEP_PORT)).toBe('81.6.12.0:51234');
    expect(truncateIpList('81.6.12.34:443', KEEP_PORT)).toBe('81.6.12.0:443');
  });

  it.each(['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4:', '1.2.3.4:123456', '1.2.3.4:8o', '1..2.3', '.1.2.3', '1.2.3.', '1234.1.1.1', '1.2.3.4x', '', '1', '0x7f.0.0.1'])(
    'does not take %j for an address',
    (input) => {
      expect(truncateIp(input, D)).toBeUndefined();
    },
  );

  it('parseIpv4 reads exactly the given byte range and formatMaskedIpv4 masks it', () => {
    const bytes = Buffer.from('xx81.6.12.34yy');
    const o = new Uint8Array(4);
    expect(parseIpv4(bytes, 2, 12, o)).toBe(true);
    expect([...o]).toEqual([81, 6, 12, 34]);
    expect(parseIpv4(bytes, 2, 13, o)).toBe(false);
    expect(formatMaskedIpv4(Uint8Array.of(81, 6, 12, 34), 24)).toBe('81.6.12.0');
    expect(formatMaskedIpv4(Uint8Array.of(192, 168, 255, 255), 17)).toBe('192.168.128.0');
  });

  it('agrees with ipaddr.js for any address in any decimal form and any prefix', () => {
    fc.assert(
      fc.property(v4Form, fc.integer({ min: 0, max: 32 }), (f, prefix) => {
        const t = { ...D, ipv4Prefix: prefix };
        const want = oracleV4(f.octets, prefix);
        const text = renderV4(f);
        expect(truncateIp(text, t)).toBe(want);
        expect(truncateIpList(text, t)).toBe(want);
      }),
      FC,
    );
  });
});

describe('IPv6 text forms', () => {
  it.each([
    ['full', '2001:0db8:abcd:1234:0000:0000:0000:0001', '2001:db8:abcd::'],
    ['compressed', '2001:db8:abcd:1234::1', '2001:db8:abcd::'],
    ['upper case', '2001:DB8:ABCD:1234::1', '2001:db8:abcd::'],
    ['mixed case and leading zeros', '2001:0Db8:0aBc:0001:0:0:0:1', '2001:db8:abc::'],
    ['embedded IPv4 tail', '2001:db8:abcd:1234::81.6.12.34', '2001:db8:abcd::'],
    ['full with embedded IPv4 tail', '2001:db8:abcd:1:2:3:81.6.12.34', '2001:db8:abcd::'],
    ['leading ::', '::2:3:4:5:6:7:8', '0:2:3::'],
    ['trailing ::', '1:2:3:4:5:6:7::', '1:2:3::'],
    [':: for one group', '1:2:3:4::6:7:8', '1:2:3::'],
    ['unspecified', '::', '::'],
    ['loopback', '::1', '::'],
  ])('truncates the %s form %s to /48 %s', (_form, input, want) => {
    expect(truncateIp(input, D)).toBe(want);
  });

  it('prints RFC 5952 text: lower case, no leading zeros, :: for the longest zero run, never for one group', () => {
    const keepAll: IpTruncation = { ipv4Prefix: 32, ipv6Prefix: 128, keepPort: false };
    expect(truncateIp('2001:0DB8:0000:0000:0001:0000:0000:0001', keepAll)).toBe('2001:db8::1:0:0:1');
    expect(truncateIp('2001:db8:0:0:1:0:0:0', keepAll)).toBe('2001:db8:0:0:1::');
    expect(truncateIp('2001:db8:0:1:1:1:1:1', keepAll)).toBe('2001:db8:0:1:1:1:1:1');
    expect(truncateIp('1:0:0:2:0:0:0:3', keepAll)).toBe('1:0:0:2::3');
    expect(truncateIp('2001:db8:abcd:ff00::', { ...D, ipv6Prefix: 56 })).toBe('2001:db8:abcd:ff00::');
    expect(truncateIp('2001:db8:abcd:ffff::', { ...D, ipv6Prefix: 52 })).toBe('2001:db8:abcd:f000::');
  });

  it.each([
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::1',
    ':::',
    '1:::2',
    ':1::',
    '1:2:3:4:5:6:7:8::',
    '1:2:3:4:5:6::1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3',
    '::256.1.1.1',
    '2001:db8::g',
    '2001:db8:',
    '[2001:db8::1',
    '[2001:db8::1]x',
    '[2001:db8::1]:',
    '[2001:db8::1]:123456',
    '[]',
  ])('does not take %j for an address', (input) => {
    expect(truncateIp(input, D)).toBeUndefined();
  });

  it('parseIpv6 fills eight groups from a byte range inside a larger buffer', () => {
    const bytes = Buffer.from('<<2001:db8::1.2.3.4>>');
    const g = new Uint16Array(8);
    expect(parseIpv6(bytes, 2, 19, g)).toBe(true);
    expect([...g]).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIpv6(bytes, 2, 20, g)).toBe(false);
  });

  it('agrees with ipaddr.js for any address in any valid text form', () => {
    fc.assert(
      fc.property(plainV6, rules, (f, t) => {
        const text = renderV6(f);
        expect(ipaddr.IPv6.isValid(text), text).toBe(true); // the generator writes only valid forms
        expect(truncateIp(text, t), text).toBe(oracleV6(f.groups, t));
      }),
      FC,
    );
  });

  it('agrees with ipaddr.js inside brackets, with a port and with a zone id', () => {
    fc.assert(
      fc.property(plainV6, fc.integer({ min: 0, max: 65535 }), fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), (f, port, zone) => {
        const text = renderV6(f);
        const want = oracleV6(f.groups, D);
        expect(truncateIp(`[${text}]`, D)).toBe(want);
        expect(truncateIp(`[${text}]:${port}`, D)).toBe(want);
        expect(truncateIp(`[${text}]:${port}`, KEEP_PORT)).toBe(`[${want}]:${port}`);
        expect(truncateIp(`${text}%${zone}`, D)).toBe(want);
        expect(truncateIp(`[${text}%${zone}]:${port}`, D)).toBe(want);
      }),
      FC,
    );
  });
});

describe('IPv6 with a port or a zone', () => {
  it('drops the port of [v6]:port unless keepPort is set, and accepts [v6] alone', () => {
    expect(truncateIp('[2a02:8108:1234:5678::1]:443', D)).toBe('2a02:8108:1234::');
    expect(truncateIp('[2a02:8108:1234:5678::1]:443', KEEP_PORT)).toBe('[2a02:8108:1234::]:443');
    expect(truncateIp('[2a02:8108:1234:5678::1]', D)).toBe('2a02:8108:1234::');
    expect(truncateIp('[2a02:8108:1234:5678::1]', KEEP_PORT)).toBe('2a02:8108:1234::');
  });

  it('drops zone ids, which can name the machine', () => {
    expect(truncateIp('fe80::1%eth0', D)).toBe('fe80::');
    expect(truncateIp('fe80::1ff:fe23:4567:890a%wlp3s0', { ...D, ipv6Prefix: 64 })).toBe('fe80::');
    expect(truncateIp('[fe80::1%25eth0]:8080', KEEP_PORT)).toBe('[fe80::]:8080');
    expect(truncateIpList('fe80::1%eth0, 81.6.12.34', D)).toBe('fe80::, 81.6.12.0');
  });
});

describe('IPv4 inside IPv6', () => {
  it('truncates IPv4-mapped addresses by the IPv4 rule, in dotted and in hex form', () => {
    expect(truncateIp('::ffff:81.6.12.34', D)).toBe('::ffff:81.6.12.0');
    expect(truncateIp('::ffff:5106:0c22', D)).toBe('::ffff:81.6.12.0');
    expect(truncateIp('::FFFF:5106:C22', D)).toBe('::ffff:81.6.12.0');
    expect(truncateIp('0:0:0:0:0:ffff:0102:0304', D)).toBe('::ffff:1.2.3.0');
    expect(truncateIp('::ffff:0102:0304', D)).toBe('::ffff:1.2.3.0');
    expect(truncateIp('[::ffff:81.6.12.34]:443', KEEP_PORT)).toBe('[::ffff:81.6.12.0]:443');
    expect(truncateIp('::ffff:81.6.12.34', rule('cnil'))).toBe('::ffff:81.6.0.0');
    // The IPv6 prefix does not apply: /48 of ::ffff:… would keep nothing, /128 would keep everything.
    expect(truncateIp('::ffff:81.6.12.34', { ipv4Prefix: 24, ipv6Prefix: 128, keepPort: false })).toBe('::ffff:81.6.12.0');
  });

  it('truncates a mapped address exactly as ipaddr.js truncates the IPv4 address it carries', () => {
    fc.assert(
      fc.property(v4Form, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 32 }), (f, dotted, full, prefix) => {
        const [a, b, c, d] = f.octets as [number, number, number, number];
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const text = (full ? '0:0:0:0:0:ffff:' : '::ffff:') + (dotted ? renderV4(f) : hex);
        const parsed = ipaddr.IPv6.parse(text);
        expect(parsed.isIPv4MappedAddress()).toBe(true);
        const want = `::ffff:${oracleV4(parsed.toIPv4Address().octets, prefix)}`;
        expect(truncateIp(text, { ...D, ipv4Prefix: prefix })).toBe(want);
      }),
      FC,
    );
  });

  it('truncates deprecated IPv4-compatible addresses (::a.b.c.d) by the IPv4 rule too', () => {
    expect(truncateIp('::81.6.12.34', D)).toBe('::81.6.12.0');
    expect(truncateIp('::5106:c22', D)).toBe('::81.6.12.0');
  });

  it('prints an IPv4-compatible address that truncates to all zeros as ::, not ::0.0.0.0', () => {
    expect(truncateIp('::d', D)).toBe('::');
    expect(truncateIp('::0.0.0.200', D)).toBe('::');
    expect(truncateIp('::0.0.0.3', { ...D, ipv4Prefix: 30 })).toBe('::');
    expect(truncateIp('::0.0.0.3', { ...D, ipv4Prefix: 31 })).toBe('::0.0.0.2');
  });

  it('is idempotent: truncating its own output changes nothing, for every form and rule', () => {
    const anyV6 = v6FormOf(groupsArb.map((g) => (g[0]! % 3 === 0 ? [0, 0, 0, 0, 0, ...g.slice(5)] : g)));
    fc.assert(
      fc.property(fc.oneof(anyV6.map(renderV6), v4Form.map(renderV4)), rules, (text, t) => {
        const once = truncateIp(text, t);
        expect(once, text).toBeDefined();
        expect(truncateIp(once!, t)).toBe(once);
      }),
      FC,
    );
  });

  it('keeps at most 16 + the IPv4 prefix bits of a 6to4 address, which carries an IPv4 address in bits 16..47', () => {
    // 2002:5106:0c22::/48 is the 6to4 network of 81.6.12.34.
    expect(truncateIp('2002:5106:0c22:1::1', D)).toBe('2002:5106:c00::');
    expect(truncateIp('2002:5106:0c22:1::1', rule('cnil'))).toBe('2002:5106::');
    expect(truncateIp('2002:5106:0c22:1::1', rule('strict'))).toBe('2002:5106::');
    expect(truncateIp('2002:5106:0c22:1::1', { ipv4Prefix: 24, ipv6Prefix: 32, keepPort: false })).toBe('2002:5106::');
    // Not 6to4: the IPv6 prefix alone applies.
    expect(truncateIp('2003:5106:0c22:1::1', D)).toBe('2003:5106:c22::');
  });

  it('agrees with ipaddr.js on 6to4 addresses for every rule', () => {
    const sixToFour = v6FormOf(groupsArb.map((g) => [0x2002, ...g.slice(1)]));
    fc.assert(
      fc.property(sixToFour, rules, (f, t) => {
        const want = oracleV6(f.groups, t);
        expect(truncateIp(renderV6(f), t)).toBe(want);
        const kept = Math.min(t.ipv6Prefix, 16 + t.ipv4Prefix);
        expect(ipaddr.IPv6.parse(want).match(ipaddr.IPv6.parse(groupsText(f.groups)), kept)).toBe(true);
      }),
      FC,
    );
  });
});

describe('address lists (X-Forwarded-For)', () => {
  it('truncates every address and keeps the separators exactly', () => {
    expect(truncateIpList('81.6.12.34, 10.1.2.3', D)).toBe('81.6.12.0, 10.1.2.0');
    expect(truncateIpList('81.6.12.34,10.1.2.3', D)).toBe('81.6.12.0,10.1.2.0');
    expect(truncateIpList('81.6.12.34 ,  2a02:8108:1234:5678::1,10.1.2.3', D)).toBe('81.6.12.0 ,  2a02:8108:1234::,10.1.2.0');
    expect(truncateIpList('81.6.12.34,', D)).toBe('81.6.12.0,');
    expect(truncateIpList(',81.6.12.34', D)).toBe(',81.6.12.0');
  });

  it("keeps 'unknown', '-' and empty entries, and turns host names and garbage into '-'", () => {
    expect(truncateIpList('a, b,c', D)).toBe('-, -,-');
    expect(truncateIpList('81.6.12.34, unknown , host.example.com', D)).toBe('81.6.12.0, unknown , -');
    expect(truncateIpList('unknown', D)).toBe('unknown');
    expect(truncateIpList('-', D)).toBe('-');
    expect(truncateIpList('', D)).toBe('');
    expect(truncateIpList('alice-laptop.lan', D)).toBe('-');
    expect(truncateIpList('_hidden', D)).toBe('-');
    expect(truncateIpList('81.6.12.34.example.com', D)).toBe('-');
    expect(truncateIpList('Unknown', D)).toBe('-');
  });

  it('trims spaces around a single address as it does around list entries', () => {
    expect(truncateIpList(' 81.6.12.34 ', D)).toBe(' 81.6.12.0 ');
    expect(truncateIpList(' 2a02:8108:1234:5678::1', D)).toBe(' 2a02:8108:1234::');
    expect(truncateIpList(' alice ', D)).toBe(' - ');
  });

  it('handles non-ASCII lists: such entries are never addresses', () => {
    expect(truncateIpList('café, 81.6.12.34', D)).toBe('-, 81.6.12.0');
    expect(truncateIpList('81.6.12.34, 10.1.2.3, ünïcode', D)).toBe('81.6.12.0, 10.1.2.0, -');
    expect(truncateIp('81.6.12.３4', D)).toBeUndefined();
  });

  it('does not mistake non-ASCII text for ASCII when its UTF-8 just overflows the scratch buffer', () => {
    // Grow the module's scratch buffer to a size this test knows (2 × 100 000 bytes).
    expect(truncateIp('x'.repeat(100_000), D)).toBeUndefined();
    const size = 200_000;
    // One two-byte character makes the UTF-8 one byte longer than the buffer; encodeInto then
    // stops one character short, having written exactly `size` bytes.
    const value = 'é,81.6.12.34,' + 'a'.repeat(size - 13);
    expect(value.length).toBe(size);
    expect(truncateIpList(value, D)).toBe('-,81.6.12.0,-');
    const token = 'a'.repeat(size - 2) + 'é' + 'b';
    expect(truncateIp(token, D)).toBeUndefined();
  });

  it('reads the bytes at the given offset of a larger buffer (truncateIpListAt)', () => {
    const value = '81.6.12.34, 2a02:8108:1234:5678::1, unknown';
    const line = Buffer.from(`1.2.3.4 - "${value}" 5.6.7.8`);
    const off = line.indexOf(value);
    expect(truncateIpListAt(value, line, off, D)).toBe('81.6.12.0, 2a02:8108:1234::, unknown');
    // A single address (the fast paths) at an offset, in a Uint8Array view with its own byteOffset.
    const ab = new Uint8Array(64);
    ab.set(Buffer.from('010.001.002.003'), 7);
    const view = new Uint8Array(ab.buffer, 3, 40);
    expect(truncateIpListAt('010.001.002.003', view, 4, D)).toBe('10.1.2.0');
    const quad = Buffer.from('GET 81.6.12.34 81.6.12.35');
    expect(truncateIpListAt('81.6.12.35', quad, 15, rule('cnil'))).toBe('81.6.0.0');
    expect(truncateIpListAt('-', Buffer.from('x-x'), 1, D)).toBe('-');
    expect(truncateIpListAt('[2001:db8::1]:80', Buffer.from('..[2001:db8::1]:80..'), 2, KEEP_PORT)).toBe('[2001:db8::]:80');
  });

  it('truncateIpAt reads exactly [start, end) of the buffer', () => {
    const b = Buffer.from('9981.6.12.34:8099');
    expect(truncateIpAt(b, 2, 15, KEEP_PORT)).toBe('81.6.12.0:80');
    expect(truncateIpAt(b, 2, 12, D)).toBe('81.6.12.0');
    expect(truncateIpAt(b, 0, 12, D)).toBeUndefined();
    expect(truncateIpAt(b, 2, 3, D)).toBeUndefined();
  });

  it('agrees with the oracle for random lists with random spacing, at any offset', () => {
    const entry = fc.oneof(
      v4Form.map((f) => ({ text: renderV4(f), want: oracleV4(f.octets, 24) })),
      plainV6.map((f) => ({ text: renderV6(f), want: oracleV6(f.groups, D) })),
      fc.constantFrom({ text: 'unknown', want: 'unknown' }, { text: 'proxy.example.net', want: '-' }, { text: '', want: '' }),
    );
    const spaces = fc.stringMatching(/^ {0,2}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(spaces, entry, spaces), { minLength: 1, maxLength: 5 }), fc.nat(20), (parts, pad) => {
        const value = parts.map(([a, e, z]) => a + e.text + z).join(',');
        const want = parts.map(([a, e, z]) => a + e.want + z).join(',');
        expect(truncateIpList(value, D)).toBe(want);
        const line = Buffer.from('#'.repeat(pad) + value + '#');
        expect(truncateIpListAt(value, line, pad, D)).toBe(want);
      }),
      FC,
    );
  });
});
