/**
 * The retention sweeper: holds every store gallra writes to its window. It
 * runs at start-up and once a minute inside `gallra run`, and on demand as
 * `gallra retention`; `gallra status` and `gallra audit report` ask it what
 * each store holds. Each store implements {@link Retainable}
 * (retention/retainable.ts says what each kind must do); the sweeper
 * iterates the stores the policy configures through the registry, so a new
 * sink or store that keeps data brings its own retention, and it records
 * what every sweep removed in the audit trail.
 *
 * Stores today: the file sinks' day files, the checkpoints of sources, the
 * keyring's salts, and the aggregate store (its rows and Parquet partitions,
 * held to `aggregates.retention`). Kafka topics join through their registry
 * entries' `retention` when they land (see forPolicy).
 */
import path from 'node:path';
import type { AuditLog } from '../audit/log.js';
import { GallraError } from '../errors.js';
import { removedOf } from '../audit/record.js';
import type { Keyring } from '../keyring/keyring.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { PolicyConfig } from '../policy/schema.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { normaliseOutcome, type Removal, type Retainable, type RetentionProblem } from '../retention/retainable.js';
import { CHECKPOINT_FILE, StaleFileStore } from '../retention/stale-files.js';
import { isExpiredAt, retentionCutoff } from '../retention/window.js';
import type { Duration } from '../time/duration.js';
import { errnoOf } from '../util/errno.js';
import { toDuration } from '../time/duration.js';
import { resolveStateDir } from '../util/state-dir.js';
import { storeContext } from './aggregates.js';
import { saltsClause, saltStore } from './salt-store.js';
import { StoredLineReader } from './stored-lines.js';

/** How often `gallra run` sweeps. */
export const SWEEP_INTERVAL_MS = 60_000;
/** A sweep of a store that removed nothing is recorded at most this often (the trail still shows the sweeper ran). */
export const QUIET_RECORD_MS = 3_600_000;
/** How long past its window something may still be held before `gallra status` calls it out of policy: two sweeps. */
export const STATUS_TOLERANCE_MS = 2 * SWEEP_INTERVAL_MS;

/** One store under the sweeper. */
export interface SweptStore {
  /** Its name in the policy (a sink's name), or `salts`, `checkpoints`. */
  readonly name: string;
  /** What kind of store: `day-files`, `salts`, `checkpoints`, or a store type. */
  readonly kind: string;
  /** The policy clause it is held to, as the audit trail names it: `retention.keep: P6M`. */
  readonly clause: string;
  /** Its window, when it has one (salts are held to their epochs instead: `overdue`). */
  readonly keep: Duration | undefined;
  readonly retainable: Retainable;
}

/** What one store's sweep did. */
export interface StoreSweep {
  readonly store: string;
  readonly kind: string;
  readonly clause: string;
  /** The window start enforced (ms), for stores with a window. */
  readonly cutoff: number | undefined;
  readonly removed: readonly Removal[];
  readonly deferred: readonly string[];
  /** Why the sweep of this store failed (the other stores were swept all the same). */
  readonly error?: unknown;
}

/** What a store holds now, against its window. */
export interface StoreHolding {
  readonly store: string;
  readonly kind: string;
  readonly clause: string;
  readonly cutoff: number | undefined;
  /** The oldest record held (ms), undefined when empty (or unknown). */
  readonly oldest: number | undefined;
  /** For stores that say so (salts): the earliest instant by which something held should have gone. */
  readonly overdueSince: number | undefined;
  /** Holds something outside its window as it was {@link STATUS_TOLERANCE_MS} ago (or overdue by more than that). */
  readonly outOfPolicy: boolean;
  readonly error?: unknown;
}

export interface SweeperOptions {
  /** Where sweeps are recorded; none for a sweeper that must not write (tests). */
  readonly audit?: AuditLog | undefined;
  /** The command sweeping, for the record: `gallra run`, `gallra retention`. */
  readonly by: string;
  /** Told when a record could not be written (the sweep itself stands). */
  readonly onAuditError?: (err: unknown) => void;
}

/** The kind of store a sink of `type` keeps, as status and the audit trail name it. */
export function storeKindOf(sinkType: string): string {
  return sinkType === 'file' ? 'day-files' : sinkType;
}

/** The clause of the events window. */
export function eventsClause(policy: PolicyConfig): string {
  return `retention.keep: ${policy.retention.keep}`;
}

/** The clause of the aggregates' own window. */
export function aggregatesClause(policy: PolicyConfig): string {
  return `aggregates.retention: ${policy.aggregates?.retention ?? '-'}`;
}

