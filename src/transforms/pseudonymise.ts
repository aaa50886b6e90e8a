/**
 * `pseudonymise` and `visitor-id`: keyed pseudonyms under the salt of the
 * event's epoch.
 *
 *   pseudonym = base64url(HMAC-SHA-256(salt[epoch], namespace ‖ 0x00 ‖ value))[0 .. bits/8]
 *
 * HMAC-SHA-256 (RFC 2104) was chosen over keyed BLAKE3/BLAKE2s by
 * `bench/micro/prf.bench.mjs` (figures in bench/RESULTS.md): with the inner
 * and outer states prepared once per epoch and cloned per value it is as fast
 * as keyed BLAKE3 in JavaScript and is the construction auditors know. The
 * namespace keeps equal values in different fields (user "42", session "42")
 * apart; the NUL separator keeps `("ab","c")` and `("a","bc")` apart.
 */
import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from '../util/zod.js';
import type { EpochSalt, Keyring } from '../keyring/keyring.js';
import { StringCache } from '../util/string-cache.js';
import { VisitorIdCache } from './visitor-id/cache.js';

export interface PseudonymOptions {
  /** Output size in bits: 128 (22 base64url chars) up to 256. */
  readonly bits: number;
  /** Prepended to every pseudonym, e.g. `u_`, so readers can tell them from raw ids. */
  readonly prefix: string;
  /** Pseudonyms remembered per epoch; repeat users cost a Map lookup instead of an HMAC. */
  readonly cacheSize: number;
}

export const DEFAULT_PSEUDONYM_OPTIONS: PseudonymOptions = { bits: 128, prefix: '', cacheSize: 100_000 };

// Prefixes go into text logs, so they may not carry spaces or quotes.
const PREFIX_RE = /^[A-Za-z0-9_.:-]{0,16}$/;

/** The `pseudonym:` section of a policy. */
export const pseudonymConfigSchema = z.strictObject({
  bits: z
    .int()
    .refine((b) => b % 8 === 0 && b >= 128 && b <= 256, 'a multiple of 8 from 128 to 256 (shorter pseudonyms collide)')
    .default(DEFAULT_PSEUDONYM_OPTIONS.bits),
  prefix: z.string().regex(PREFIX_RE, 'up to 16 of A-Z a-z 0-9 _ . : -').default(DEFAULT_PSEUDONYM_OPTIONS.prefix),
  cache_size: z.int().min(0).max(10_000_000).default(DEFAULT_PSEUDONYM_OPTIONS.cacheSize),
});
export type PseudonymConfig = z.infer<typeof pseudonymConfigSchema>;

/**
 * Pseudonymiser options from a policy's `pseudonym:` section.
 *
 * @example
 * new Pseudonymiser(keyring, pseudonymOptionsFromConfig(config.pseudonym))
 */
export function pseudonymOptionsFromConfig(c: PseudonymConfig): PseudonymOptions {
  return { bits: c.bits, prefix: c.prefix, cacheSize: c.cache_size };
}

/** A pseudonym prefix is safe to write into any log format. */
export const pseudonymPrefixSchema = z.string().regex(PREFIX_RE, 'up to 16 of A-Z a-z 0-9 _ . : -');

/** The namespace of visitor ids, shared by every format so counts agree. */
export const VISITOR_NAMESPACE = 'visitor';

// noble's typings wrap the class in TRet<>; the plain class type is what _cloneInto takes.
type Mac = _HMAC<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Prepared HMAC state and pseudonym cache for one epoch's salt. */
interface EpochState {
  readonly salt: EpochSalt;
  readonly mac: Mac;
  /** Pseudonyms by namespace, then value. */
  readonly caches: Map<string, StringCache<string>>;
  /** Visitor ids by (host, address, user agent); forgotten with the state, so never past the salt. */
  visitors: VisitorIdCache | undefined;
}

// Events from two or three epochs interleave around midnight (late lines),
// and a replay of merged logs can interleave many more; keeping prepared
// states for a few dozen epochs avoids rebuilding them on every switch
// (their caches start small and grow only as they are used).
const MAX_EPOCH_STATES = 32;

const encoder = new TextEncoder();

/** Lookups per window, and the hits a window needs for the cache to stay in use. */
const HIT_WINDOW = 1024;
const MIN_HITS = 64;
/** Values that skip the cache after a window with too few hits, before it is tried again. */
const PAUSE = 16_384;

/** A namespace's cache hit rate, and whether its cache is in use. */
class HitRate {
  private lookups = 0;
  private hits = 0;
  private paused = 0;

  active(): boolean {
    if (this.paused === 0) return true;
    this.paused--;
    return false;
  }

  record(hit: boolean): void {
    if (hit) this.hits++;
    if (++this.lookups < HIT_WINDOW) return;
    if (this.hits < MIN_HITS) this.paused = PAUSE;
    this.lookups = 0;
    this.hits = 0;
  }
}

/**
 * Computes pseudonyms under a keyring. Holds scratch buffers: one instance
 * per thread.
 *
 * @example
 * const p = new Pseudonymiser(keyring, DEFAULT_PSEUDONYM_OPTIONS);
 * p.pseudonym('user', 'alice', Date.parse('2026-11-22T10:00:00Z')) // 'Xq3…' (22 chars)
 */
