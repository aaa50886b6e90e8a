/**
 * The contract every format must keep, as one suite run against each
 * registered format over its own example lines (its registry entry's
 * `example`): a new format gets the suite by being registered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Format, type FormatEntry, MATCH, MATCH_APPENDED, NO_MATCH } from '../../src/formats/format.js';
import type { PolicyConfig } from '../../src/policy/schema.js';
import { buildFormat, fieldRulesFor } from '../../src/runtime/build.js';
import { type TestEnv, HOUR, makeContext, T0, underPolicy, type FormatUnderTest } from '../helpers/env.js';

const SEED = 0xf0_4a7;

export interface FormatCase {
  readonly entry: FormatEntry;
  /** The policy the format is built under (its example options merged in as formats.<name>). */
  readonly policy: () => PolicyConfig;
  /** The name it has in that policy. */
  readonly name: string;
  readonly env: () => TestEnv;
}

function build(c: FormatCase): FormatUnderTest {
  const policy = c.policy();
  const format: Format = buildFormat(policy, c.name);
  return underPolicy(format, fieldRulesFor(policy, c.name), makeContext(c.env(), policy));
}

function roundTrip(f: FormatUnderTest, src: string, start = 0, end = src.length): string | undefined {
  return f.parse(src, start, end) === NO_MATCH ? undefined : f.write();
}

/**
 * Runs the format contract for one format.
 *
 * @example
 * formatContract({ entry: combinedFormat, name: 'combined', policy: () => policyFrom(env).config, env: () => env });
 */
export function formatContract(c: FormatCase): void {
  describe(`format ${c.entry.name} (contract)`, () => {
    const lines = (): readonly string[] => c.entry.example.lines(T0);

    it('has at least two example lines', () => {
      expect(lines().length).toBeGreaterThanOrEqual(2);
    });

    it('decodes its own example lines and reads their time', () => {
      const f = build(c);
      for (const line of lines()) {
        expect([MATCH, MATCH_APPENDED], line).toContain(f.parse(line, 0, line.length));
        expect(f.record.time).toBeGreaterThan(T0 - 3 * HOUR);
        expect(f.record.time).toBeLessThanOrEqual(T0);
      }
    });

    it('reads only the range it is given, wherever the line sits in the chunk', () => {
      const f = build(c);
      const [a, b] = lines() as [string, string];
      const alone = roundTrip(f, a);
      const chunk = `${b}\n${a}\n${b}`;
      expect(roundTrip(f, chunk, b.length + 1, b.length + 1 + a.length)).toBe(alone);
    });

    it('resets its reused event: a line encoded after another is encoded as it would be alone', () => {
      const f = build(c);
      const [a, b] = lines() as [string, string];
      roundTrip(f, a);
      expect(roundTrip(f, b)).toBe(roundTrip(build(c), b));
    });

    it('encodes a line that it decodes again (the output keeps the format)', () => {
      const f = build(c);
      for (const line of lines()) {
        const out = roundTrip(f, line)!;
        expect(f.parse(out, 0, out.length), out).not.toBe(NO_MATCH);
      }
    });

    it('never throws on arbitrary text or on cut and spliced copies of its lines (property)', () => {
      const f = build(c);
      const examples = lines();
      const cut = fc.tuple(fc.constantFrom(...examples), fc.nat(), fc.nat(), fc.string({ maxLength: 4 })).map(([l, i, j, s]) => {
        const a = i % (l.length + 1);
        const b = a + (j % (l.length - a + 1));
        return l.slice(0, a) + s + l.slice(b);
      });
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 80 }), cut), (text) => {
          const outcome = f.parse(text, 0, text.length);
          expect([NO_MATCH, MATCH, MATCH_APPENDED]).toContain(outcome);
          if (outcome === NO_MATCH) return;
          // As the pipeline does for input.missing_timestamp: arrival (pseudonyms need a time for the salt epoch).
          if (Number.isNaN(f.record.time)) f.record.time = T0;
          expect(typeof f.write()).toBe('string');
        }),
        { seed: SEED, numRuns: 300 },
      );
    });
  });
}
