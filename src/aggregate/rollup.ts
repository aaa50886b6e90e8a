/**
 * One open window of one period: a row per grouping set and dimension
 * values, each with its counters and the visitors and users seen in it.
 * Visitor ids (and user pseudonyms) are turned into small integers local to
 * the window as they arrive; the rows hold only those integers, the window
 * forgets the ids when it closes, and nothing of them is ever written:
 * distinct counts are exact within the window and nothing outlives it.
 *
 * Why integers and lists rather than sets of ids: on real traffic almost
 * every request brings a visitor the row has not seen in this window, so
 * the per-event cost is one push of a small integer. A member is pushed
 * onto a row only when it was not the last row it was pushed onto for that
 * grouping set (`last`), so lists stay near distinct; the few repeats
 * (a visitor alternating between two rows) are removed when counting.
 *
 * A day (month) window is filled by merging its closed hour (day) windows
 * into it, not event by event. A window numbered in its rollup's own
 * numbering (see {@link Numbering}) hands its rows' member lists up whole,
 * as parts of the rollup's rows: the merge costs one push per row, not one
 * mark and push per member, and the duplicates across parts (a visitor seen
 * in two hours) are removed when the rollup's row is counted, by the same
 * pass that removes a list's own repeats. A rollup with another numbering
 * (a day into its month) gets each row's distinct members translated into
 * its numbering, as one part per row: deduped by marks the size of the
 * child's numbering (small, and no marks the size of the month's).
 */
import { DIMENSIONS, type Dimension, type Period } from '../stores/aggregates-table.js';
import { detach } from '../util/string-cache.js';
import type { GroupingSet } from './config.js';
import { DIM_INDEX, type EventFacts, type Hinted, SOURCE_DIMS } from './dimensions.js';
import { bucketOf, QuantileSketch } from './quantile.js';
import { DistinctCounter, Marks, Numbering } from './members.js';

/** Per-visitor contributions to a row, for capping them when noise is on: requests, 4xx, 5xx, bytes. */
export type Contribution = [number, number, number, number];

/** One row of one grouping set in one window. */
export class Row {
  requests = 0;
  bytes = 0;
  errors4xx = 0;
  errors5xx = 0;
  /** Window-local visitor numbers (near distinct: see the header). */
  visitors: number[] = [];
  users: number[] = [];
  /** Member lists of the rows merged into this one, in the same numbering (rollups; see the header). */
  visitorParts: (readonly number[])[] | undefined = undefined;
  userParts: (readonly number[])[] | undefined = undefined;
  sketch: QuantileSketch | undefined = undefined;
  /** Per visitor number, when noise needs contributions capped. */
  contributions: Map<number, Contribution> | undefined = undefined;

  constructor(
    /** Window-unique number of the row (the `last` marks refer to it). */
    readonly index: number,
    /** The values of the set's dimensions, in the set's order. */
    readonly values: readonly string[],
  ) {}
}

/** The grouping sets with the dimension indexes of each, compiled once. */
export class CompiledSets {
  readonly dimIndex: readonly (readonly number[])[];
  /**
   * Per set, the kind of derivation-cache entry (SOURCE) whose values fix
   * all the set's dimensions, with a second kind for a set that spans two
   * (`status,path_template`); -1 when no one or two entries fix them.
   */
  readonly hintSource: Int8Array;
  readonly hintSecond: Int8Array;

  constructor(readonly sets: readonly GroupingSet[]) {
    this.dimIndex = sets.map((s) => s.dims.map((d) => DIM_INDEX[d]));
    this.hintSource = new Int8Array(sets.length).fill(-1);
    this.hintSecond = new Int8Array(sets.length).fill(-1);
    sets.forEach((s, g) => {
      const kinds = [...new Set(s.dims.map((d) => SOURCE_DIMS.findIndex((dims) => dims.includes(d))))];
      if (s.dims.length === 0 || kinds.includes(-1) || kinds.length > 2) return;
      this.hintSource[g] = kinds[0]!;
      if (kinds.length === 2) this.hintSecond[g] = kinds[1]!;
    });
  }

  get size(): number {
    return this.sets.length;
  }

  /** The dimension values of set `g`, copied (a row outlives the line it came from). */
  valuesOf(g: number, dims: readonly string[]): string[] {
    return this.dimIndex[g]!.map((i) => detach(dims[i]!));
  }
}

/**
 * What a derivation-cache entry remembers per grouping set: the row its
 * values led to in the window last seen (by serial), and for a set spanning
 * two entries, the second entry it was seen with. An event whose entries
 * match finds its row with three array reads instead of one map lookup per
 * dimension. Rows are held by their window-unique index, not by reference,
 * so an entry never keeps a closed window's rows alive.
 */
