import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LineHandler, LineSplitter, type RawDropReason } from '../../src/pipeline/line-splitter.js';

const SEED = 0x11e5_9117;

/** What a splitter handed on: each line's text, and each drop. */
interface Recorded {
  readonly lines: string[];
  readonly drops: RawDropReason[];
  /** Events in order: a line's text, or `!reason`. */
  readonly events: string[];
}

/**
 * A handler that records lines and drops, and checks the source contract:
 * when bytes are given they hold the line's characters one byte each.
 */
function recorder(): { handler: LineHandler; rec: Recorded } {
  const rec: Recorded = { lines: [], drops: [], events: [] };
  let src = '';
  let bytes: Uint8Array | undefined;
  let base = 0;
  const handler: LineHandler = {
    source(s, b, byteBase) {
      src = s;
      bytes = b;
      base = byteBase;
    },
    line(start, end) {
      expect(start).toBeGreaterThanOrEqual(0);
      expect(end).toBeLessThanOrEqual(src.length);
      const text = src.slice(start, end);
      if (bytes !== undefined) {
        for (let i = start; i < end; i++) if (bytes[base + i] !== src.charCodeAt(i)) throw new Error(`bytes and text differ at ${i}`);
      }
      rec.lines.push(text);
      rec.events.push(text);
    },
    drop(reason) {
      rec.drops.push(reason);
      rec.events.push(`!${reason}`);
    },
  };
  return { handler, rec };
}

/** Splits `input` pushed in chunks of the given sizes (cycled; 0 means "the rest"). */
function split(input: Buffer | string, sizes: readonly number[] = [0], max = 1024): Recorded & { splitter: LineSplitter } {
  const { handler, rec } = recorder();
  const splitter = new LineSplitter(max, handler);
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  let pos = 0;
  for (let k = 0; pos < buf.length; k++) {
    const n = sizes[k % sizes.length]! || buf.length - pos;
    // A copy per chunk, and the copy is scribbled over afterwards: the splitter must not keep it.
    const chunk = Buffer.from(buf.subarray(pos, pos + n));
    splitter.push(chunk);
    chunk.fill(0x21);
    pos += n;
  }
  splitter.end();
  return { ...rec, splitter };
}

