/**
 * Checks gallra's output of a generated corpus for planted personal data.
 *
 *
 * How it works:
 * 1. Every output line is *parsed* in its format (lib/parse.mjs): text
 *    formats split into their fields by the format's template (quoted
 *    fields unescaped, nginx and Apache styles), JSON parsed with number
 *    literals kept as written, every key and leaf a field.
 * 2. The line is matched to the input line it came from by a *marker* that
 *    survives anonymisation: the generator gives every line a unique byte
 *    count ($body_bytes_sent / $bytes_sent / JSON `bytes`), a field every
 *    policy keeps as it is (role `bytes`, digits) and that never carries a
 *    planted value; and a unique event time (one second per line), which
 *    is kept too. The byte count decides; the time confirms (a
 *    disagreement is reported as a marker conflict) and stands in when the
 *    byte count is gone. gallra drops lines, so output line k is not input
 *    line k; it keeps their order, which is checked as well.
 * 3. Each field's value is normalised into views (lib/normalise.mjs:
 *    percent-decoding repeated, nginx `\xHH`, JSON `\u` escapes, `+`,
 *    punycode, NFKC, lower case; and the same with separators dropped), and
 *    each planted value's *cores* — what identifies the person — are
 *    looked for in the views of every field of its line. Found whole:
 *    leaked. A long enough fragment of a core marked partial (a password,
 *    a long number): partial.
 * 4. Output lines no marker attributes are checked against every planted
 *    value of the corpus, and so is gallra's stderr when given.
 *
 * Reports per family and per field: planted, on dropped lines, leaked,
 * partial, clean; false-positive controls kept or destroyed. (Slimmed from
 * the corpus tool of issue 8: no CLI, no Markdown report.)
 */
import { lineViews, locate } from './corpus/match.mjs';
import { digitRuns, parseOutputLine } from './corpus/parse.mjs';

/** The parser's name for each generated format. */
const PARSED_FORMAT = {
  combined: 'combined',
  combined_xff: 'combined_xff',
  common: 'common',
  vhost_combined: 'vhost_combined',
  json: 'json',
  json_nested: 'json',
  nginx_json: 'nginx_json',
};

/**
 * Reads a manifest's text (JSON lines; the first may be `{ meta }`).
 * @param {string} text
 */
export function readManifest(text) {
  const entries = [];
  let meta = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const o = JSON.parse(line);
    if (o.meta !== undefined) meta = o.meta;
    else entries.push(o);
  }
  return { meta, entries };
}

/** @param {string} text */
function splitLines(text) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** A counter table keyed by strings. */
class Tally {
  constructor() {
    /** @type {Map<string, Record<string, number>>} */
    this.rows = new Map();
  }
  /** @param {string} key @param {string} col @param {number} [n] */
  add(key, col, n = 1) {
    let row = this.rows.get(key);
    if (row === undefined) this.rows.set(key, (row = {}));
    row[col] = (row[col] ?? 0) + n;
  }
  /** @param {string} key @param {string} col */
  get(key, col) {
    return this.rows.get(key)?.[col] ?? 0;
  }
  toJSON() {
    return Object.fromEntries(this.rows);
  }
}

/** @param {Record<string, any>} w */
function locationOf(w) {
  let s = w.field ?? '?';
  if (w.part !== undefined) s += `:${w.part}`;
  if (w.depth !== undefined) s += `@${w.depth}`;
  if (w.kept === true) s += ' (kept field)';
  return s;
}

/** Columns of the family × place summary, in order. */
const PLACES = ['URL path', 'URL query', 'nested URL', 'whole URL', 'free text', 'user field', 'X-Forwarded-For', 'user agent', 'JSON number', 'kept field', 'client address'];

/**
 * The kind of place a value was planted in, for the summary matrix.
 * @param {Record<string, any>} w
 */
function placeOf(w) {
  if (w.kept === true) return 'kept field';
  if (w.slot === 'address') return 'client address';
  if (w.slot === 'number') return 'JSON number';
  if (w.slot === 'xff') return 'X-Forwarded-For';
  if (w.slot === 'ua') return 'user agent';
  if (w.slot === 'user') return 'user field';
  const part = String(w.part ?? '');
  if (part.startsWith('nested') || part === 'query-url') return 'nested URL';
  if (part === 'path') return 'URL path';
  if (part === 'query') return 'URL query';
  if (part === 'url') return 'whole URL';
  if (part === 'text') return 'free text';
  return 'other';
}

