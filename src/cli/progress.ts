/**
 * A progress line for `gallra anonymise` over files on a terminal: share of
 * the input read, lines so far and lines per second, redrawn at most five
 * times a second on stderr. When stderr is not a terminal it draws nothing
 * (logs and pipes get no carriage returns).
 */

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const REDRAW_MS = 200;

/**
 * @example
 * const p = new Progress(process.stderr, totalBytes);
 * p.update(bytesRead, linesRead); … p.finish();
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;
  bytes = 0;
  lines = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly totalBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = stream.isTTY === true;
    this.started = now();
  }

  /** Adds to the counts; redraws when the last frame is old enough. */
  update(bytes: number, lines: number): void {
    this.bytes += bytes;
    this.lines += lines;
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.draw(t);
  }

  /** Clears the progress line. */
  finish(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write('\r\x1b[K');
  }

  private draw(t: number): void {
    const seconds = Math.max((t - this.started) / 1000, 0.001);
    const rate = Math.round(this.lines / seconds);
    const share = this.totalBytes > 0 ? Math.min(1, this.bytes / this.totalBytes) : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 50));
    const filled = Math.round(share * width);
    const bar = `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}]`;
    this.stream.write(`\r${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${this.lines.toLocaleString('en')} lines  ${rate.toLocaleString('en')} lines/s\x1b[K`);
    this.drawn = true;
  }
}
