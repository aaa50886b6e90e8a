/**
 * The differential test of the lean path (issue 14): the same input through
 * a pipeline built with the lean path and one built without it (the general
 * path, the reference) must give the same output byte for byte and the same
 * counters — lines in and out, drops by reason, lines per format, rejected
 * values, redactions by kind. Inputs: lines shaped like the judged benchmark
 * file from a seeded generator, the same lines cut into odd chunk sizes, and
 * adversarial lines (fast-check, seeded) — generated lines with quotes,
 * backslashes, brackets, spaces and odd bytes put where the lean path's
 * shortcuts look, and every field replaced by hostile text.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leanPath } from '../../src/util/lean-path.js';
import { anonymiseText, DAY, makeAnonymiser, type TestEnv, makeEnv, T0 } from '../helpers/env.js';
import { fieldsArb, lineOf } from '../helpers/arbitraries.js';
import { judgedLikeLines } from '../helpers/judged-like.js';
import { COMBINED } from '../../src/formats/combined/index.js';
import { compileTemplate } from '../../src/formats/engines/template/template.js';
import { LEAN_FALLBACK, LeanCombined } from '../../src/formats/engines/template/lean-combined.js';
import { createClfTimeParser } from '../../src/time/parse-timestamp.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());
afterEach(() => {
  leanPath.enabled = true;
});

const SEED = 0x1ea4_0014;

/** What a run gives: every output line and every counter. */
function run(lean: boolean, input: string, policy: string | undefined, chunks: readonly number[]): { out: string[]; stats: unknown } {
  leanPath.enabled = lean;
  try {
    const a = makeAnonymiser(env, policy);
    const out = anonymiseText(a, input, chunks);
    return { out, stats: a.stats.toJSON() };
  } finally {
    leanPath.enabled = true;
  }
}

/** Both paths over `input`; they must agree exactly. Returns the lean run, to check it was exercised. */
function agree(input: string, policy: string | undefined = 'input:\n  format: combined\n', chunks: readonly number[] = [1 << 16]): { out: string[]; stats: unknown } {
  const ref = run(false, input, policy, chunks);
  const lean = run(true, input, policy, chunks);
  expect(lean.out.length).toBe(ref.out.length);
  for (let i = 0; i < ref.out.length; i++) if (lean.out[i] !== ref.out[i]) expect({ line: i, out: lean.out[i] }).toEqual({ line: i, out: ref.out[i] });
  expect(lean.stats).toEqual(ref.stats);
  return lean;
}

const START = T0 - 5 * DAY;

describe('the lean path against the general path', () => {
  it('locates the fields of the usual combined line itself, exactly where the template parse does', () => {
    const t = compileTemplate(COMBINED);
    const lean = new LeanCombined(createClfTimeParser());
    const lines = judgedLikeLines(5000, SEED + 5, START);
    const a = [new Int32Array(9), new Int32Array(9)];
    const b = [new Int32Array(9), new Int32Array(9)];
    let taken = 0;
    for (const l of lines) {
      const stop = lean.parse(l, 0, l.length, a[0]!, a[1]!);
      if (stop === LEAN_FALLBACK) continue;
      taken++;
      expect(t.parse(l, 0, l.length, b[0]!, b[1]!)).toBe(stop);
      expect([...a[0]!, ...a[1]!]).toEqual([...b[0]!, ...b[1]!]);
    }
    // Only the lines with an escaped quote or a spaced user name (none here) may go the general way.
    expect(taken).toBeGreaterThan(lines.length * 0.97);
  });

  it('gives the same bytes and counters on 20,000 judged-like lines, default policy, --format combined', () => {
    const lines = judgedLikeLines(20_000, SEED, START);
    const r = agree(lines.join('\n') + '\n');
    // The corpus exercises what the default policy does: most lines out, redactions of every usual kind.
    expect(r.out.length).toBeGreaterThan(19_000);
    expect(Object.keys((r.stats as { redactions: Record<string, number> }).redactions).length).toBeGreaterThan(2);
  }, 60_000);

  it('gives the same bytes and counters whatever the chunk sizes, and under --format auto', () => {
    const text = judgedLikeLines(3000, SEED + 1, START).join('\n');
    agree(text, undefined, [7, 4096, 1, 65_536, 333]);
    agree(text, 'input:\n  format: auto\n', [1000, 64]);
  }, 60_000);

  it('gives the same bytes and counters under other policies (cnil truncation, kept fields, arrival stamps)', () => {
    const text = judgedLikeLines(3000, SEED + 2, START).join('\n');
    agree(text, 'input:\n  format: combined\nip:\n  preset: cnil\n');
    agree(text, 'input:\n  format: combined\n  missing_timestamp: arrival\nfields:\n  remote_user: keep\n  http_referer: keep\n  request: keep\n  http_user_agent: keep\n');
  }, 60_000);

  it('gives the same bytes and counters on mutated lines: odd bytes where the shortcuts look', () => {
    const base = judgedLikeLines(200, SEED + 3, START);
    const insert = fc.constantFrom('"', '\\', ' ', '[', ']', '] "', '" "', '" ', '\\"', '-', ':', '%', '@', '\t', 'é', '\u2028', '0', 'a', '', '::', ',');
    const mutated = fc.tuple(fc.nat({ max: base.length - 1 }), fc.array(fc.tuple(fc.nat({ max: 400 }), insert, fc.nat({ max: 3 })), { minLength: 1, maxLength: 4 })).map(([k, edits]) => {
      let l = base[k]!;
      for (const [at, s, del] of edits) {
        const p = at % (l.length + 1);
        l = l.slice(0, p) + s + l.slice(p + del);
      }
      return l;
    });
    fc.assert(
      fc.property(fc.array(mutated, { minLength: 20, maxLength: 60 }), (lines) => {
        agree(lines.join('\n'));
      }),
      { seed: SEED, numRuns: 60, endOnFailure: true },
    );
  }, 60_000);

  it('gives the same bytes and counters on lines with hostile fields (escapes, appended fields, every layout)', () => {
    const line = fc.tuple(fieldsArb(T0, 20), fc.constantFrom('combined', 'combined_xff', 'common', 'vhost_combined') as fc.Arbitrary<'combined' | 'combined_xff' | 'common' | 'vhost_combined'>).map(([f, layout]) => lineOf(layout, f));
    fc.assert(
      fc.property(fc.array(line, { minLength: 10, maxLength: 40 }), (lines) => {
        agree(lines.join('\n'));
        agree(lines.join('\r\n'), 'input:\n  format: auto\n');
      }),
      { seed: SEED + 4, numRuns: 40, endOnFailure: true },
    );
  }, 60_000);
});
