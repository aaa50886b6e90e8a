/**
 * The retention sweeper: holds every store gallra writes to its window. It
 * runs at start-up and once a minute inside `gallra run`, and on demand as
 * `gallra retention`. Each store implements {@link Retainable}; the sweeper
 * iterates the stores the policy configures (through the registry), so a new
 * sink or store that keeps data brings its own retention.
 */
import type { LoadedPolicy } from '../policy/load.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import type { Retainable } from '../sinks/sink.js';

/** One store under the sweeper. */
export interface SweptStore {
  readonly kind: 'sink' | 'store';
  readonly name: string;
  readonly retainable: Retainable;
}

/** What one sweep removed (or, dry, would remove), per store. */
export interface SweepResult {
  readonly store: string;
  readonly removed: readonly string[];
}

/**
 * @example
 * const results = await Sweeper.forPolicy(loaded, components, Date.now).sweep(true);
 */
export class Sweeper {
  constructor(
    readonly stores: readonly SweptStore[],
    private readonly now: () => number,
  ) {}

  /**
   * The stores a policy configures, each with its entry's retention (for
   * `gallra retention`, with no pipeline running).
   */
  static forPolicy(loaded: LoadedPolicy, registry: Registry, now: () => number): Sweeper {
    const c = loaded.config;
    const window = retentionWindowFromConfig(c.retention);
    const stores: SweptStore[] = [];
    (c.sinks ?? []).forEach((s, i) => {
      const entry = registry.sink(s.type);
      if (entry?.retention === undefined) return;
      const name = componentName(entry, s, i);
      stores.push({ kind: 'sink', name, retainable: entry.retention(s, { name, baseDir: loaded.baseDir, window, now }) });
    });
    return new Sweeper(stores, now);
  }

  /** Enforces every store's window now; `dryRun` only reports what would go. */
  async sweep(dryRun: boolean): Promise<SweepResult[]> {
    const nowMs = this.now();
    const results: SweepResult[] = [];
    for (const s of this.stores) results.push({ store: s.name, removed: await s.retainable.enforce(nowMs, dryRun) });
    return results;
  }
}
