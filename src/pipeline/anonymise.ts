/**
 * The anonymise stage: applies the policy's compiled operations to every
 * field of an event, the same code for every format. It writes each field's
 * outcome into `event.out` — unchanged, dropped, or its replacement — for
 * the consumers at the fan-out (the encoder, the aggregate stage).
 *
 * Values held as ranges of the chunk string (text formats) are sliced only
 * when a transform needs their text, and pure transforms are memoised by a
 * hash of the value's bytes. Values held as parsed JSON keep their type: a
 * number or a list goes through a string transform element by element, and
 * an object is never kept or transformed whole (its keys were never named).
 */
import { DROPPED, type Event, type FieldOutput, UNCHANGED } from '../event/event.js';
import type { CompiledOp, TransformContext } from '../transforms/transform.js';
import { AdaptiveMemo, detach, hashBytes, hashString, StringCache } from '../util/string-cache.js';

/** Memo entries per field for pure transforms over text ranges (addresses, paths, referers, user agents). */
const MEMO_SIZE = 16_384;
/** Memo entries per field for pure transforms over JSON string values. */
const JSON_MEMO_SIZE = 8192;
/**
 * Longest value memoised: real user agents and paths are far shorter, and a
 * memo of 16 K entries of 64 KiB values sent by remote clients would be a
 * gigabyte per field.
 */
export const MEMO_MAX_VALUE = 512;
/** Longest value remembered as the last one a field's shape check passed. */
const SHAPE_MEMO_MAX = 64;

type PureOp = Extract<CompiledOp, { kind: 'pure' }>;

// Operation kinds the per-field loop settles without a call (kept and dropped text fields are most fields).
const KIND_OTHER = 0;
const KIND_KEEP = 1;
const KIND_DROP = 2;
/** A memoised pure result: null means "unchanged" (what computing it counted is the entry's tag). */
type Memo = AdaptiveMemo<string | null>;

/**
 * The compiled policy for one format's layout: an operation per slot, with
 * its memo.
 *
 * @example
 * const plan = new AnonymisePlan(['client_ip', 'user'], [truncateOp, pseudonymiseOp]);
 */
export class AnonymisePlan {
  /** Each slot's operation kind as a small number, for the per-field loop. */
  readonly kinds: Uint8Array;
  readonly memos: (Memo | undefined)[];
  readonly memoAlways: boolean[];
  /** JSON string values of pure ops memoised always (user agents), else the op itself. */
  readonly valueFns: (((s: string) => string) | undefined)[];
  /**
   * Per slot, the last text its role's shape check passed: categories
   * (ciphers, edge locations, result types, host names) repeat line after
   * line, and a shape is a pure function of the text, so the same text
   * passes again after one compare. A new text replaces the remembered
   * one only when that one was met again since it was stored, or on every
   * 64th miss, so a field whose text changes every line (a second time
   * field) costs no copy per line.
   */
  readonly shapePassed: (string | undefined)[];
  readonly shapeHit: Uint8Array;
  readonly shapeMisses: Uint8Array;

  constructor(
    /** Field names, by slot (for counting rejected values). */
    readonly names: readonly string[],
    readonly ops: readonly CompiledOp[],
    /** Whether events of this plan need their visitor id (a JSON format writes it; the aggregate stage counts it). */
    readonly deriveVisitorId = false,
  ) {
    this.kinds = Uint8Array.from(ops, (op) => (op.kind === 'keep' ? KIND_KEEP : op.kind === 'drop' ? KIND_DROP : KIND_OTHER));
    this.memos = ops.map((op) => (op.kind === 'pure' && op.memo !== 'never' ? new AdaptiveMemo<string | null>(MEMO_SIZE) : undefined));
    this.memoAlways = ops.map((op) => op.kind === 'pure' && op.memo === 'always');
    this.shapePassed = ops.map(() => undefined);
    this.shapeHit = new Uint8Array(ops.length).fill(1);
    this.shapeMisses = new Uint8Array(ops.length);
    this.valueFns = ops.map((op) => {
      if (op.kind !== 'pure') return undefined;
      if (op.memo !== 'always') return op.fn;
      const memo = new StringCache<string>(JSON_MEMO_SIZE);
      return (v: string) => (v.length <= MEMO_MAX_VALUE ? memo.through(v, op.fn) : op.fn(v));
    });
  }
}

/**
 * @example
 * const stage = new AnonymiseStage(ctx);
 * stage.apply(format.event, plan); // fills format.event.out
 */
export class AnonymiseStage {
  /** Kept values that did not have their role's shape, by field name (dropped, never written). */
  readonly rejected = new Map<string, number>();

  constructor(private readonly ctx: TransformContext) {}

  /** Decides every field of `ev` under `plan`. */
  apply(ev: Event, plan: AnonymisePlan): void {
    if (plan.deriveVisitorId) ev.visitorId = this.ctx.visitorIdOf(ev);
    const kinds = plan.kinds;
    const starts = ev.starts;
    const values = ev.values;
    const out = ev.out;
    const n = kinds.length;
    for (let i = 0; i < n; i++) {
      const s = starts[i]!;
      if (s >= 0) {
        const k = kinds[i];
        out[i] = k === KIND_KEEP ? UNCHANGED : k === KIND_DROP ? DROPPED : this.text(ev, plan, i, s, ev.ends[i]!);
      } else if (values[i] !== undefined) {
        out[i] = this.value(ev, plan, i, values[i]);
      }
    }
  }

