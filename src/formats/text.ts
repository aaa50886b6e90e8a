/**
 * Text formats (combined, common, vhost_combined, any nginx log_format):
 * a compiled template plus the policy's operation per field.
 *
 * Output is the input line with edits: each field the policy changes is
 * replaced in place and every other byte is copied through, so the layout
 * is preserved exactly and an unchanged field costs nothing. Fields are
 * located as ranges of the chunk string and sliced only when a transform
 * needs their text; repeated values (addresses, paths, user agents) are
 * memoised by a hash of their bytes.
 */
import { type FieldSpec } from './config.js';
import { type LineFormat, MATCH, MATCH_APPENDED, NO_MATCH, type ParseOutcome } from './format.js';
import { type CompiledTemplate, parseAppended } from './template.js';
import { LogRecord, ROLE_OF_NAME, type Role } from '../record.js';
import { formatClfTime, formatIsoTime, formatMsec } from '../time/format-timestamp.js';
import { createClfTimeParser, epochToMs, parseIsoTime } from '../time/parse-timestamp.js';
import { type CompiledOp, compileFieldOp, DROP_OP, type TransformContext } from '../transforms/index.js';
import { AdaptiveMemo, hashBytes, hashString } from '../util/string-cache.js';

/** Template variables that carry the event time, with their parsers. */
export const TIME_FIELDS = ['time_local', 'time_iso8601', 'msec'] as const;
type TimeField = (typeof TIME_FIELDS)[number];
type RangeTimeParser = (src: string, s: number, e: number) => number;
const TIME_PARSERS: Record<TimeField, () => RangeTimeParser> = {
  time_local: createClfTimeParser,
  time_iso8601: () => (src, s, e) => parseIsoTime(src.slice(s, e)),
  msec: () => (src, s, e) => epochToMs(Number(src.slice(s, e))),
};
/** How each time variable is written back, for an event stamped with its arrival time. */
const TIME_WRITERS: Record<TimeField, (ms: number) => string> = {
  time_local: formatClfTime,
  time_iso8601: formatIsoTime,
  msec: formatMsec,
};

/** The CLF "no value" marker, written for dropped fields so the line keeps its shape. */
const NO_VALUE = '-';

/** Most appended fields one line may carry; more and the line does not match. */
const MAX_APPENDED = 32;

/** Memo entries per field for pure transforms (addresses, paths, referers, user agents). */
const MEMO_SIZE = 16_384;
/**
 * Longest value memoised: real user agents and paths are far shorter, and a
 * memo of 16 K entries of 64 KiB values sent by remote clients would be a
 * gigabyte per field.
 */
export const MEMO_MAX_VALUE = 512;

/** A memoised pure result: null means "unchanged", so no edit is made. */
type Memo = AdaptiveMemo<string | null>;
type PureOp = Extract<CompiledOp, { kind: 'pure' }>;

/**
 * The policy for `name`, or undefined (dropped) when the policy does not
 * name it. Own keys only: a field called `constructor` is not a policy.
 *
 * @example
 * fieldPolicy(policy.fields, 'remote_addr') // { transform: 'truncate-ip' }
 */
export function fieldPolicy(fields: Readonly<Record<string, FieldSpec>>, name: string): FieldSpec | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/**
 * A field's role: the policy's `role:`, else the well-known meaning of its name.
 *
 * @example
 * roleOf(undefined, 'http_x_forwarded_for') // 'forwarded_for'
 * roleOf({ transform: 'keep', role: 'status' }, 'code') // 'status'
 */
export function roleOf(spec: FieldSpec | undefined, name: string): Role | undefined {
  return spec?.role ?? (Object.hasOwn(ROLE_OF_NAME, name) ? ROLE_OF_NAME[name] : undefined);
}

/**
 * A text log format under a policy.
 *
 * @example
 * const f = new TextFormat('combined', compileTemplate(BUILTIN_TEXT_FORMATS.combined), ['http_x_forwarded_for'], fields, ctx);
 * if (f.parse(line, 0, line.length, f.record)) out = f.write(f.record);
 */
export class TextFormat implements LineFormat {
  readonly record: LogRecord;
  private readonly ops: CompiledOp[];
  private readonly memos: (Memo | undefined)[];
  private readonly memoAlways: boolean[];
  private readonly nTemplate: number;
  private readonly timeSlot: number;
  private readonly parseTime: RangeTimeParser;
  private readonly writeTime: (ms: number) => string;
  /** Ranges of appended fields beyond the named ones (dropped on output). */
  private readonly extraStarts = new Int32Array(MAX_APPENDED);
  private readonly extraEnds = new Int32Array(MAX_APPENDED);
  private readonly extraQuoted = new Uint8Array(MAX_APPENDED);
  private appendedCount = 0;
  private timeParsed = false;
  private lineStart = 0;
  private lineEnd = 0;

