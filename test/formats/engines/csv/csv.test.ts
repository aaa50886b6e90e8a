/** RFC 4180 fields of one line. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRecord, csvField, unquote } from '../../../../src/formats/engines/csv/csv.js';

describe('CsvRecord', () => {
  it('splits quoted fields with commas and doubled quotes, and empty fields', () => {
    const r = new CsvRecord();
    const line = 'a,"NYC-0042 ""Main St"", roof",,x';
    expect(r.split(line, 0, line.length)).toBe(4);
    expect(unquote(line.slice(r.starts[1], r.ends[1]))).toBe('NYC-0042 "Main St", roof');
    expect(r.ends[2]! - r.starts[2]!).toBe(0);
  });

  it('refuses an unclosed quote, a quote inside an unquoted field, and text after a closing quote', () => {
    const r = new CsvRecord();
    for (const bad of ['a,"b', 'a,b"c', 'a,"b"c']) expect(r.split(bad, 0, bad.length), bad).toBe(-1);
  });

  it('writes fields that split back into the same values (property)', () => {
    const r = new CsvRecord();
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)), { minLength: 1, maxLength: 8 }), (values) => {
        const line = values.map(csvField).join(',');
        expect(r.split(line, 0, line.length)).toBe(values.length);
        values.forEach((v, i) => expect(r.quoted[i] === 1 ? unquote(line.slice(r.starts[i], r.ends[i])) : line.slice(r.starts[i], r.ends[i])).toBe(v));
      }),
      { seed: 0xc5, numRuns: 500 },
    );
  });
});