  /** A field held as the range `ev.src[s..e)`. */
  private text(ev: Event, plan: AnonymisePlan, i: number, s: number, e: number): FieldOutput {
    const op = plan.ops[i]!;
    switch (op.kind) {
      case 'keep':
        return UNCHANGED;
      case 'check': {
        // The event time was read from this field, so it holds a time.
        if (i === ev.timeSlot) return UNCHANGED;
        const src = ev.src;
        const passed = plan.shapePassed[i];
        if (passed !== undefined && passed.length === e - s && src.startsWith(passed, s)) {
          plan.shapeHit[i] = 1;
          return UNCHANGED;
        }
        if (!op.shape.text(src, s, e)) return this.reject(plan, i);
        if (e - s <= SHAPE_MEMO_MAX && (plan.shapeHit[i] === 1 || (plan.shapeMisses[i] = (plan.shapeMisses[i]! + 1) & 63) === 0)) {
          plan.shapePassed[i] = detach(src.slice(s, e));
          plan.shapeHit[i] = 0;
        }
        return UNCHANGED;
      }
      case 'drop':
        return DROPPED;
      case 'pure': {
        const memo = plan.memos[i];
        if (memo !== undefined && e - s <= MEMO_MAX_VALUE && (plan.memoAlways[i] || memo.active())) {
          const r = memoised(memo, op, ev, s, e);
          return r === null ? UNCHANGED : r;
        }
        const value = ev.src.slice(s, e);
        const r = ev.bytes !== undefined ? op.fnAscii(value, ev.bytes, ev.byteBase + s) : op.fn(value);
        return r === value ? UNCHANGED : r;
      }
      case 'record': {
        const value = ev.src.slice(s, e);
        const r = op.fn(value, ev);
        return r === value ? UNCHANGED : (r ?? DROPPED);
      }
    }
  }

  /** A field held as a parsed (JSON) value. */
  private value(ev: Event, plan: AnonymisePlan, i: number, v: unknown): FieldOutput {
    const op = plan.ops[i]!;
    switch (op.kind) {
      case 'keep':
        return keepValue(v);
      case 'check':
        if (i === ev.timeSlot || op.shape.value(v)) return UNCHANGED;
        return this.reject(plan, i);
      case 'drop':
        return DROPPED;
      case 'pure':
        return applyToValue(plan.valueFns[i]!, v, ev);
      case 'record':
        return applyToValue(op.fn, v, ev);
    }
  }

  private reject(plan: AnonymisePlan, i: number): FieldOutput {
    const name = plan.names[i]!;
    this.rejected.set(name, (this.rejected.get(name) ?? 0) + 1);
    return DROPPED;
  }
}

/** The pure transform of `ev.src[s..e)`, through its memo; null when unchanged. */
function memoised(memo: Memo, op: PureOp, ev: Event, s: number, e: number): string | null {
  const src = ev.src;
  const view = ev.byteView;
  const h = view !== undefined ? hashBytes(view, ev.byteBase + s, ev.byteBase + e) : hashString(src, s, e);
  const hit = memo.cache.getRange(src, s, e, h);
  memo.record(hit !== undefined);
  if (hit !== undefined) {
    const tag = memo.cache.lastTag;
    if (tag > 0) op.tally?.replay(tag);
    return hit;
  }
  const value = src.slice(s, e);
  const r = ev.bytes !== undefined ? op.fnAscii(value, ev.bytes, ev.byteBase + s) : op.fn(value);
  const result = r === value ? null : r;
  // What computing it counted goes with the entry, to be counted again on every hit; too much to pack: not memoised.
  const counted = op.tally === undefined ? 0 : op.tally.take();
  if (counted >= 0) memo.cache.setHashed(value, h, result, counted);
  return result;
}

/**
 * Applies a string transform to a JSON value: strings directly, numbers and
 * booleans as text (a phone number stored as a number is still one), lists
 * element by element. Objects (and objects inside lists) are dropped: a
 * transform meant for one value cannot be shown to make a whole tree safe.
 */
function applyToValue(fn: (s: string, ev: Event) => string | undefined, v: unknown, ev: Event): FieldOutput {
  switch (typeof v) {
    case 'string': {
      const r = fn(v, ev);
      return r === v ? UNCHANGED : (r ?? DROPPED);
    }
    case 'number':
    case 'boolean':
      return fn(String(v), ev) ?? DROPPED;
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((e: unknown) => (typeof e === 'object' && e !== null ? null : (applyElement(fn, e, ev) ?? null)));
      return DROPPED;
    default:
      return DROPPED;
  }
}

function applyElement(fn: (s: string, ev: Event) => string | undefined, v: unknown, ev: Event): unknown {
  if (v === null) return null;
  if (typeof v === 'string') return fn(v, ev);
  if (typeof v === 'number' || typeof v === 'boolean') return fn(String(v), ev);
  return undefined;
}

/**
 * A kept value: scalars and lists of scalars as they are. An object is not
 * kept whole (its keys were never named by the policy: fail closed); name
 * its fields with dotted names instead.
 */
function keepValue(v: unknown): FieldOutput {
  if (typeof v !== 'object' || v === null) return UNCHANGED;
  if (Array.isArray(v)) return v.some((e) => typeof e === 'object' && e !== null) ? v.map((e: unknown) => (typeof e === 'object' && e !== null ? null : e)) : UNCHANGED;
  return DROPPED;
}
