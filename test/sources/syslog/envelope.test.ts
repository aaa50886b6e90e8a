import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageStart } from '../../../src/sources/syslog/envelope.js';

const FC = { seed: 0x5e1f, numRuns: 2000 } as const;
const LINE = '81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET /a?b=1 HTTP/1.1" 200 12 "-" "curl/8.0"';

/** The message as messageStart sees it: everything from the returned offset. */
function strip(text: string | Buffer): string {
  const b = typeof text === 'string' ? Buffer.from(text) : text;
  const at = messageStart(b, 0, b.length);
  return at < 0 ? '<no PRI>' : b.subarray(at).toString('latin1');
}

/**
 * A view of `b` that records every index read, so a test can prove the
 * parser never looks outside the slice it was given.
 */
function recording(b: Uint8Array): { view: Uint8Array; reads: number[] } {
  const reads: number[] = [];
  const view = new Proxy(b, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.push(Number(prop));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { view, reads };
}

describe('messageStart on RFC 3164 (BSD) envelopes', () => {
  it('strips the envelope nginx writes: PRI, timestamp, host and tag', () => {
    expect(strip(`<190>Nov 22 10:00:00 web1 nginx: ${LINE}`)).toBe(LINE);
  });

  it('strips a timestamp whose day is padded with a space', () => {
    expect(strip(`<190>Nov  2 10:00:00 web1 nginx: ${LINE}`)).toBe(LINE);
  });

  it('strips an envelope without a host name', () => {
    expect(strip(`<190>Nov 22 10:00:00 nginx: ${LINE}`)).toBe(LINE);
  });

  it('strips a tag with a pid in brackets', () => {
    expect(strip(`<134>Nov 22 10:00:00 lb1 haproxy[4242]: ${LINE}`)).toBe(LINE);
    expect(strip(`<134>Nov 22 10:00:00 haproxy[4242]: ${LINE}`)).toBe(LINE);
  });

  it('strips a tag that comes straight after the PRI (no timestamp, no host)', () => {
    expect(strip(`<13>nginx: ${LINE}`)).toBe(LINE);
  });

  it('keeps the whole message when there is no tag', () => {
    expect(strip(`<13>${LINE}`)).toBe(LINE);
  });

  it('matches the offset its documentation gives', () => {
    const b = Buffer.from('<190>Nov 22 10:00:00 web1 nginx: GET /');
    expect(messageStart(b, 0, 36)).toBe(33);
  });

  it('works on a slice in the middle of a larger buffer', () => {
    const msg = `<190>Nov 22 10:00:00 web1 nginx: ${LINE}`;
    const b = Buffer.from(`xxxx${msg}yyyy`);
    const at = messageStart(b, 4, 4 + msg.length);
    expect(b.subarray(at, 4 + msg.length).toString()).toBe(LINE);
  });
});

describe('messageStart on RFC 3164 messages without a tag', () => {
  // Senders that leave the tag out put the log line straight after the PRI
  // (or the timestamp). Its first field is the client address, which a loose
  // "up to the first colon" tag rule would cut into and leak half of.
  it.each([
    ['an IPv4 client with a port (HAProxy)', '81.6.12.34:5123 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'],
    ['an IPv6 client', '2001:db8::1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'],
    ['an IPv6 loopback client', '::1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'],
    ['a bracketed IPv6 client with a port', '[2001:db8::1]:443 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'],
    ['an IPv4-mapped IPv6 client', '::ffff:81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1'],
    ['a JSON line', '{"remote_addr":"81.6.12.34","request":"GET / HTTP/1.1"}'],
    ['a first word with a colon but no space after it', 'key:value rest of the line'],
  ])('keeps the whole message when it starts with %s', (_what, msg) => {
    expect(strip(`<13>${msg}`)).toBe(msg);
  });

  it('keeps the client address after a timestamp when no tag follows', () => {
    expect(strip(`<13>Nov 22 10:00:00 ${LINE}`)).toBe(LINE);
    expect(strip('<13>Nov 22 10:00:00 81.6.12.34:5123 - - x')).toBe('81.6.12.34:5123 - - x');
    expect(strip('<13>Nov 22 10:00:00 2001:db8::1 - - x')).toBe('2001:db8::1 - - x');
  });

  it('skips a host only when a tag follows it (without one, host and message cannot be told apart)', () => {
    expect(strip(`<13>Nov 22 10:00:00 web1 nginx: ${LINE}`)).toBe(LINE);
    expect(strip(`<13>Nov 22 10:00:00 web1 ${LINE}`)).toBe(`web1 ${LINE}`);
  });

  it('takes an IP address followed by a tag for the host (RFC 3164 allows an address as HOSTNAME)', () => {
    expect(strip(`<13>Nov 22 10:00:00 10.0.0.5 nginx: ${LINE}`)).toBe(LINE);
    expect(strip(`<13>10.0.0.5 nginx[7]: ${LINE}`)).toBe(LINE);
  });

  it('keeps any tagless line that starts with an IP address, with or without a port, whole', () => {
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65_535 })).map(([ip, port]) => `${ip}:${port}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65_535 })).map(([ip, port]) => `[${ip}]:${port}`),
    );
    // Access-log fields after the address (a word and ': ' there would be HOST TAG:, see below).
    const rest = fc.constantFrom(
      ' - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
      ' - alice [22/Nov/2026:10:00:00 +0000] "GET /a:b HTTP/1.1" 200 1',
      ' [22/Nov/2026:10:00:00.123] fe be/srv 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      '',
    );
    fc.assert(
      fc.property(address, rest, fc.boolean(), (addr, tail, stamped) => {
        const msg = addr + tail;
        expect(strip(`<13>${stamped ? 'Nov 22 10:00:00 ' : ''}${msg}`)).toBe(msg);
      }),
      FC,
    );
  });
});

describe('messageStart on RFC 3164 tags', () => {
  it.each([
    ['letters and digits', 'nginx2'],
    ['a slash (postfix style)', 'postfix/smtpd'],
    ['dots, dashes and underscores', 'my_app.v2-x'],
    ['a pid', 'haproxy[4242]'],
    ['a slash and a pid', 'postfix/smtpd[123]'],
    ['48 characters', 'a'.repeat(48)],
    ['48 characters and a pid', `${'a'.repeat(48)}[1]`],
  ])('strips a tag of %s', (_what, tag) => {
    expect(strip(`<13>${tag}: ${LINE}`)).toBe(LINE);
    expect(strip(`<13>Nov 22 10:00:00 web1 ${tag}: ${LINE}`)).toBe(LINE);
  });

  it.each([
    ['49 characters', 'a'.repeat(49)],
    ['a character outside [A-Za-z0-9_.-/]', 'ng@inx'],
    ['a pid that is not a number', 'nginx[abc]'],
    ['an unclosed pid', 'nginx[12'],
    ['a space before the colon', 'nginx '],
  ])('does not take a tag of %s for a tag', (_what, tag) => {
    expect(strip(`<13>${tag}: x`)).toBe(`${tag}: x`);
  });

  it('requires a space after the colon, unless the message ends there', () => {
    expect(strip('<13>nginx:GET /')).toBe('nginx:GET /');
    expect(strip('<13>nginx:')).toBe('');
    expect(strip('<13>Nov 22 10:00:00 web1 nginx:')).toBe('');
  });
});

describe('messageStart on RFC 5424 envelopes', () => {
  it('strips an envelope with a nil structured-data field', () => {
    expect(strip(`<165>1 2026-11-22T10:00:00.003Z web1 nginx 4242 ID47 - ${LINE}`)).toBe(LINE);
  });

  it('strips nil values in every header field', () => {
    expect(strip(`<165>1 - - - - - - ${LINE}`)).toBe(LINE);
  });

  it('strips one structured-data element', () => {
    expect(strip(`<165>1 2026-11-22T10:00:00Z web1 nginx - - [exampleSDID@32473 iut="3" eventSource="Application"] ${LINE}`)).toBe(LINE);
  });

  it('strips several structured-data elements', () => {
    expect(strip(`<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="1"][b@2 y="2"][c@3] ${LINE}`)).toBe(LINE);
  });

  it('does not end a structured-data element at an escaped bracket or quote', () => {
    expect(strip(`<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="br\\]acket" y="qu\\"ote] [still"][b@2 z="\\\\"] ${LINE}`)).toBe(LINE);
  });

  it('skips a UTF-8 byte order mark before the message', () => {
    const b = Buffer.concat([Buffer.from('<165>1 2026-11-22T10:00:00Z web1 nginx - - - '), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LINE)]);
    expect(strip(b)).toBe(LINE);
  });

  it('skips a BOM after structured data too', () => {
    const b = Buffer.concat([Buffer.from('<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="1"] '), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LINE)]);
    expect(strip(b)).toBe(LINE);
  });

  it('returns the end for a message with no MSG part', () => {
    const b = Buffer.from('<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="1"]');
    expect(messageStart(b, 0, b.length)).toBe(b.length);
  });
});