/**
 * The aggregate store of a policy with `aggregates:` as the sweeper holds it:
 * through `retainable` (the live writer's output in gallra run and
 * anonymise, the registry entry's retention without a writer).
 *
 * @example
 * sweeper = new Sweeper([aggregateSweptStore(loaded, aggregates.output)], Date.now, { audit, by: 'gallra anonymise' });
 */
export function aggregateSweptStore(loaded: LoadedPolicy, retainable: Retainable, env: NodeJS.ProcessEnv = process.env): SweptStore {
  const c = loaded.config.aggregates!;
  const ctx = storeContext(loaded, env);
  return { name: ctx.name, kind: c.store.type, clause: aggregatesClause(loaded.config), keep: ctx.retention, retainable };
}

/**
 * @example
 * const results = await Sweeper.forPolicy(loaded, components, Date.now, { by: 'gallra retention', env: process.env }).sweep(true);
 */
export class Sweeper {
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    readonly stores: readonly SweptStore[],
    private readonly now: () => number,
    private readonly options: SweeperOptions = { by: 'gallra' },
  ) {}

  /**
   * The stores a policy configures, each with its registry entry's
   * retention (for `gallra retention`, `status` and `audit report`, with no
   * pipeline running): every file sink's day files, the checkpoints
   * directory, the salts when a keyring is given, and the aggregate store
   * through its entry's `retention(config, ctx)`, held to
   * `aggregates.retention`.
   */
  static forPolicy(
    loaded: LoadedPolicy,
    registry: Registry,
    now: () => number,
    options: SweeperOptions & { readonly env: NodeJS.ProcessEnv; readonly keyring?: Keyring | undefined },
  ): Sweeper {
    const c = loaded.config;
    const window = retentionWindowFromConfig(c.retention);
    const reader = new StoredLineReader(c, registry);
    const lineTime = (line: string): number => reader.time(line);
    const stores: SweptStore[] = [];
    (c.sinks ?? []).forEach((s, i) => {
      const entry = registry.sink(s.type);
      if (entry?.retention === undefined) return;
      const name = componentName(entry, s, i);
      const retainable = entry.retention(s, { name, baseDir: loaded.baseDir, window, now, lineTime });
      stores.push({ name, kind: storeKindOf(s.type), clause: eventsClause(c), keep: window.keep, retainable });
    });
    const agg = c.aggregates;
    const storeEntry = agg === undefined ? undefined : registry.store(agg.store.type);
    if (agg !== undefined && storeEntry !== undefined) stores.push(aggregateSweptStore(loaded, storeEntry.retention(agg.store, storeContext(loaded, options.env, now)), options.env));
    stores.push(checkpointStore(loaded, options.env));
    if (options.keyring !== undefined) stores.push({ name: 'salts', kind: 'salts', clause: saltsClause(c), keep: undefined, retainable: saltStore(options.keyring) });
    return new Sweeper(stores, now, options);
  }

  /**
   * Holds every store to its window now; `dryRun` only reports what would
   * go (and records nothing). A store that fails is reported in its result;
   * the others are swept all the same.
   */
  async sweep(dryRun: boolean): Promise<StoreSweep[]> {
    const nowMs = this.now();
    const results: StoreSweep[] = [];
    for (const s of this.stores) {
      const cutoff = s.keep === undefined ? undefined : retentionCutoff(nowMs, { keep: s.keep });
      let result: StoreSweep;
      try {
        const outcome = normaliseOutcome(await s.retainable.enforce(nowMs, dryRun));
        result = { store: s.name, kind: s.kind, clause: s.clause, cutoff, removed: outcome.removed, deferred: outcome.deferred ?? [] };
      } catch (err) {
        result = { store: s.name, kind: s.kind, clause: s.clause, cutoff, removed: [], deferred: [], error: err };
      }
      results.push(result);
      if (!dryRun) await this.record(result, nowMs);
    }
    return results;
  }

  /** Settings of any store that would keep data past its window (Kafka retention.ms), before data flows. */
  async check(): Promise<{ store: string; problem: RetentionProblem }[]> {
    const nowMs = this.now();
    const out: { store: string; problem: RetentionProblem }[] = [];
    for (const s of this.stores) for (const problem of (await s.retainable.check?.(nowMs)) ?? []) out.push({ store: s.name, problem });
    return out;
  }

  /** What each store holds now and whether it is within its window (gallra status, audit report). */
  async holdings(): Promise<StoreHolding[]> {
    const nowMs = this.now();
    const out: StoreHolding[] = [];
    for (const s of this.stores) {
      const cutoff = s.keep === undefined ? undefined : retentionCutoff(nowMs, { keep: s.keep });
      try {
        const oldest = await s.retainable.oldest?.(nowMs);
        const overdueSince = await s.retainable.overdue?.(nowMs);
        // Judged by the window a little while ago: what expired since the last sweep or two is not yet a breach.
        const outOfPolicy =
          overdueSince !== undefined
            ? overdueSince < nowMs - STATUS_TOLERANCE_MS
            : oldest !== undefined && s.keep !== undefined && isExpiredAt(oldest, retentionCutoff(nowMs - STATUS_TOLERANCE_MS, { keep: s.keep }));
        out.push({ store: s.name, kind: s.kind, clause: s.clause, cutoff, oldest, overdueSince, outOfPolicy });
      } catch (err) {
        out.push({ store: s.name, kind: s.kind, clause: s.clause, cutoff, oldest: undefined, overdueSince: undefined, outOfPolicy: true, error: err });
      }
    }
    return out;
  }

  /** One record per store swept: always when it removed, deferred or failed, else at most once per QUIET_RECORD_MS. */
  private async record(r: StoreSweep, nowMs: number): Promise<void> {
    const audit = this.options.audit;
    if (audit === undefined) return;
    const quiet = r.removed.length === 0 && r.deferred.length === 0 && r.error === undefined;
    const last = this.lastRecorded.get(r.store);
    if (quiet && last !== undefined && nowMs - last < QUIET_RECORD_MS) return;
    try {
      await audit.append({
        action: 'sweep',
        by: this.options.by,
        store: r.store,
        kind: r.kind,
        clause: r.clause,
        ...(r.cutoff !== undefined ? { cutoff: new Date(r.cutoff).toISOString() } : {}),
        removed: removedOf(r.removed),
        ...(r.deferred.length > 0 ? { deferred: r.deferred } : {}),
        ...(r.error !== undefined ? { error: errorCode(r.error) } : {}),
      });
      this.lastRecorded.set(r.store, nowMs);
    } catch (err) {
      this.options.onAuditError?.(err);
    }
  }
}

