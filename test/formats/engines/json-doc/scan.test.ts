/** The JSON scanner: valid exactly when JSON.parse accepts a line that is an object; members where they are. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTrie, JsonScan, T_NUMBER, T_OBJECT, T_STRING } from '../../../../src/formats/engines/json-doc/scan.js';

function parsesAsObject(s: string): boolean {
  try {
    const v = JSON.parse(s) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

describe('JsonScan', () => {
  it('accepts exactly the lines JSON.parse reads as an object (property)', () => {
    const scan = new JsonScan();
    const trie = buildTrie(['a', 'b.c']);
    const objects = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })).map((o) => JSON.stringify(o));
    const mangled = fc.tuple(objects, fc.nat(), fc.string({ maxLength: 3 })).map(([s, i, ins]) => s.slice(0, i % (s.length + 1)) + ins + s.slice(i % (s.length + 1)));
    fc.assert(
      fc.property(fc.oneof(objects, mangled, fc.string({ maxLength: 40 })), (s) => {
        expect(scan.scan(s, 0, s.length, trie), s).toBe(parsesAsObject(s));
      }),
      { seed: 0x150a, numRuns: 3000 },
    );
  });

  it('records named members with their raw value ranges, nested ones through the trie', () => {
    const scan = new JsonScan();
    const line = '{"a":"x\\"y","n":12345678901234567890,"b":{"c":[1,{"d":2}],"e":true}}';
    expect(scan.scan(line, 0, line.length, buildTrie(['a', 'b.c']))).toBe(true);
    const a = scan.find(-1, 'a');
    expect(scan.type[a]).toBe(T_STRING);
    expect(scan.escaped[a]).toBe(1);
    expect(scan.slot[a]).toBe(0);
    const n = scan.find(-1, 'n');
    expect(scan.type[n]).toBe(T_NUMBER);
    expect(line.slice(scan.valStart[n], scan.valEnd[n])).toBe('12345678901234567890');
    const b = scan.find(-1, 'b');
    expect(scan.type[b]).toBe(T_OBJECT);
    const c = scan.find(b, 'c');
    expect(scan.slot[c]).toBe(1);
    expect(line.slice(scan.valStart[c], scan.valEnd[c])).toBe('[1,{"d":2}]');
    expect(scan.slot[scan.find(b, 'e')]).toBe(-1);
  });

  it('refuses documents nested deeper than it reads', () => {
    const deep = `{"a":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(new JsonScan().scan(deep, 0, deep.length, buildTrie([]))).toBe(false);
  });
});
