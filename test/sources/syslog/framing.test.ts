import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../src/sources/syslog/framing.js';

const FC = { seed: 0xf4a3e, numRuns: 300 } as const;

interface Collected {
  readonly decoder: FrameDecoder;
  readonly messages: string[];
  oversize: number;
}

function collector(max = 1024): Collected {
  const out = { messages: [] as string[], oversize: 0 } as Collected;
  (out as { decoder: FrameDecoder }).decoder = new FrameDecoder(max, {
    message: (b, s, e) => out.messages.push(b.subarray(s, e).toString('latin1')),
    oversize: () => out.oversize++,
  });
  return out;
}

/** The decoder's unfinished-frame buffer (private; read here to prove memory stays bounded). */
function held(d: FrameDecoder): number {
  return d.heldBytes;
}

function octet(msg: string): string {
  return `${Buffer.byteLength(msg, 'latin1')} ${msg}`;
}

/** Pushes `stream` cut at the given offsets; returns false as soon as a push does. */
function pushInPieces(d: FrameDecoder, stream: Buffer, cuts: readonly number[]): boolean {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (!d.push(stream.subarray(from, cut))) return false;
    from = cut;
  }
  return d.push(stream.subarray(from));
}

const M1 = '<190>Nov 22 10:00:00 web1 nginx: GET / 200';
const M2 = '<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="1"] POST /b 201';
const M3 = '<13>haproxy[1]: line with\nan embedded newline';

describe('FrameDecoder framing', () => {
  it('decodes octet-counted frames', () => {
    const c = collector();
    expect(c.decoder.push(Buffer.from(octet(M1) + octet(M2) + octet(M3), 'latin1'))).toBe(true);
    expect(c.messages).toEqual([M1, M2, M3]);
  });

  it('decodes LF-terminated frames', () => {
    const c = collector();
    expect(c.decoder.push(Buffer.from(`${M1}\n${M2}\n`))).toBe(true);
    expect(c.messages).toEqual([M1, M2]);
  });

  it('drops the CR of CRLF-terminated frames', () => {
    const c = collector();
    c.decoder.push(Buffer.from(`${M1}\r\n${M2}\r\n`));
    expect(c.messages).toEqual([M1, M2]);
  });

  it('decodes both framings mixed on one connection', () => {
    const c = collector();
    c.decoder.push(Buffer.from(`${octet(M1)}${M2}\n${octet(M3)}\n${M1}\r\n`, 'latin1'));
    expect(c.messages).toEqual([M1, M2, M3, M1]);
  });

  it('keeps an LF-terminated frame without its LF until the LF arrives', () => {
    const c = collector();
    c.decoder.push(Buffer.from(M1));
    expect(c.messages).toEqual([]);
    c.decoder.push(Buffer.from('\n'));
    expect(c.messages).toEqual([M1]);
  });

  it('decodes a frame split at every possible byte boundary', () => {
    const stream = Buffer.from(`${octet(M1)}${M2}\r\n${octet(M3)}${M1}\n`, 'latin1');
    for (let cut = 0; cut <= stream.length; cut++) {
      const c = collector();
      expect(pushInPieces(c.decoder, stream, [cut])).toBe(true);
      expect(c.messages, `cut at ${cut}`).toEqual([M1, M2, M3, M1]);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = Buffer.from(`${octet(M1)}${M2}\r\n${octet(M3)}`, 'latin1');
    const c = collector();
    for (let i = 0; i < stream.length; i++) expect(c.decoder.push(stream.subarray(i, i + 1))).toBe(true);
    expect(c.messages).toEqual([M1, M2, M3]);
  });

  it('decodes a 64 KiB frame fed in small chunks, holding the pieces rather than re-joining them each push', () => {
    const big = `<1>${'m'.repeat(65_000)}`;
    for (const framed of [octet(big), `${big}\n`]) {
      const c = collector(70_000);
      const bytes = Buffer.from(framed);
      for (let i = 0; i < bytes.length; i += 1400) {
        expect(c.decoder.push(bytes.subarray(i, i + 1400))).toBe(true);
        if (i + 1400 < bytes.length) expect(held(c.decoder)).toBe(i + 1400);
      }
      expect(c.messages).toEqual([big]);
      expect(held(c.decoder)).toBe(0);
    }
  });

  it('decodes many frames in one push', () => {
    const msgs = Array.from({ length: 2000 }, (_, i) => `<190>nginx: line ${i}`);
    const c = collector();
    c.decoder.push(Buffer.from(msgs.map((m, i) => (i % 2 === 0 ? octet(m) : `${m}\n`)).join('')));
    expect(c.messages).toEqual(msgs);
  });

  it('yields the same messages however a valid stream is chunked', () => {
    const message = fc
      .tuple(fc.constantFrom('<190>', '<13>', '<0>'), fc.string({ unit: 'binary-ascii', maxLength: 60 }))
      .map(([pri, body]) => pri + body);
    const frame = fc.tuple(message, fc.constantFrom('octet', 'lf', 'crlf')).map(([m, how]) => {
      // LF-framed messages cannot hold an LF, nor end in CR (it is part of CRLF).
      const lf = m.replace(/[\n]/g, ' ').replace(/\r+$/, '');
      if (how === 'octet') return { text: octet(m), msg: m };
      return { text: `${lf}${how === 'crlf' ? '\r\n' : '\n'}`, msg: lf };
    });
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, rawCuts) => {
        const stream = Buffer.from(frames.map((f) => f.text).join(''), 'latin1');
        const c = collector(4096);
        const cuts = rawCuts.map((n) => n % (stream.length + 1));
        expect(pushInPieces(c.decoder, stream, cuts)).toBe(true);
        expect(c.messages).toEqual(frames.map((f) => f.msg));
        expect(c.oversize).toBe(0);
      }),
      FC,
    );
  });
});

