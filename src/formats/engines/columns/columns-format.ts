/**
 * The engine of space-separated layouts with quoted and bracketed fields:
 * AWS Application and Classic Load Balancer logs, S3 server access logs
 * (and, with a layout per segment, VPC flow logs). A layout is a list of
 * columns; `ip:port` columns fill two fields (split at the last colon, since
 * AWS does not bracket IPv6). The output is the input line with edits: every
 * field the anonymise stage changed is replaced in place, escaped for its
 * column, and every other byte is copied, so the line keeps its layout.
 * Fields past the known columns (AWS appends new ones over time and tells
 * parsers to ignore them) are accepted and written as `-`: fail closed.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../../event/event.js';
import type { Role } from '../../../event/vocabulary.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../../format.js';
import { formatRole } from '../fields/roles.js';
import { addressLike, isDash, plainValue, portColon, quotedValue } from '../fields/text.js';
import { TOKEN_BRACKET, TOKEN_PLAIN, TOKEN_QUOTED, Tokens } from './tokens.js';

/** A column: one field, or an address and its port. */
export interface Column {
  /** plain: unquoted; quoted: `"…"`; bracket: `[…]`; addr_port: `ip:port` (or `-`), two fields. */
  readonly kind: 'plain' | 'quoted' | 'bracket' | 'addr_port';
  /** The field's name (the address's, for addr_port). */
  readonly name: string;
  /** addr_port: the port's field name. */
  readonly port?: string;
  /** A quoted or bracketed column may also be a bare `-` (S3: "any field can be set to -"); an addr_port may be `-`. */
  readonly dash?: boolean;
  /** What the value must look like for the line to be this format (detection); inside quotes or brackets. */
  readonly check?: (src: string, s: number, e: number) => boolean;
}

/** A layout of columns and what reads its time. */
export interface ColumnsSpec {
  readonly columns: readonly Column[];
  /** Columns a line must have (older logs lack the ones appended since). */
  readonly minColumns: number;
  /** Unknown fields accepted after the known columns (dropped on output). */
  readonly maxExtra: number;
  /** Runs of spaces separate fields, and nothing is quoted (VPC flow logs). */
  readonly runs?: boolean;
  /** The roles of the fields, by name. */
  readonly roles: Readonly<Record<string, Role>>;
  /** The field the event time is read from, and a reader of it. */
  readonly time: string;
  readonly timeReader: () => (src: string, s: number, e: number) => number;
}

const KIND_PLAIN = 0;
const KIND_QUOTED = 1;
const KIND_BRACKET = 2;
const KIND_ADDR = 3;
const KINDS = { plain: KIND_PLAIN, quoted: KIND_QUOTED, bracket: KIND_BRACKET, addr_port: KIND_ADDR } as const;

/** The field names a spec fills, in column order. */
export function columnNames(columns: readonly Column[]): string[] {
  return columns.flatMap((c) => (c.port !== undefined ? [c.name, c.port] : [c.name]));
}

/**
 * @example
 * const f = new ColumnsFormat(ALB_SPEC, ctx);
 * if (f.decode(line, 0, line.length)) out = f.encode(f.event);
 */
