/**
 * The composition root of the aggregate side: the stage a policy's
 * `aggregates:` section describes, its store (through the registry entry,
 * which loads the database engine only now), and read-only engines for
 * `gallra query` and `gallra serve`. `gallra anonymise`, `gallra run` and
 * the readers all build theirs here.
 */
import { type AggregateSettings, aggregateSettings } from '../aggregate/config.js';
import { AggregateOutput } from '../aggregate/output.js';
import { AggregateStage } from '../aggregate/stage.js';
import { components } from '../components.js';
import { GallraError } from '../errors.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { AnyStoreEntry, Registry } from '../registry.js';
import type { QueryEngine, StoreContext } from '../stores/store.js';
import { toDuration } from '../util/schema.js';
import { resolveStateDir } from '../util/state-dir.js';

/** A policy's aggregate stage and the output that writes it to its store (its retention: runtime/sweeper.ts, aggregateSweptStore). */
export interface Aggregates {
  readonly settings: AggregateSettings;
  readonly stage: AggregateStage;
  readonly output: AggregateOutput;
  /** Opens the store and attaches it to the output (the database engine is loaded now). */
  open(): Promise<void>;
}

export interface AggregateOptions {
  readonly registry?: Registry;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  readonly warn?: (message: string) => void;
  /** Store failures seen by the output's timer. */
  readonly onError?: (err: unknown) => void;
}

function entryFor(loaded: LoadedPolicy, registry: Registry): AnyStoreEntry {
  const c = loaded.config.aggregates!;
  const entry = registry.store(c.store.type);
  if (entry === undefined) throw new GallraError('GALLRA_INTERNAL', `unknown store ${c.store.type} (the policy was validated against another registry)`);
  return entry;
}

/**
 * What a store of `loaded`'s policy is built with.
 *
 * @example
 * entry.describe(config, storeContext(loaded, process.env))
 */
export function storeContext(loaded: LoadedPolicy, env: NodeJS.ProcessEnv, now: () => number = Date.now, warn: (m: string) => void = () => undefined): StoreContext {
  const c = loaded.config.aggregates!;
  return {
    name: typeof c.store.name === 'string' ? c.store.name : 'aggregates',
    baseDir: loaded.baseDir,
    stateDir: resolveStateDir(env),
    retention: toDuration(c.retention),
    now,
    warn,
  };
}

/**
 * The aggregate stage of a policy, or undefined when it has no `aggregates:`.
 * Push `stage` into each pipeline's consumers (built with deriveVisitorId),
 * give `output` to the sinks, and `await open()` before the first flush.
 *
 * @example
 * const agg = createAggregates(loaded, { now });
 * if (agg) { pipeline.consumers.push(agg.stage); await agg.open(); }
 */
export function createAggregates(loaded: LoadedPolicy, options: AggregateOptions = {}): Aggregates | undefined {
  const c = loaded.config.aggregates;
  if (c === undefined) return undefined;
  const registry = options.registry ?? components;
  const now = options.now ?? Date.now;
  const settings = aggregateSettings(c);
  const stage = new AggregateStage(settings);
  const ctx = storeContext(loaded, options.env ?? process.env, now, options.warn);
  const output = new AggregateOutput(ctx.name, stage, now, options.onError);
  const entry = entryFor(loaded, registry);
  return {
    settings,
    stage,
    output,
    async open() {
      // (The caller sweeps it at once — gallra run with its other stores, gallra anonymise on its own —
      // so rows that aged out while gallra was down go, recorded in the audit trail.)
      output.attach(await entry.open(c.store, ctx));
    },
  };
}

/**
 * A read-only engine over a policy's store, and the settings it was written
 * with (the API offers only what those grouping sets can answer).
 *
 * @example
 * const { engine } = await openAggregateReader(loaded, { cache: true });
 */
export async function openAggregateReader(
  loaded: LoadedPolicy,
  options: { readonly cache?: boolean; readonly source?: 'auto' | 'parquet' | 'database'; readonly registry?: Registry; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<{ engine: QueryEngine; settings: AggregateSettings }> {
  const c = loaded.config.aggregates;
  if (c === undefined) {
    throw new GallraError('GALLRA_USAGE', `${loaded.file ?? 'the built-in policy'}: the policy has no aggregates: section, so there is no aggregate store to read\n  fix: add aggregates: with a store (see the README, "Aggregates")`);
  }
  const registry = options.registry ?? components;
  const entry = entryFor(loaded, registry);
  const engine = await entry.reader(c.store, storeContext(loaded, options.env ?? process.env), { cache: options.cache, source: options.source });
  return { engine, settings: aggregateSettings(c) };
}
