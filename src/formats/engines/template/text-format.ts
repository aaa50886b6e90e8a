/**
 * The text-format engine (combined, common, vhost_combined, any nginx
 * `log_format`): a compiled template decodes a line into field ranges of the
 * chunk string, and encodes the anonymised event as the input line with
 * edits — each field the anonymise stage changed is replaced in place and
 * every other byte is copied through, so the layout is preserved exactly
 * (GoAccess and friends still read it) and an unchanged field costs nothing.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED } from '../../../event/event.js';
import { formatClfTime, formatIsoTime, formatMsec } from '../../../time/format-timestamp.js';
import { createClfTimeParser, epochToMs, parseIsoTime } from '../../../time/parse-timestamp.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, MATCH_APPENDED, NO_MATCH } from '../../format.js';
import { leanPath } from '../../../util/lean-path.js';
import { isCombinedLayout, LEAN_FALLBACK, LeanCombined } from './lean-combined.js';
import { type CompiledTemplate, parseAppended, TRY_LENIENT } from './template.js';

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
export const NO_VALUE = '-';

/** Most appended fields one line may carry; more and the line does not match. */
const MAX_APPENDED = 32;

/**
 * A text log format: one compiled template, plus the names of fields
 * appended after it (nginx `main`'s `"$http_x_forwarded_for"`); appended
 * fields beyond the named ones are dropped.
 *
 * @example
 * const f = new TextFormat(compileTemplate(BUILTIN_TEXT_FORMATS.combined), ['http_x_forwarded_for'], ctx);
 * if (f.decode(line, 0, line.length) !== NO_MATCH) { anonymise(f.event); out = f.encode(f.event); }
 */
export class TextFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly nTemplate: number;
  private readonly timeSlot: number;
  private readonly parseTime: RangeTimeParser;
  private readonly writeTime: (ms: number) => string;
  /** Whether the policy keeps the time field: only then does an arrival stamp go there (a dropped one stays "-"). */
  private readonly stampable: boolean;
  /** Ranges of appended fields beyond the named ones (dropped on output). */
  private readonly extraStarts = new Int32Array(MAX_APPENDED);
  private readonly extraEnds = new Int32Array(MAX_APPENDED);
  private readonly extraQuoted = new Uint8Array(MAX_APPENDED);
  private appendedCount = 0;
  /** The combined layout's lean field location (undefined for other layouts, or with the lean path off). */
  private readonly lean: LeanCombined | undefined;

  constructor(
    readonly template: CompiledTemplate,
    readonly extraNames: readonly string[],
    ctx: FormatContext,
  ) {
    this.name = ctx.name;
    const names = [...template.fields.map((f) => f.name), ...extraNames];
    this.event = new Event(new FieldLayout(names, names.map((n) => ctx.roleOf(n))));
    this.nTemplate = template.fields.length;
    this.timeSlot = template.fields.findIndex((f) => (TIME_FIELDS as readonly string[]).includes(f.name));
    this.parseTime = this.timeSlot >= 0 ? TIME_PARSERS[template.fields[this.timeSlot]!.name as TimeField]() : () => NaN;
    this.writeTime = this.timeSlot >= 0 ? TIME_WRITERS[template.fields[this.timeSlot]!.name as TimeField] : () => NO_VALUE;
    this.stampable = this.timeSlot >= 0 && ctx.fields.get(names[this.timeSlot]!) === 'keep';
    this.lean = leanPath.enabled && isCombinedLayout(template) ? new LeanCombined(this.parseTime) : undefined;
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const ev = this.event;
    const starts = ev.starts;
    const ends = ev.ends;
    // The lean path locates the usual combined line and reads its time; anything else goes the general way.
    let stop = this.lean === undefined ? LEAN_FALLBACK : this.lean.parse(src, start, end, starts, ends);
    const leanTime = stop >= 0;
    if (stop === LEAN_FALLBACK) {
      stop = this.template.parse(src, start, end, starts, ends);
      // Rare valid shapes (a user name with a space, an IPv6-literal host) on the fallback path only.
      if (stop === TRY_LENIENT) stop = this.template.parse(src, start, end, starts, ends, true);
    }
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
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.src = src;
    ev.visitorId = undefined;
    const time = leanTime ? this.lean!.time : this.timeSlot < 0 ? NaN : this.parseTime(src, starts[this.timeSlot]!, ends[this.timeSlot]!);
    ev.time = time;
    ev.timeFromInput = Number.isFinite(time);
    ev.timeSlot = ev.timeFromInput ? this.timeSlot : -1;
    return count > 0 ? MATCH_APPENDED : MATCH;
  }

  encode(ev: Event): string {
    const src = ev.src;
    const starts = ev.starts;
    const ends = ev.ends;
    const outs = ev.out;
    const lineStart = ev.lineStart;
    let out = '';
    let copied = lineStart;
    const nSlots = outs.length;
    for (let i = 0; i < nSlots; i++) {
      const s = starts[i]!;
      if (s < 0) continue;
      let replacement: string;
      if (i === this.timeSlot && !ev.timeFromInput && this.stampable) {
        // Stamped with its arrival time (input.missing_timestamp: arrival): the
        // line shows the stamp in its own time form, so it still reads as its format.
        replacement = Number.isFinite(ev.time) ? this.writeTime(ev.time) : NO_VALUE;
      } else {
        const o = outs[i]!;
        if (o === UNCHANGED) continue;
        replacement = o === DROPPED || typeof o !== 'string' ? NO_VALUE : o;
      }
      out += src.slice(copied, s) + replacement;
      copied = ends[i]!;
    }
    // Appended fields the policy does not name are dropped.
    for (let k = this.extraNames.length; k < this.appendedCount; k++) {
      out += src.slice(copied, this.extraStarts[k]) + NO_VALUE;
      copied = this.extraEnds[k]!;
    }
    // Nothing edited: the line as it was. (`out` is checked too: an empty first field replaced by "-" leaves copied where it was.)
    return copied === lineStart && out === '' ? src.slice(lineStart, ev.lineEnd) : out + src.slice(copied, ev.lineEnd);
  }
}
