/**
 * Seeded generator of an adversarial privacy corpus for gallra (issue 8):
 * realistic log lines in every format gallra reads, with personal data
 * planted wherever real logs carry it, and false-positive controls that must
 * keep their value. Same seed, line count and base time → same bytes.
 *
 * Yields each line, its manifest entry (format, marker, planted values and
 * controls) and the same line with every planted value replaced by a
 * placeholder (for testing the checker: it must report no leak there).
 * (Slimmed from the corpus tool of issue 8: no files, no CLI.)
 *
 * Every line's event time lies in the `span` before `base` (default: the
 * start of the current UTC day), so gallra's retention gate keeps it. Each
 * line's byte count is unique and its time is a unique second: together
 * they are the marker the checker matches output lines by (see check.mjs).
 *
 * Each line is checked with the checker's own parser and matcher before it
 * is written: every planted value must be found when it alone is present
 * (else this throws — the checker would have a blind spot), and no value
 * may be found where it is not (random context spelling it, or one plant
 * containing another's core: the line is drawn again).
 */
import { buildLine, FORMATS } from './corpus/lines.mjs';
import { lineViews, locate } from './corpus/match.mjs';
import { parseOutputLine } from './corpus/parse.mjs';
import { Rng } from './corpus/rng.mjs';

export const GENERATOR_VERSION = 1;

/** The parser's name for each generated format (nested app JSON parses as `json`). */
export const PARSED_FORMAT = {
  combined: 'combined',
  combined_xff: 'combined_xff',
  common: 'common',
  vhost_combined: 'vhost_combined',
  json: 'json',
  json_nested: 'json',
  nginx_json: 'nginx_json',
};

/**
 * Why a generated line cannot be used as it is.
 * - `collision`: a core is found where its value is not (random text that
 *   happens to spell it, or another plant containing it) — drawn again.
 * - anything else is a bug in the generator or the checker's matching and
 *   is thrown: silently re-drawing would hide a blind spot of the checker.
 */
class Collision extends Error {}

/**
 * Verifies one line against the checker's own parsing and matching.
 * @param {ReturnType<typeof buildLine>} spec
 * @param {number} id
 */
function verify(spec, id) {
  const raw = spec.render('raw');
  const parsed = parseOutputLine(raw);
  if (!parsed.parsed || parsed.format !== PARSED_FORMAT[spec.format]) {
    throw new Error(`line ${id}: generated ${spec.format} parses as ${parsed.format}: ${JSON.stringify(raw).slice(0, 300)}`);
  }
  if (parsed.bytes !== spec.bytes) throw new Error(`line ${id}: marker bytes ${parsed.bytes} ≠ ${spec.bytes}`);
  if (!parsed.times.includes(spec.timeSec)) throw new Error(`line ${id}: time ${parsed.times} ≠ ${spec.timeSec}`);
  const rawViews = lineViews(parsed);
  for (const c of spec.controls) {
    if (locate(c, rawViews).level !== 'leak') throw new Error(`line ${id}: control ${c.family}/${c.variant} not found in its own line: ${JSON.stringify(raw).slice(0, 300)}`);
  }
  const red = parseOutputLine(spec.render('redacted'));
  if (!red.parsed || red.bytes !== spec.bytes) throw new Error(`line ${id}: redacted line does not parse`);
  const redViews = lineViews(red);
  spec.plants.forEach((p) => {
    if (locate(p, redViews).level !== undefined) throw new Collision(`${p.family} found with every plant replaced`);
  });
  const escapes = (/** @type {string} */ line) => ({
    xhh: (line.match(/\\x[89a-fA-F][0-9a-fA-F]/g) ?? []).length,
    ju: (line.match(/\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})/g) ?? []).length,
    pct: (line.match(/%[89a-fA-F][0-9a-fA-F]/g) ?? []).length,
  });
  const base = escapes(spec.render('redacted'));
  spec.plants.forEach((p, i) => {
    const only = spec.render({ only: i });
    // How the value's non-ASCII characters were written: nginx/Apache \xHH, JSON \u, percent-encoded UTF-8, or as they are.
    if (/[^\x00-\x7f]/.test(p.text)) {
      const e = escapes(only);
      p.where.utf8 = e.xhh > base.xhh ? 'xHH' : e.ju > base.ju ? 'json-\\u' : e.pct > base.pct ? 'percent' : 'raw';
    }
    const v = lineViews(parseOutputLine(only));
    const self = locate(p, v);
    if (self.level !== 'leak') {
      throw new Error(`line ${id}: the checker cannot find plant ${p.family}/${p.variant} ${JSON.stringify(p.text)} in ${JSON.stringify(only).slice(0, 400)}`);
    }
    spec.plants.forEach((q, j) => {
      if (j !== i && locate(q, v).level !== undefined) throw new Collision(`${q.family} found in ${p.family}`);
    });
  });
  return raw;
}