class RowHints {
  readonly serial: Int32Array;
  readonly index: Int32Array;
  readonly second: (Hinted | undefined)[];

  constructor(sets: number) {
    this.serial = new Int32Array(sets);
    this.index = new Int32Array(sets);
    this.second = new Array<Hinted | undefined>(sets).fill(undefined);
  }
}

/** Serial numbers of windows (the hints' key: a window is never confused with an earlier one). */
let nextSerial = 0;

/**
 * @example
 * const w = new WindowState('window', start, start + HOUR, sets, false);
 * w.add(facts);
 */
/**
 * A grouping set's rows, found by their dimension values through nested
 * maps (one level per dimension): no key string is built per event, and the
 * values are the derivation caches' own strings, whose hashes V8 keeps.
 */
type Tree = Map<string, Tree | Row>;

export class WindowState {
  /** Each grouping set's rows, in the order they were opened. */
  readonly rows: Row[][];
  /** Every row by its window-unique index (what RowHints hold). */
  private readonly byIndex: Row[] = [];
  /** This window's serial number (RowHints name windows by it). */
  private readonly serial = ++nextSerial;
  private readonly trees: Tree[];
  /** The total row (set 0 has no dimensions). */
  private total: Row | undefined = undefined;
  /**
   * Each set's last row and the value strings that found it: consecutive
   * events often share them (a page and its assets: one visitor, one user
   * agent, one status), and comparing string identities costs less than
   * hashing them through the maps.
   */
  private readonly lastRow: (Row | undefined)[];
  private readonly lastValues: (string | undefined)[][];
  /** Numbers of visitor ids and user pseudonyms: the window's own, or shared with the rollup it merges into. */
  readonly visitors: Numbering;
  readonly users: Numbering;
  private readonly ownsIds: boolean;
  private readonly vMarks: Marks;
  private readonly uMarks: Marks;
  private rowCount = 0;
  /** Events added (base windows) or merged (rollups). */
  events = 0;
  /** Processing time of the last merge into a rollup window (idle rollups close by it). */
  touchedAt = 0;
  /** `events` when the stage last looked, and since when it has not moved (idle windows close by it). */
  seenEvents = 0;
  idleSince = 0;

  constructor(
    readonly period: Period,
    readonly start: number,
    readonly end: number,
    private readonly sets: CompiledSets,
    /** Keep per-visitor contributions (noise with a contribution cap). */
    private readonly contributions: boolean,
    /** The numbering of the rollup this window merges into (the window then must not clear it). */
    shared?: { readonly visitors: Numbering; readonly users: Numbering },
  ) {
    this.rows = sets.sets.map(() => []);
    this.trees = sets.sets.map(() => new Map());
    this.lastRow = sets.sets.map(() => undefined);
    this.lastValues = sets.sets.map((s) => new Array<string | undefined>(s.dims.length).fill(undefined));
    this.ownsIds = shared === undefined;
    this.visitors = shared?.visitors ?? new Numbering(false);
    this.users = shared?.users ?? new Numbering(true);
    // Sized for the shared numbering as it stands plus a quarter, so a window rarely grows (copies) its marks.
    this.vMarks = new Marks(sets.size, shared === undefined ? 64 : Math.ceil(shared.visitors.size * 1.25));
    this.uMarks = new Marks(sets.size, shared === undefined ? 64 : Math.ceil(shared.users.size * 1.25));
  }

  /** The row of set `g` whose values are `values[idx[0]], values[idx[1]], …` (opened if new). */
  private rowOf(g: number, values: readonly string[], idx: readonly number[]): Row {
    const n = idx.length;
    if (n === 0) {
      if (this.total === undefined) {
        this.rows[g]!.push((this.total = new Row(++this.rowCount, [])));
        this.byIndex[this.total.index] = this.total;
      }
      return this.total;
    }
    let node = this.trees[g]!;
    for (let k = 0; k < n - 1; k++) {
      const v = values[idx[k]!]!;
      let next = node.get(v) as Tree | undefined;
      if (next === undefined) node.set(detach(v), (next = new Map()));
      node = next;
    }
    const last = values[idx[n - 1]!]!;
    let row = node.get(last) as Row | undefined;
    if (row === undefined) {
      row = new Row(
        ++this.rowCount,
        idx.map((i) => detach(values[i]!)),
      );
      node.set(row.values[n - 1]!, row);
      this.rows[g]!.push(row);
      this.byIndex[row.index] = row;
    }
    return row;
  }

