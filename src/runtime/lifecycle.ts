/**
 * What `gallra run` says about each source while it runs and when it stops,
 * so that nothing fails silently:
 *
 * - {@link InputMonitor}: when most of a source's recent lines are dropped
 *   because they do not parse, are older than the retention window, are
 *   stamped in the future or carry no timestamp, it warns — at once, then at
 *   most every five minutes while it lasts, and once more when it is over —
 *   naming the format that would have parsed them; `/readyz` says not ready
 *   with the reason, and `gallra_input_rejected_ratio` shows the share.
 * - {@link stopSummary}: the last log line's numbers, per source: lines in
 *   and out, drops by reason (the pipeline's and the source's own).
 *
 * Both read plain counters (LineStats) on a timer: nothing on the per-line path.
 */
import type { LineStats } from '../pipeline/stats.js';
import { DROP_REASONS } from '../pipeline/stats.js';
import type { Health, MetricSample } from '../util/metric.js';
import { REJECT_REASONS, type RejectCounts, type RejectReason } from './diagnose.js';

/** The recent lines judged: the last this many (at least), in the samples taken. */
const WINDOW_LINES = 1000;
/** Fewer recent lines than this say nothing yet. */
const MIN_LINES = 10;
/** A warning that still holds is repeated this often at most. */
const WARN_EVERY_MS = 5 * 60_000;

interface Sample {
  readonly lines: number;
  readonly rejects: Record<RejectReason, number>;
}

export interface InputMonitorOptions {
  readonly source: string;
  /** Why the recent lines were dropped, in words (format names, never content). */
  readonly explain: (counts: RejectCounts) => string;
  readonly warn: (message: string, fields: Record<string, unknown>) => void;
  readonly info: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Watches one source's counters for input that is mostly dropped.
 *
 * @example
 * const m = new InputMonitor({ source: 'nginx', explain, warn, info });
 * setInterval(() => m.observe(pipeline.stats, Date.now()), 1000);
 */
export class InputMonitor {
  private seenIn = 0;
  private seenRejects: Record<RejectReason, number> = { unparsed: 0, expired: 0, future: 0, no_timestamp: 0 };
  private window: Sample[] = [];
  private failing: string | undefined;
  private lastWarn = 0;
  private ratio = 0;

  constructor(private readonly o: InputMonitorOptions) {}

  /** Takes the counters' growth since the last look into the window and judges it. */
  observe(stats: LineStats, now: number): void {
    const lines = stats.linesIn - this.seenIn;
    // A counter that went backwards belongs to a new pipeline: start over from it.
    if (lines < 0) this.window = [];
    const rejects = {} as Record<RejectReason, number>;
    for (const r of REJECT_REASONS) rejects[r] = Math.max(0, stats.dropped[r] - this.seenRejects[r]);
    this.seenIn = stats.linesIn;
    this.seenRejects = { unparsed: stats.dropped.unparsed, expired: stats.dropped.expired, future: stats.dropped.future, no_timestamp: stats.dropped.no_timestamp };
    if (lines <= 0) return;
    this.window.push({ lines, rejects });
    let total = this.window.reduce((n, s) => n + s.lines, 0);
    while (this.window.length > 1 && total - this.window[0]!.lines >= WINDOW_LINES) total -= this.window.shift()!.lines;
    const sum: Record<RejectReason, number> = { unparsed: 0, expired: 0, future: 0, no_timestamp: 0 };
    for (const s of this.window) for (const r of REJECT_REASONS) sum[r] += s.rejects[r];
    const rejected = REJECT_REASONS.reduce((n, r) => n + sum[r], 0);
    this.ratio = rejected / total;
    if (total >= MIN_LINES && rejected * 2 > total) {
      const why = this.o.explain(sum);
      const reason = `${Math.round(this.ratio * 100)}% of the last ${total} lines were dropped: ${why}`;
      const first = this.failing === undefined;
      this.failing = reason;
      if (first || now - this.lastWarn >= WARN_EVERY_MS) {
        this.lastWarn = now;
        this.o.warn(`${this.o.source}: ${reason}`, { source: this.o.source, lines: total, dropped: rejected, ...sum });
      }
    } else if (this.failing !== undefined && total >= MIN_LINES) {
      this.failing = undefined;
      this.o.info(`${this.o.source}: most recent lines are written again (${Math.round(this.ratio * 100)}% of the last ${total} dropped)`, { source: this.o.source });
    }
  }

  /** Not ready while most recent lines are dropped, with why. */
  health(): Health {
    return this.failing === undefined ? { ready: true } : { ready: false, reason: this.failing };
  }

  metrics(): MetricSample[] {
    return [
      {
        name: 'gallra_input_rejected_ratio',
        help: 'Share of a source\'s recent lines (the last ~1000) dropped because they did not parse, were outside the retention window or had no timestamp; above 0.5 gallra warns and /readyz says not ready.',
        type: 'gauge',
        labels: { source: this.o.source },
        value: this.ratio,
      },
    ];
  }
}

/**
 * The stop summary of one source: lines in and out, and every non-zero drop by reason.
 *
 * @example
 * log.info({ sources: pipelines.map((p) => stopSummary(p.source.name, p.stats, p.source.drops)) }, 'gallra run stopped');
 */
export function stopSummary(source: string, stats: LineStats, sourceDrops: Readonly<Record<string, number>>): Record<string, unknown> {
  const dropped: Record<string, number> = {};
  for (const r of DROP_REASONS) if (stats.dropped[r] > 0) dropped[r] = stats.dropped[r];
  for (const [r, n] of Object.entries(sourceDrops)) if (n > 0) dropped[r] = (dropped[r] ?? 0) + n;
  // Counts only (lines by fate, values redacted by detector kind): never a value.
  const redactions = Object.keys(stats.redactions).length > 0 ? { redactions: { ...stats.redactions } } : {};
  return { source, lines_in: stats.linesIn, lines_out: stats.linesOut, ...(stats.scrubbed > 0 ? { scrubbed: stats.scrubbed } : {}), dropped, ...redactions };
}
