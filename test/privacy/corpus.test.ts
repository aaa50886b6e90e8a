/**
 * The privacy corpus (issue 8) as a test: a seeded generator plants personal
 * data of every family (phone numbers, personal identity numbers, e-mail,
 * credentials, URL user info, disguised addresses, device ids, locations,
 * birth dates, IBANs, names, the client address) wherever real logs carry
 * it, in every format gallra reads, next to false-positive controls that
 * must keep their value; the built CLI anonymises the corpus; a separate
 * checker parses every output line in its format, decodes each field every
 * way a reader could, and looks for what identifies each person.
 *
 * Asserted: the checker finds every planted value in the raw corpus and
 * none in the corpus with every value replaced (it checks itself first);
 * gallra leaks no planted value of any family, whole or in part, with the
 * default policy and with `--unparsed scrub`; every `keep` control is kept;
 * no valid line is dropped. Deterministic (fixed seed, base at the start of
 * the current UTC day); no timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';
import { type CheckReport, checkOutput, splitLines } from './check.mjs';
import { baseSeconds, generateCorpus, type PlantedEntry } from './generate.mjs';

const LINES = 600;
const SEED = 'gallra-test-1';

const COUNTS = String.raw`\(([a-z_.]+ \d+)(, [a-z_.]+ \d+)*\)`;
const STATS_LINE = new RegExp(
  String.raw`^gallra: \d+ lines? in, \d+ out(, \d+ scrubbed)?, \d+ dropped( ${COUNTS})?(; \d+ kept values dropped for not having their field's shape ${COUNTS})?(; \d+ values redacted ${COUNTS})?$`,
);

const tmp = new TempDirs();
let raw = '';
let redacted = '';
const entries: PlantedEntry[] = [];

beforeAll(() => {
  ensureBuilt();
  for (const l of generateCorpus({ lines: LINES, seed: SEED, baseSec: baseSeconds(undefined), spanSec: 72 * 3600 })) {
    raw += `${l.raw}\n`;
    redacted += `${l.redacted}\n`;
    entries.push(l.entry);
  }
}, 120_000);
afterAll(() => tmp.cleanup());

/** Leaked and partly leaked values per family (only families with any). */
function leaksByFamily(r: CheckReport): Record<string, { leaked: number; partial: number }> {
  const out: Record<string, { leaked: number; partial: number }> = {};
  for (const [family, row] of r.families.rows) if ((row.leaked ?? 0) + (row.partial ?? 0) > 0) out[family] = { leaked: row.leaked ?? 0, partial: row.partial ?? 0 };
  for (const s of r.stray) {
    const o = (out[`${s.family} (${s.source})`] ??= { leaked: 0, partial: 0 });
    if (s.level === 'leak') o.leaked++;
    else o.partial++;
  }
  return out;
}

/** `keep` controls destroyed, per family and variant. */
function keepDestroyed(r: CheckReport): string[] {
  return r.destroyed.filter((d) => d.expect === 'keep').map((d) => `${d.family}/${d.variant} in ${d.where} (corpus line ${d.line})`);
}

function anonymise(extra: readonly string[]): { report: CheckReport; stderr: string } {
  const stateDir = tmp.make('privacy');
  const r = runCli(['anonymise', '--format', 'auto', '--stats', ...extra], { stateDir, input: raw });
  expect(r.status, r.stderr).toBe(0);
  // The --stats line holds counts only, by field and kind names (checked by its shape here: scanned
  // as text, its digits run together could spell a fragment of a planted number by chance).
  const err = splitLines(r.stderr);
  const stats = err.filter((l) => l.startsWith('gallra: '));
  expect(stats).toHaveLength(1);
  expect(stats[0]).toMatch(STATS_LINE);
  const report = checkOutput({ entries }, splitLines(r.stdout), { stderrLines: err.filter((l) => !l.startsWith('gallra: ')) });
  return { report, stderr: r.stderr };
}

describe('the privacy corpus', { timeout: 120_000 }, () => {
  it('checks its checker: every planted value found in the raw corpus, none once replaced', () => {
    const onRaw = checkOutput({ entries }, splitLines(raw));
    expect(onRaw.lines.dropped).toBe(0);
    expect(onRaw.totals.planted).toBeGreaterThan(1500);
    expect(onRaw.totals.leaked).toBe(onRaw.totals.planted);
    expect(keepDestroyed(onRaw)).toEqual([]);
    const families = [...onRaw.families.rows.keys()].sort();
    expect(families).toEqual(['client-ip', 'credential', 'device', 'dob', 'email', 'iban', 'ip', 'location', 'name', 'phone', 'pnr', 'userinfo']);
    const onRedacted = checkOutput({ entries }, splitLines(redacted));
    expect(onRedacted.totals.leaked + onRedacted.totals.partial).toBe(0);
    expect(onRedacted.destroyed).toEqual([]);
  });

  for (const [name, extra] of [
    ['the default policy', []],
    ['--unparsed scrub', ['--unparsed', 'scrub']],
  ] as const) {
    it(`leaks nothing of any family and keeps every keep-control (${name})`, () => {
      const { report } = anonymise(extra);
      expect(leaksByFamily(report)).toEqual({});
      expect(report.totals.strayUnscanned).toBe(0);
      expect(keepDestroyed(report)).toEqual([]);
      // Every line is valid: none dropped (BOMs, spaced user names and IPv6 virtual hosts included), none out of order.
      expect(report.lines.dropped).toBe(0);
      expect(report.lines.unattributed).toBe(0);
      expect(report.lines.outOfOrder).toBe(0);
      expect(report.totals.clean).toBe(report.totals.planted);
    });
  }
});