/**
 * Checks output lines against a manifest.
 *
 * @param {{ entries: any[] }} manifest
 * @param {string[]} outputLines
 * @param {{ stderrLines?: string[] }} [opts]
 * @returns {any} the report
 * @example
 * const report = checkOutput({ entries }, splitLines(gallraStdout));
 * report.totals.leaked
 */
export function checkOutput(manifest, outputLines, opts = {}) {
  const entries = manifest.entries;
  /** @type {Map<string, any>} */
  const byBytes = new Map();
  /** @type {Map<number, any>} */
  const byTime = new Map();
  for (const e of entries) {
    if (byBytes.has(String(e.bytes))) throw new Error(`manifest: byte count ${e.bytes} is not unique`);
    byBytes.set(String(e.bytes), e);
    byTime.set(e.time, e);
  }
  const lines = {
    in: entries.length,
    out: outputLines.length,
    attributedByBytes: 0,
    attributedByTime: 0,
    attributedByDigits: 0,
    unattributed: 0,
    duplicates: 0,
    markerConflicts: 0,
    formatChanged: 0,
    outOfOrder: 0,
    unparsed: 0,
    dropped: 0,
  };
  /** @type {Map<number, { outLine: number, parsed: any, views: any[] }>} */
  const seen = new Map();
  const unattributed = [];
  let lastId = -1;
  outputLines.forEach((line, k) => {
    if (line === '') return;
    const parsed = parseOutputLine(line);
    if (!parsed.parsed) lines.unparsed++;
    let entry;
    if (parsed.bytes !== undefined && byBytes.has(parsed.bytes)) {
      entry = byBytes.get(parsed.bytes);
      lines.attributedByBytes++;
      if (parsed.times.length > 0 && !parsed.times.includes(entry.time)) lines.markerConflicts++;
    } else {
      const t = parsed.times.find((x) => byTime.has(x));
      if (t !== undefined) {
        entry = byTime.get(t);
        lines.attributedByTime++;
      } else if (!parsed.parsed) {
        const cand = digitRuns(line).filter((d) => byBytes.has(d));
        if (cand.length === 1) {
          entry = byBytes.get(cand[0]);
          lines.attributedByDigits++;
        }
      }
    }
    if (entry === undefined) {
      lines.unattributed++;
      unattributed.push({ outLine: k + 1, parsed });
      return;
    }
    if (seen.has(entry.id)) lines.duplicates++;
    if (entry.id < lastId) lines.outOfOrder++;
    lastId = entry.id;
    if (parsed.parsed && parsed.format !== PARSED_FORMAT[entry.format]) lines.formatChanged++;
    // A duplicate is checked too: its leaks are merged into the first's.
    const views = lineViews(parsed);
    const prev = seen.get(entry.id);
    if (prev === undefined) seen.set(entry.id, { outLine: k + 1, parsed, views });
    else prev.views = prev.views.concat(views);
  });

  const families = new Tally();
  const byLocation = new Tally();
  const byVariant = new Tally();
  const byUtf8 = new Tally();
  const byPlace = new Tally();
  const byDetail = new Tally();
  const leakFields = new Tally();
  const controls = new Tally();
  const controlLoc = new Tally();
  const droppedBy = new Tally();
  const leaks = [];
  const destroyed = [];
  for (const e of entries) {
    const got = seen.get(e.id);
    if (got === undefined) {
      lines.dropped++;
      droppedBy.add(`${e.format} / ${e.shape}`, 'dropped');
    }
    droppedBy.add(`${e.format} / ${e.shape}`, 'lines');
    e.plants.forEach((p, i) => {
      const loc = locationOf(p.where);
      const fam = p.family;
      families.add(fam, 'planted');
      byLocation.add(`${fam}\t${loc}`, 'planted');
      byVariant.add(`${fam}\t${p.variant}`, 'planted');
      const u8 = p.where.utf8 === undefined ? undefined : `${fam}\t${p.where.utf8}`;
      const place = `${fam}\t${placeOf(p.where)}`;
      byPlace.add(place, 'planted');
      const details = Object.entries(p.detail ?? {}).map(([k, v]) => `${fam}\t${k}: ${v}`);
      for (const d of details) byDetail.add(d, 'planted');
      if (u8 !== undefined) byUtf8.add(u8, 'planted');
      if (got === undefined) {
        if (u8 !== undefined) byUtf8.add(u8, 'dropped');
        byPlace.add(place, 'dropped');
        for (const d of details) byDetail.add(d, 'dropped');
        families.add(fam, 'dropped');
        byLocation.add(`${fam}\t${loc}`, 'dropped');
        byVariant.add(`${fam}\t${p.variant}`, 'dropped');
        return;
      }
      const f = locate(p, got.views);
      const col = f.level === 'leak' ? 'leaked' : f.level === 'partial' ? 'partial' : 'clean';
      families.add(fam, col);
      byLocation.add(`${fam}\t${loc}`, col);
      byVariant.add(`${fam}\t${p.variant}`, col);
      if (u8 !== undefined) byUtf8.add(u8, col);
      byPlace.add(place, col);
      for (const d of details) byDetail.add(d, col);
      if (f.level !== undefined) {
        for (const fld of f.fields) leakFields.add(`${fam}\t${fld}`, col);
        leaks.push({ outLine: got.outLine, line: e.line, plant: i, family: fam, variant: p.variant, planted: loc, found: f.fields, level: f.level, text: p.text });
      }
    });
    for (const c of e.controls) {
      const key = `${c.family}\t${c.expect}`;
      controls.add(key, 'planted');
      controlLoc.add(`${c.family}\t${c.variant}\t${locationOf(c.where)}`, 'planted');
      if (got === undefined) {
        controls.add(key, 'dropped');
        controlLoc.add(`${c.family}\t${c.variant}\t${locationOf(c.where)}`, 'dropped');
        continue;
      }
      const kept = locate(c, got.views).level === 'leak';
      controls.add(key, kept ? 'kept' : 'destroyed');
      controlLoc.add(`${c.family}\t${c.variant}\t${locationOf(c.where)}`, kept ? 'kept' : 'destroyed');
      if (!kept) destroyed.push({ outLine: got.outLine, line: e.line, family: c.family, variant: c.variant, where: locationOf(c.where), expect: c.expect, text: c.text });
    }
  }

  // Lines no marker attributes, and stderr: against every planted value of the corpus.
  const stray = [];
  const allPlants = entries.flatMap((e) => e.plants.map((p, i) => ({ e, p, i })));
  const scanStray = (/** @type {string} */ source, /** @type {number} */ lineNo, /** @type {any} */ parsed) => {
    const views = lineViews(parsed);
    for (const { e, p, i } of allPlants) {
      const f = locate(p, views);
      if (f.level !== undefined) stray.push({ source, outLine: lineNo, line: e.line, plant: i, family: p.family, variant: p.variant, found: f.fields, level: f.level, text: p.text });
    }
  };
  const MAX_STRAY = 500;
  let strayUnscanned = 0;
  unattributed.forEach((u, k) => {
    if (k < MAX_STRAY) scanStray('output', u.outLine, u.parsed);
    else strayUnscanned++;
  });
  (opts.stderrLines ?? []).forEach((l, k) => {
    if (l !== '') scanStray('stderr', k + 1, { fields: [{ name: 'stderr', sources: [l] }] });
  });

  const sum = (/** @type {string} */ col) => [...families.rows.values()].reduce((a, r) => a + (r[col] ?? 0), 0);
  const totals = {
    planted: sum('planted'),
    dropped: sum('dropped'),
    leaked: sum('leaked') + stray.filter((s) => s.level === 'leak').length,
    partial: sum('partial') + stray.filter((s) => s.level === 'partial').length,
    clean: sum('clean'),
    strayLeaks: stray.length,
    strayUnscanned,
  };
  return { lines, totals, families, byLocation, byVariant, byUtf8, byPlace, byDetail, leakFields, controls, controlLoc, droppedBy, leaks, destroyed, stray };
}


export { splitLines };
