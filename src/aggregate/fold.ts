/**
 * Publishing a closed window: the k-threshold, and optional noise.
 *
 * Within each grouping set (except `total`, which is the window's own total
 * and never folded) a row with fewer than k distinct visitors is folded
 * into that set's `(other)` row: its counters are added and its visitors
 * and users united, so every set's `requests` still add up to the total and
 * `(other)`'s distinct counts are exact. When `(other)` itself would hold
 * fewer than k visitors, the smallest published rows join it until it holds
 * k or every row of the set is in it, so no published row — `(other)`
 * included — describes fewer than k visitors unless the whole window does.
 *
 * What k does not protect against: two overlapping answers can be
 * subtracted (differencing); see the README's privacy notes.
 */
import { type AggregateRow, type ClosedWindow, OTHER } from '../stores/aggregates-table.js';
import type { NoiseConfig } from './config.js';
import { noisy } from './noise.js';
import { QuantileSketch } from './quantile.js';
import type { DistinctCounter } from './members.js';
import type { Contribution, Row, WindowState } from './rollup.js';

/** What a publication did, for metrics. */
export interface FoldStats {
  rows: number;
  folded: number;
}

/** Rows being published together: one row, or the folded rows of `(other)`. */
interface Group {
  readonly rows: readonly Row[];
  readonly visitors: number;
  readonly users: number;
}

function sum(rows: readonly Row[], f: (r: Row) => number): number {
  let n = 0;
  for (const r of rows) n += f(r);
  return n;
}

/** Counters of a group, capped per visitor when noise is on. */
function counters(rows: readonly Row[], noise: NoiseConfig | undefined): { requests: number; bytes: number; e4: number; e5: number } {
  if (noise === undefined || rows.every((r) => r.contributions === undefined)) {
    return { requests: sum(rows, (r) => r.requests), bytes: sum(rows, (r) => r.bytes), e4: sum(rows, (r) => r.errors4xx), e5: sum(rows, (r) => r.errors5xx) };
  }
  // A visitor's contributions to the group, added over its rows, then capped.
  const per = new Map<number, Contribution>();
  for (const r of rows) {
    for (const [v, c] of r.contributions ?? []) {
      const have = per.get(v);
      if (have === undefined) per.set(v, [...c]);
      else for (let i = 0; i < 4; i++) have[i]! += c[i]!;
    }
  }
  const cap = noise.contribution_cap;
  let requests = 0;
  let e4 = 0;
  let e5 = 0;
  let bytes = 0;
  for (const c of per.values()) {
    requests += Math.min(c[0], cap);
    e4 += Math.min(c[1], cap);
    e5 += Math.min(c[2], cap);
    bytes += Math.min(c[3], cap * noise.bytes_cap);
  }
  return { requests, bytes, e4, e5 };
}

function latency(rows: readonly Row[]): AggregateRow['latency'] {
  if (rows.length === 1) return rows[0]!.sketch?.quantiles() ?? null;
  let s: QuantileSketch | undefined;
  for (const r of rows) if (r.sketch !== undefined) (s ??= new QuantileSketch()).merge(r.sketch);
  return s?.quantiles() ?? null;
}

function publishGroup(grouping: string, dims: AggregateRow['dims'], g: Group, noise: NoiseConfig | undefined): AggregateRow {
  const c = counters(g.rows, noise);
  if (noise === undefined) {
    return { grouping, dims, requests: c.requests, bytes: c.bytes, errors_4xx: c.e4, errors_5xx: c.e5, visitors: g.visitors, users: g.users, latency: latency(g.rows) };
  }
  const scale = noise.contribution_cap / noise.epsilon;
  return {
    grouping,
    dims,
    requests: noisy(c.requests, scale),
    bytes: noisy(c.bytes, (noise.contribution_cap * noise.bytes_cap) / noise.epsilon),
    errors_4xx: noisy(c.e4, scale),
    errors_5xx: noisy(c.e5, scale),
    // Visitors were noised once, for the threshold; publishing another draw would leak the first.
    visitors: g.visitors,
    users: noisy(g.users, 1 / noise.epsilon),
    // Quantiles of a handful of requests describe those requests: withheld under noise.
    latency: null,
  };
}