/**
 * Before anything runs: when a store would keep data longer than its window
 * (a Kafka topic's retention.ms), refuses with GALLRA_CONFIG_RETENTION
 * (exit 2) — or, when `allow` (--allow-longer-retention), goes on; the audit
 * trail records either. Returns the problems allowed (to log).
 *
 * @example
 * const allowed = await refuseLongerRetention(sweeper, loaded, { allow: false, audit, by: 'gallra run' });
 */
export async function refuseLongerRetention(
  sweeper: Sweeper,
  loaded: LoadedPolicy,
  o: { readonly allow: boolean; readonly audit: AuditLog; readonly by: string; readonly onAuditError?: (err: unknown) => void },
): Promise<string[]> {
  const problems = await sweeper.check();
  if (problems.length === 0) return [];
  const reasons = problems.map((p) => `${p.store}: ${p.problem.message}`);
  const clause = eventsClause(loaded.config);
  const note = (err: unknown): void => o.onAuditError?.(err);
  if (o.allow) {
    await o.audit.append({ action: 'longer-retention-allowed', by: o.by, clause, reason: reasons.join('; ') }).catch(note);
    return reasons;
  }
  await o.audit.append({ action: 'start-refused', by: o.by, clause, reason: reasons.join('; ') }).catch(note);
  throw new GallraError(
    'GALLRA_CONFIG_RETENTION',
    `${loaded.file ?? 'the policy'}: a store would keep data longer than ${clause}:\n${problems
      .map((p) => `  ${p.store}: ${p.problem.message}\n    fix: ${p.problem.fix}`)
      .join('\n')}\n  or run with --allow-longer-retention (logged, and recorded in the audit trail)`,
  );
}

/** An error as the audit trail may name it: its code, never its message (which may name paths). */
export function errorCode(err: unknown): string {
  return (err as { code?: unknown } | null)?.code !== undefined ? String((err as { code: unknown }).code) : (errnoOf(err) ?? 'error');
}

/**
 * The checkpoints a policy's sources keep: the state directory's
 * `checkpoints/` (every default checkpoint, and those of sources since
 * removed from the policy) and the directory of any source's own
 * `checkpoint:` file.
 */
export function checkpointStore(loaded: LoadedPolicy, env: NodeJS.ProcessEnv): SweptStore {
  const c = loaded.config;
  const dirs = [path.join(resolveStateDir(env), 'checkpoints')];
  for (const s of c.sources ?? []) if (typeof s.checkpoint === 'string') dirs.push(path.dirname(path.resolve(loaded.baseDir, s.checkpoint)));
  const keep = toDuration(c.retention.keep);
  return { name: 'checkpoints', kind: 'checkpoints', clause: eventsClause(c), keep, retainable: new StaleFileStore({ dirs, match: CHECKPOINT_FILE, window: { keep } }) };
}
