/**
 * What every log format provides to the pipeline: parse a line into a
 * record, and write the anonymised record back as a line.
 */
import { type LogRecord } from '../record.js';

/** Outcomes of {@link LineFormat.parse}. */
export const NO_MATCH = 0;
/** The line is exactly this format. */
export const MATCH = 1;
/** The line is this format followed by appended fields: a more specific format may fit it better. */
export const MATCH_APPENDED = 2;
export type ParseOutcome = typeof NO_MATCH | typeof MATCH | typeof MATCH_APPENDED;

export interface LineFormat {
  readonly name: string;
  /** A record shaped for this format, reused for every line. */
  readonly record: LogRecord;
  /**
   * Parses the line `src[start..end)` into `rec` (field values or ranges,
   * and the event time: NaN when the line has none or it does not parse).
   * NO_MATCH when the line is not in this format. Never throws on input.
   */
  parse(src: string, start: number, end: number, rec: LogRecord): ParseOutcome;
  /** Applies the policy to `rec` and returns the output line (no newline). */
  write(rec: LogRecord): string;
}
