/**
 * The engine of W3C Extended Log File Format logs (https://www.w3.org/TR/WD-logfile.html):
 * CloudFront standard logs (tab-separated), IIS and HTTP.sys logs and other
 * W3C producers (space-separated). Directives (`#Version`, `#Fields`, …)
 * declare the layout; `#Fields` may change mid-file (IIS writes a new
 * header block when its configuration changes), and each segment (file,
 * partition) has its own. Header lines are written back before the first
 * event after them (`#Remark`, free text, and unknown directives are not),
 * so the output is a log of the same format. The date and time fields make
 * the event time together (or the time field and the `#Date` directive).
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../../event/event.js';
import type { Role } from '../../../event/vocabulary.js';
import { epochToMs } from '../../../time/parse-timestamp.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../../format.js';
import { formatRole, layoutNames } from '../fields/roles.js';
import { addressLike, isDash, NextIndex } from '../fields/text.js';
import { dayStart, digitsAt, isoDateAt, timeOfDayAt } from '../fields/time.js';
import { MONTH_CODES, packMonth } from '../../../time/months.js';
import { cloudfrontEncode, percentDecodeOnce, plusDecode, spaceFieldValue, tabFieldValue } from './values.js';

/** How a family's values are encoded in the log (see values.ts). */
export type W3cEncoding = 'cloudfront' | 'iis' | 'plain';

export interface W3cSpec {
  /** The field names the family documents, with their roles. */
  readonly roles: Readonly<Record<string, Role>>;
  /** The layout of lines that come without a `#Fields` header (undefined: such lines are not read). */
  readonly defaultFields: readonly string[] | undefined;
  /** Whether a `#Fields` block is this family's (CloudFront's have `x-edge-` fields; a plain W3C reader takes the others). */
  claims(fields: readonly string[]): boolean;
  /** How values are encoded; `iis` applies to blocks whose `#Software` names Microsoft, `plain` otherwise, when `encoding` is 'auto'. */
  readonly encoding: W3cEncoding | 'auto';
}

/** Directives written back (others, such as `#Remark`, may hold free text). */
const KEPT_DIRECTIVES = new Set(['version', 'fields', 'software', 'date', 'start-date', 'end-date']);

/** Most columns a layout may have. */
const MAX_COLUMNS = 128;

/** The layout of one segment: what its last `#Fields` said, and the header text not yet written. */
interface SegmentState {
  fields: readonly string[] | undefined;
  /** Slot of each column (-1: a field the format does not read, written as `-`). */
  colSlot: Int32Array;
  /** Whether each column's value is decoded (CloudFront %-layer, IIS `+`). */
  colDecode: Uint8Array;
  dateCol: number;
  timeCol: number;
  epochCol: number;
  /** The day of `#Date`, for layouts with a time but no date field. */
  headerDay: number;
  /** The current block's directives to write back, and whether the block is this format's. */
  block: string[];
  claimed: boolean;
  microsoft: boolean;
  /** Header text to write before the next event. */
  pending: string;
  /** Whether a data line came after the last directive (the next directive starts a new block). */
  inData: boolean;
}

/**
 * @example
 * const f = new W3cFormat(CLOUDFRONT_SPEC, ctx, undefined);
 * f.header(line, 0, line.length) || f.decode(line, 0, line.length);
 */