describe('messageStart on bytes that are not syslog', () => {
  it.each([
    ['a PRI above 191', `<192>Nov 22 10:00:00 web1 nginx: ${LINE}`],
    ['a PRI of four digits', `<1900>nginx: ${LINE}`],
    ['an empty PRI', `<>nginx: ${LINE}`],
    ['a PRI that is not a number', `<ab>nginx: ${LINE}`],
    ['a PRI without its closing bracket', `<190 nginx: ${LINE}`],
    ['no PRI at all', LINE],
    ['a bare bracket', '<'],
    ['an unclosed PRI at the end', '<19'],
    ['nothing', ''],
  ])('returns -1 for %s', (_what, text) => {
    const b = Buffer.from(text);
    expect(messageStart(b, 0, b.length)).toBe(-1);
  });

  it('accepts the lowest and highest PRI', () => {
    expect(strip('<0>nginx: x')).toBe('x');
    expect(strip('<191>nginx: x')).toBe('x');
  });

  it('looks only at the slice it is given, not at the bytes after it', () => {
    // The PRI's closing bracket lies just past `end`.
    const b = Buffer.from('<190>nginx: x');
    expect(messageStart(b, 0, 4)).toBe(-1);
  });
});

describe('messageStart on arbitrary and truncated input', () => {
  const syslogish = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    // Real envelopes cut short anywhere, and envelope-like bytes, so the
    // property reaches the 5424 and 3164 branches, not only the PRI check.
    fc
      .tuple(
        fc.constantFrom(
          `<190>Nov 22 10:00:00 web1 nginx: ${LINE}`,
          `<190>Nov  2 10:00:00 nginx: ${LINE}`,
          `<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="br\\]acket" y="q\\""][b@2] \u00ef\u00bb\u00bf${LINE}`,
          `<165>1 - - - - - - ${LINE}`,
          '<165>1 a b c d e [x="\\',
          '<13>haproxy[1]:',
        ),
        fc.nat(),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([text, cut, tail]) => {
        const full = Buffer.from(text, 'latin1');
        return Buffer.concat([full.subarray(0, cut % (full.length + 1)), tail]);
      }),
  );

  it('never throws and returns -1 or an offset within [start, end]', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), syslogish, fc.uint8Array({ maxLength: 6 }), (before, body, after) => {
        const b = Buffer.concat([before, body, after]);
        const start = before.length;
        const end = start + body.length;
        const at = messageStart(b, start, end);
        expect(at === -1 || (at >= start && at <= end)).toBe(true);
      }),
      FC,
    );
  });

  it('never reads a byte outside [start, end)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), syslogish, fc.uint8Array({ maxLength: 6 }), (before, body, after) => {
        const b = Buffer.concat([before, body, after]);
        const start = before.length;
        const end = start + body.length;
        const { view, reads } = recording(new Uint8Array(b));
        messageStart(view, start, end);
        for (const i of reads) expect(i >= start && i < end, `read index ${i} outside [${start}, ${end})`).toBe(true);
      }),
      { ...FC, numRuns: 1000 },
    );
  });

  it('gives the same answer on a truncated copy as on the slice of the full buffer', () => {
    fc.assert(
      fc.property(syslogish, fc.uint8Array({ maxLength: 6 }), (body, after) => {
        const alone = messageStart(body, 0, body.length);
        const inside = messageStart(Buffer.concat([body, after]), 0, body.length);
        expect(inside).toBe(alone);
      }),
      FC,
    );
  });
});
