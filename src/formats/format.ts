/**
 * What every log format provides to the pipeline: decode a line into the
 * shared {@link Event}, and encode an anonymised event back into a line of
 * the same format (format-preserving for text formats; schema-derived for
 * JSON). A format applies no policy: the anonymise stage does that, the same
 * way for every format.
 */
import type { z } from 'zod';
import type { Event } from '../event/event.js';
import type { Role } from '../event/vocabulary.js';
import type { ConfigProblem } from '../util/problem.js';

/** Outcomes of {@link Format.decode}. */
export const NO_MATCH = 0;
/** The line is exactly this format. */
export const MATCH = 1;
/** The line is this format followed by appended fields: a more specific format may fit it better. */
export const MATCH_APPENDED = 2;
export type DecodeOutcome = typeof NO_MATCH | typeof MATCH | typeof MATCH_APPENDED;

export interface Format {
  /** The name the policy knows it by (`combined`, `json`, or an operator's own). */
  readonly name: string;
  /** The event this format decodes into, reused for every line. */
  readonly event: Event;
  /** Whether its encoding writes the event's visitor id (the anonymise stage then derives it). */
  readonly needsVisitorId?: boolean;
  /**
   * Decodes the line `src[start..end)` into {@link event}: field ranges or
   * values, and the event time (NaN when the line has none or it does not
   * parse). The caller has set the event's `bytes`, `byteView` and
   * `byteBase` for the chunk. NO_MATCH when the line is not in this format.
   * Never throws on input.
   */
  decode(src: string, start: number, end: number): DecodeOutcome;
  /** The anonymised event as a line of this format (no newline). */
  encode(ev: Event): string;
  /**
   * Formats whose layout is declared in the file itself (W3C `#Fields`):
   * takes a header line and returns true when it was one (it is then not a
   * log line). Formats without headers leave this out.
   */
  header?(src: string, start: number, end: number): boolean;
  /**
   * Formats whose layout is declared in the input (W3C `#Fields`, a CSV or
   * VPC flow-log header line) keep one layout per segment: the lines that
   * follow come from segment `key` (a file, a Kafka partition; `''` for
   * input without segments). `ended`: the segment is finished, forget it.
   */
  segment?(key: string, ended: boolean): void;
}

/** What the policy does with a field, as far as a format needs to know. */
export type FieldDisposition = 'keep' | 'drop' | 'transform';

/**
 * What a format is built with: what the policy does with each field it
 * names, and the role of any field name (the vocabulary's, or the policy's
 * `role:` override). A format that collects fields by name (JSON) reads only
 * the named ones; the anonymise stage drops every other field anyway.
 */
export interface FormatContext {
  /** The name the policy knows this format by. */
  readonly name: string;
  /** Every field the policy names for this format, with what it does to it. */
  readonly fields: ReadonlyMap<string, FieldDisposition>;
  /** The role of a field name. */
  roleOf(name: string): Role | undefined;
}

/** A format's section of the policy (`formats.<name>`): its options, and field rules for it alone. */
export interface FormatConfig {
  readonly [option: string]: unknown;
}

/**
 * A registry entry for a format. Built-in formats are entries by name; an
 * operator's own layout (`formats.my_nginx.log_format`) is built by the
 * entry named `template`.
 *
 * @example
 * export const combinedFormat = defineFormat({ name: 'combined', description: '…', options: { extra_fields: extraFieldsOption }, autoOrder: 30, create, describe });
 */
export interface FormatEntry {
  readonly kind: 'format';
  /** The name `--format` and `input.format` use (`template`: the engine behind operator-named formats). */
  readonly name: string;
  /** One line for check-config and the README. */
  readonly description: string;
  /** The options of `formats.<name>` this format reads, with their schemas (others are refused). */
  readonly options: Readonly<Record<string, z.ZodType>>;
  /**
   * Where `--format auto` tries it: ascending, the most specific first (a
   * combined line must not be taken for common with two appended fields).
   * Undefined: never detected (named explicitly only).
   */
  readonly autoOrder?: number;
  create(config: FormatConfig, ctx: FormatContext): Format;
  /** Problems with this format's options beyond the schema (a template that does not compile). */
  check?(config: FormatConfig, at: readonly (string | number)[], missingTimestamp: 'drop' | 'arrival'): ConfigProblem[];
  /**
   * Example lines (from the format's documentation where it has one) stamped
   * at `ms`, with the options they need: the shared format contract suite
   * runs every format over its examples.
   */
  readonly example: { readonly config?: FormatConfig; lines(ms: number): readonly string[] };
  /** What it reads, for check-config: a layout line and the fields in order (`+ name` for appended ones). */
  describe(config: FormatConfig): { readonly layout: string; readonly fields: readonly string[]; readonly appendedDropped?: boolean; readonly note?: string };
}

/**
 * Declares a format.
 *
 * @example
 * defineFormat({ name: 'common', description: 'NCSA common', options: {}, autoOrder: 40, create, describe })
 */
export function defineFormat(entry: Omit<FormatEntry, 'kind'>): FormatEntry {
  return { kind: 'format', ...entry };
}