  /** Counts one event in every grouping set (the hot path). */
  add(f: EventFacts): void {
    this.events++;
    const dims = f.dims;
    const G = this.sets.size;
    const v = f.visitor === undefined ? -1 : this.visitors.of(f.visitor);
    const u = f.user === undefined ? -1 : this.users.of(f.user);
    // The marks grow by doubling, so this rarely calls fit (a call per event cost ~4 % of the stage in a profile).
    let vLast = this.vMarks.last;
    if ((v + 1) * G > vLast.length) vLast = this.vMarks.fit(v + 1);
    let uLast = this.uMarks.last;
    if ((u + 1) * G > uLast.length) uLast = this.uMarks.fit(u + 1);
    const status = f.status;
    const e4 = status >= 400 && status < 500 ? 1 : 0;
    const e5 = status >= 500 && status < 600 ? 1 : 0;
    const bucket = Number.isNaN(f.durationMs) ? NaN : bucketOf(f.durationMs);
    const dimIndex = this.sets.dimIndex;
    const hintSource = this.sets.hintSource;
    const hintSecond = this.sets.hintSecond;
    const sources = f.sources;
    for (let g = 0; g < G; g++) {
      const idx = dimIndex[g]!;
      let row: Row | undefined;
      const entry = hintSource[g]! >= 0 ? sources[hintSource[g]!] : undefined;
      const second = hintSecond[g]! >= 0 ? sources[hintSecond[g]!] : undefined;
      if (entry !== undefined && (hintSecond[g]! < 0 || second !== undefined)) {
        const hints = (entry.hints ??= new RowHints(G)) as RowHints;
        if (hints.serial[g] === this.serial && hints.second[g] === second) row = this.byIndex[hints.index[g]!]!;
        else {
          row = this.rowOf(g, dims, idx);
          hints.serial[g] = this.serial;
          hints.index[g] = row.index;
          hints.second[g] = second;
        }
      } else {
        const seen = this.lastValues[g]!;
        row = this.lastRow[g];
        for (let k = 0; k < idx.length && row !== undefined; k++) if (dims[idx[k]!] !== seen[k]) row = undefined;
        if (row === undefined) {
          row = this.rowOf(g, dims, idx);
          this.lastRow[g] = row;
          for (let k = 0; k < idx.length; k++) seen[k] = dims[idx[k]!];
        }
      }
      row.requests++;
      row.bytes += f.bytes;
      row.errors4xx += e4;
      row.errors5xx += e5;
      if (bucket === bucket) (row.sketch ??= new QuantileSketch()).add(bucket);
      if (v >= 0 && vLast[v * G + g] !== row.index) {
        row.visitors.push(v);
        vLast[v * G + g] = row.index;
      }
      if (u >= 0 && uLast[u * G + g] !== row.index) {
        row.users.push(u);
        uLast[u * G + g] = row.index;
      }
      if (this.contributions && v >= 0) {
        const map = (row.contributions ??= new Map());
        const c = map.get(v);
        if (c === undefined) map.set(v, [1, e4, e5, f.bytes]);
        else {
          c[0]++;
          c[1] += e4;
          c[2] += e5;
          c[3] += f.bytes;
        }
      }
    }
  }

  /** Adds this (closed) window's rows into `parent` (its day or month), then forgets its ids. */
  mergeInto(parent: WindowState, nowMs: number): void {
    parent.events += this.events;
    parent.touchedAt = nowMs;
    const G = this.sets.size;
    // Shared numbering (a window into its own rollup): the numbers are already the parent's, and the lists go up whole.
    const shared = parent.visitors === this.visitors && parent.users === this.users;
    const vUp = parent.visitors === this.visitors ? undefined : upMap(this.visitors, parent.visitors);
    const uUp = parent.users === this.users ? undefined : upMap(this.users, parent.users);
    // Per child number, the index of the row it was last taken from (row indexes are unique in the window).
    const vTaken = shared ? undefined : new Int32Array(this.visitors.size);
    const uTaken = shared ? undefined : new Int32Array(this.users.size);
    for (let g = 0; g < G; g++) {
      const own = ordinal(this.sets.dimIndex[g]!.length);
      for (const row of this.rows[g]!) {
        const p = parent.rowOf(g, row.values, own);
        p.requests += row.requests;
        p.bytes += row.bytes;
        p.errors4xx += row.errors4xx;
        p.errors5xx += row.errors5xx;
        if (row.sketch !== undefined) (p.sketch ??= new QuantileSketch()).merge(row.sketch);
        if (shared) {
          handUp(row.visitors, row.visitorParts, (p.visitorParts ??= []), parent.visitors.size);
          handUp(row.users, row.userParts, (p.userParts ??= []), parent.users.size);
        } else {
          translate(row.visitors, row.visitorParts, vUp, vTaken!, row.index, (p.visitorParts ??= []), parent.visitors.size);
          translate(row.users, row.userParts, uUp, uTaken!, row.index, (p.userParts ??= []), parent.users.size);
        }
        if (row.contributions !== undefined) {
          const pc = (p.contributions ??= new Map());
          for (const [v, c] of row.contributions) {
            const pv = vUp === undefined ? v : vUp[v]!;
            const have = pc.get(pv);
            if (have === undefined) pc.set(pv, [...c]);
            else for (let i = 0; i < 4; i++) have[i]! += c[i]!;
          }
        }
      }
    }
    this.forget();
  }