export class W3cFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly slotOf = new Map<string, number>();
  private readonly checks: Uint8Array;
  private readonly states = new Map<string, SegmentState>();
  private state: SegmentState;
  private segmentKey = '';
  private readonly colStart = new Int32Array(MAX_COLUMNS + 1);
  private readonly colEnd = new Int32Array(MAX_COLUMNS + 1);
  private readonly colQuoted = new Uint8Array(MAX_COLUMNS + 1);
  private cols = 0;
  private tabs = false;
  private readonly nextTab = new NextIndex('\t');
  private lastDay = -1;
  private lastDayBase = NaN;

  constructor(
    readonly spec: W3cSpec,
    ctx: FormatContext,
    layout: readonly string[] | undefined,
  ) {
    this.name = ctx.name;
    const names = layoutNames(Object.keys(spec.roles), ctx);
    names.forEach((n, slot) => this.slotOf.set(n.toLowerCase(), slot));
    this.event = new Event(new FieldLayout(names, names.map((n) => formatRole(ctx, n, spec.roles))));
    this.checks = Uint8Array.from(names.map((n) => CHECKS[n.toLowerCase()] ?? 0));
    this.initialLayout = layout ?? spec.defaultFields;
    this.state = this.fresh(this.initialLayout);
    this.states.set('', this.state);
  }

  segment(key: string, ended: boolean): void {
    if (ended) {
      this.states.delete(key);
      if (key === this.segmentKey) {
        this.state = this.fresh(this.initialLayout);
        this.states.set(key, this.state);
      }
      return;
    }
    this.segmentKey = key;
    let s = this.states.get(key);
    if (s === undefined) this.states.set(key, (s = this.fresh(this.initialLayout)));
    this.state = s;
  }

  /** The layout of lines before any `#Fields` (the `layout` option, else the family's default). */
  private readonly initialLayout: readonly string[] | undefined;

  private fresh(fields: readonly string[] | undefined): SegmentState {
    const st: SegmentState = {
      fields: undefined,
      colSlot: new Int32Array(0),
      colDecode: new Uint8Array(0),
      dateCol: -1,
      timeCol: -1,
      epochCol: -1,
      headerDay: NaN,
      block: [],
      claimed: fields !== undefined,
      microsoft: this.spec.encoding === 'iis',
      pending: '',
      inData: true,
    };
    if (fields !== undefined) this.setLayout(st, fields);
    return st;
  }

  private setLayout(st: SegmentState, fields: readonly string[]): void {
    st.fields = fields;
    st.colSlot = Int32Array.from(fields.map((f) => this.slotOf.get(f.toLowerCase()) ?? -1));
    const enc = this.encodingOf(st);
    st.colDecode = Uint8Array.from(fields.map((f) => (enc === 'cloudfront' ? 1 : enc === 'iis' && isStringField(f) ? 1 : 0)));
    const lower = fields.map((f) => f.toLowerCase());
    st.dateCol = lower.indexOf('date');
    st.timeCol = lower.indexOf('time');
    st.epochCol = lower.indexOf('timestamp') >= 0 ? lower.indexOf('timestamp') : lower.indexOf('timestamp(ms)');
  }

  private encodingOf(st: SegmentState): W3cEncoding {
    const e = this.spec.encoding;
    return e === 'auto' ? (st.microsoft ? 'iis' : 'plain') : e;
  }

  header(src: string, start: number, end: number): boolean {
    let s = start;
    if (src.charCodeAt(s) === 0xfeff) s++;
    if (src.charCodeAt(s) !== 35) return false;
    const st = this.state;
    if (st.inData) {
      st.block = [];
      st.inData = false;
      st.microsoft = this.spec.encoding === 'iis';
      st.headerDay = NaN;
    }
    const colon = src.indexOf(':', s);
    const name = (colon < 0 || colon > end ? src.slice(s + 1, end) : src.slice(s + 1, colon)).trim().toLowerCase();
    const value = colon < 0 || colon > end ? '' : src.slice(colon + 1, end).trim();
    if (KEPT_DIRECTIVES.has(name)) st.block.push(src.slice(start, end));
    if (name === 'software' && /microsoft/i.test(value)) st.microsoft = true;
    if (name === 'date') st.headerDay = headerDay(value);
    if (name === 'fields') {
      const fields = value.split(/\s+/).filter((f) => f.length > 0);
      st.claimed = fields.length > 0 && fields.length <= MAX_COLUMNS && this.spec.claims(fields);
      if (st.claimed) {
        this.setLayout(st, fields);
        st.pending = st.block.join('\n');
      } else {
        st.fields = undefined;
        st.pending = '';
      }
    } else if (st.claimed && st.fields !== undefined && st.pending !== '' && KEPT_DIRECTIVES.has(name)) {
      // A directive after #Fields, before the data.
      st.pending += '\n' + src.slice(start, end);
    }
    return true;
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const st = this.state;
    const fields = st.fields;
    if (!st.claimed || fields === undefined || src.charCodeAt(start) === 35) return NO_MATCH;
    const n = fields.length;
    const cols = this.split(src, start, end, n);
    if (cols !== n && !(cols === n + 1 && this.colEnd[n] === this.colStart[n])) return NO_MATCH;
    const ev = this.event;
    const starts = ev.starts;
    const ends = ev.ends;
    starts.fill(-1);
    ev.values.fill(undefined);
    const cloudfront = this.encodingOf(st) === 'cloudfront';
    for (let c = 0; c < n; c++) {
      const slot = st.colSlot[c]!;
      const s = this.colStart[c]!;
      const e = this.colEnd[c]!;
      // CloudFront URL-encodes every unsafe byte: a raw quote or space in a value is not its line.
      const scan = cloudfront ? cloudfrontScan(src, s, e) : HAS_PERCENT;
      if (scan === UNSAFE) return NO_MATCH;
      if (slot < 0) continue;
      if (!valueOk(this.checks[slot]!, src, s, e)) return NO_MATCH;
      // Without a `%` CloudFront's layer decodes to the value itself: its range is the field, nothing is sliced.
      if (st.colDecode[c] === 1 && e > s && scan === HAS_PERCENT) {
        const raw = src.slice(s, e);
        const decoded = cloudfront ? percentDecodeOnce(raw) : plusDecode(raw);
        if (decoded !== raw) {
          ev.values[slot] = decoded;
          continue;
        }
      }
      starts[slot] = s;
      ends[slot] = e;
    }
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    st.inData = true;
    const time = this.timeOf(st, src);
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    ev.timeSlot = -1;
    if (ev.timeFromInput && st.timeCol >= 0) ev.timeSlot = st.colSlot[st.timeCol]!;
    return MATCH;
  }

  encode(ev: Event): string {
    const st = this.state;
    const src = ev.src;
    const outs = ev.out;
    const enc = this.encodingOf(st);
    let out = '';
    let copied = ev.lineStart;
    const n = st.fields?.length ?? 0;
    for (let c = 0; c < n && c < this.cols; c++) {
      const slot = st.colSlot[c]!;
      const s = this.colStart[c]!;
      const e = this.colEnd[c]!;
      let text: string;
      if (slot < 0) {
        // A field this format does not read: dropped.
        if (e === s || isDash(src, s, e)) continue;
        text = '-';
      } else {
        const o = outs[slot]!;
        if (o === UNCHANGED) continue;
        const v = valueText(o);
        if (v === undefined) {
          if (isDash(src, s, e)) continue;
          text = '-';
        } else if (this.colQuoted[c] === 1) text = v.replace(/"/g, '""');
        else if (enc === 'cloudfront') text = cloudfrontEncode(v);
        else text = this.tabs ? tabFieldValue(v) : spaceFieldValue(v);
      }
      out += src.slice(copied, s) + text;
      copied = e;
    }
    const line = copied === ev.lineStart && out === '' ? src.slice(ev.lineStart, ev.lineEnd) : out + src.slice(copied, ev.lineEnd);
    if (st.pending === '') return line;
    const header = st.pending;
    st.pending = '';
    return `${header}\n${line}`;
  }

  /** Splits a data line into columns: tabs when it has one, else single spaces (a `"…"` value may hold spaces). */
  private split(src: string, start: number, end: number, expected: number): number {
    const tab = this.nextTab.from(src, start);
    this.tabs = tab >= 0 && tab < end;
    const sep = this.tabs ? 9 : 32;
    let n = 0;
    let pos = start;
    const max = Math.min(expected + 1, MAX_COLUMNS);
    for (;;) {
      if (n === max + 1) return -1;
      let stop: number;
      if (!this.tabs && src.charCodeAt(pos) === 34) {
        // A W3C <string>: "…" with "" for a quote.
        let q = pos + 1;
        for (;;) {
          q = src.indexOf('"', q);
          if (q < 0 || q >= end) return -1;
          if (src.charCodeAt(q + 1) === 34) q += 2;
          else break;
        }
        if (q + 1 < end && src.charCodeAt(q + 1) !== sep) return -1;
        this.colStart[n] = pos + 1;
        this.colEnd[n] = q;
        this.colQuoted[n] = 1;
        stop = q + 1;
      } else {
        stop = src.indexOf(this.tabs ? '\t' : ' ', pos);
        if (stop < 0 || stop > end) stop = end;
        this.colStart[n] = pos;
        this.colEnd[n] = stop;
        this.colQuoted[n] = 0;
      }
      n++;
      if (stop >= end) break;
      pos = stop + 1;
      if (pos === end) {
        // A separator at the very end: one empty last field (CloudFront writes one now and then).
        if (n === max + 1) return -1;
        this.colStart[n] = end;
        this.colEnd[n] = end;
        this.colQuoted[n] = 0;
        n++;
        break;
      }
    }
    return (this.cols = n);
  }

  private timeOf(st: SegmentState, src: string): number {
    if (st.timeCol >= 0) {
      const ts = this.colStart[st.timeCol]!;
      const tod = timeOfDayAt(src, ts, this.colEnd[st.timeCol]!);
      if (Number.isNaN(tod)) return NaN;
      let day = st.headerDay;
      if (st.dateCol >= 0) {
        const ds = this.colStart[st.dateCol]!;
        if (this.colEnd[st.dateCol]! - ds !== 10) return NaN;
        const key = digitsAt(src, ds, 4) * 10000 + digitsAt(src, ds + 5, 2) * 100 + digitsAt(src, ds + 8, 2);
        if (key === this.lastDay) day = this.lastDayBase;
        else {
          day = isoDateAt(src, ds);
          this.lastDay = key;
          this.lastDayBase = day;
        }
      }
      return day + tod;
    }
    if (st.epochCol >= 0) {
      const v = Number(src.slice(this.colStart[st.epochCol], this.colEnd[st.epochCol]));
      return epochToMs(v);
    }
    return NaN;
  }
}