describe('FrameDecoder limits', () => {
  it('skips an oversize octet-counted frame as it streams past, counting it once', () => {
    const c = collector(100);
    const big = `<190>nginx: ${'x'.repeat(5000)}`;
    const stream = Buffer.from(octet(M1) + octet(big) + octet(M2) + `${M3.replace('\n', ' ')}\n`);
    let maxHeld = 0;
    for (let i = 0; i < stream.length; i += 7) {
      expect(c.decoder.push(stream.subarray(i, i + 7))).toBe(true);
      maxHeld = Math.max(maxHeld, held(c.decoder));
    }
    expect(c.oversize).toBe(1);
    expect(c.messages).toEqual([M1, M2, M3.replace('\n', ' ')]);
    expect(maxHeld).toBeLessThanOrEqual(100 + 12);
  });

  it('skips an oversize octet-counted frame that arrives in one push', () => {
    const c = collector(100);
    c.decoder.push(Buffer.from(octet(`<1>${'y'.repeat(300)}`) + octet('<1>after')));
    expect(c.oversize).toBe(1);
    expect(c.messages).toEqual(['<1>after']);
  });

  it('skips an oversize LF-terminated frame up to its LF', () => {
    const c = collector(100);
    const big = `<190>nginx: ${'z'.repeat(5000)}`;
    const stream = Buffer.from(`${M1.slice(0, 90)}\n${big}\n<1>after\n`);
    let maxHeld = 0;
    for (let i = 0; i < stream.length; i += 64) {
      expect(c.decoder.push(stream.subarray(i, i + 64))).toBe(true);
      maxHeld = Math.max(maxHeld, held(c.decoder));
    }
    expect(c.oversize).toBe(1);
    expect(c.messages).toEqual([M1.slice(0, 90), '<1>after']);
    expect(maxHeld).toBeLessThanOrEqual(100 + 12);
  });

  it('skips an oversize LF-terminated frame whose LF arrives in the same push', () => {
    const c = collector(100);
    c.decoder.push(Buffer.from(`<1>${'z'.repeat(300)}\n<1>after\n`));
    expect(c.oversize).toBe(1);
    expect(c.messages).toEqual(['<1>after']);
  });

  it('accepts a frame exactly at the limit', () => {
    const c = collector(100);
    const exact = `<1>${'a'.repeat(97)}`;
    c.decoder.push(Buffer.from(`${octet(exact)}${exact}\n`));
    expect(c.messages).toEqual([exact, exact]);
    expect(c.oversize).toBe(0);
  });

  it('accepts a CRLF frame exactly at the limit whose LF arrives in a later push', () => {
    // How TCP cuts the stream must not decide whether a message is kept.
    const c = collector(100);
    const exact = `<1>${'a'.repeat(97)}`;
    c.decoder.push(Buffer.from(`${exact}\r`));
    c.decoder.push(Buffer.from('\n'));
    expect(c.oversize).toBe(0);
    expect(c.messages).toEqual([exact]);
  });

  it('never holds more than the limit plus a length prefix, whatever a peer sends', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const c = collector(128);
        for (const chunk of chunks) {
          if (!c.decoder.push(Buffer.from(chunk))) break;
          expect(held(c.decoder)).toBeLessThanOrEqual(128 + 11);
        }
      }),
      FC,
    );
  });

  it('never holds more than the limit plus a length prefix on framed streams with oversize messages, and decodes them as one push would', () => {
    const frame = fc.tuple(fc.integer({ min: 0, max: 600 }), fc.boolean()).map(([n, counted]) => {
      const m = `<1>${'q'.repeat(n)}`;
      return { text: counted ? octet(m) : `${m}\n`, oversize: m.length > 128 };
    });
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, rawCuts) => {
        const stream = Buffer.from(frames.map((f) => f.text).join(''));
        const c = collector(128);
        let from = 0;
        for (const cut of rawCuts.map((n) => n % (stream.length + 1)).sort((a, b) => a - b)) {
          expect(c.decoder.push(stream.subarray(from, cut))).toBe(true);
          expect(held(c.decoder)).toBeLessThanOrEqual(128 + 11);
          from = cut;
        }
        expect(c.decoder.push(stream.subarray(from))).toBe(true);
        expect(held(c.decoder)).toBeLessThanOrEqual(128 + 11);
        const whole = collector(128);
        expect(whole.decoder.push(stream)).toBe(true);
        expect(c.messages).toEqual(whole.messages);
        expect(c.oversize).toBe(whole.oversize);
        expect(c.oversize).toBe(frames.filter((f) => f.oversize).length);
        expect(c.messages).toHaveLength(frames.length - c.oversize);
      }),
      FC,
    );
  });
});

describe('FrameDecoder on bytes that are not syslog', () => {
  it('rejects an HTTP request', () => {
    const c = collector();
    expect(c.decoder.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(false);
    expect(c.messages).toEqual([]);
  });

  it('rejects a TLS ClientHello', () => {
    const c = collector();
    expect(c.decoder.push(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]))).toBe(false);
  });

  it('rejects a length prefix not followed by a space', () => {
    expect(collector().decoder.push(Buffer.from('12x<1>abc'))).toBe(false);
  });

  it('rejects a length prefix of more than nine digits', () => {
    expect(collector().decoder.push(Buffer.from('12345678901 <1>x'))).toBe(false);
  });

  it('rejects garbage that follows valid frames, after delivering them', () => {
    const c = collector();
    expect(c.decoder.push(Buffer.from(`${M1}\nGARBAGE`))).toBe(false);
    expect(c.messages).toEqual([M1]);
  });
});
