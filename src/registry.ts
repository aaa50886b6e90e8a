/**
 * The component registry: every format, source, sink, transform (and store)
 * gallra can build, by kind and name. The policy schema, `check-config`, the
 * runner and the retention sweeper iterate it, so adding a component touches
 * its own folder and one line in `components.ts` — no central switch knows
 * every sink.
 */
import type { FormatEntry } from './formats/format.js';
import type { SinkEntry } from './sinks/sink.js';
import type { SourceConfigBase, SourceEntry } from './sources/source.js';
import type { StoreEntry } from './stores/store.js';
import type { TransformEntry } from './transforms/transform.js';

// Entries are stored with their config types erased: the registry hands each
// entry only configs its own schema produced.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnySourceEntry = SourceEntry<any>;
export type AnySinkEntry = SinkEntry<any>;
export type AnyTransformEntry = TransformEntry<any>;
export type AnyStoreEntry = StoreEntry<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type ComponentEntry = FormatEntry | AnySourceEntry | AnySinkEntry | AnyTransformEntry | AnyStoreEntry;

/**
 * @example
 * const registry = new Registry([combinedFormat, fileSource, fileSink, keepTransform]);
 * registry.source('file')?.create(config, ctx);
 */
export class Registry {
  readonly formats = new Map<string, FormatEntry>();
  readonly sources = new Map<string, AnySourceEntry>();
  readonly sinks = new Map<string, AnySinkEntry>();
  readonly transforms = new Map<string, AnyTransformEntry>();
  /** Aggregate stores (`aggregates.store.type`). */
  readonly stores = new Map<string, AnyStoreEntry>();

  constructor(entries: readonly ComponentEntry[]) {
    for (const e of entries) {
      const map: Map<string, ComponentEntry> = this.mapOf(e.kind);
      if (map.has(e.name)) throw new Error(`registry: two ${e.kind}s named ${e.name}`);
      map.set(e.name, e);
    }
  }

  format(name: string): FormatEntry | undefined {
    return this.formats.get(name);
  }

  source(name: string): AnySourceEntry | undefined {
    return this.sources.get(name);
  }

  sink(name: string): AnySinkEntry | undefined {
    return this.sinks.get(name);
  }

  transform(name: string): AnyTransformEntry | undefined {
    return this.transforms.get(name);
  }

  store(name: string): AnyStoreEntry | undefined {
    return this.stores.get(name);
  }

  /** The built-in formats `--format auto` tries, in order (the most specific first). */
  autoFormats(): FormatEntry[] {
    return [...this.formats.values()].filter((f) => f.autoOrder !== undefined).sort((a, b) => a.autoOrder! - b.autoOrder!);
  }

  private mapOf(kind: ComponentEntry['kind']): Map<string, ComponentEntry> {
    switch (kind) {
      case 'format':
        return this.formats;
      case 'source':
        return this.sources;
      case 'sink':
        return this.sinks;
      case 'transform':
        return this.transforms;
      case 'store':
        return this.stores;
    }
  }
}

/**
 * A component's name in logs and metrics: its `name:`, else what its entry
 * derives (a file source: the file's name), else its type and position.
 *
 * @example
 * componentName(registry.source('file'), { type: 'file', path: '/var/log/nginx/access.log' }, 0) // 'access.log'
 */
export function componentName(entry: AnySourceEntry | AnySinkEntry | undefined, config: SourceConfigBase, index: number): string {
  if (config.name !== undefined) return config.name;
  const derived = entry?.kind === 'source' ? entry.defaultName?.(config, index) : undefined;
  return derived ?? `${config.type}-${index + 1}`;
}

/**
 * The registry entry that builds format `name`: a built-in by its name, else
 * the template engine (an operator's own layout).
 *
 * @example
 * formatEntryFor(components, 'my_nginx').name // 'template'
 */
export function formatEntryFor(registry: Registry, name: string): FormatEntry {
  return registry.format(name) ?? registry.format('template')!;
}
