/**
 * The one record type that flows through every stage of the pipeline:
 *
 *   decode (format) → retention gate → anonymise (policy) → fan-out → encode / aggregate
 *
 * A format decodes a line into an Event; the gate reads its time; the
 * anonymise stage writes each field's anonymised form into `out`; the
 * consumers at the fan-out (the encoder that writes the line back in its
 * format, the aggregate stage) read the anonymised fields. Events are reused
 * line after line (reset, not reallocated): the pipeline handles a million
 * lines a second, and an allocation per line shows.
 */
import type { Role } from './vocabulary.js';

/**
 * The fields a format's events have: their names, roles and where each
 * role's fields sit. Built once per format and policy.
 *
 * @example
 * const layout = new FieldLayout(['remote_addr', 'remote_user'], [ 'client_ip', 'user' ]);
 * layout.slotsOf('client_ip') // [0]
 */
export class FieldLayout {
  /** Slots of each role's fields, in layout order (the first present one wins for derived values). */
  private readonly bySlotRole: Partial<Record<Role, number[]>> = {};

  constructor(
    /** Field names, by slot (dotted for nested JSON). */
    readonly names: readonly string[],
    /** Each field's role, by slot. */
    readonly roles: readonly (Role | undefined)[],
  ) {
    roles.forEach((role, slot) => {
      if (role !== undefined) (this.bySlotRole[role] ??= []).push(slot);
    });
  }

  /**
   * Fields that say who a record's visitor is, instead of its client address
   * and user agent: set by traffic-metadata formats (a CDR is about its served
   * subscriber), by name, so no other format's `msisdn` changes meaning.
   */
  subscriberFields: readonly { readonly slot: number; readonly kind: 'msisdn' | 'imsi' }[] = [];

  get size(): number {
    return this.names.length;
  }

  /** Slots whose field has `role`, in layout order. */
  slotsOf(role: Role): readonly number[] {
    return this.bySlotRole[role] ?? NO_SLOTS;
  }
}

const NO_SLOTS: readonly number[] = [];

/**
 * Marks a field the anonymise stage left as it was (text formats copy its
 * bytes; JSON writes its parsed value after the kept-value checks).
 */
export const UNCHANGED: unique symbol = Symbol('unchanged');
/** Marks a field the anonymise stage dropped (text formats write `-`; JSON leaves it out). */
export const DROPPED: unique symbol = Symbol('dropped');
/** What the anonymise stage decided for one field: as it was, dropped, or a replacement value. */
export type FieldOutput = typeof UNCHANGED | typeof DROPPED | string | number | boolean | null | readonly unknown[];

/**
 * Where an event came from, so it can be acknowledged once every sink has
 * durably accepted it: a segment (a file's identity, a Kafka partition) and
 * the position in it just after the event.
 */
export interface AckHandle {
  readonly segment: Segment;
  readonly offset: number;
}

/**
 * A unit a source reads in order and can resume in: a file (device, inode
 * and a fingerprint of its first bytes) or a Kafka topic partition. `key`
 * identifies it among the source's segments.
 */
export interface Segment {
  readonly key: string;
}

/**
 * One event while it passes through the pipeline.
 *
 * Field values are held one of two ways, whichever is cheaper for the
 * format: as a range of `src` (text formats: nothing is copied until a
 * transform needs the text) or as a parsed value (JSON). A slot has a range
 * when `starts[slot] >= 0`, else a value when `values[slot] !== undefined`,
 * else the field is absent.
 *
 * @example
 * const ev = new Event(layout);
 * ev.src = line; ev.starts[0] = 0; ev.ends[0] = 10;
 * ev.raw(0) // the first field's text
 */
export class Event {
  /** Event time, ms since the Unix epoch (UTC); NaN until known. */
  time = NaN;
  /** Whether `time` was read from the line (else it is the arrival stamp of input.missing_timestamp: arrival). */
  timeFromInput = false;
  /** The slot the time was read from, or -1 (its value is then known to be a time). */
  timeSlot = -1;
  /** The string the line and its range values live in. */
  src = '';
  /** The original line: `src[lineStart..lineEnd)` (format-preserving output copies from it). */
  lineStart = 0;
  lineEnd = 0;
  /** The same text as bytes (one per character) when the chunk was ASCII: scanners and hashes read these. */
  bytes: Uint8Array | undefined = undefined;
  /** A DataView of `bytes`, for hashing four bytes at a time. */
  byteView: DataView | undefined = undefined;
  /** Byte offset of `src[0]` in `bytes`. */
  byteBase = 0;
  /** Field ranges in `src`, by slot; -1 when the slot holds no range. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Parsed field values, by slot; undefined when the slot holds none. */
  readonly values: unknown[];
  /** What the anonymise stage decided for each field, by slot. */
  readonly out: FieldOutput[];
  /** The visitor id (pseudonym of host, full client address and user agent), when the anonymise stage derived it. */
  visitorId: string | undefined = undefined;
  /** Where the event came from, for acknowledgement; undefined for sources that cannot resume. */
  ack: AckHandle | undefined = undefined;
  /** The record key the source gave (Kafka), when there was one. */
  key: string | undefined = undefined;

  constructor(readonly layout: FieldLayout) {
    const n = layout.size;
    this.starts = new Int32Array(n).fill(-1);
    this.ends = new Int32Array(n).fill(-1);
    this.values = new Array<unknown>(n).fill(undefined);
    this.out = new Array<FieldOutput>(n).fill(UNCHANGED);
  }

  /** Forgets the previous line's fields (ranges, values, outputs, derived values). */
  reset(): void {
    this.starts.fill(-1);
    this.ends.fill(-1);
    this.values.fill(undefined);
    this.time = NaN;
    this.timeFromInput = false;
    this.timeSlot = -1;
    this.visitorId = undefined;
  }

  /** Whether slot `slot` holds a value (range or parsed). */
  has(slot: number): boolean {
    return this.starts[slot]! >= 0 || this.values[slot] !== undefined;
  }

  /**
   * The raw value of field `slot` as text, or undefined when it is absent or
   * not text (a JSON number, list or object).
   */
  raw(slot: number): string | undefined {
    const s = this.starts[slot]!;
    if (s >= 0) return this.src.slice(s, this.ends[slot]);
    const v = this.values[slot];
    return typeof v === 'string' ? v : undefined;
  }

  /** The raw value of the first present field with `role`, when it is text. */
  rawOf(role: Role): string | undefined {
    for (const slot of this.layout.slotsOf(role)) {
      const v = this.raw(slot);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /**
   * The anonymised value of the first present field with `role` that the
   * policy did not drop, as text — what the consumers at the fan-out
   * (aggregates, keyed sinks) may see — or undefined when there is none. (A
   * dropped field is skipped, not an answer: combined's `remote_logname`
   * shares the `user` role with `remote_user` and is dropped by default.)
   */
  anonymisedOf(role: Role): string | undefined {
    for (const slot of this.layout.slotsOf(role)) {
      if (!this.has(slot)) continue;
      const o = this.out[slot];
      if (o === DROPPED) continue;
      if (o === UNCHANGED) {
        const s = this.starts[slot]!;
        if (s >= 0) return this.src.slice(s, this.ends[slot]);
        const v = this.values[slot];
        return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
      }
      return typeof o === 'string' ? o : typeof o === 'number' ? String(o) : undefined;
    }
    return undefined;
  }
}
