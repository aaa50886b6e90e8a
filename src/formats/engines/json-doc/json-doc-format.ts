/**
 * The engine of the cloud JSON formats (Google Cloud load balancer entries,
 * Cloudflare Logpush, Azure Front Door, Caddy, CDR JSON lines): each
 * documented field, by its dotted path, is a field of the event; the output
 * is the input document with every member the policy does not keep left
 * out and every changed value replaced — key order, number text (integers
 * beyond 2^53), escapes and spacing of what is kept stay as they came, and
 * a document kept whole is written back byte for byte. Objects are never
 * kept whole: only their named members are (fail closed).
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../../event/event.js';
import type { Role } from '../../../event/vocabulary.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../../format.js';
import { formatRole, layoutNames } from '../fields/roles.js';
import { NextIndex } from '../fields/text.js';
import { buildTrie, JsonScan, T_ARRAY, T_FALSE, T_NULL, T_NUMBER, T_OBJECT, T_STRING, T_TRUE, type TrieNode } from './scan.js';

/** What stands for an object in a field (the anonymise stage never keeps or transforms one whole). */
const AN_OBJECT: Readonly<Record<string, never>> = Object.freeze({});

/** A JSON layout: the documented fields, what tells the format apart, and where its time is. */
export interface JsonDocSpec {
  /** Dotted paths of the fields the format documents (an operator may name more). */
  readonly names: readonly string[];
  readonly roles: Readonly<Record<string, Role>>;
  /** Texts one of which must occur in the line before it is scanned (a cheap test: auto-detection tries many formats per line). */
  readonly markers: readonly string[];
  /** Whether a scanned document is this format (a category, a logger name, a resource type). */
  accept(doc: JsonScan): boolean;
  /** Paths the event time is read from, the first that reads wins. */
  readonly time: readonly string[];
  /** The time of a string value `src[s..e)` (without quotes), or NaN. */
  readonly timeText: () => (src: string, s: number, e: number) => number;
  /** The time of a number value, or NaN. */
  readonly timeNumber: (n: number) => number;
}

/**
 * Decodes documents into an event and encodes them back; shared by the JSON
 * formats and by `cdr`, whose CSV flavour fills the same event.
 *
 * @example
 * const engine = new JsonDocEngine(spec, names); engine.decodeInto(ev, line, 0, line.length)
 */
export class JsonDocEngine {
  readonly doc = new JsonScan();
  private readonly trie: TrieNode;
  private readonly timeSlots: number[];
  private readonly readText: (src: string, s: number, e: number) => number;
  private readonly markers: NextIndex[];

  constructor(
    readonly spec: JsonDocSpec,
    names: readonly string[],
  ) {
    this.markers = spec.markers.map((m) => new NextIndex(m));
    this.trie = buildTrie(names);
    this.timeSlots = spec.time.map((t) => names.indexOf(t)).filter((s) => s >= 0);
    this.readText = spec.timeText();
  }

  /** Whether `src[start..end)` is a document of this format; if so its fields are in `ev`. */
  decodeInto(ev: Event, src: string, start: number, end: number): boolean {
    if (src.charCodeAt(start) !== 123 || !this.hasMarker(src, start, end)) return false;
    const doc = this.doc;
    if (!doc.scan(src, start, end, this.trie) || !this.spec.accept(doc)) return false;
    ev.starts.fill(-1);
    ev.ends.fill(-1);
    ev.values.fill(undefined);
    const starts = ev.starts;
    const values = ev.values;
    for (let m = 0; m < doc.count; m++) {
      const slot = doc.slot[m]!;
      if (slot < 0) continue;
      // A repeated key: the first one is the field, the others are left out.
      if (starts[slot]! >= 0 || values[slot] !== undefined) {
        doc.slot[m] = -1;
        continue;
      }
      const vs = doc.valStart[m]!;
      const ve = doc.valEnd[m]!;
      switch (doc.type[m]) {
        case T_STRING:
          if (doc.escaped[m] === 1) values[slot] = JSON.parse(src.slice(vs, ve)) as string;
          else {
            starts[slot] = vs + 1;
            ev.ends[slot] = ve - 1;
          }
          break;
        case T_NUMBER:
          values[slot] = Number(src.slice(vs, ve));
          break;
        case T_TRUE:
          values[slot] = true;
          break;
        case T_FALSE:
          values[slot] = false;
          break;
        case T_NULL:
          values[slot] = null;
          break;
        case T_ARRAY:
          values[slot] = JSON.parse(src.slice(vs, ve)) as unknown;
          break;
        case T_OBJECT:
          values[slot] = AN_OBJECT;
          break;
      }
    }
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    ev.time = NaN;
    ev.timeSlot = -1;
    for (const slot of this.timeSlots) {
      const t = starts[slot]! >= 0 ? this.readText(src, starts[slot]!, ev.ends[slot]!) : typeof values[slot] === 'number' ? this.spec.timeNumber(values[slot]) : NaN;
      if (!Number.isNaN(t)) {
        ev.time = t;
        ev.timeSlot = slot;
        break;
      }
    }
    ev.timeFromInput = !Number.isNaN(ev.time);
    return true;
  }

