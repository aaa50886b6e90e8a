/**
 * What every aggregate store provides, and how a store is registered.
 *
 * A store keeps the anonymous aggregate tables (see aggregates-table.ts).
 * There is exactly one writer per store: the process that runs the
 * aggregate stage (`gallra run`, or `gallra anonymise` while it runs).
 * Readers (`gallra query`, `gallra serve`) never take the writer's place:
 * they read what the writer has published, through a {@link QueryEngine}
 * that runs only read-only SQL and can reach no file but the store's own.
 */
import type { z } from 'zod';
import type { Retainable } from '../sinks/sink.js';
import type { Duration } from '../time/duration.js';
import type { Health, MetricSample } from '../util/metric.js';
import type { ClosedWindow } from './aggregates-table.js';

/** A value a query returns: numbers (BIGINT and TIMESTAMP converted: ms for times), text, or NULL. */
export type Cell = number | string | boolean | null;

/** A query result: column names and rows of plain JSON values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Whether rows beyond `maxRows` were left out. */
  readonly truncated: boolean;
}

/**
 * Read-only SQL over the aggregate tables. `query` runs SQL that gallra
 * itself wrote (the API's fixed queries, with bound parameters); `userQuery`
 * runs SQL an analyst typed, after refusing anything that is not one
 * read-only statement over the aggregate tables.
 */
export interface QueryEngine {
  /** gallra's own SQL with named parameters (`$from`); times come back as ms. */
  query(sql: string, params?: Readonly<Record<string, string | number>>): Promise<QueryResult>;
  /** An analyst's SQL: refused (GALLRA_QUERY_REFUSED) unless it is one read-only SELECT; bounded in time and rows. */
  userQuery(sql: string, limits?: { readonly timeoutMs?: number; readonly maxRows?: number }): Promise<QueryResult>;
  /** Brings the engine up to date with what the writer has published since (serve's cache); cheap when nothing changed. */
  refresh?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The writing side of a store, owned by the process running the aggregate
 * stage. It is {@link Retainable}: the sweeper holds it to
 * `aggregates.retention`.
 */
export interface AggregateStore extends Retainable {
  readonly name: string;
  /** Adds a closed window's rows (buffered until flush). */
  write(window: ClosedWindow): Promise<void>;
  /** Makes what was written durable and published to readers (Parquet partitions). */
  flush(): Promise<void>;
  /** An engine over the live store for this process's own API (gallra run with http:). */
  engine(): Promise<QueryEngine>;
  close(): Promise<void>;
  health?(): Health;
  metrics?(): readonly MetricSample[];
}

/** What a store is built with. */
export interface StoreContext {
  /** The store's name in logs and metrics. */
  readonly name: string;
  /** Directory relative paths in the policy are resolved against. */
  readonly baseDir: string;
  /** gallra's state directory (default home of the store's files). */
  readonly stateDir: string;
  /** How long aggregates are kept (`aggregates.retention`). */
  readonly retention: Duration;
  readonly now: () => number;
  /** Warnings for the operator (never with data). */
  readonly warn: (message: string) => void;
}

/**
 * A registry entry for a store. The module that does the work is loaded
 * only when a store is opened, so a policy without `aggregates:` never
 * loads a database engine.
 */
export interface StoreEntry<C extends { readonly type: string } = { readonly type: string }> {
  readonly kind: 'store';
  /** The `type:` of `aggregates.store`. */
  readonly name: string;
  readonly description: string;
  /** The config schema (strict), with `type: <name>`. */
  readonly schema: z.ZodType<C>;
  /** Opens the store for writing (the single writer). */
  open(config: C, ctx: StoreContext): Promise<AggregateStore>;
  /** Opens a read-only engine over what the writer has published. */
  reader(config: C, ctx: StoreContext, options?: { readonly cache?: boolean | undefined; readonly source?: 'auto' | 'parquet' | 'database' | undefined }): Promise<QueryEngine>;
  /** What this configured store will do, for check-config. */
  describe(config: C, ctx: Omit<StoreContext, 'now' | 'warn'>): string;
  /** The store held to its window by a sweeper that runs without the writer (`gallra retention`). */
  retention(config: C, ctx: Omit<StoreContext, 'warn'>): Retainable;
}

/**
 * Declares a store (types its config).
 *
 * @example
 * export const duckdbStore = defineStore({ name: 'duckdb', description: '…', schema, open, reader, describe, retention });
 */
export function defineStore<C extends { readonly type: string }>(entry: Omit<StoreEntry<C>, 'kind'>): StoreEntry<C> {
  return { kind: 'store', ...entry };
}