  constructor(
    readonly name: string,
    readonly template: CompiledTemplate,
    readonly extraNames: readonly string[],
    fields: Readonly<Record<string, FieldSpec>>,
    ctx: TransformContext,
  ) {
    const names = [...template.fields.map((f) => f.name), ...extraNames];
    const roleSlots: Partial<Record<Role, number[]>> = {};
    const specs = names.map((n) => fieldPolicy(fields, n));
    names.forEach((n, i) => {
      const role = roleOf(specs[i], n);
      if (role !== undefined) (roleSlots[role] ??= []).push(i);
    });
    this.ops = names.map((n, i) => {
      const spec = specs[i];
      return spec === undefined ? DROP_OP : compileFieldOp(spec, n, roleOf(spec, n), ctx);
    });
    this.memos = this.ops.map((op) => (op.kind === 'pure' && op.memo !== 'never' ? new AdaptiveMemo<string | null>(MEMO_SIZE) : undefined));
    this.memoAlways = this.ops.map((op) => op.kind === 'pure' && op.memo === 'always');
    this.nTemplate = template.fields.length;
    this.record = new LogRecord(names.length, roleSlots, true);
    this.timeSlot = template.fields.findIndex((f) => (TIME_FIELDS as readonly string[]).includes(f.name));
    this.parseTime = this.timeSlot >= 0 ? TIME_PARSERS[template.fields[this.timeSlot]!.name as TimeField]() : () => NaN;
    this.writeTime = this.timeSlot >= 0 ? TIME_WRITERS[template.fields[this.timeSlot]!.name as TimeField] : () => NO_VALUE;
  }

  parse(src: string, start: number, end: number, rec: LogRecord): ParseOutcome {
    const starts = rec.starts;
    const ends = rec.ends;
    const stop = this.template.parse(src, start, end, starts, ends);
    if (stop < 0) return NO_MATCH;
    const n = this.nTemplate;
    const named = this.extraNames.length;
    let count = 0;
    if (stop < end) {
      // Appended fields: the named ones go to their slots, the rest are kept aside to be dropped.
      count = parseAppended(src, stop, end, this.extraStarts, this.extraEnds, this.extraQuoted, 0, MAX_APPENDED);
      if (count < 0) return NO_MATCH;
    }
    for (let k = 0; k < named; k++) {
      starts[n + k] = k < count ? this.extraStarts[k]! : -1;
      ends[n + k] = k < count ? this.extraEnds[k]! : -1;
    }
    this.appendedCount = count;
    this.lineStart = start;
    this.lineEnd = end;
    rec.src = src;
    rec.visitorId = undefined;
    rec.time = this.timeSlot < 0 ? NaN : this.parseTime(src, starts[this.timeSlot]!, ends[this.timeSlot]!);
    // Kept apart from rec.time, which input.missing_timestamp: arrival overwrites.
    this.timeParsed = Number.isFinite(rec.time);
    return count > 0 ? MATCH_APPENDED : MATCH;
  }

  write(rec: LogRecord): string {
    const src = rec.src;
    const starts = rec.starts;
    const ends = rec.ends;
    let out = '';
    let copied = this.lineStart;
    for (let i = 0; i < this.ops.length; i++) {
      const s = starts[i]!;
      if (s < 0) continue;
      const op = this.ops[i]!;
      let replacement: string | null;
      switch (op.kind) {
        case 'keep':
          continue;
        case 'check': {
          if (i === this.timeSlot) {
            // It parsed when the event time was read from it; if it did not, the
            // event was stamped with its arrival time (or it would have been
            // dropped), and that stamp is what the line shows.
            if (this.timeParsed) continue;
            replacement = Number.isFinite(rec.time) ? this.writeTime(rec.time) : NO_VALUE;
            break;
          }
          // Kept when it has the shape its role promises, else dropped.
          if (op.valid(src, s, ends[i]!)) continue;
          replacement = NO_VALUE;
          break;
        }
        case 'drop':
          replacement = NO_VALUE;
          break;
        case 'pure': {
          const memo = this.memos[i];
          if (memo !== undefined && ends[i]! - s <= MEMO_MAX_VALUE && (this.memoAlways[i] || memo.active())) {
            replacement = this.memoised(memo, op, rec, s, ends[i]!);
          } else {
            const value = src.slice(s, ends[i]);
            const r = rec.bytes !== undefined ? op.fnAscii(value, rec.bytes, rec.byteBase + s) : op.fn(value);
            replacement = r === value ? null : r;
          }
          break;
        }
        case 'record': {
          const value = src.slice(s, ends[i]);
          const r = op.fn(value, rec);
          replacement = r === value ? null : (r ?? NO_VALUE);
          break;
        }
      }
      if (replacement === null) continue;
      out += src.slice(copied, s) + replacement;
      copied = ends[i]!;
    }
    // Appended fields the policy does not name are dropped.
    for (let k = this.extraNames.length; k < this.appendedCount; k++) {
      out += src.slice(copied, this.extraStarts[k]) + NO_VALUE;
      copied = this.extraEnds[k]!;
    }
    // Nothing edited: the line as it was. (`out` is checked too: an empty first field replaced by "-" leaves copied where it was.)
    return copied === this.lineStart && out === '' ? src.slice(this.lineStart, this.lineEnd) : out + src.slice(copied, this.lineEnd);
  }

  /** The pure transform of `src[s..e)`, through its memo; null when unchanged. */
  private memoised(memo: Memo, op: PureOp, rec: LogRecord, s: number, e: number): string | null {
    const src = rec.src;
    const view = rec.byteView;
    const h = view !== undefined ? hashBytes(view, rec.byteBase + s, rec.byteBase + e) : hashString(src, s, e);
    const hit = memo.cache.getRange(src, s, e, h);
    memo.record(hit !== undefined);
    if (hit !== undefined) return hit;
    const value = src.slice(s, e);
    const r = rec.bytes !== undefined ? op.fnAscii(value, rec.bytes, rec.byteBase + s) : op.fn(value);
    const result = r === value ? null : r;
    memo.cache.setHashed(value, h, result);
    return result;
  }
}
