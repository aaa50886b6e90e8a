/**
 * What every sink provides. Sinks take anonymised lines grouped by the UTC
 * day of their events, buffer them, and make them durable on flush(); a
 * source's checkpoint advances only after every sink has flushed what came
 * before it — that is what "acknowledged" means in gallra.
 */

/** Output lines of one UTC day (days since the Unix epoch), newline-terminated, concatenated. */
export interface DayChunk {
  readonly day: number;
  readonly text: string;
  readonly lines: number;
}

export interface Sink {
  readonly name: string;
  /** Buffers the lines; resolves when the sink can take more (backpressure). */
  write(chunks: readonly DayChunk[]): Promise<void>;
  /** Writes everything buffered and makes it durable (fsync for files). */
  flush(): Promise<void>;
  /** Reopens output files (SIGHUP, after logrotate moved them). */
  reopen(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Lines accepted so far (for metrics). */
  readonly linesWritten: number;
}

/**
 * Days since the Unix epoch of instant `ms` (UTC).
 *
 * @example
 * dayOf(Date.UTC(2026, 10, 22, 10)) // 20779
 */
export function dayOf(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/**
 * `YYYY-MM-DD` of a day number.
 *
 * @example
 * dayLabel(20779) // '2026-11-22'
 */
export function dayLabel(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
