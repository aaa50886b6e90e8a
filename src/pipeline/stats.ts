/**
 * Counters of one pipeline, by stage: lines in (and header lines), lines each
 * format decoded, lines the gate dropped and why, kept values the anonymise
 * stage rejected for not having their role's shape, lines out. Plain numbers
 * on the hot path; `--stats` and the metrics exporters read them.
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
  /** Header lines (W3C `#Fields`, `#Version`): they describe the log, they are not events. */
  headers = 0;
  /** Lines each format decoded, by format name. */
  readonly decoded: Record<string, number> = {};
  /** Kept values dropped because they did not have their field role's shape, by field name (the line is still written). */
  readonly rejected: Record<string, number> = {};
  /** Values the redactor replaced, by detector kind (`email`, `phone`, `query`, …): what free-text redaction removes. */
  readonly redactions: Record<string, number> = {};
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
    this.headers += o.headers;
    for (const r of DROP_REASONS) this.dropped[r] += o.dropped[r];
    addCounts(this.decoded, o.decoded);
    addCounts(this.rejected, o.rejected);
    addCounts(this.redactions, o.redactions);
  }

  /** One human line: `1000 lines in, 990 out, 10 dropped (unparsed 8, expired 2)`. */
  summary(): string {
    const reasons = DROP_REASONS.filter((r) => this.dropped[r] > 0).map((r) => `${r} ${this.dropped[r]}`);
    const scrub = this.scrubbed > 0 ? `, ${this.scrubbed} scrubbed` : '';
    const rejected = Object.entries(this.rejected);
    const kept = rejected.length === 0 ? '' : `; ${rejected.reduce((n, [, k]) => n + k, 0)} kept values dropped for not having their field's shape (${rejected.map(([f, k]) => `${f} ${k}`).join(', ')})`;
    const redacted = Object.entries(this.redactions).filter(([, n]) => n > 0);
    const hits = redacted.length === 0 ? '' : `; ${redacted.reduce((n, [, k]) => n + k, 0)} values redacted (${redacted.map(([kind, n]) => `${kind} ${n}`).join(', ')})`;
    return `${this.linesIn} ${this.linesIn === 1 ? 'line' : 'lines'} in, ${this.linesOut} out${scrub}, ${this.droppedTotal} dropped${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}${kept}${hits}`;
  }

  toJSON(): StatsJson {
    return { lines_in: this.linesIn, lines_out: this.linesOut, scrubbed: this.scrubbed, headers: this.headers, dropped: { ...this.dropped }, decoded: { ...this.decoded }, rejected: { ...this.rejected }, redactions: { ...this.redactions } };
  }

  /** Counters from {@link toJSON} (a worker thread's), added to these. */
  addJson(o: StatsJson): void {
    this.linesIn += o.lines_in;
    this.linesOut += o.lines_out;
    this.scrubbed += o.scrubbed;
    this.headers += o.headers;
    for (const r of DROP_REASONS) this.dropped[r] += o.dropped[r];
    addCounts(this.decoded, o.decoded);
    addCounts(this.rejected, o.rejected);
    addCounts(this.redactions, o.redactions);
  }
}

/** The counters as plain JSON (gallra's log, worker threads). */
export interface StatsJson {
  lines_in: number;
  lines_out: number;
  scrubbed: number;
  headers: number;
  dropped: Record<DropReason, number>;
  decoded: Record<string, number>;
  rejected: Record<string, number>;
  redactions: Record<string, number>;
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}