  /** Drops the window's ids (when they are its own) and marks; its counts stay until it is discarded. */
  forget(): void {
    if (this.ownsIds) {
      this.visitors.clear();
      this.users.clear();
    }
    this.vMarks.clear();
    this.uMarks.clear();
  }

  /** Names of a set's dimensions with the row's values. */
  dimsOf(g: number, row: Row): Partial<Record<Dimension, string>> {
    const out: Partial<Record<Dimension, string>> = {};
    this.sets.dimIndex[g]!.forEach((i, k) => (out[DIMENSIONS[i]!] = row.values[k]!));
    return out;
  }

  /** Bounds on the visitor and user numbers of this window (for distinct counting). */
  get memberBounds(): { visitors: number; users: number } {
    return { visitors: this.visitorBound, users: this.userBound };
  }

  /** Set when the ids are forgotten, so counting still knows the bound. */
  private visitorBound = 0;
  private userBound = 0;

  /** Records the bounds before forgetting (called by the stage before publishing). */
  seal(): void {
    this.visitorBound = this.visitors.size;
    this.userBound = this.users.size;
  }

  get compiled(): CompiledSets {
    return this.sets;
  }
}

const ORDINALS: number[][] = [];
/** [0, 1, …, n-1]: a row's own values, indexed in order. */
function ordinal(n: number): readonly number[] {
  return (ORDINALS[n] ??= Array.from({ length: n }, (_, i) => i));
}

/** For each number of `child`, the number of the same id in `parent`. */
function upMap(child: Numbering, parent: Numbering): Int32Array {
  const up = new Int32Array(child.size);
  for (const [id, n] of child.numberOf) up[n] = parent.of(id);
  return up;
}

/** Parts a rollup row holds before they are shrunk to their distinct members. */
const MAX_PARTS = 8;
const compactor = new DistinctCounter();

/**
 * A row's member lists, handed to its rollup's row as parts (the same
 * numbering, below `bound`; never changed after the window closed). Parts
 * are not deduplicated as they come — that is the count's job — but once a
 * row holds more than {@link MAX_PARTS} they shrink to one list of its
 * distinct members: otherwise a day of one-minute windows would keep a
 * visitor's number once per window (1,440 times) until the day closed.
 */
function handUp(list: readonly number[], parts: readonly (readonly number[])[] | undefined, into: (readonly number[])[], bound: number): void {
  if (list.length > 0) into.push(list);
  if (parts !== undefined) for (const part of parts) into.push(part);
  shrinkParts(into, bound);
}

/** More than {@link MAX_PARTS} parts (numbers below `bound`) become one list of their distinct members. */
function shrinkParts(into: (readonly number[])[], bound: number): void {
  if (into.length <= MAX_PARTS) return;
  const distinct = compactor.distinctOf(into, bound);
  into.length = 0;
  into.push(distinct);
}

/**
 * A row's distinct members, numbered in the parent's numbering through `up`
 * (none: the same numbering), handed to the parent row as one part.
 * `taken[n]` holds the index of the row that last took number n.
 */
function translate(list: readonly number[], parts: readonly (readonly number[])[] | undefined, up: Int32Array | undefined, taken: Int32Array, rowIndex: number, into: (readonly number[])[], bound: number): void {
  const out: number[] = [];
  const take = (from: readonly number[]): void => {
    for (let i = 0; i < from.length; i++) {
      const v = from[i]!;
      if (taken[v] !== rowIndex) {
        taken[v] = rowIndex;
        out.push(up === undefined ? v : up[v]!);
      }
    }
  };
  take(list);
  if (parts !== undefined) for (const part of parts) take(part);
  if (out.length > 0) into.push(out);
  shrinkParts(into, bound);
}
