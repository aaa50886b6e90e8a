/**
 * What a config reload (SIGHUP) changes: which sources and sinks keep
 * running untouched, which stop, which start, and whether every source's
 * line pipeline is rebuilt for a changed policy. Components are matched by
 * name (their `name:`, else the name gallra gives them); one whose config is
 * the same keeps running — its open files, sockets and positions — and one
 * whose config changed is stopped (drained, positions recorded) and started
 * anew — except for its `format:` alone, which a running source takes with a
 * new line pipeline (stdin cannot be reopened). Sections that only a restart
 * can change (salts, http, run, audit, and any other besides the per-line
 * policy and the components) are named, and the running values stay.
 */
import { isGallraError } from '../errors.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { PolicyConfig, SinkConfig, SourceConfig } from '../policy/schema.js';
import { componentName, type Registry } from '../registry.js';
import type { Sink } from '../sinks/sink.js';
import type { Running, RunnerParts } from './runner.js';

export interface ComponentPlan {
  /** Names that keep running as they are. */
  readonly keep: readonly string[];
  /** Of those, sources whose `format:` changed: they keep running with a new line pipeline. */
  readonly reformat: readonly string[];
  /** Names that stop (removed, or changed and started anew). */
  readonly stop: readonly string[];
  /** Indices in the new config of the ones that start (new, or changed). */
  readonly start: readonly number[];
}

export interface ReloadPlan {
  /** The per-line policy changed (fields, formats, input, ip, redact, pseudonym, retention): every source gets a new line pipeline. */
  readonly policyChanged: boolean;
  readonly sources: ComponentPlan;
  readonly sinks: ComponentPlan;
  /** Sections that changed but take effect only after a restart. */
  readonly needRestart: readonly string[];
}

/** JSON with keys sorted, so equal configs compare equal whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** Sections a reload applies to every source's line pipeline. Any other section but sources and sinks (salts, http, run, audit, …) waits for a restart. */
const PER_LINE = ['version', 'input', 'retention', 'pseudonym', 'ip', 'redact', 'fields', 'formats'] as const;
const COMPONENTS = new Set(['sources', 'sinks']);

/** A config without its `format:` (a source reading another format keeps its files and sockets). */
const withoutFormat = (c: SourceConfig | SinkConfig): string => canonical({ ...c, format: undefined });

function plan<C extends SourceConfig | SinkConfig>(before: readonly C[], after: readonly C[], nameOf: (c: C, i: number) => string, restartAll: boolean): ComponentPlan {
  const old = new Map(before.map((c, i) => [nameOf(c, i), c]));
  const keep: string[] = [];
  const reformat: string[] = [];
  const start: number[] = [];
  after.forEach((c, i) => {
    const name = nameOf(c, i);
    const was = old.get(name);
    if (restartAll || was === undefined || withoutFormat(was) !== withoutFormat(c)) {
      start.push(i);
      return;
    }
    keep.push(name);
    if (canonical(was) !== canonical(c)) reformat.push(name);
  });
  const stop = [...old.keys()].filter((n) => !keep.includes(n));
  return { keep, reformat, stop, start };
}

/**
 * Compares the running config with the new one.
 *
 * @example
 * const p = planReload(running.config, next.config, components);
 * p.sinks.start // [1]: the second sink of the new config is new or changed
 */
export function planReload(before: PolicyConfig, after: PolicyConfig, registry: Registry): ReloadPlan {
  const changed = (k: string): boolean => canonical((before as Record<string, unknown>)[k]) !== canonical((after as Record<string, unknown>)[k]);
  const policyChanged = PER_LINE.some(changed);
  const sections = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const needRestart = sections.filter((k) => !COMPONENTS.has(k) && !(PER_LINE as readonly string[]).includes(k) && changed(k));
  const sourceName = (c: SourceConfig, i: number): string => componentName(registry.source(c.type), c, i);
  const sinkName = (c: SinkConfig, i: number): string => componentName(registry.sink(c.type), c, i);
  return {
    policyChanged,
    // The longest line is also the syslog source's longest message.
    sources: plan(before.sources ?? [], after.sources ?? [], sourceName, changed('input') && before.input.max_line_length !== after.input.max_line_length),
    // File sinks hold the retention window they delete by.
    sinks: plan(before.sinks ?? [], after.sinks ?? [], sinkName, changed('retention')),
    needRestart,
  };
}

/**
 * Applies a reload to a running runner. Everything new is built first (a
 * failure leaves the old config running); then every source that stays is
 * paused between two batches and committed (all it read is durable, its
 * position recorded), the sources that go are stopped and drained, the sinks
 * are swapped in place (the ones that go are flushed and closed), a changed
 * policy is swapped into the staying sources' pipelines, and they resume;
 * last, the new sources start (after the old ones released their ports and
 * recorded their positions). Resolves to whether the new config was applied.
 *
 * @example
 * await applyReload(runner, loadPolicy(file)); // true
 */
