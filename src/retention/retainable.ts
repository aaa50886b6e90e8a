/**
 * The contract between the sweeper and every store that keeps data over
 * time: each store holds itself to its window when the sweeper asks, and
 * says what it holds. The sweeper (runtime/sweeper.ts) runs it at start-up
 * and once a minute inside `gallra run`, and on demand as `gallra retention`;
 * `gallra status` and `gallra audit report` read it; every removal is
 * recorded in the audit trail by the sweeper, not by the store.
 *
 * What each kind of store must do (the window is `retention.keep` for
 * pseudonymised events, `aggregates.retention` for anonymous aggregates;
 * its start is {@link retentionCutoff} and "outside" is {@link isExpiredAt}):
 *
 * - **Day files** (file sink; on main): delete a file whose whole UTC day is
 *   before the window start; rewrite atomically, without its expired lines,
 *   the file of the day the window starts in; `.log` and `.log.gz` alike
 *   (retention/day-files.ts).
 * - **Salts** (keyring; on main): destroy the salts of closed epochs
 *   (`destroyClosed()`); `overdue` is the earliest close of a salt still held.
 * - **Checkpoints** (file source; on main): delete a checkpoint not written
 *   for longer than the window (it fingerprints a log line that old).
 * - **Kafka output and dead-letter topics** (sinks/kafka/retention.ts):
 *   `check` at start reads each topic's `retention.ms`, `cleanup.policy`,
 *   `segment.ms` and `message.timestamp.type` and returns a problem when a
 *   record can outlive the window — `retention.ms` longer than the window
 *   (or -1), compaction without delete, `retention.ms + segment.ms` beyond
 *   it (brokers delete whole segments), append-time stamps, a topic that
 *   does not exist or cannot be described; the runner then refuses to start
 *   (GALLRA_CONFIG_RETENTION, exit 2) unless `--allow-longer-retention`,
 *   and audits either way. `enforce` removes nothing (the topic's retention
 *   does); `erasure` says that a topic cannot drop one person's records and
 *   when retention will have deleted them.
 * - **The aggregate store** (DuckDB rows and Parquet partitions;
 *   stores/duckdb/retention.ts): `enforce` deletes rows whose window began
 *   before the cutoff of `aggregates.retention` and drops
 *   `date=YYYY-MM-DD/` partitions left without a row or whose whole day is
 *   before it (`rows`, `partition`, named `<table>/date=<day>`); without
 *   the writer it defers the rows to a running writer; `oldest` is the
 *   earliest window start; `erasure` says that aggregates hold nothing
 *   about any one person (counts over groups of at least k visitors).
 *
 * A store implements `enforce` (required) and whichever of the rest it can.
 */

/** One thing a sweep removed (or would remove, dry). */
export interface Removal {
  /** Its unit: a whole file, lines of a rewritten file, a salt, a checkpoint, table rows, a partition, topic records. */
  readonly what: 'file' | 'lines' | 'salt' | 'checkpoint' | 'rows' | 'partition' | 'records';
  /** What it is called in the store (a file's base name, an epoch label, `date=2030-09-13`, `topic/3`): never data. */
  readonly name: string;
  /** How many (lines, rows, records); 1 when absent. */
  readonly count?: number;
}

/** What one store's sweep did. */
export interface SweepOutcome {
  readonly removed: readonly Removal[];
  /** What it left for another process to do (a running gallra that writes the store), in words. */
  readonly deferred?: readonly string[];
}

/** A setting that would let a store keep data longer than its window (found at start). */
export interface RetentionProblem {
  /** What is wrong, naming the setting and the store, never data. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/**
 * A store that keeps data over time and must hold it to a window.
 *
 * @example
 * const outcome = normaliseOutcome(await store.enforce(Date.now(), true)); // what would go
 */
export interface Retainable {
  /**
   * Removes what is held outside the window at `nowMs` (with `dryRun`, only
   * says what would go). A bare list of names is read as whole files (the
   * form stores written before SweepOutcome return).
   */
  enforce(nowMs: number, dryRun: boolean): Promise<readonly string[] | SweepOutcome>;
  /** The time of the oldest record held now (ms), undefined when it holds none. */
  oldest?(nowMs: number): Promise<number | undefined>;
  /**
   * The earliest instant by which something still held should have been
   * removed, undefined when nothing is overdue. Stores without it are judged
   * by `oldest` against their window.
   */
  overdue?(nowMs: number): Promise<number | undefined>;
  /** Settings that would keep data past the window, checked before any data flows. */
  check?(nowMs: number): Promise<readonly RetentionProblem[]>;
  /** For data-subject requests on a store gallra cannot search: what happens to one person's data in it, and when. */
  erasure?(nowMs: number): string;
}

/**
 * A sweep's outcome in the one shape, whichever form the store returned.
 *
 * @example
 * normaliseOutcome(['/var/log/gallra/access-2030-09-13.log']) // { removed: [{ what: 'file', name: 'access-2030-09-13.log' }] }
 */
export function normaliseOutcome(r: readonly string[] | SweepOutcome): SweepOutcome {
  if (!Array.isArray(r)) return r as SweepOutcome;
  return { removed: (r as readonly string[]).map((p) => ({ what: 'file' as const, name: p.slice(p.lastIndexOf('/') + 1) })) };
}

/**
 * Whether a live component holds itself to its window (the sweeper then
 * goes through it, so it can close what it deletes).
 *
 * @example
 * if (isRetainable(sink)) await sink.enforce(Date.now(), true);
 */
export function isRetainable(x: object): x is Retainable {
  return typeof (x as Partial<Retainable>).enforce === 'function';
}
