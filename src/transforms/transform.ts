/**
 * What every field transform provides: a registry entry that compiles a
 * field's policy (`transform:` and its options) into the operation the
 * anonymise stage applies to that field's value. Transforms are pure over
 * (value, event) apart from the pseudonymiser's keyring, which is read-only
 * on the per-line path; all I/O stays in sources, sinks and housekeeping.
 */
import type { z } from 'zod';
import type { Event } from '../event/event.js';
import type { Role, Shape } from '../event/vocabulary.js';
import type { Pseudonymiser } from './pseudonymise.js';
import type { Redactor } from './redact/index.js';
import type { IpTruncation } from './truncate-ip.js';

/** A transform over one string value; undefined drops the field. */
export type FieldOp = (value: string, ev: Event) => string | undefined;

/** When a pure transform's results are memoised (see CompiledOp). */
export type MemoPolicy = 'always' | 'adaptive' | 'never';

/** Everything a transform may need, built once per pipeline. */
export interface TransformContext {
  readonly truncation: IpTruncation;
  readonly redactor: Redactor;
  readonly pseudonymiser: Pseudonymiser;
  readonly generaliseUserAgent: (ua: string) => string;
  /** The event's visitor id (computed once per event from its raw client address, user agent and host). */
  readonly visitorIdOf: (ev: Event) => string | undefined;
}

/**
 * A field's compiled policy.
 * - `keep`: as it is (a JSON object is never kept whole: its keys were never named);
 * - `check`: kept when it has its role's shape, else dropped and counted;
 * - `drop`: removed;
 * - `pure`: the result depends on the value alone, so the anonymise stage
 *   memoises it (addresses, paths, referers and user agents repeat line after line);
 * - `record`: the result also depends on the event (the epoch of its time,
 *   other fields), so it runs every time.
 */
export type CompiledOp =
  | { readonly kind: 'keep' }
  | { readonly kind: 'check'; readonly shape: Shape }
  | { readonly kind: 'drop' }
  | {
      readonly kind: 'pure';
      readonly fn: (value: string) => string;
      /** The same for a value whose ASCII bytes are `bytes[offset..]` (text formats have them): skips encoding. */
      readonly fnAscii: (value: string, bytes: Uint8Array, offset: number) => string;
      /**
       * Whether the stage memoises it. `always` when the work (user-agent
       * parsing, ~1 µs) dwarfs a hash and a compare; `adaptive` when it pays
       * only if values repeat (paths, referers), so the memo switches itself
       * off while its hit rate is low; `never` for addresses, cheaper to
       * truncate than to look up.
       */
      readonly memo: MemoPolicy;
      /** For an op that counts what it does (the redactor's hits by kind): so a memoised result is counted again. */
      readonly tally?: MemoTally;
    }
  | { readonly kind: 'record'; readonly fn: FieldOp };

/**
 * What a counting pure op counted in its last call, kept with its memoised
 * result and counted again on every memo hit — so counters (`--stats`,
 * `gallra_redactions_total`) count values, not distinct values.
 */
export interface MemoTally {
  /** What the last call counted as a packed number: 0 when nothing, -1 when too much to pack (the result is then not memoised); clears it. */
  take(): number;
  /** Counts again what {@link take} returned (> 0). */
  replay(counted: number): void;
}

export const KEEP_OP: CompiledOp = { kind: 'keep' };
export const DROP_OP: CompiledOp = { kind: 'drop' };

/** The field a transform is compiled for. */
export interface FieldInfo {
  readonly name: string;
  readonly role: Role | undefined;
}

/**
 * A registry entry for a transform.
 *
 * @example
 * export const dropTransform = defineTransform({ name: 'drop', description: 'removes the field', options: {}, compile: () => DROP_OP });
 */
export interface TransformEntry<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: 'transform';
  /** The name a policy uses: `fields: { remote_user: pseudonymise }`. */
  readonly name: string;
  /** One line for check-config and the README. */
  readonly description: string;
  /** Options a field's spec may carry beside `transform:` and `role:` (validated strictly). */
  readonly options: { readonly [K in keyof O]: z.ZodType<O[K]> };
  /** The operation for one field. */
  compile(options: O, field: FieldInfo, ctx: TransformContext): CompiledOp;
  /** What it does to this field, for check-config (default: the name). */
  describe?(options: O, field: FieldInfo): string;
}

/**
 * Declares a transform (types its options).
 *
 * @example
 * defineTransform({ name: 'keep', description: 'copies the value', options: {}, compile: () => KEEP_OP })
 */
export function defineTransform<O extends Record<string, unknown>>(entry: Omit<TransformEntry<O>, 'kind'>): TransformEntry<O> {
  return { kind: 'transform', ...entry };
}

/**
 * `-` is how the Common Log Format writes "no value", and the empty string
 * is its JSON equivalent: neither is personal data, and pseudonymising them
 * would invent a user where there is none.
 *
 * @example
 * isNoValue('-') // true
 */
export function isNoValue(v: string): boolean {
  return v.length === 0 || (v.length === 1 && v.charCodeAt(0) === 45);
}