  /** The anonymised document: the input with the members the policy does not keep left out and changed values replaced. */
  encodeFrom(ev: Event): string {
    const doc = this.doc;
    const r = this.members(ev, -1, 0, doc.count);
    return r === undefined ? ev.src.slice(doc.rootStart, doc.rootEnd) : `{${r}}`;
  }

  /**
   * The members `first..limit` (the children of `parent`), kept and
   * replaced, joined by commas; undefined when every one of them is kept
   * unchanged (the caller copies the object's raw text). Kept members that
   * follow each other in the input with just a comma between them are
   * copied as one range (the same text as copying each and joining them).
   */
  private members(ev: Event, parent: number, first: number, limit: number): string | undefined {
    const doc = this.doc;
    const src = ev.src;
    const outs = ev.out;
    let out = '';
    let changed = false;
    // The run of kept members not yet written: src[runStart..runEnd).
    let runStart = -1;
    let runEnd = -1;
    for (let m = first; m < limit; m = doc.next[m]!) {
      if (doc.parent[m] !== parent) continue;
      const slot = doc.slot[m]!;
      const ks = doc.keyStart[m]! - 1;
      let text: string | undefined;
      let kept = false;
      if (doc.type[m] === T_OBJECT) {
        const inner = this.members(ev, m, m + 1, doc.next[m]!);
        if (inner === undefined) kept = true;
        else {
          changed = true;
          if (inner.length > 0) text = `${src.slice(ks, doc.keyEnd[m]! + 1)}:{${inner}}`;
        }
      } else if (slot < 0) {
        changed = true;
      } else {
        const o = outs[slot]!;
        if (o === UNCHANGED) kept = true;
        else {
          changed = true;
          if (o !== DROPPED) text = `${src.slice(ks, doc.keyEnd[m]! + 1)}:${jsonValue(o)}`;
        }
      }
      if (kept) {
        if (runStart >= 0 && ks === runEnd + 1 && src.charCodeAt(runEnd) === 44) runEnd = doc.valEnd[m]!;
        else {
          if (runStart >= 0) out += out.length === 0 ? src.slice(runStart, runEnd) : `,${src.slice(runStart, runEnd)}`;
          runStart = ks;
          runEnd = doc.valEnd[m]!;
        }
      } else if (text !== undefined) {
        if (runStart >= 0) {
          out += out.length === 0 ? src.slice(runStart, runEnd) : `,${src.slice(runStart, runEnd)}`;
          runStart = -1;
        }
        out += out.length === 0 ? text : `,${text}`;
      }
    }
    if (!changed) return undefined;
    if (runStart >= 0) out += out.length === 0 ? src.slice(runStart, runEnd) : `,${src.slice(runStart, runEnd)}`;
    return out;
  }

  private hasMarker(src: string, start: number, end: number): boolean {
    const markers = this.markers;
    for (let i = 0; i < markers.length; i++) {
      const at = markers[i]!.from(src, start);
      if (at >= 0 && at < end) return true;
    }
    return markers.length === 0;
  }
}

/** A replacement as JSON: strings quoted and escaped, lists as lists. */
function jsonValue(o: FieldOutput): string {
  if (typeof o === 'string') return JSON.stringify(o);
  if (typeof o === 'number') return Number.isFinite(o) ? String(o) : 'null';
  if (typeof o === 'boolean' || o === null) return String(o);
  return JSON.stringify(o);
}

/**
 * The field names of a JSON format: its documented paths, then any the
 * policy names for it.
 */
export function jsonDocNames(spec: JsonDocSpec, ctx: FormatContext): string[] {
  return layoutNames(spec.names, ctx);
}

/**
 * A JSON format over the engine.
 *
 * @example
 * new JsonDocFormat(GCP_LB_SPEC, ctx)
 */
export class JsonDocFormat implements Format {
  readonly name: string;
  readonly event: Event;
  readonly engine: JsonDocEngine;

  constructor(spec: JsonDocSpec, ctx: FormatContext) {
    this.name = ctx.name;
    const names = jsonDocNames(spec, ctx);
    this.event = new Event(new FieldLayout(names, names.map((n) => formatRole(ctx, n, spec.roles))));
    this.engine = new JsonDocEngine(spec, names);
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    return this.engine.decodeInto(this.event, src, start, end) ? MATCH : NO_MATCH;
  }

  encode(ev: Event): string {
    return this.engine.encodeFrom(ev);
  }
}