/**
 * Generates the corpus line by line.
 *
 * @param {{ lines: number, seed: string, baseSec: number, spanSec: number }} o
 * @param {{ redrawn: number, reasons: Record<string, number> }} [stats] filled in: lines drawn again, and why
 * @returns {Generator<{ raw: string, redacted: string, entry: Record<string, any> }>}
 * @example
 * for (const { raw } of generateCorpus({ lines: 10, seed: '1', baseSec: 1773489600, spanSec: 259200 })) console.log(raw);
 */
export function* generateCorpus(o, stats = { redrawn: 0, reasons: /** @type {Record<string, number>} */ ({}) }) {
  const step = Math.floor(o.spanSec / o.lines);
  if (step < 1) throw new Error('span too short for that many lines: each line needs its own second');
  const start = o.baseSec - o.spanSec;
  const top = new Rng(`${o.seed}:corpus`);
  for (let id = 0; id < o.lines; id++) {
    // Per-line choices that must not change when the line is drawn again.
    const timeSec = start + id * step + top.int(0, step - 1);
    const bytes = 1000 + id * 53 + top.int(0, 52);
    const format = top.weighted(FORMATS);
    const bom = (id === 0 || top.chance(0.004)) && format !== 'vhost_combined';
    let spec;
    let raw;
    for (let attempt = 0; ; attempt++) {
      if (attempt === 50) throw new Error(`line ${id}: no collision-free draw in 50 attempts`);
      spec = buildLine(new Rng(`${o.seed}:${id}:${attempt}`), { id, format, timeSec, bytes, bom });
      try {
        raw = verify(spec, id);
        break;
      } catch (e) {
        if (!(e instanceof Collision)) throw e;
        stats.redrawn++;
        stats.reasons[e.message] = (stats.reasons[e.message] ?? 0) + 1;
      }
    }
    yield {
      raw,
      redacted: spec.render('redacted'),
      entry: {
        line: id + 1,
        id,
        format: spec.format,
        shape: spec.shape,
        time: spec.timeSec,
        bytes: spec.bytes,
        plants: spec.plants.map((p) => ({ family: p.family, variant: p.variant, ...(p.detail !== undefined && { detail: p.detail }), text: p.text, cores: p.cores, where: p.where })),
        controls: spec.controls.map((c) => ({ family: c.family, variant: c.variant, text: c.text, cores: c.cores, where: c.where, expect: c.expect })),
      },
    };
  }
}

/**
 * `--base`: an ISO time, or the start of the current UTC day when absent
 * (so a corpus is the same all day, and every line is at most a few days
 * old when gallra's retention gate reads it).
 * @param {string | undefined} s
 */
export function baseSeconds(s) {
  if (s === undefined) return Math.floor(Date.now() / 86_400_000) * 86_400;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`--base: not a time: ${s}`);
  return Math.floor(ms / 1000);
}

