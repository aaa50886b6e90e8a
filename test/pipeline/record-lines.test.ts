import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AckHandle } from '../../src/event/event.js';
import { LineSplitter } from '../../src/pipeline/line-splitter.js';
import { PIECE_BYTES, pieceEnd, RecordLines } from '../../src/pipeline/record-lines.js';
import type { SourceRecord } from '../../src/sources/source.js';

const SEED = 0x5ec0_4d5;

/** A pipeline stand-in that writes down each line or drop with the record it was attributed to. */
function recorder(): { events: string[]; pipeline: ConstructorParameters<typeof RecordLines>[1] } {
  const events: string[] = [];
  let src = '';
  let current = '-';
  let segment = '-';
  return {
    events,
    pipeline: {
      source: (s: string) => void (src = s),
      line: (start: number, end: number) => void events.push(`${segment}/${current}:${src.slice(start, end)}`),
      drop: (reason: string) => void events.push(`${segment}/${current}:!${reason}`),
      record: (key: string | undefined) => void (current = key ?? '-'),
      segment: (key: string) => void (segment = key),
    },
  };
}

const record = (value: Buffer, i: number): SourceRecord => ({ value, key: `r${i}`, ack: { segment: { key: `p${i % 3}` }, offset: i + 1 } as AckHandle });

describe('RecordLines (a batch of records split as one text)', () => {
  it('hands on the same lines and drops, each with its own record and segment, as splitting every record alone would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x00, 0x61, 0x62, 0xef, 0xbb, 0xbf, 0xc3, 0xa5), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        (values, max) => {
          const records = values.map((v, i) => record(Buffer.from(v), i));
          const alone = recorder();
          const splitter = new LineSplitter(max, alone.pipeline);
          for (const r of records) {
            alone.pipeline.record(r.key, r.ack);
            alone.pipeline.segment(r.ack.segment.key);
            splitter.pushWhole(r.value);
          }
          const joined = recorder();
          new RecordLines(max, joined.pipeline).push(records);
          expect(joined.events).toEqual(alone.events);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('keeps the key and handle of each record on its lines, and forgets them after the batch', () => {
    const seen: (string | undefined)[] = [];
    let key: string | undefined;
    const lines = new RecordLines(1024, { source: () => undefined, line: () => void seen.push(key), drop: () => undefined, record: (k) => void (key = k), segment: () => undefined });
    lines.push([record(Buffer.from('a'), 0), record(Buffer.alloc(0), 1), record(Buffer.from('b\nc\n'), 2)]);
    expect(seen).toEqual(['r0', 'r2', 'r2']);
    expect(key).toBeUndefined();
  });

  it('hands on the same lines in pieces (pieceEnd) as in one push, with records larger than a piece and a reused buffer', () => {
    const values = ['a b', 'x'.repeat(PIECE_BYTES + 10), 'c\nd', '', 'y'.repeat(PIECE_BYTES - 3), 'e', 'z'.repeat(1000)];
    const records = Array.from({ length: 300 }, (_, i) => record(Buffer.from(values[i % values.length]! + (i % 5 === 0 ? '' : `#${i}`)), i));
    const whole = recorder();
    new RecordLines(1 << 20, whole.pipeline).push(records);
    const pieces = recorder();
    const lines = new RecordLines(1 << 20, pieces.pipeline);
    let n = 0;
    for (let i = 0; i < records.length; n++) {
      const j = pieceEnd(records, i);
      expect(j).toBeGreaterThan(i);
      lines.push(records, i, j);
      i = j;
    }
    expect(n).toBeGreaterThan(10);
    expect(pieces.events).toEqual(whole.events);
  });
});
