/**
 * JSON lines: nginx `escape=json` access logs and application logs. Only
 * fields the policy names are read (fail closed); nested objects are reached
 * with dotted names (`http.request.method`). Output is serialised by
 * fast-json-stringify from a schema derived from the policy with
 * `additionalProperties: false`, so a field the policy does not name cannot
 * reach the output even through a bug upstream.
 */
import { createRequire } from 'node:module';
import { DROPPED, Event, FieldLayout, UNCHANGED } from '../../../event/event.js';
import type { Role } from '../../../event/vocabulary.js';
import { parseAnyTimestamp } from '../../../time/parse-timestamp.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../../format.js';

export interface JsonFormatOptions {
  /** Fields tried in order for the event time. */
  readonly timestampFields: readonly string[];
  /** Output name of the visitor id, or undefined for none. */
  readonly visitorIdField: string | undefined;
}

type Schema = Record<string, unknown>;

/** Roles the visitor id is derived from (client address, user agent, host): read even when the output drops them. */
export const VISITOR_ROLES: ReadonlySet<Role | undefined> = new Set<Role | undefined>(['client_ip', 'user_agent', 'host']);

/**
 * A JSON-lines format.
 *
 * @example
 * const f = new JsonFormat({ timestampFields: ['time'], visitorIdField: 'visitor_id' }, ctx);
 * const line = '{"time":"2026-11-22T10:00:00Z","client_ip":"81.6.12.34"}';
 * if (f.decode(line, 0, line.length)) { anonymise(f.event); f.encode(f.event); }
 */
export class JsonFormat implements Format {
  readonly name: string;
  readonly event: Event;
  /** Slot of every field read. */
  private readonly slotOf = new Map<string, number>();
  /** Dotted prefixes of nested names: objects under them are walked. */
  private readonly prefixes = new Set<string>();
  /** Each name split at its dots, once (the output is built per line). */
  private readonly paths: string[][] = [];
  private readonly timeSlots: number[];
  /** The time fields the policy keeps, in order: an event stamped with its arrival time gets the stamp in the first that can take it. */
  private readonly stampSlots: number[];
  /** The serialiser, compiled on the first line written (a combined log read with --format auto never needs it). */
  private stringify: ((doc: unknown) => string) | undefined;
  private readonly schema: Schema;
  private readonly visitorIdField: string | undefined;
  readonly needsVisitorId: boolean;

