/**
 * Line counters: what came in, what went out, and why the rest was dropped.
 * Plain numbers on the hot path; metrics exporters read them.
 */

/** Why a line was not written, one counter each. */
export const DROP_REASONS = [
  /** Did not parse in the configured (or any, for auto) format. */
  'unparsed',
  /** Not valid UTF-8. */
  'invalid_utf8',
  /** Contains a NUL byte (binary garbage on the input). */
  'nul_byte',
  /** Longer than input.max_line_length. */
  'too_long',
  /** No usable timestamp, so the retention window cannot be enforced. */
  'no_timestamp',
  /** Older than the retention window. */
  'expired',
  /** Stamped further in the future than retention.max_future. */
  'future',
  /** An empty line. */
  'empty',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * Counters for one pipeline.
 *
 * @example
 * const s = new LineStats(); s.linesIn++; s.drop('unparsed'); s.summary()
 */
export class LineStats {
  linesIn = 0;
  linesOut = 0;
  /** Lines that did not parse but were written after free-text redaction (input.unparsed: scrub). */
  scrubbed = 0;
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;

  drop(reason: DropReason, n = 1): void {
    this.dropped[reason] += n;
  }

  get droppedTotal(): number {
    let t = 0;
    for (const r of DROP_REASONS) t += this.dropped[r];
    return t;
  }

  /** Adds another set of counters to this one (worker threads, several sources). */
  add(o: LineStats): void {
    this.linesIn += o.linesIn;
    this.linesOut += o.linesOut;
    this.scrubbed += o.scrubbed;
    for (const r of DROP_REASONS) this.dropped[r] += o.dropped[r];
  }

  /** One human line: `1000 lines in, 990 out, 10 dropped (unparsed 8, expired 2)`. */
  summary(): string {
    const reasons = DROP_REASONS.filter((r) => this.dropped[r] > 0).map((r) => `${r} ${this.dropped[r]}`);
    const scrub = this.scrubbed > 0 ? `, ${this.scrubbed} scrubbed` : '';
    return `${this.linesIn} ${this.linesIn === 1 ? 'line' : 'lines'} in, ${this.linesOut} out${scrub}, ${this.droppedTotal} dropped${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
  }

  toJSON(): { lines_in: number; lines_out: number; scrubbed: number; dropped: Record<DropReason, number> } {
    return { lines_in: this.linesIn, lines_out: this.linesOut, scrubbed: this.scrubbed, dropped: { ...this.dropped } };
  }
}
