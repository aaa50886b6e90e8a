/** The `input:` section of a policy: how lines are read and what happens to bad ones. */
import { z } from '../util/zod.js';

/** Longest line kept in memory; longer ones are counted and skipped without buffering them whole. */
export const DEFAULT_MAX_LINE_LENGTH = 65_536;

export const inputConfigSchema = z.strictObject({
  /** A format name from `formats:` (or built in), or `auto` to detect per line. */
  format: z.string().default('auto'),
  /** Bytes; longer lines are dropped (counted as too_long). */
  max_line_length: z.int().min(256).max(16 * 1024 * 1024).default(DEFAULT_MAX_LINE_LENGTH),
  /** drop: count and skip lines that do not parse; scrub: write them after free-text redaction. */
  unparsed: z.enum(['drop', 'scrub']).default('drop'),
  /** drop: an event without a usable timestamp is counted and skipped (the window cannot be enforced on it); arrival: stamp it with the time it was read. */
  missing_timestamp: z.enum(['drop', 'arrival']).default('drop'),
});
export type InputConfig = z.infer<typeof inputConfigSchema>;