  constructor(options: JsonFormatOptions, ctx: FormatContext) {
    this.name = ctx.name;
    const names: string[] = [];
    const add = (name: string): number => {
      let slot = this.slotOf.get(name);
      if (slot !== undefined) return slot;
      slot = names.length;
      this.slotOf.set(name, slot);
      names.push(name);
      const parts = name.split('.');
      this.paths.push(parts);
      for (let k = 1; k < parts.length; k++) this.prefixes.add(parts.slice(0, k).join('.'));
      return slot;
    };
    for (const [name, disposition] of ctx.fields) {
      // A dropped field is not read, unless the visitor id is derived from it:
      // dropping the address from the output must not change who counts as one visitor.
      if (disposition !== 'drop' || VISITOR_ROLES.has(ctx.roleOf(name))) add(name);
    }
    // Time fields are read even when the policy drops them from the output.
    this.timeSlots = options.timestampFields.map((n) => add(n));
    this.stampSlots = this.timeSlots.filter((slot) => ctx.fields.get(names[slot]!) === 'keep');
    this.event = new Event(new FieldLayout(names, names.map((n) => ctx.roleOf(n))));
    this.visitorIdField = options.visitorIdField;
    this.needsVisitorId = options.visitorIdField !== undefined;
    const written = names.filter((n) => (ctx.fields.get(n) ?? 'drop') !== 'drop');
    this.schema = schemaFor(written, this.visitorIdField);
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    // Cheap rejection before JSON.parse: auto-detection tries JSON first.
    if (src.charCodeAt(start) !== 123 /* { */) return NO_MATCH;
    let doc: unknown;
    try {
      doc = JSON.parse(start === 0 && end === src.length ? src : src.slice(start, end));
    } catch {
      return NO_MATCH;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return NO_MATCH;
    const ev = this.event;
    ev.values.fill(undefined);
    ev.visitorId = undefined;
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    this.collect(doc as Record<string, unknown>, '', ev);
    ev.time = NaN;
    ev.timeSlot = -1;
    // The first field that parses wins: a `time` holding a duration (0.012)
    // must not hide the `timestamp` beside it.
    for (const slot of this.timeSlots) {
      const v = ev.values[slot];
      if (v !== undefined && !Number.isNaN((ev.time = parseAnyTimestamp(v)))) {
        ev.timeSlot = slot;
        break;
      }
    }
    ev.timeFromInput = !Number.isNaN(ev.time);
    return MATCH;
  }

  encode(ev: Event): string {
    const out: Record<string, unknown> = {};
    const values = ev.values;
    const outs = ev.out;
    for (let slot = 0; slot < values.length; slot++) {
      const v = values[slot];
      if (v === undefined) continue;
      const o = outs[slot]!;
      if (o === DROPPED) continue;
      setPath(out, this.paths[slot]!, o === UNCHANGED ? v : o);
    }
    if (!ev.timeFromInput && Number.isFinite(ev.time)) {
      // Stamped with its arrival time: the document says when, in the first
      // kept time field the output does not already hold (a time field whose
      // text was not a time has been dropped by now, so its place is free)
      // and whose way there holds no kept value (`event: "login"` on the way
      // to `event.created` is not replaced by an object).
      const slot = this.stampSlots.find((k) => pathIsFree(out, this.paths[k]!));
      if (slot !== undefined) setPath(out, this.paths[slot]!, new Date(ev.time).toISOString());
    }
    if (this.visitorIdField !== undefined && ev.visitorId !== undefined) out[this.visitorIdField] = ev.visitorId;
    this.stringify ??= compileSerialiser(this.schema);
    return this.stringify(out);
  }

  private collect(obj: Record<string, unknown>, prefix: string, ev: Event): void {
    for (const key of Object.keys(obj)) {
      const full = prefix === '' ? key : `${prefix}.${key}`;
      const slot = this.slotOf.get(full);
      const v = obj[key];
      if (slot !== undefined) ev.values[slot] = v;
      // Not `else`: a name can be a field and the parent of others (request: redact beside request.method: keep).
      if (this.prefixes.has(full) && typeof v === 'object' && v !== null && !Array.isArray(v)) this.collect(v as Record<string, unknown>, full, ev);
    }
  }
}

// fast-json-stringify (with the schema compiler under it) takes ~100 ms to load:
// loaded synchronously on first use — it is CommonJS — not when the format is built.
const require = createRequire(import.meta.url);

/** A serialiser that writes exactly the schema's fields (additionalProperties: false). */
function compileSerialiser(schema: Schema): (doc: unknown) => string {
  const fastJson = require('fast-json-stringify') as (schema: Schema) => (doc: unknown) => string;
  return fastJson(schema);
}

/** The output schema: exactly the named fields, nothing else. */
function schemaFor(names: readonly string[], visitorIdField: string | undefined): Schema {
  const object = (): Schema => ({ type: 'object', properties: {}, additionalProperties: false });
  const root = object();
  const leaves = new Set<Schema>();
  for (const name of names) {
    const parts = name.split('.');
    let node = root;
    for (let k = 0; k < parts.length; k++) {
      const props = node.properties as Record<string, Schema>;
      const last = k === parts.length - 1;
      let child = props[parts[k]!];
      if (child === undefined) {
        // Values are any JSON (kept numbers, lists of addresses); the guard is additionalProperties.
        child = props[parts[k]!] = last ? {} : object();
        if (last) leaves.add(child);
      } else if (last) {
        // A leaf that is also a parent (request beside request.method).
        Object.assign(child, both());
      } else if (leaves.has(child)) {
        Object.assign(child, object(), both());
        leaves.delete(child);
      }
      node = child;
    }
  }
  if (visitorIdField !== undefined) (root.properties as Record<string, Schema>)[visitorIdField] = { type: 'string' };
  return root;
}

/**
 * Schema of a name that is both a field and the parent of others: its own
 * value is a scalar or a list, or else an object with only the named
 * children. `object` first, so fast-json-stringify serialises an object
 * through its properties (additionalProperties: false), not as any JSON.
 */
const both = (): Schema => ({ type: ['object', 'array', 'string', 'number', 'boolean', 'null'], items: {} });

/** Whether setPath(out, parts, …) would replace nothing already in `out`. */
function pathIsFree(out: Record<string, unknown>, parts: readonly string[]): boolean {
  let node: unknown = out;
  for (let k = 0; k < parts.length; k++) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
    node = (node as Record<string, unknown>)[parts[k]!];
    if (node === undefined) return true;
  }
  return false;
}

function setPath(out: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  if (parts.length === 1) {
    out[parts[0]!] = value;
    return;
  }
  let node = out;
  for (let k = 0; k < parts.length - 1; k++) {
    const next = node[parts[k]!];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else node = node[parts[k]!] = {};
  }
  node[parts[parts.length - 1]!] = value;
}
