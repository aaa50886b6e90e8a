/**
 * The aggregate stage: a consumer at the pipeline's fan-out that rolls
 * anonymised events up into tumbling windows on event time, and emits only
 * numbers.
 *
 * Windows. An event belongs to the window `[⌊t/W⌋·W, +W)` (UTC). The
 * watermark is the latest event time seen minus `allowed_lateness`; a
 * window closes once the watermark passes its end, and an event whose
 * window has closed is **late**: counted, never merged into what was
 * published. When events stop arriving, a window also closes once the
 * clock is past its end plus the lateness and it has had no event for that
 * long (the idle rule, checked by `tick`). Day and month rollups are filled
 * from their closed windows and close after the last of them; `closeAll`
 * (shutdown, end of input) closes everything.
 *
 * A window that closed while a writer was stopped and restarted inside it
 * is published again for the events after the restart: its rows appear
 * twice in the store (segments), whose requests add up exactly and whose
 * distinct counts are each exact for their part (their sum is an upper bound).
 */
import type { Event } from '../event/event.js';
import type { Format } from '../formats/format.js';
import type { EventConsumer } from '../pipeline/line-pipeline.js';
import type { ClosedWindow, Period } from '../stores/aggregates-table.js';
import type { MetricSample } from '../util/metric.js';
import type { AggregateSettings } from './config.js';
import { DimensionReader, EventFacts } from './dimensions.js';
import { type FoldStats, publish } from './fold.js';
import { DistinctCounter } from './members.js';
import { CompiledSets, WindowState } from './rollup.js';

const DAY_MS = 86_400_000;
/** The idle rule never closes a window that saw an event in the last minute, whatever the lateness. */
const MIN_IDLE_MS = 60_000;