export async function applyReload(runner: { readonly parts: RunnerParts }, next: LoadedPolicy): Promise<boolean> {
  const r = runner.parts;
  const c = next.config;
  const plan = planReload(r.loaded.config, c, r.registry);
  const newSources = c.sources!;
  const newSinks = c.sinks!;
  const sinkName = (s: SinkConfig, i: number): string => componentName(r.registry.sink(s.type), s, i);
  const sourceName = (s: SourceConfig, i: number): string => componentName(r.registry.source(s.type), s, i);
  const kept = r.running.filter((x) => plan.sources.keep.includes(x.name));
  const going = r.running.filter((x) => plan.sources.stop.includes(x.name));

  const madeSinks = new Map<number, Sink>();
  const starting: Running[] = [];
  let rebuilt: (ReturnType<RunnerParts['buildLine']> | undefined)[] = [];
  try {
    for (const i of plan.sinks.start) madeSinks.set(i, r.makeSink(next, newSinks[i]!, i));
    for (const i of plan.sources.start) starting.push(r.makeSource(next, newSources[i]!, i));
    rebuilt = kept.map((x) => (plan.policyChanged || plan.sources.reformat.includes(x.name) ? r.buildLine(next, newSources.find((s, i) => sourceName(s, i) === x.name)!) : undefined));
  } catch (err) {
    await Promise.all([...madeSinks.values()].map((s) => s.close().catch(() => undefined)));
    r.log.error({ code: isGallraError(err) ? err.code : undefined }, `config reload rejected (a source or sink of the new config cannot be built); the running config stays:\n${isGallraError(err) ? `${err.code}: ${err.message}` : String(err)}`);
    return false;
  }

  r.setReloading(true);
  await Promise.all(kept.map((x) => x.pipeline.pause()));
  try {
    // What the staying sources read so far is durable in the sinks it went to, and its position recorded.
    await Promise.all(kept.map((x) => x.pipeline.commit()));
    for (const x of going) x.source.stop();
    await Promise.all(going.map((x) => x.done));
    // A Kafka source commits what is acknowledged and leaves its group (a connected consumer would keep gallra alive).
    await Promise.all(going.map((x) => x.source.close?.().catch((err: unknown) => r.log.error({ err, source: x.name }, 'closing a source the reload removed failed'))));
    for (const x of going) r.retire(x);
    // The sinks, in the new config's order: staying ones as they are, new and changed ones fresh.
    const old = new Map(r.sinkNames.map((n, i) => [n, r.sinks[i]!]));
    const list = newSinks.map((s, i) => madeSinks.get(i) ?? old.get(sinkName(s, i))!);
    const closing = plan.sinks.stop.map((n) => old.get(n)!);
    r.sinks.splice(0, r.sinks.length, ...list, ...r.extraSinks);
    r.sinkNames.splice(0, r.sinkNames.length, ...newSinks.map(sinkName));
    await Promise.all(closing.map((s) => s.close().catch((err: unknown) => r.log.error({ err, sink: s.name }, 'closing a sink the reload removed failed'))));
    kept.forEach((x, j) => {
      const b = rebuilt[j];
      if (b === undefined) return;
      x.pipeline.replace(b.pipeline, b.output);
      x.pseudonymiser = b.pseudonymiser;
    });
    r.adopt(next);
  } finally {
    for (const x of kept) x.pipeline.resume();
    r.setReloading(false);
  }
  for (const x of starting) {
    if (r.stopping()) break;
    // The same source under a changed config counts on from where it was.
    const before = going.find((g) => g.name === x.name);
    if (before !== undefined) x.pipeline.pipeline.stats.add(before.pipeline.stats);
    try {
      await x.source.start();
    } catch (err) {
      r.log.error({ err, source: x.name }, 'a source of the reloaded config cannot start; gallra goes on without it');
      continue;
    }
    r.running.push(x);
    r.launch(x);
  }
  r.log.info(
    { sources: { kept: plan.sources.keep, stopped: plan.sources.stop, started: starting.map((x) => x.name), ...(plan.sources.reformat.length > 0 ? { reformatted: plan.sources.reformat } : {}) }, sinks: { kept: plan.sinks.keep, stopped: plan.sinks.stop, started: plan.sinks.start.map((i) => sinkName(newSinks[i]!, i)) }, policy_changed: plan.policyChanged },
    'config reloaded',
  );
  if (plan.needRestart.length > 0) r.log.warn({ sections: plan.needRestart }, `config reloaded, but ${plan.needRestart.join(', ')} take effect only after a restart; the running values stay until then`);
  return true;
}