export class ColumnsFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly tokens = new Tokens();
  private readonly kinds: Uint8Array;
  private readonly dash: Uint8Array;
  private readonly slot: Int32Array;
  private readonly portSlot: Int32Array;
  private readonly checks: (((src: string, s: number, e: number) => boolean) | undefined)[];
  private readonly timeSlot: number;
  private readonly readTime: (src: string, s: number, e: number) => number;

  constructor(
    readonly spec: ColumnsSpec,
    ctx: FormatContext,
  ) {
    this.name = ctx.name;
    const names = columnNames(spec.columns);
    this.event = new Event(new FieldLayout(names, names.map((n) => formatRole(ctx, n, spec.roles))));
    const cols = spec.columns;
    this.kinds = Uint8Array.from(cols.map((c) => KINDS[c.kind]));
    this.dash = Uint8Array.from(cols.map((c) => (c.dash === true ? 1 : 0)));
    this.slot = Int32Array.from(cols.map((c) => names.indexOf(c.name)));
    this.portSlot = Int32Array.from(cols.map((c) => (c.port === undefined ? -1 : names.indexOf(c.port))));
    this.checks = cols.map((c) => c.check);
    this.timeSlot = names.indexOf(spec.time);
    this.readTime = spec.timeReader();
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const t = this.tokens;
    const n = t.split(src, start, end, this.spec.runs === true);
    const cols = this.kinds.length;
    if (n < this.spec.minColumns || n > cols + this.spec.maxExtra) return NO_MATCH;
    const ev = this.event;
    const starts = ev.starts;
    const ends = ev.ends;
    const known = n < cols ? n : cols;
    for (let c = 0; c < known; c++) {
      const s = t.starts[c]!;
      const e = t.ends[c]!;
      const kind = this.kinds[c]!;
      const tk = t.kinds[c]!;
      if (kind === KIND_QUOTED) {
        if (tk !== TOKEN_QUOTED && !(tk === TOKEN_PLAIN && this.dash[c] === 1 && isDash(src, s, e))) return NO_MATCH;
      } else if (kind === KIND_BRACKET) {
        if (tk !== TOKEN_BRACKET && !(tk === TOKEN_PLAIN && this.dash[c] === 1 && isDash(src, s, e))) return NO_MATCH;
      } else if (tk !== TOKEN_PLAIN) return NO_MATCH;
      const check = this.checks[c];
      if (kind === KIND_ADDR) {
        const port = this.portSlot[c]!;
        if (isDash(src, s, e) && this.dash[c] === 1) {
          starts[this.slot[c]!] = s;
          ends[this.slot[c]!] = e;
          starts[port] = -1;
          ends[port] = -1;
          continue;
        }
        const colon = portColon(src, s, e);
        if (colon < 0 || !addressLike(src, s, colon)) return NO_MATCH;
        starts[this.slot[c]!] = s;
        ends[this.slot[c]!] = colon;
        starts[port] = colon + 1;
        ends[port] = e;
        continue;
      }
      if (check !== undefined && !(isDash(src, s, e) || check(src, s, e))) return NO_MATCH;
      starts[this.slot[c]!] = s;
      ends[this.slot[c]!] = e;
    }
    // Columns this (older) line does not have yet.
    for (let c = known; c < cols; c++) {
      starts[this.slot[c]!] = -1;
      if (this.portSlot[c]! >= 0) starts[this.portSlot[c]!] = -1;
    }
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    const ts = this.timeSlot;
    const time = ts >= 0 && starts[ts]! >= 0 ? this.readTime(src, starts[ts]!, ends[ts]!) : NaN;
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    ev.timeSlot = ev.timeFromInput ? ts : -1;
    return MATCH;
  }

  encode(ev: Event): string {
    const t = this.tokens;
    const src = ev.src;
    const outs = ev.out;
    const cols = this.kinds.length;
    let out = '';
    let copied = ev.lineStart;
    const n = t.count;
    for (let c = 0; c < n; c++) {
      let s: number;
      let e: number;
      let text: string;
      if (c >= cols) {
        // An unknown field: dropped (an empty one stays empty, so the line keeps its shape).
        s = t.starts[c]!;
        e = t.ends[c]!;
        if (e === s) continue;
        text = '-';
      } else if (this.kinds[c] === KIND_ADDR) {
        const ip = outs[this.slot[c]!]!;
        const port = this.portSlot[c]! >= 0 && ev.starts[this.portSlot[c]!]! >= 0 ? outs[this.portSlot[c]!]! : UNCHANGED;
        if (ip === UNCHANGED && port === UNCHANGED) continue;
        s = t.starts[c]!;
        e = t.ends[c]!;
        text = addrPortText(ev, this.slot[c]!, this.portSlot[c]!, ip, port);
      } else {
        const o = outs[this.slot[c]!]!;
        if (o === UNCHANGED) continue;
        const kind = this.kinds[c]!;
        const bare = t.kinds[c] === TOKEN_PLAIN;
        if (kind === KIND_BRACKET) {
          // A bracketed time replaced or dropped: the whole token.
          s = t.outerStarts[c]!;
          e = t.outerEnds[c]!;
          const v = valueText(o);
          text = v === undefined ? '-' : `[${plainValue(v).replace(/\]/g, '%5D')}]`;
        } else {
          s = t.starts[c]!;
          e = t.ends[c]!;
          const v = valueText(o);
          text = v === undefined ? '-' : kind === KIND_QUOTED && !bare ? quotedValue(v) : plainValue(v);
        }
      }
      out += src.slice(copied, s) + text;
      copied = e;
    }
    return copied === ev.lineStart && out === '' ? src.slice(ev.lineStart, ev.lineEnd) : out + src.slice(copied, ev.lineEnd);
  }
}

/** A replacement as text, or undefined when the field was dropped. */
function valueText(o: FieldOutput): string | undefined {
  if (o === DROPPED || o === UNCHANGED) return undefined;
  if (typeof o === 'string') return o.length === 0 ? undefined : o;
  if (typeof o === 'number' || typeof o === 'boolean') return String(o);
  return undefined;
}

/**
 * `ip:port` from its two fields' outputs. A dropped address drops the whole
 * column (`-`); a dropped port leaves the colon with nothing after it
 * (`81.6.12.0:`), which is what the AWS Athena table definitions read as
 * "address, no port", so the line still parses everywhere it did.
 */
function addrPortText(ev: Event, ipSlot: number, portSlot: number, ip: FieldOutput, port: FieldOutput): string {
  let ipText: string | undefined;
  if (ip === UNCHANGED) ipText = ev.raw(ipSlot);
  else ipText = valueText(ip);
  if (ipText === undefined || ipText === '-') return '-';
  // The address itself must not look like it carries a port: a replacement with a colon is fine only for IPv6.
  let portText = '';
  if (portSlot >= 0 && ev.starts[portSlot]! >= 0) {
    if (port === UNCHANGED) portText = ev.raw(portSlot) ?? '';
    else portText = valueText(port) ?? '';
    if (!/^\d{0,5}$/.test(portText)) portText = '';
  }
  return `${plainValue(ipText)}:${portText}`;
}
