/**
 * The `aggregates:` section of a policy, beside the stage it configures.
 *
 * ```yaml
 * aggregates:
 *   window: PT1H
 *   allowed_lateness: PT10M
 *   k: 5
 *   groupings: [total, [host], [status_class, status], [path_template]]
 *   store: { type: duckdb, path: /var/lib/gallra/aggregates.duckdb }
 *   retention: P25M
 * ```
 */
import { z } from '../util/zod.js';
import { DIMENSIONS, type Dimension } from '../stores/aggregates-table.js';
import { type Duration, fitsWithin, mustParseDuration, parseDuration } from '../time/duration.js';
import { durationSchema, toDuration } from '../util/schema.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Fixed length in ms of a duration without calendar parts, or NaN. */
export function fixedLengthMs(d: Duration): number {
  if (d.years !== 0 || d.months !== 0) return NaN;
  return ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
}

/** A window length tiles the UTC day: whole minutes, from PT1M to P1D, dividing 24 hours. */
function tilesTheDay(text: string): boolean {
  const d = parseDuration(text);
  if (d === undefined) return true; // durationSchema reports it
  const ms = fixedLengthMs(d);
  return Number.isFinite(ms) && ms >= MINUTE_MS && ms <= DAY_MS && ms % MINUTE_MS === 0 && DAY_MS % ms === 0;
}

const ONE_DAY = mustParseDuration('P1D');
const TEN_YEARS = mustParseDuration('P10Y');

/** A grouping set: `total`, or one to four dimensions. */
const groupingSchema = z.union([
  z.literal('total'),
  z
    .array(z.enum(DIMENSIONS))
    .min(1)
    .max(4)
    .refine((a) => new Set(a).size === a.length, 'a dimension is named twice in this grouping set'),
]);

/** The grouping sets the dashboard's panels need, one rollup each (each held to k on its own). */
export const DEFAULT_GROUPINGS: readonly (readonly Dimension[] | 'total')[] = [
  'total',
  ['host'],
  ['status_class', 'status'],
  ['path_template'],
  ['status', 'path_template'],
  ['referrer_domain'],
  ['browser', 'os', 'device', 'bot'],
  ['method'],
];

/**
 * `aggregates.noise`: discrete Laplace noise on every published count, for
 * operators who publish aggregates. Each visitor's requests count at most
 * `contribution_cap` times per row, so one visitor moves a count by at most
 * that much; the noise scale is `contribution_cap / epsilon`.
 */
export const noiseConfigSchema = z.strictObject({
  /** Privacy parameter per published count (smaller: more noise). */
  epsilon: z.number().gt(0).max(10),
  /** Most requests of one visitor counted in one row (and window). */
  contribution_cap: z.int().min(1).max(10_000).default(10),
  /** Most bytes one request counts for in a noised `bytes` sum. */
  bytes_cap: z.int().min(1).max(1 << 30).default(1 << 20),
});
export type NoiseConfig = z.infer<typeof noiseConfigSchema>;

/**
 * The `aggregates:` schema for a set of store schemas (the registry's stores,
 * picked by `type:`).
 *
 * @example
 * aggregatesConfigSchemaFor([duckdbStoreConfigSchema]).parse({ store: { type: 'duckdb' } })
 */
