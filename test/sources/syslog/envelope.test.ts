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