const PLAIN = 0;
const HAS_PERCENT = 1;
const UNSAFE = 2;

/**
 * UNSAFE when `src[s..e)` holds a raw space, quote or control character
 * (CloudFront writes them %-encoded), else HAS_PERCENT when it holds a `%`
 * (a value to decode), else PLAIN.
 */
function cloudfrontScan(src: string, s: number, e: number): number {
  let r = PLAIN;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c <= 37) {
      if (c <= 32 || c === 34) return UNSAFE;
      if (c === 37) r = HAS_PERCENT;
    } else if (c === 127) return UNSAFE;
  }
  return r;
}

/** A replacement as text, or undefined when dropped. */
function valueText(o: FieldOutput): string | undefined {
  if (o === DROPPED || o === UNCHANGED) return undefined;
  if (typeof o === 'string') return o.length === 0 ? undefined : o;
  if (typeof o === 'number' || typeof o === 'boolean') return String(o);
  return undefined;
}

/**
 * Fields IIS writes with `+` for a space: every field but the URL's parts,
 * where a `+` is the client's own (form-encoded) text.
 */
function isStringField(name: string): boolean {
  const n = name.toLowerCase();
  return n !== 'cs-uri-stem' && n !== 'cs-uri-query' && n !== 'cs-uri';
}