/** A row of a set with its visitors counted once, for ranking (the tie-break key is built only on a tie). */
interface Ranked {
  readonly row: Row;
  readonly visitors: number;
  order: string | undefined;
}

/** The values of a row as one string: the last tie-break, so publication is deterministic. */
function orderOf(x: Ranked): string {
  return (x.order ??= x.row.values.join('\u0001'));
}

/** Smallest first; ties by requests, then by values. */
function byVisitorsThenRequests(a: Ranked, b: Ranked): number {
  const d = a.visitors - b.visitors || a.row.requests - b.row.requests;
  if (d !== 0) return d;
  const oa = orderOf(a);
  const ob = orderOf(b);
  return oa < ob ? -1 : oa > ob ? 1 : 0;
}

/**
 * The rows to store for a closed (sealed) window.
 *
 * Each row's visitors are counted once; `(other)` is widened by adding one
 * row's visitors at a time to the same distinct count (not by recounting
 * every folded row per step, which cost O(rows²) in a set with many rows
 * below k).
 *
 * @example
 * const closed = publish(window, 5, undefined, counter, stats);
 */
export function publish(w: WindowState, k: number, noise: NoiseConfig | undefined, distinct: DistinctCounter, stats: FoldStats): ClosedWindow {
  const bounds = w.memberBounds;
  const visitorsOf = (exact: number): number => (noise === undefined ? exact : noisy(exact, 1 / noise.epsilon));
  const single = (r: Row, visitors: number): Group => ({ rows: [r], visitors, users: distinct.countMembers(r.users, r.userParts, bounds.users) });
  const out: AggregateRow[] = [];
  const sets = w.compiled.sets;
  for (let g = 0; g < sets.length; g++) {
    const set = sets[g]!;
    const rows = w.rows[g]!;
    if (g === 0) {
      // total: the window's own total, never folded.
      for (const r of rows) out.push(publishGroup(set.name, {}, single(r, visitorsOf(distinct.countMembers(r.visitors, r.visitorParts, bounds.visitors))), noise));
      continue;
    }
    const ranked: Ranked[] = new Array<Ranked>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      ranked[i] = { row: r, visitors: visitorsOf(distinct.countMembers(r.visitors, r.visitorParts, bounds.visitors)), order: undefined };
    }
    ranked.sort(byVisitorsThenRequests);
    let cut = 0;
    while (cut < ranked.length && ranked[cut]!.visitors < k) cut++;
    let other: Group | undefined;
    if (cut > 0) {
      // Widen (other) until it holds k visitors itself, or the whole set: one distinct count, grown row by row.
      distinct.begin(bounds.visitors);
      for (let i = 0; i < cut; i++) {
        const r = ranked[i]!.row;
        distinct.addMembers(r.visitors, r.visitorParts);
      }
      let visitors = visitorsOf(distinct.size);
      while (visitors < k && cut < ranked.length) {
        const r = ranked[cut++]!.row;
        distinct.addMembers(r.visitors, r.visitorParts);
        visitors = visitorsOf(distinct.size);
      }
      const folded = ranked.slice(0, cut).map((x) => x.row);
      distinct.begin(bounds.users);
      for (const r of folded) distinct.addMembers(r.users, r.userParts);
      other = { rows: folded, visitors, users: distinct.size };
    }
    for (let i = cut; i < ranked.length; i++) {
      const x = ranked[i]!;
      out.push(publishGroup(set.name, w.dimsOf(g, x.row), single(x.row, x.visitors), noise));
    }
    if (other !== undefined) {
      const dims: AggregateRow['dims'] = {};
      for (const d of set.dims) (dims as Record<string, string>)[d] = OTHER;
      out.push(publishGroup(set.name, dims, other, noise));
      stats.folded += cut;
    }
  }
  stats.rows += out.length;
  return { period: w.period, start: w.start, end: w.end, rows: out };
}
