/**
 * CDRs in gallra's own schema (docs in fixtures/cdr/README.md), as JSON
 * lines or as CSV with a header line — one format, the flavour told per
 * line: a line starting with `{` is a JSON record, a header line (every
 * column a name, `start_time` and a subscriber id among them) sets the
 * columns of the CSV records after it in its segment (file, partition),
 * and the header is written back before the first record after it.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../event/event.js';
import type { Role } from '../../event/vocabulary.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../format.js';
import { CsvRecord, csvField, unquote } from '../engines/csv/csv.js';
import { formatRole } from '../engines/fields/roles.js';
import { createIsoReader } from '../engines/fields/time.js';
import { JsonDocEngine, jsonDocNames, type JsonDocSpec } from '../engines/json-doc/json-doc-format.js';

interface SegmentState {
  /** Slot of each CSV column (-1: a column the schema does not have, written empty). */
  colSlot: Int32Array | undefined;
  pending: string;
}

/** The keys one of which a record must have: who the record is about. */
export const SUBSCRIBER_KEYS = ['msisdn', 'imsi', 'imei', 'imeisv'] as const;

/**
 * @example
 * const f = new CdrFormat(CDR_JSON_SPEC, ctx);
 * f.header(line, 0, line.length) || f.decode(line, 0, line.length);
 */
export class CdrFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly json: JsonDocEngine;
  private readonly slotOf = new Map<string, number>();
  private readonly csv = new CsvRecord();
  private readonly readTime = createIsoReader(true);
  private readonly timeSlots: number[];
  private readonly states = new Map<string, SegmentState>();
  private state: SegmentState = { colSlot: undefined, pending: '' };
  private segmentKey = '';
  /** Which flavour the last decoded line was. */
  private lastCsv = false;

  constructor(spec: JsonDocSpec, ctx: FormatContext) {
    this.name = ctx.name;
    const names = jsonDocNames(spec, ctx);
    names.forEach((n, slot) => this.slotOf.set(n, slot));
    const layout = new FieldLayout(names, names.map((n) => formatRole(ctx, n, spec.roles)));
    // The record is about its served subscriber: its IMSI, else its MSISDN (never peer_msisdn, the other party).
    layout.subscriberFields = SERVED_SUBSCRIBER.map(([name, kind]) => ({ slot: names.indexOf(name), kind })).filter((f) => f.slot >= 0);
    this.event = new Event(layout);
    this.json = new JsonDocEngine(spec, names);
    this.timeSlots = spec.time.map((t) => names.indexOf(t)).filter((s) => s >= 0);
    this.states.set('', this.state);
  }

  segment(key: string, ended: boolean): void {
    if (ended) {
      this.states.delete(key);
      if (key === this.segmentKey) this.states.set(key, (this.state = { colSlot: undefined, pending: '' }));
      return;
    }
    this.segmentKey = key;
    let s = this.states.get(key);
    if (s === undefined) this.states.set(key, (s = { colSlot: undefined, pending: '' }));
    this.state = s;
  }

  /** A CSV header: every column a schema name (or a name-shaped unknown one), with start_time and a subscriber id. */
  header(src: string, start: number, end: number): boolean {
    let s = start;
    if (src.charCodeAt(s) === 0xfeff) s++;
    const c = src.charCodeAt(s);
    if (c < 97 || c > 122) return false;
    // The first name first (a header name has no space), searched within the line.
    let comma = s;
    while (comma < end && comma - s <= 64 && src.charCodeAt(comma) !== 44 && src.charCodeAt(comma) !== 32) comma++;
    if (comma >= end || src.charCodeAt(comma) !== 44 || !this.slotOf.has(src.slice(s, comma))) return false;
    const n = this.csv.split(src, s, end);
    if (n < 2) return false;
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = src.slice(this.csv.starts[i], this.csv.ends[i]);
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) return false;
      names.push(name);
    }
    if (!names.includes('start_time') || !SUBSCRIBER_KEYS.some((k) => names.includes(k))) return false;
    this.state.colSlot = Int32Array.from(names.map((nm) => this.slotOf.get(nm) ?? -1));
    this.state.pending = src.slice(start, end);
    return true;
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const ev = this.event;
    if (src.charCodeAt(start) === 123) {
      if (!this.json.decodeInto(ev, src, start, end)) return NO_MATCH;
      this.lastCsv = false;
      return MATCH;
    }
    const cols = this.state.colSlot;
    if (cols === undefined) return NO_MATCH;
    const r = this.csv;
    if (r.split(src, start, end) !== cols.length) return NO_MATCH;
    ev.starts.fill(-1);
    ev.values.fill(undefined);
    for (let c = 0; c < cols.length; c++) {
      const slot = cols[c]!;
      const s = r.starts[c]!;
      const e = r.ends[c]!;
      // An empty field is an absent one.
      if (slot < 0 || e === s) continue;
      if (r.quoted[c] === 1 && hasDoubledQuote(src, s, e)) ev.values[slot] = unquote(src.slice(s, e));
      else {
        ev.starts[slot] = s;
        ev.ends[slot] = e;
      }
    }
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    ev.time = NaN;
    ev.timeSlot = -1;
    for (const slot of this.timeSlots) {
      if (ev.starts[slot]! < 0) continue;
      const t = this.readTime(src, ev.starts[slot]!, ev.ends[slot]!);
      if (!Number.isNaN(t)) {
        ev.time = t;
        ev.timeSlot = slot;
        break;
      }
    }
    ev.timeFromInput = !Number.isNaN(ev.time);
    this.lastCsv = true;
    return MATCH;
  }

  encode(ev: Event): string {
    let line: string;
    if (!this.lastCsv) line = this.json.encodeFrom(ev);
    else {
      const r = this.csv;
      const cols = this.state.colSlot!;
      const src = ev.src;
      let out = '';
      let copied = ev.lineStart;
      for (let c = 0; c < cols.length; c++) {
        const slot = cols[c]!;
        const s = r.starts[c]!;
        const e = r.ends[c]!;
        if (e === s) continue;
        const o: FieldOutput = slot < 0 ? DROPPED : ev.out[slot]!;
        if (o === UNCHANGED) continue;
        // The whole field, quotes included.
        const qs = r.quoted[c] === 1 ? s - 1 : s;
        const qe = r.quoted[c] === 1 ? e + 1 : e;
        out += src.slice(copied, qs) + (typeof o === 'string' ? csvField(o) : typeof o === 'number' || typeof o === 'boolean' ? String(o) : '');
        copied = qe;
      }
      line = copied === ev.lineStart && out === '' ? src.slice(ev.lineStart, ev.lineEnd) : out + src.slice(copied, ev.lineEnd);
    }
    const st = this.state;
    if (st.pending === '' || !this.lastCsv) return line;
    const header = st.pending;
    st.pending = '';
    return `${header}\n${line}`;
  }
}