describe('LineSplitter', () => {
  it('splits on \\n and strips a \\r before it', () => {
    expect(split('a\nb\r\nc\n').lines).toEqual(['a', 'b', 'c']);
  });

  it('flushes a final line without a newline at end()', () => {
    expect(split('a\nlast').lines).toEqual(['a', 'last']);
    expect(split('only').lines).toEqual(['only']);
  });

  it('strips a UTF-8 byte-order mark at the start of each file (end() starts a new one), and only there', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const { handler, rec } = recorder();
    const s = new LineSplitter(1024, handler);
    s.push(Buffer.concat([bom, Buffer.from('a\n')]));
    s.push(Buffer.concat([bom, Buffer.from('b\n')]));
    s.end(); // rotated: the next bytes are a new file's
    s.push(Buffer.concat([bom, Buffer.from('c\n')]));
    expect(rec.lines).toEqual(['a', '\ufeffb', 'c']);
  });

  it('hands on empty lines (the anonymiser counts them), and nothing for empty input', () => {
    expect(split('\n\r\na\n\n').lines).toEqual(['', '', 'a', '']);
    expect(split('').lines).toEqual([]);
  });

  it('hands on ASCII lines with their bytes, and UTF-8 lines as text', () => {
    const { handler } = recorder();
    const seen: (Uint8Array | undefined)[] = [];
    const s = new LineSplitter(1024, { ...handler, source: (src, b, base) => (handler.source(src, b, base), seen.push(b)) });
    s.push(Buffer.from('ascii\n'));
    s.push(Buffer.from('åäö\n'));
    expect(seen[0]).toBeInstanceOf(Uint8Array);
    expect(seen[1]).toBeUndefined();
  });

  it('decodes multi-byte UTF-8 split across chunks', () => {
    const text = 'GET /smörgåsbord 😀 ok\nnästa €\n';
    for (let size = 1; size <= 5; size++) expect(split(text, [size]).lines, `chunks of ${size}`).toEqual(['GET /smörgåsbord 😀 ok', 'nästa €']);
  });

  it('handles \\r\\n split between two chunks', () => {
    expect(split('abc\r\ndef\r\n', [4]).lines).toEqual(['abc', 'def']);
  });

  it('drops a line with invalid UTF-8 and keeps its neighbours', () => {
    const input = Buffer.concat([Buffer.from('good\n'), Buffer.from([0x62, 0x61, 0x64, 0xc3, 0x28, 0x0a]), Buffer.from('also good\n'), Buffer.from([0xed, 0xa0, 0x80, 0x0a])]);
    const r = split(input);
    expect(r.lines).toEqual(['good', 'also good']);
    expect(r.drops).toEqual(['invalid_utf8', 'invalid_utf8']);
  });

  it('drops a line with a NUL byte and keeps its neighbours', () => {
    const r = split('good\nbin\u0000ary\nfine\n');
    expect(r.events).toEqual(['good', '!nul_byte', 'fine']);
  });

  it('drops lines over max_line_length, counting bytes rather than characters', () => {
    const r = split(`${'a'.repeat(10)}\n${'b'.repeat(11)}\n${'ö'.repeat(6)}\n${'ö'.repeat(5)}\nok\n`, [0], 10);
    expect(r.events).toEqual(['aaaaaaaaaa', '!too_long', '!too_long', 'ööööö', 'ok']);
  });

  it('does not count the \\r of a \\r\\n ending against the limit', () => {
    expect(split(`${'a'.repeat(10)}\r\n`, [3], 10).lines).toEqual(['a'.repeat(10)]);
    expect(split(`${'a'.repeat(10)}\r\n`, [0], 10).lines).toEqual(['a'.repeat(10)]);
  });

  it('drops a 50 MB line without a newline, split over many chunks, without buffering it', () => {
    const { handler, rec } = recorder();
    const max = 65_536;
    const splitter = new LineSplitter(max, handler);
    // Reach into the carry: the bytes it holds must stay bounded.
    const peek = (splitter as unknown as { carry: { parts: Buffer[]; bytes: number } }).carry;
    const chunk = Buffer.alloc(64 * 1024 - 7, 0x61); // odd size, so the limit is crossed mid-chunk
    let most = 0;
    splitter.push(Buffer.from('before\n'));
    for (let sent = 0; sent < 50 * 1024 * 1024; sent += chunk.length) {
      splitter.push(chunk);
      most = Math.max(most, peek.bytes, peek.parts.reduce((n, b) => n + b.length, 0));
    }
    splitter.push(Buffer.from('tail of the long line\nafter\n'));
    splitter.end();
    expect(most).toBeLessThanOrEqual(max + 1);
    expect(rec.events).toEqual(['before', '!too_long', 'after']);
  });

  it('drops an overlong final line without a newline at end()', () => {
    expect(split(`ok\n${'x'.repeat(50)}`, [7], 20).events).toEqual(['ok', '!too_long']);
  });

  it('yields the same lines and drops however the input is chunked (property)', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom(...'abc xyz-"[]/:.'), maxLength: 30 }).map((s) => Buffer.from(s)) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => Buffer.from(s)) },
      { weight: 3, arbitrary: fc.constantFrom(...['\n', '\r\n', '\r', '\u0000', '\n\n'].map((s) => Buffer.from(s))) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.integer({ min: 30, max: 80 }).map((n) => Buffer.alloc(n, 0x6c)) },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }), (pieces, sizes) => {
        const input = Buffer.concat(pieces);
        const whole = split(input, [0], 48);
        const chunked = split(input, sizes, 48);
        expect(chunked.events).toEqual(whole.events);
        // And each line is what a plain split of the valid text gives.
        const expected = splitReference(input, 48);
        expect(whole.events).toEqual(expected);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

/** The obvious, slow splitter the fast one must agree with. */
function splitReference(input: Buffer, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < input.length) {
    let nl = input.indexOf(0x0a, start);
    const last = nl < 0;
    if (last) nl = input.length;
    let line = input.subarray(start, nl);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length > max) out.push('!too_long');
    else if (line.includes(0)) out.push('!nul_byte');
    else if (!Buffer.from(line.toString('utf8')).equals(line)) out.push('!invalid_utf8');
    else out.push(line.toString('utf8'));
    start = nl + 1;
  }
  return out;
}

describe('LineSplitter.pushWhole (a record: a whole piece of input)', () => {
  it('hands on exactly what push() then end() would, for any bytes and line limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x00, 0x61, 0xef, 0xbb, 0xbf, 0xc3, 0xa5, 0xff), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (bytes, max) => {
          const chunk = Buffer.from(bytes);
          const a = recorder();
          const sa = new LineSplitter(max, a.handler);
          sa.push(chunk);
          sa.end();
          const b = recorder();
          const sb = new LineSplitter(max, b.handler);
          sb.pushWhole(chunk);
          expect(b.rec.events).toEqual(a.rec.events);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('keeps the ASCII fast path for a record of one line without a newline (no copy, bytes alongside)', () => {
    let withBytes = 0;
    const { handler, rec } = recorder();
    const s = new LineSplitter(1024, { ...handler, source: (src, bytes, base) => (bytes !== undefined && withBytes++, handler.source(src, bytes, base)) });
    s.pushWhole(Buffer.from('81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5'));
    s.pushWhole(Buffer.from('second\n'));
    expect(rec.lines).toEqual(['81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5', 'second']);
    expect(withBytes).toBe(2);
  });
});