/** The day of a `#Date:` directive: `2002-05-02 17:42:15` or the W3C draft's own `12-Jan-1996 00:00:00`. */
function headerDay(v: string): number {
  if (/^\d{4}-\d\d-\d\d/.test(v)) return isoDateAt(v, 0);
  const m = /^(\d\d)-([A-Z][a-z]{2})-(\d{4})/.exec(v);
  if (m === null) return NaN;
  const mon = MONTH_CODES.indexOf(packMonth(m[2]!.charCodeAt(0), m[2]!.charCodeAt(1), m[2]!.charCodeAt(2)));
  return mon < 0 ? NaN : dayStart(Number(m[3]), mon + 1, Number(m[1]));
}

// Value checks by field name, so a line in another layout is not read as this one.
const C_NONE = 0;
const C_DATE = 1;
const C_TIME = 2;
const C_ADDR = 3;
const C_STATUS = 4;
const C_METHOD = 5;
const C_COUNT = 6;
const CHECKS: Readonly<Record<string, number>> = {
  date: C_DATE,
  time: C_TIME,
  'c-ip': C_ADDR,
  's-ip': C_ADDR,
  'sc-status': C_STATUS,
  'cs-method': C_METHOD,
  'sc-bytes': C_COUNT,
  'cs-bytes': C_COUNT,
  'c-port': C_COUNT,
  's-port': C_COUNT,
};

function valueOk(check: number, src: string, s: number, e: number): boolean {
  if (check === C_NONE || isDash(src, s, e)) return true;
  switch (check) {
    case C_DATE:
      return e - s === 10 && !Number.isNaN(isoDateAt(src, s));
    case C_TIME:
      return !Number.isNaN(timeOfDayAt(src, s, e));
    case C_ADDR:
      return addressLike(src, s, e);
    case C_STATUS:
      return e - s === 3 && digitsAt(src, s, 3) >= 0;
    case C_METHOD: {
      if (e - s > 24) return false;
      for (let i = s; i < e; i++) {
        const c = src.charCodeAt(i);
        if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return false;
      }
      return true;
    }
    case C_COUNT:
      return e - s <= 20 && digitsAt(src, s, e - s) >= 0;
  }
  return true;
}