/** UTC start of the calendar month of `ms`, and of the next one. */
function monthOf(ms: number): [number, number] {
  const d = new Date(ms);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

/** What the stage has done, for metrics and `--stats`. */
export interface AggregateStats extends FoldStats {
  /** Events counted into a window. */
  events: number;
  /** Events whose window had already closed: counted here, merged nowhere. */
  late: number;
  /** Windows closed and published, by period. */
  windows: Record<Period, number>;
}

/**
 * @example
 * const stage = new AggregateStage(aggregateSettings(policy.aggregates));
 * pipeline.consumers.push(stage);
 * … for (const w of stage.takeClosed()) await store.write(w);
 * stage.closeAll(); for (const w of stage.takeClosed()) await store.write(w);
 */
export class AggregateStage implements EventConsumer {
  readonly stats: AggregateStats = { events: 0, late: 0, rows: 0, folded: 0, windows: { window: 0, day: 0, month: 0 } };
  private readonly facts = new EventFacts();
  private readonly distinct = new DistinctCounter();
  private readonly reader: DimensionReader;
  private readonly sets: CompiledSets;
  private readonly open = new Map<number, WindowState>();
  private readonly days = new Map<number, WindowState>();
  private readonly months = new Map<number, WindowState>();
  /** Starts of windows the idle rule closed before the watermark passed them. */
  private readonly idleClosed = new Set<number>();
  private cur: WindowState | undefined = undefined;
  private maxTime = -Infinity;
  /** The watermark at which the earliest open window closes. */
  private nextClose = Infinity;
  private closed: ClosedWindow[] = [];
  /** Processing time at the last tick. */
  private clock = 0;
  private readonly W: number;
  private readonly lateness: number;
  private readonly contributions: boolean;

  constructor(private readonly settings: AggregateSettings) {
    this.W = settings.windowMs;
    this.lateness = settings.latenessMs;
    this.reader = new DimensionReader(settings);
    this.sets = new CompiledSets(settings.sets);
    this.contributions = settings.noise !== undefined;
  }

  /** The watermark: windows ending at or before it are closed. */
  get watermark(): number {
    return this.maxTime - this.lateness;
  }

  /** Windows still open, all periods. */
  get openWindows(): number {
    return this.open.size + this.days.size + this.months.size;
  }

  /** EventConsumer: counts one anonymised event. */
  consume(ev: Event, _format: Format): void {
    const t = ev.time;
    let w = this.cur;
    if (w === undefined || t < w.start || t >= w.end) {
      w = this.windowFor(t);
      if (w === undefined) {
        this.stats.late++;
        return;
      }
      this.cur = w;
    }
    this.reader.read(ev, this.facts);
    w.add(this.facts);
    this.stats.events++;
    if (t > this.maxTime) {
      this.maxTime = t;
      if (t - this.lateness >= this.nextClose) this.closeDue();
    }
  }

  /** The open window for `t`, opened if need be; undefined when it has closed (late). */
  private windowFor(t: number): WindowState | undefined {
    const start = Math.floor(t / this.W) * this.W;
    const end = start + this.W;
    if (end <= this.watermark || this.idleClosed.has(start)) return undefined;
    let w = this.open.get(start);
    if (w === undefined) {
      // Numbered in the rollup it will merge into (opened now if need be): merging at close then costs no lookup per id.
      const parent = this.settings.day ? this.rollup(this.days, 'day', Math.floor(start / DAY_MS) * DAY_MS, DAY_MS) : this.settings.month ? this.monthFor(start) : undefined;
      w = new WindowState('window', start, end, this.sets, this.contributions, parent);
      w.idleSince = this.clock;
      this.open.set(start, w);
      if (end + this.lateness < this.nextClose) this.nextClose = end + this.lateness;
    }
    return w;
  }

  /** Closes the windows the watermark has passed. */
  private closeDue(): void {
    const wm = this.watermark;
    for (const w of [...this.open.values()].sort((a, b) => a.start - b.start)) if (w.end <= wm) this.closeWindow(w);
    this.closeRollups(wm, undefined);
    this.recomputeNextClose();
  }

  private recomputeNextClose(): void {
    let next = Infinity;
    for (const w of this.open.values()) next = Math.min(next, w.end + this.lateness);
    this.nextClose = next;
  }

  private closeWindow(w: WindowState): void {
    this.open.delete(w.start);
    if (this.cur === w) this.cur = undefined;
    this.emit(w);
    if (this.settings.day) w.mergeInto(this.rollup(this.days, 'day', Math.floor(w.start / DAY_MS) * DAY_MS, DAY_MS), this.clock);
    else if (this.settings.month) w.mergeInto(this.monthFor(w.start), this.clock);
    else w.forget();
  }

  private monthFor(t: number): WindowState {
    const [start, end] = monthOf(t);
    return this.rollup(this.months, 'month', start, end - start);
  }

  private rollup(map: Map<number, WindowState>, period: Period, start: number, length: number): WindowState {
    let r = map.get(start);
    if (r === undefined) map.set(start, (r = new WindowState(period, start, start + length, this.sets, this.contributions)));
    return r;
  }

  /** Publishes a closed window (its ids are forgotten when it is merged into its parent, or now). */
  private emit(w: WindowState): void {
    w.seal();
    this.closed.push(publish(w, this.settings.k, this.settings.noise, this.distinct, this.stats));
    this.stats.windows[w.period]++;
  }

  /**
   * Closes the day and month rollups whose windows have all closed, once the
   * watermark is past them — or, when `nowMs` is given, once the clock is
   * past them and nothing was merged into them for a while (the idle rule).
   */
  private closeRollups(wm: number, nowMs: number | undefined): void {
    const idle = Math.max(this.lateness, MIN_IDLE_MS);
    const due = (r: WindowState): boolean => r.end <= wm || (nowMs !== undefined && nowMs >= r.end + this.lateness && nowMs - r.touchedAt >= idle);
    for (const d of [...this.days.values()].sort((a, b) => a.start - b.start)) {
      if (!due(d) || this.anyOpen(this.open, d)) continue;
      this.days.delete(d.start);
      this.emit(d);
      if (this.settings.month) d.mergeInto(this.monthFor(d.start), this.clock);
      else d.forget();
    }
    for (const m of [...this.months.values()].sort((a, b) => a.start - b.start)) {
      if (!due(m) || this.anyOpen(this.open, m) || this.anyOpen(this.days, m)) continue;
      this.months.delete(m.start);
      this.emit(m);
      m.forget();
    }
  }

  private anyOpen(map: Map<number, WindowState>, parent: WindowState): boolean {
    for (const w of map.values()) if (w.start >= parent.start && w.start < parent.end) return true;
    return false;
  }

  /**
   * Applies the idle rule at processing time `nowMs`: call it every few
   * seconds while the stage runs (gallra run); batch runs need not.
   */
  tick(nowMs: number): void {
    this.clock = nowMs;
    const idle = Math.max(this.lateness, MIN_IDLE_MS);
    const wm = this.watermark;
    for (const w of [...this.open.values()].sort((a, b) => a.start - b.start)) {
      if (w.events !== w.seenEvents) {
        w.seenEvents = w.events;
        w.idleSince = nowMs;
      } else if (nowMs - w.idleSince >= idle && nowMs >= w.end + this.lateness) {
        this.closeWindow(w);
        if (w.end > wm) this.idleClosed.add(w.start);
      }
    }
    for (const s of this.idleClosed) if (s + this.W <= wm) this.idleClosed.delete(s);
    this.closeRollups(wm, nowMs);
    this.recomputeNextClose();
  }

  /** Closes every open window (shutdown, end of input), rollups last. */
  closeAll(): void {
    for (const w of [...this.open.values()].sort((a, b) => a.start - b.start)) this.closeWindow(w);
    this.closeRollups(Infinity, undefined);
    this.nextClose = Infinity;
  }

  /** The windows closed since the last call, to be written to the store. */
  takeClosed(): ClosedWindow[] {
    const out = this.closed;
    this.closed = [];
    return out;
  }

  /** Whether closed windows wait to be written. */
  get pending(): number {
    return this.closed.length;
  }

  /** The stage's metrics for /metrics. */
  metrics(): MetricSample[] {
    const s = this.stats;
    const c = (name: string, help: string, value: number, labels: Record<string, string> = {}): MetricSample => ({ name, help, type: 'counter', labels, value });
    return [
      c('gallra_aggregate_events_total', 'Events counted into an aggregate window.', s.events),
      c('gallra_aggregate_late_events_total', 'Events whose aggregate window had already closed: counted here, never merged into a published window.', s.late),
      ...(['window', 'day', 'month'] as const).map((p) => c('gallra_aggregate_windows_closed_total', 'Aggregate windows closed and published, by period.', s.windows[p], { period: p })),
      c('gallra_aggregate_rows_published_total', 'Aggregate rows published (after the k-threshold).', s.rows),
      c('gallra_aggregate_rows_folded_total', 'Groups below k distinct visitors folded into (other).', s.folded),
      { name: 'gallra_aggregate_open_windows', help: 'Aggregate windows open in memory, all periods.', type: 'gauge', labels: {}, value: this.openWindows },
    ];
  }
}
