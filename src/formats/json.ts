/**
 * JSON lines: nginx `escape=json` access logs and application logs. Only
 * fields the policy names survive (fail closed); nested objects are reached
 * with dotted names (`http.request.method`). Output is serialised by
 * fast-json-stringify from a schema derived from the policy with
 * `additionalProperties: false`, so a field the policy does not name cannot
 * reach the output even through a bug upstream.
 */
import fastJson from 'fast-json-stringify';
import { LogRecord, type Role } from '../record.js';
import { parseAnyTimestamp } from '../time/parse-timestamp.js';
import { type CompiledOp, compileFieldOp, DROP_OP, type TransformContext } from '../transforms/index.js';
import { StringCache } from '../util/string-cache.js';
import { type FieldSpec } from './config.js';
import { type LineFormat, MATCH, NO_MATCH, type ParseOutcome } from './format.js';
import { MEMO_MAX_VALUE, roleOf } from './text.js';

export interface JsonFormatOptions {
  /** Field policies by (dotted) name. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Fields tried in order for the event time. */
  readonly timestampFields: readonly string[];
  /** Output name of the visitor id, or undefined for none. */
  readonly visitorIdField: string | undefined;
}

type Schema = Record<string, unknown>;

/** Roles the visitor id is derived from (client address, user agent, host). */
const VISITOR_ROLES: ReadonlySet<Role | undefined> = new Set<Role | undefined>(['client_ip', 'user_agent', 'host']);

/** Memo entries per field for pure transforms. */
const MEMO_SIZE = 8192;

/**
 * A JSON-lines format under a policy.
 *
 * @example
 * const f = new JsonFormat({ fields, timestampFields: ['time'], visitorIdField: 'visitor_id' }, ctx);
 * const line = '{"time":"2026-11-22T10:00:00Z","client_ip":"81.6.12.34"}';
 * if (f.parse(line, 0, line.length, f.record)) f.write(f.record);
 */
export class JsonFormat implements LineFormat {
  readonly name = 'json';
  readonly record: LogRecord;
  /** Slot of every field the policy names or the time is read from. */
  private readonly slotOf = new Map<string, number>();
  /** Dotted prefixes of nested names: objects under them are walked. */
  private readonly prefixes = new Set<string>();
  private readonly names: string[] = [];
  /** Each name split at its dots, once (the output is built per line). */
  private readonly paths: string[][] = [];
  private readonly ops: CompiledOp[] = [];
  /** Pure transforms by slot, behind a memo where that always pays (user agents: JSON values are hashed whole). */
  private readonly memoised: (((s: string) => string) | undefined)[] = [];
  private readonly timeSlots: number[];
  /**
   * The time fields the policy keeps, in order: an event stamped with its
   * arrival time gets the stamp in the first one that can take it.
   */
  private readonly stampSlots: number[];
  /** Whether the last parsed line carried its own time (else input.missing_timestamp: arrival stamped it). */
  private timeParsed = false;
  private readonly stringify: (doc: unknown) => string;
  private readonly visitorIdField: string | undefined;
  private readonly visitorIdOf: (rec: LogRecord) => string | undefined;

  constructor(options: JsonFormatOptions, ctx: TransformContext) {
    const roleSlots: Partial<Record<Role, number[]>> = {};
    const add = (name: string, spec: FieldSpec | undefined): number => {
      let slot = this.slotOf.get(name);
      if (slot !== undefined) return slot;
      slot = this.names.length;
      this.slotOf.set(name, slot);
      this.names.push(name);
      this.paths.push(name.split('.'));
      const role = roleOf(spec, name);
      if (role !== undefined) (roleSlots[role] ??= []).push(slot);
      const op = spec === undefined ? DROP_OP : compileFieldOp(spec, name, role, ctx);
      this.ops.push(op);
      if (op.kind === 'pure' && op.memo === 'always') {
        const memo = new StringCache<string>(MEMO_SIZE);
        this.memoised.push((v) => (v.length <= MEMO_MAX_VALUE ? memo.through(v, op.fn) : op.fn(v)));
      } else {
        this.memoised.push(op.kind === 'pure' ? op.fn : undefined);
      }
      const parts = name.split('.');
      for (let k = 1; k < parts.length; k++) this.prefixes.add(parts.slice(0, k).join('.'));
      return slot;
    };
    for (const [name, spec] of Object.entries(options.fields)) {
      // A dropped field is not read, unless the visitor id is derived from it:
      // dropping the address from the output must not change who counts as one visitor.
      if (spec.transform !== 'drop' || VISITOR_ROLES.has(roleOf(spec, name))) add(name, spec);
    }
    // Time fields are read even when the policy drops them from the output.
    this.timeSlots = options.timestampFields.map((n) => add(n, Object.hasOwn(options.fields, n) ? options.fields[n] : undefined));
    this.stampSlots = this.timeSlots.filter((slot) => this.ops[slot]!.kind === 'keep' || this.ops[slot]!.kind === 'check');
    this.record = new LogRecord(this.names.length, roleSlots, false);
    this.visitorIdField = options.visitorIdField;
    this.visitorIdOf = ctx.visitorIdOf;
    this.stringify = fastJson(this.schema() as unknown as Parameters<typeof fastJson>[0]) as (doc: unknown) => string;
  }

