import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_NUMBER_DIGITS, type NumberDetectors, type NumberKind, NumberScanner } from '../../src/transforms/redact/numbers.js';

const ALL: NumberDetectors = { personnummer: true, phone: true, card: true };
const FC = { seed: 0x4e55, numRuns: 500 } as const;

interface Hit {
  text: string;
  kind: NumberKind;
}

/** Runs the scanner over `text` placed at an offset inside a larger buffer, returning the hits as text. */
function scan(text: string, enabled: NumberDetectors = ALL, pad = 5): Hit[] {
  const bytes = Buffer.from('#'.repeat(pad) + text + '#'.repeat(pad), 'latin1');
  const hits: Hit[] = [];
  new NumberScanner(enabled).scan(bytes, pad, pad + text.length, (a, z, kind) => {
    expect(a).toBeGreaterThanOrEqual(pad);
    expect(z).toBeLessThanOrEqual(pad + text.length);
    hits.push({ text: bytes.toString('latin1', a, z), kind });
  });
  return hits;
}

describe('NumberScanner', () => {
  it('finds each kind in bytes at an offset and reports exact spans', () => {
    expect(scan('call 070-123 45 67 now')).toEqual([{ text: '070-123 45 67', kind: 'phone' }]);
    expect(scan('pnr 19811218-9876.')).toEqual([{ text: '19811218-9876', kind: 'personnummer' }]);
    expect(scan('card 4111 1111 1111 1111,')).toEqual([{ text: '4111 1111 1111 1111', kind: 'card' }]);
    expect(scan('tel +46 70 123 45 67')).toEqual([{ text: '+46 70 123 45 67', kind: 'phone' }]);
  });

  it('reports the scan range only: digits outside [from, to) are not read', () => {
    const bytes = Buffer.from('0701234567 and 070123');
    const hits: string[] = [];
    new NumberScanner(ALL).scan(bytes, 3, 10, (a, z) => hits.push(bytes.toString('latin1', a, z)));
    expect(hits).toEqual([]);
    new NumberScanner(ALL).scan(bytes, 0, 10, (a, z) => hits.push(bytes.toString('latin1', a, z)));
    expect(hits).toEqual(['0701234567']);
  });

  it('treats the start of the range as a word boundary, and a + just before it as not part of the number', () => {
    const bytes = Buffer.from('x+46701234567');
    const hits: [number, number, NumberKind][] = [];
    new NumberScanner(ALL).scan(bytes, 2, bytes.length, (a, z, k) => hits.push([a, z, k]));
    expect(hits).toEqual([[2, 13, 'phone']]); // 46701234567 without its + is a Swedish mobile's MSISDN
    hits.length = 0;
    new NumberScanner(ALL).scan(bytes, 1, bytes.length, (a, z, k) => hits.push([a, z, k]));
    expect(hits).toEqual([[1, 13, 'phone']]);
  });

  it('does not take digits glued to letters for numbers, on either side', () => {
    expect(scan('id0701234567')).toEqual([]);
    expect(scan('0701234567x')).toEqual([]);
    expect(scan('a3f2a8b9c0701234567')).toEqual([]);
    expect(scan('user_0701234567')).toEqual([{ text: '0701234567', kind: 'phone' }]); // _ is not a letter
    expect(scan('8112189876abc 8112189876')).toEqual([{ text: '8112189876', kind: 'personnummer' }]);
    expect(scan('ÅÄ0701234567')).toEqual([{ text: '0701234567', kind: 'phone' }]); // only ASCII letters glue
  });

  it('joins groups separated by one separator (space, dashes, plus, dot, slash, Unicode spaces) or a parenthesis beside a space or dash', () => {
    expect(scan('070 123 45 67')).toEqual([{ text: '070 123 45 67', kind: 'phone' }]);
    expect(scan('070-123-45-67')).toEqual([{ text: '070-123-45-67', kind: 'phone' }]);
    expect(scan('070  123 45 67')).toEqual([]); // two spaces end the run: 070 alone is too short
    expect(scan('070.123.45.67')).toEqual([{ text: '070.123.45.67', kind: 'phone' }]);
    expect(scan('070/1234567')).toEqual([{ text: '070/1234567', kind: 'phone' }]);
    expect(scan('+46 (0)70 123 45 67')).toEqual([{ text: '+46 (0)70 123 45 67', kind: 'phone' }]);
    expect(scan('070 - 123 45 67')).toEqual([{ text: '070 - 123 45 67', kind: 'phone' }]);
    expect(scan('4111 1111 1111 1111 ')).toEqual([{ text: '4111 1111 1111 1111', kind: 'card' }]);
  });

  it('tries sub-runs of whole groups, earliest start and longest first', () => {
    // A timestamp before a phone number: the run is 2026 0701234567, the phone is its tail.
    expect(scan('2026 0701234567')).toEqual([{ text: '0701234567', kind: 'phone' }]);
    // Two phone numbers in one run are both found.
    expect(scan('0701234567 0812345678')).toEqual([
      { text: '0701234567', kind: 'phone' },
      { text: '0812345678', kind: 'phone' },
    ]);
    expect(scan('ref 12-811218-9876')).toEqual([{ text: '811218-9876', kind: 'personnummer' }]);
  });

  it('finds identifiers anywhere in a run of more than twelve groups', () => {
    // Groups of ones can form no identifier themselves (no leading 0, no card network 1, no date).
    const groups = Array.from({ length: 30 }, (_, k) => '1'.repeat((k % 3) + 1));
    for (let at = 0; at <= groups.length; at++) {
      const text = [...groups.slice(0, at), '070-123 45 67', ...groups.slice(at)].join(' ');
      expect(scan(text), text).toEqual([{ text: '070-123 45 67', kind: 'phone' }]);
    }
    const cards = `1 11 1 11 1 11 1 11 1 11 1 4111 1111 1111 1111 1 11`;
    expect(scan(cards)).toEqual([{ text: '4111 1111 1111 1111', kind: 'card' }]);
    const two = `${groups.join(' ')} 0701234567 ${groups.join(' ')} 8112189876 ${groups.join(' ')}`;
    expect(scan(two)).toEqual([
      { text: '0701234567', kind: 'phone' },
      { text: '8112189876', kind: 'personnummer' },
    ]);
  });

  it(`skips runs with fewer than MIN_NUMBER_DIGITS (${MIN_NUMBER_DIGITS}) digits`, () => {
    expect(MIN_NUMBER_DIGITS).toBe(7);
    expect(scan('1 2 3 4 5 6')).toEqual([]);
    expect(scan('12-34-56')).toEqual([]);
    // The shortest phone number (eight digits) is found; seven digits are not a phone number.
    expect(scan('08-123 45')).toEqual([]);
    expect(scan('08-123 456')).toEqual([{ text: '08-123 456', kind: 'phone' }]);
  });

  it('checks personnummer dates, check digits and separators', () => {
    expect(scan('811218-9876')).toEqual([{ text: '811218-9876', kind: 'personnummer' }]);
    expect(scan('811218+9876')).toEqual([{ text: '811218+9876', kind: 'personnummer' }]);
    expect(scan('811278-9873')).toEqual([{ text: '811278-9873', kind: 'personnummer' }]); // coordination number
    expect(scan('811218-9877')).toEqual([]);
    expect(scan('811318-9871')).toEqual([]);
    expect(scan('811200-9870')).toEqual([]);
    expect(scan('8112-189876')).toEqual([]);
    expect(scan('1981 1218 9876')).toEqual([]);
    expect(scan('17811218-9876')).toEqual([]); // century 17: not a living person's number
  });

  it('classifies E.164 only when the + starts a word', () => {
    expect(scan('+46701234567')).toEqual([{ text: '+46701234567', kind: 'phone' }]);
    expect(scan('me+46701234567')).toEqual([{ text: '46701234567', kind: 'phone' }]); // query-string space glued to a word: not E.164, but a Swedish MSISDN
    expect(scan('+0701234567')).toEqual([]); // E.164 never starts with 0
    expect(scan('+4670')).toEqual([]);
    expect(scan('+1234567890123456')).toEqual([]); // sixteen digits: too long for E.164
  });

  it('requires the card network digit and Luhn, and rejects two-group cards', () => {
    expect(scan('5555555555554444')).toEqual([{ text: '5555555555554444', kind: 'card' }]);
    expect(scan('5555555555554445')).toEqual([]);
    expect(scan('1700000000123')).toEqual([]); // epoch ms, MII 1
    expect(scan('4111111 111111111')).toEqual([]);
    expect(scan('41111111111111111111')).toEqual([]); // twenty digits in one group
  });

  it('honours disabled detectors', () => {
    expect(scan('070-123 45 67', { personnummer: true, phone: false, card: true })).toEqual([]);
    expect(scan('811218-9876', { personnummer: false, phone: true, card: true })).toEqual([]);
    expect(scan('4111 1111 1111 1111', { personnummer: true, phone: true, card: false })).toEqual([]);
  });

  it('never reports overlapping or out-of-range spans, for any text', () => {
    const chunk = fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/), fc.constantFrom(' ', '-', '+', 'a', '  ', '.', '070-123 45 67', '811218-9876', '4111 1111 1111 1111'));
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 40 }), fc.nat(8), (parts, pad) => {
        const text = parts.join('');
        const bytes = Buffer.from('9'.repeat(pad) + text + '9'.repeat(pad), 'latin1');
        let prevEnd = pad;
        new NumberScanner(ALL).scan(bytes, pad, pad + text.length, (a, z) => {
          expect(a).toBeGreaterThanOrEqual(prevEnd);
          expect(z).toBeGreaterThan(a);
          expect(z).toBeLessThanOrEqual(pad + text.length);
          prevEnd = z;
        });
      }),
      FC,
    );
  });

  it('never leaves a phone number whole, wherever it sits in a run of digit groups', () => {
    const group = fc.stringMatching(/^[1-9][0-9]{0,2}$/);
    fc.assert(
      fc.property(fc.array(group, { maxLength: 20 }), fc.array(group, { maxLength: 20 }), fc.constantFrom(' ', '-'), (before, after, joint) => {
        // All one run. Neighbouring groups may make another match that takes part of
        // the phone number (a Luhn-valid "card" by chance): the phone number is then
        // split, but its first digits are always covered and it never survives whole.
        const phone = '070-123 45 67';
        const head = before.length > 0 ? before.join(' ') + joint : '';
        const text = head + phone + (after.length > 0 ? joint + after.join(' ') : '');
        const bytes = Buffer.from(text);
        const covered = new Uint8Array(text.length);
        new NumberScanner(ALL).scan(bytes, 0, bytes.length, (a, z) => covered.fill(1, a, z));
        expect(covered[head.length], text).toBe(1);
        expect(covered.subarray(head.length, head.length + phone.length).includes(1), text).toBe(true);
      }),
      FC,
    );
  });
});
