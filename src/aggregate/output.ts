/**
 * The aggregate stage's link to its store, shaped as a {@link Sink} so the
 * pipeline flushes it with the event sinks: every commit writes the windows
 * that closed since the last one and publishes their partitions before the
 * source's position advances. A timer applies the idle rule when no line
 * arrives. Windows still open are only in memory: a crash loses them (a
 * clean shutdown closes and writes them).
 */
import type { EncodedBatch, Retainable, Sink, SweepOutcome } from '../sinks/sink.js';
import type { AggregateStore } from '../stores/store.js';
import type { Health, MetricSample } from '../util/metric.js';
import type { AggregateStage } from './stage.js';

/** How often open windows are checked against the idle rule and closed windows written, in ms. */
const TICK_MS = 5000;

/**
 * @example
 * const out = new AggregateOutput('aggregates', stage, Date.now);
 * out.attach(await entry.open(config, ctx)); sinks.push(out);
 */
export class AggregateOutput implements Sink, Retainable {
  private store: AggregateStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private lastError: string | undefined;

  constructor(
    readonly name: string,
    readonly stage: AggregateStage,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Gives the output its (opened) store and starts the idle timer. */
  attach(store: AggregateStore, tickMs = TICK_MS): void {
    this.store = store;
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.onError(err));
    }, tickMs);
    this.timer.unref();
  }

  /** The store, once attached. */
  get storeOf(): AggregateStore | undefined {
    return this.store;
  }

  /** Events reach the stage at the fan-out, not as encoded batches. */
  write(_batch: EncodedBatch): Promise<void> {
    return Promise.resolve();
  }

  /** Applies the idle rule, writes the closed windows and publishes them (one flush at a time). */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.drain(true));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes the windows closed since the last call, without publishing them
   * (a batch run publishes once at the end: a partition per closed hour of a
   * month-long replay would cost more than the replay).
   */
  writeClosed(): Promise<void> {
    if (this.stage.pending === 0 || this.store === undefined) return Promise.resolve();
    const store = this.store;
    const run = this.chain.then(async () => {
      for (const w of this.stage.takeClosed()) await store.write(w);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async drain(tick: boolean): Promise<void> {
    if (this.store === undefined) return;
    if (tick && !this.closed) this.stage.tick(this.now());
    try {
      for (const w of this.stage.takeClosed()) await this.store.write(w);
      await this.store.flush();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  reopen(): Promise<void> {
    return Promise.resolve();
  }

  /** Closes every open window, writes and publishes them, and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.chain;
    this.stage.closeAll();
    try {
      await this.drain(false);
    } finally {
      await this.store?.close();
    }
  }

  /** Retainable: the store's rows and partitions outside `aggregates.retention` (one store operation at a time). */
  enforce(nowMs: number, dryRun: boolean): Promise<readonly string[] | SweepOutcome> {
    if (this.store === undefined) return Promise.resolve({ removed: [] });
    const store = this.store;
    const run = this.chain.then(() => store.enforce(nowMs, dryRun));
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async oldest(nowMs: number): Promise<number | undefined> {
    return this.store?.oldest?.(nowMs);
  }

  erasure(nowMs: number): string {
    return this.store?.erasure?.(nowMs) ?? 'the aggregate store holds only counts over groups of at least k visitors';
  }

  get linesWritten(): number {
    return this.stage.stats.events;
  }

  health(): Health {
    if (this.store === undefined) return { ready: false, reason: 'aggregate store not open yet' };
    if (this.lastError !== undefined) return { ready: false, reason: 'aggregate store failing' };
    return this.store.health?.() ?? { ready: true };
  }

  metrics(): readonly MetricSample[] {
    return [...this.stage.metrics(), ...(this.store?.metrics?.() ?? [])];
  }
}