  parse(src: string, start: number, end: number, rec: LogRecord): ParseOutcome {
    // Cheap rejection before JSON.parse: auto-detection tries JSON first.
    if (src.charCodeAt(start) !== 123 /* { */) return NO_MATCH;
    let doc: unknown;
    try {
      doc = JSON.parse(start === 0 && end === src.length ? src : src.slice(start, end));
    } catch {
      return NO_MATCH;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return NO_MATCH;
    rec.raw.fill(undefined);
    rec.visitorId = undefined;
    this.collect(doc as Record<string, unknown>, '', rec);
    rec.time = NaN;
    // The first field that parses wins: a `time` holding a duration (0.012)
    // must not hide the `timestamp` beside it.
    for (const slot of this.timeSlots) {
      const v = rec.raw[slot];
      if (v !== undefined && !Number.isNaN((rec.time = parseAnyTimestamp(v)))) break;
    }
    // Kept apart from rec.time, which input.missing_timestamp: arrival overwrites.
    this.timeParsed = !Number.isNaN(rec.time);
    return MATCH;
  }

  write(rec: LogRecord): string {
    const out: Record<string, unknown> = {};
    const raw = rec.raw;
    for (let slot = 0; slot < this.names.length; slot++) {
      const v = raw[slot];
      if (v === undefined) continue;
      const op = this.ops[slot]!;
      if (op.kind === 'drop') continue;
      let value: unknown;
      if (op.kind === 'keep') value = keepValue(v);
      else if (op.kind === 'check') value = typeof v === 'string' ? (op.valid(v, 0, v.length) ? v : undefined) : keepValue(v);
      else value = applyToValue(op.kind === 'pure' ? this.memoised[slot]! : op.fn, v, rec);
      if (value === undefined) continue;
      setPath(out, this.paths[slot]!, value);
    }
    if (!this.timeParsed && Number.isFinite(rec.time)) {
      // Stamped with its arrival time: the document says when, in the first
      // kept time field the output does not already hold (a time field whose
      // text was not a time has been dropped by now, so its place is free)
      // and whose way there holds no kept value (`event: "login"` on the way
      // to `event.created` is not replaced by an object).
      const slot = this.stampSlots.find((k) => pathIsFree(out, this.paths[k]!));
      if (slot !== undefined) setPath(out, this.paths[slot]!, new Date(rec.time).toISOString());
    }
    if (this.visitorIdField !== undefined) {
      const id = this.visitorIdOf(rec);
      if (id !== undefined) out[this.visitorIdField] = id;
    }
    return this.stringify(out);
  }

  private collect(obj: Record<string, unknown>, prefix: string, rec: LogRecord): void {
    for (const key of Object.keys(obj)) {
      const full = prefix === '' ? key : `${prefix}.${key}`;
      const slot = this.slotOf.get(full);
      const v = obj[key];
      if (slot !== undefined) rec.raw[slot] = v;
      // Not `else`: a name can be a field and the parent of others (request: redact beside request.method: keep).
      if (this.prefixes.has(full) && typeof v === 'object' && v !== null && !Array.isArray(v)) this.collect(v as Record<string, unknown>, full, rec);
    }
  }

  /** The output schema: exactly the named fields, nothing else. */
  private schema(): Schema {
    const object = (): Schema => ({ type: 'object', properties: {}, additionalProperties: false });
    const root = object();
    const leaves = new Set<Schema>();
    for (let slot = 0; slot < this.names.length; slot++) {
      if (this.ops[slot]!.kind === 'drop') continue;
      const parts = this.names[slot]!.split('.');
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
    if (this.visitorIdField !== undefined) (root.properties as Record<string, Schema>)[this.visitorIdField] = { type: 'string' };
    return root;
  }
}

/**
 * Schema of a name that is both a field and the parent of others: its own
 * value is a scalar or a list, or else an object with only the named
 * children. `object` first, so fast-json-stringify serialises an object
 * through its properties (additionalProperties: false), not as any JSON.
 */
const both = (): Schema => ({ type: ['object', 'array', 'string', 'number', 'boolean', 'null'], items: {} });

/**
 * Applies a string transform to a JSON value: strings directly, numbers and
 * booleans as text (a phone number stored as a number is still one), lists
 * element by element. Objects (and objects inside lists) are dropped: a
 * transform meant for one value cannot be shown to make a whole tree safe.
 */
function applyToValue(fn: (s: string, rec: LogRecord) => string | undefined, v: unknown, rec: LogRecord): unknown {
  switch (typeof v) {
    case 'string':
      return fn(v, rec);
    case 'number':
    case 'boolean':
      return fn(String(v), rec);
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((e) => (typeof e === 'object' && e !== null ? undefined : applyToValue(fn, e, rec)) ?? null);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * A kept value: scalars and lists of scalars as they are. An object is not
 * kept whole (its keys were never named by the policy: fail closed); name
 * its fields with dotted names instead.
 */
function keepValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((e) => (typeof e === 'object' && e !== null ? null : e));
  return undefined;
}

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
