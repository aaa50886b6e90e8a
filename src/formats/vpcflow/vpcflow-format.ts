/**
 * VPC flow log records: space-separated fields in the default (version 2)
 * layout, or in a custom one whose field names the S3 delivery writes as
 * the first line of each file (CloudWatch deliveries have no header: name
 * the layout with the `layout` option). Each segment (file, partition) has
 * its own layout; the header line is written back before the first record
 * after it, so the output reads as the same kind of file.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../event/event.js';
import type { Role } from '../../event/vocabulary.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../format.js';
import { formatRole } from '../engines/fields/roles.js';
import { addressLike, isDash, isDigits, plainValue } from '../engines/fields/text.js';
import { Tokens } from '../engines/columns/tokens.js';

interface SegmentState {
  fields: readonly string[];
  colSlot: Int32Array;
  startCol: number;
  endCol: number;
  pending: string;
}

/**
 * @example
 * const f = new VpcFlowFormat(VPC_ROLES, V2_FIELDS, ctx);
 * f.header(line, 0, line.length) || f.decode(line, 0, line.length);
 */
export class VpcFlowFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly slotOf = new Map<string, number>();
  private readonly checks: ((src: string, s: number, e: number) => boolean)[];
  private readonly tokens = new Tokens();
  private readonly states = new Map<string, SegmentState>();
  private state: SegmentState;
  private segmentKey = '';

  constructor(
    roles: Readonly<Record<string, Role>>,
    checks: Readonly<Record<string, (src: string, s: number, e: number) => boolean>>,
    private readonly initial: readonly string[],
    ctx: FormatContext,
  ) {
    this.name = ctx.name;
    const names = Object.keys(roles);
    names.forEach((n, slot) => this.slotOf.set(n, slot));
    this.event = new Event(new FieldLayout(names, names.map((n) => formatRole(ctx, n, roles))));
    this.checks = names.map((n) => checks[n] ?? (() => true));
    this.state = this.fresh(initial);
    this.states.set('', this.state);
  }

  private fresh(fields: readonly string[]): SegmentState {
    return {
      fields,
      colSlot: Int32Array.from(fields.map((f) => this.slotOf.get(f) ?? -1)),
      startCol: fields.indexOf('start'),
      endCol: fields.indexOf('end'),
      pending: '',
    };
  }

  segment(key: string, ended: boolean): void {
    if (ended) {
      this.states.delete(key);
      if (key === this.segmentKey) this.states.set(key, (this.state = this.fresh(this.initial)));
      return;
    }
    this.segmentKey = key;
    let s = this.states.get(key);
    if (s === undefined) this.states.set(key, (s = this.fresh(this.initial)));
    this.state = s;
  }

  /** A header line: every token a field name (`version account-id …`, or `${version} …` as the console shows the format). */
  header(src: string, start: number, end: number): boolean {
    const c = src.charCodeAt(start);
    if (!((c >= 97 && c <= 122) || c === 36)) return false;
    // The first word first: most lines that start with a letter are not headers (auto-detection asks every line).
    let w = start;
    while (w < end && src.charCodeAt(w) !== 32) w++;
    let first = src.slice(start, w);
    if (first.startsWith('${') && first.endsWith('}')) first = first.slice(2, -1);
    if (!this.slotOf.has(first)) return false;
    const n = this.tokens.split(src, start, end, true);
    if (n < 2) return false;
    const fields: string[] = [];
    for (let i = 0; i < n; i++) {
      let name = src.slice(this.tokens.starts[i], this.tokens.ends[i]);
      if (name.startsWith('${') && name.endsWith('}')) name = name.slice(2, -1);
      if (!this.slotOf.has(name)) return false;
      fields.push(name);
    }
    const st = this.fresh(fields);
    st.pending = src.slice(start, end);
    this.states.set(this.segmentKey, (this.state = st));
    return true;
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const st = this.state;
    const t = this.tokens;
    const n = t.split(src, start, end, true);
    if (n !== st.fields.length) return NO_MATCH;
    const ev = this.event;
    ev.starts.fill(-1);
    for (let c = 0; c < n; c++) {
      const slot = st.colSlot[c]!;
      const s = t.starts[c]!;
      const e = t.ends[c]!;
      if (!isDash(src, s, e) && !this.checks[slot]!(src, s, e)) return NO_MATCH;
      ev.starts[slot] = s;
      ev.ends[slot] = e;
    }
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    // The start of the capture window (end, if the layout has no start).
    const col = st.startCol >= 0 ? st.startCol : st.endCol;
    const time = col >= 0 && isDigits(src, t.starts[col]!, t.ends[col]!, 10) ? Number(src.slice(t.starts[col], t.ends[col])) * 1000 : NaN;
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    ev.timeSlot = ev.timeFromInput ? st.colSlot[col]! : -1;
    return MATCH;
  }

  encode(ev: Event): string {
    const st = this.state;
    const t = this.tokens;
    const src = ev.src;
    let out = '';
    let copied = ev.lineStart;
    for (let c = 0; c < t.count; c++) {
      const o = ev.out[st.colSlot[c]!]!;
      if (o === UNCHANGED) continue;
      const v = valueText(o);
      const s = t.starts[c]!;
      if (v === undefined && isDash(src, s, t.ends[c]!)) continue;
      out += src.slice(copied, s) + (v === undefined ? '-' : plainValue(v));
      copied = t.ends[c]!;
    }
    const line = copied === ev.lineStart && out === '' ? src.slice(ev.lineStart, ev.lineEnd) : out + src.slice(copied, ev.lineEnd);
    if (st.pending === '') return line;
    const header = st.pending;
    st.pending = '';
    return `${header}\n${line}`;
  }
}

function valueText(o: FieldOutput): string | undefined {
  if (o === DROPPED || o === UNCHANGED) return undefined;
  if (typeof o === 'string') return o.length === 0 ? undefined : o;
  if (typeof o === 'number' || typeof o === 'boolean') return String(o);
  return undefined;
}

/** Checks of the fields whose shape is documented (a line in another layout must not be read as a flow record). */
export const VPC_CHECKS: Readonly<Record<string, (src: string, s: number, e: number) => boolean>> = {
  version: (src, s, e) => isDigits(src, s, e, 2),
  // Identifiers are not checked: gallra's own output holds their pseudonyms.
  srcaddr: addressLike,
  dstaddr: addressLike,
  'pkt-srcaddr': addressLike,
  'pkt-dstaddr': addressLike,
  srcport: (src, s, e) => isDigits(src, s, e, 5),
  dstport: (src, s, e) => isDigits(src, s, e, 5),
  protocol: (src, s, e) => isDigits(src, s, e, 3),
  packets: (src, s, e) => isDigits(src, s, e),
  bytes: (src, s, e) => isDigits(src, s, e),
  start: (src, s, e) => isDigits(src, s, e, 10),
  end: (src, s, e) => isDigits(src, s, e, 10),
  action: (src, s) => src.startsWith('ACCEPT', s) || src.startsWith('REJECT', s),
  'log-status': (src, s, e) => (e - s === 2 && src.startsWith('OK', s)) || src.startsWith('NODATA', s) || src.startsWith('SKIPDATA', s),
  'tcp-flags': (src, s, e) => isDigits(src, s, e, 3),
  type: (src, s, e) => e - s <= 4 && (src.startsWith('IPv', s) || src.startsWith('EFA', s)),
  'flow-direction': (src, s) => src.startsWith('ingress', s) || src.startsWith('egress', s),
  'traffic-path': (src, s, e) => isDigits(src, s, e, 2),
};