/** Whether a quoted field's content `src[s..e)` has a doubled quote. */
function hasDoubledQuote(src: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (src.charCodeAt(i) === 34) return true;
  return false;
}

/**
 * The fields naming the subscriber a record is about, in the order they are
 * asked: the IMSI first, because CDRs of every kind carry the served IMSI
 * while the MSISDN is often absent (data sessions) — a person counted once
 * by IMSI and once by MSISDN would be two visitors, which is the unsafe way
 * to miscount against k.
 */
const SERVED_SUBSCRIBER: readonly (readonly [string, 'msisdn' | 'imsi'])[] = [
  ['imsi', 'imsi'],
  ['msisdn', 'msisdn'],
];

/** Roles of the schema's fields. */
export const CDR_ROLES: Readonly<Record<string, Role>> = {
  record_type: 'dimension',
  direction: 'direction',
  start_time: 'time',
  end_time: 'time',
  duration: 'duration',
  msisdn: 'subscriber',
  peer_msisdn: 'subscriber',
  imsi: 'imsi',
  imei: 'imei',
  imeisv: 'imei',
  apn: 'dimension',
  rat: 'dimension',
  cell_id: 'cell',
  tac: 'dimension',
  site_id: 'cell',
  ue_ip: 'client_ip',
  protocol: 'protocol',
  src_port: 'client_port',
  dst_ip: 'server_ip',
  dst_port: 'server_port',
  bytes_up: 'bytes_in',
  bytes_down: 'bytes_out',
  charging_id: 'identifier',
  close_cause: 'dimension',
};