export class Pseudonymiser {
  private readonly states = new Map<number, EpochState>();
  /** How often each namespace's cache hits (across epochs). */
  private readonly hitRates = new Map<string, HitRate>();
  private last: EpochState | undefined;
  private work: Mac | undefined;
  private input = new Uint8Array(512);
  private readonly digest = new Uint8Array(32);
  /** The pseudonym's bytes of {@link digest}, as a Buffer made once (its text is the pseudonym). */
  private readonly digestHead: Buffer;
  private readonly bytes: number;

  constructor(
    private readonly keyring: Keyring,
    readonly options: PseudonymOptions,
  ) {
    if (options.bits % 8 !== 0 || options.bits < 128 || options.bits > 256) throw new RangeError('pseudonym bits must be a multiple of 8 in 128..256');
    this.bytes = options.bits / 8;
    this.digestHead = Buffer.from(this.digest.buffer, this.digest.byteOffset, this.bytes);
  }

  /**
   * The pseudonym of `value` in `namespace` for an event at `eventMs`.
   * `prefix` overrides the configured prefix for this field.
   */
  pseudonym(namespace: string, value: string, eventMs: number, prefix: string = this.options.prefix): string {
    const state = this.stateFor(eventMs);
    let cache = state.caches.get(namespace);
    if (cache === undefined && this.options.cacheSize > 0) state.caches.set(namespace, (cache = new StringCache<string>(this.options.cacheSize)));
    // Values that never repeat (request and trace ids) would only churn the
    // cache — copying and storing each costs as much as the HMAC itself — so
    // a namespace whose lookups rarely hit skips it for a while.
    let hits = this.hitRates.get(namespace);
    if (hits === undefined) this.hitRates.set(namespace, (hits = new HitRate()));
    const useCache = cache !== undefined && hits.active();
    let out = useCache ? cache!.get(value) : undefined;
    if (useCache) hits.record(out !== undefined);
    if (out === undefined) {
      out = this.compute(state, namespace, value);
      if (useCache) cache!.set(value, out);
    }
    return prefix + out;
  }

  /**
   * A visitor id: the pseudonym of host, full client address and user agent,
   * taken before the address is truncated (as Plausible does), so distinct
   * visitors can be counted without keeping addresses.
   */
  visitorId(host: string, clientIp: string, userAgent: string, eventMs: number): string {
    // The same HMAC as pseudonym(VISITOR_NAMESPACE, host \0 ip \0 ua) with no prefix, behind a
    // cache keyed by the address (see visitor-id/cache.ts): no 150-byte key is built or hashed on a hit.
    const state = this.stateFor(eventMs);
    if (this.options.cacheSize === 0) return this.compute(state, VISITOR_NAMESPACE, host + '\0' + clientIp + '\0' + userAgent);
    const cache = (state.visitors ??= new VisitorIdCache(this.options.cacheSize));
    let id = cache.get(host, clientIp, userAgent);
    if (id === undefined) cache.set(host, clientIp, userAgent, (id = this.compute(state, VISITOR_NAMESPACE, host + '\0' + clientIp + '\0' + userAgent)));
    return id;
  }

  /**
   * Forgets the prepared states and cached pseudonyms of epochs whose salt
   * has been destroyed. stateFor() does this when it meets one, but an idle
   * process meets none: housekeeping calls this so no key material derived
   * from a destroyed salt outlives it.
   */
  dropWiped(): void {
    for (const [k, s] of this.states) if (s.salt.wiped) this.forget(k, s);
  }

  /** Forgets every prepared state and cached pseudonym. */
  clear(): void {
    for (const [k, s] of this.states) this.forget(k, s);
    this.last = undefined;
  }

  /** Drops an epoch's state; noble's destroy() zero-fills the keyed hash states. */
  private forget(start: number, state: EpochState): void {
    state.mac.destroy();
    for (const c of state.caches.values()) c.clear();
    state.visitors?.clear();

    this.states.delete(start);
    if (this.last === state) this.last = undefined;
  }

  private stateFor(eventMs: number): EpochState {
    const salt = this.keyring.saltFor(eventMs);
    const last = this.last;
    if (last !== undefined && last.salt === salt && !salt.wiped) return last;
    let state = this.states.get(salt.start);
    if (state === undefined || state.salt !== salt || salt.wiped) {
      // Drop states whose salt was destroyed: their pseudonyms must not outlive it.
      for (const [k, s] of this.states) if (s.salt.wiped || k === salt.start) this.forget(k, s);
      if (this.states.size >= MAX_EPOCH_STATES) {
        const oldest = this.states.keys().next().value as number;
        this.forget(oldest, this.states.get(oldest)!);
      }
      state = { salt, mac: hmac.create(sha256, salt.salt) as Mac, caches: new Map(), visitors: undefined };
      this.states.set(salt.start, state);
    }
    this.last = state;
    return state;
  }

  /** The pseudonym of the UTF-8 bytes of `namespace ‖ NUL ‖ value`. */
  private compute(state: EpochState, namespace: string, value: string): string {
    const key = namespace + '\0' + value;
    // Worst case three UTF-8 bytes per UTF-16 unit.
    if (key.length * 3 > this.input.length) this.input = new Uint8Array(key.length * 3);
    const { written } = encoder.encodeInto(key, this.input);
    const mac = (this.work = state.mac._cloneInto(this.work));
    mac.update(this.input.subarray(0, written));
    mac.digestInto(this.digest);
    return this.digestHead.toString('base64url');
  }
}