export function aggregatesConfigSchemaFor(storeSchemas: readonly z.ZodType[]) {
  const store =
    storeSchemas.length === 0
      ? z.never()
      : storeSchemas.length === 1
        ? storeSchemas[0]!
        : z.discriminatedUnion('type', storeSchemas as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  return z.strictObject({
    /** Tumbling windows on event time (UTC); they must tile the day: PT1M, PT5M, PT15M, PT1H, PT6H, P1D … */
    window: durationSchema.refine(tilesTheDay, 'a window must be whole minutes from PT1M to P1D that divide 24 hours (PT1M, PT5M, PT15M, PT1H, PT6H, P1D …)').default('PT1H'),
    /** How long after a window's end (by event time) its events are still merged; later ones are counted as late, never merged. */
    allowed_lateness: durationSchema.refine((s) => {
      const d = parseDuration(s);
      return d === undefined || fitsWithin(d, ONE_DAY);
    }, 'at most P1D: open windows are held in memory until then').default('PT10M'),
    /** Minimum distinct visitors per published row; smaller groups fold into (other). */
    k: z.int().min(2).max(1_000_000).default(5),
    /** The grouping sets, each its own rollup held to k on its own; `total` is always kept. */
    groupings: z.array(groupingSchema).min(1).max(32).default(DEFAULT_GROUPINGS as z.infer<typeof groupingSchema>[]),
    /** Distinct counts over days and calendar months, computed in the stream (their own tables). */
    rollups: z.strictObject({ day: z.boolean().default(true), month: z.boolean().default(true) }).default({ day: true, month: true }),
    /** Unit of the duration field (nginx $request_time: s; Apache %D: us; most JSON loggers: ms). */
    duration_unit: z.enum(['s', 'ms', 'us']).default('s'),
    /** Referrers from these domains (and from the request's own host) are grouped as (internal). */
    internal_domains: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'a domain name such as example.org')).max(100).default([]),
    /** Optional discrete-Laplace noise on published counts (off by default). */
    noise: noiseConfigSchema.optional(),
    /** Where the aggregates are kept. */
    store,
    /** How long aggregates are kept (anonymous data: its own window). */
    retention: durationSchema
      .refine((s) => {
        const d = parseDuration(s);
        return d === undefined || fitsWithin(d, TEN_YEARS);
      }, 'at most P10Y')
      .default('P25M'),
  });
}

/** `aggregates:` as the schema leaves it. */
export interface AggregatesConfig {
  readonly window: string;
  readonly allowed_lateness: string;
  readonly k: number;
  readonly groupings: readonly ('total' | readonly Dimension[])[];
  readonly rollups: { readonly day: boolean; readonly month: boolean };
  readonly duration_unit: 's' | 'ms' | 'us';
  readonly internal_domains: readonly string[];
  readonly noise?: NoiseConfig | undefined;
  readonly store: { readonly type: string; readonly [option: string]: unknown };
  readonly retention: string;
}

/** A grouping set, resolved. */
export interface GroupingSet {
  /** `total`, or the dimensions joined by commas (`browser,os,device`). */
  readonly name: string;
  readonly dims: readonly Dimension[];
}

/**
 * The configured grouping sets with `total` first (always present: every
 * other set's `requests` add up to it), duplicates removed.
 *
 * @example
 * groupingSets([['host'], 'total']) // [{ name: 'total', dims: [] }, { name: 'host', dims: ['host'] }]
 */
export function groupingSets(groupings: AggregatesConfig['groupings']): GroupingSet[] {
  const out: GroupingSet[] = [{ name: 'total', dims: [] }];
  for (const g of groupings) {
    if (g === 'total') continue;
    const name = g.join(',');
    if (!out.some((s) => s.name === name)) out.push({ name, dims: [...g] });
  }
  return out;
}

/** The stage's settings in numbers. */
export interface AggregateSettings {
  readonly windowMs: number;
  readonly latenessMs: number;
  readonly k: number;
  readonly sets: readonly GroupingSet[];
  readonly day: boolean;
  readonly month: boolean;
  /** Multiplier from the duration field's unit to ms. */
  readonly durationToMs: number;
  readonly internalDomains: readonly string[];
  readonly noise: NoiseConfig | undefined;
}

/**
 * The settings of a validated `aggregates:` section.
 *
 * @example
 * const s = aggregateSettings(policy.aggregates); s.windowMs // 3_600_000
 */
export function aggregateSettings(c: AggregatesConfig): AggregateSettings {
  return {
    windowMs: fixedLengthMs(toDuration(c.window)),
    latenessMs: fixedLengthMs(toDuration(c.allowed_lateness)),
    k: c.k,
    sets: groupingSets(c.groupings),
    day: c.rollups.day,
    month: c.rollups.month,
    durationToMs: c.duration_unit === 's' ? 1000 : c.duration_unit === 'ms' ? 1 : 0.001,
    internalDomains: c.internal_domains.map((d) => d.toLowerCase()),
    noise: c.noise,
  };
}
