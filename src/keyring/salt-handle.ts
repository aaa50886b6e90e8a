/**
 * The one concrete {@link EpochSalt} every keyring backend hands out, and the
 * two ways its bytes are made: fresh CSPRNG bytes for a persisted salt, and
 * bytes derived from the run's ephemeral secret for a closed epoch.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { EpochBounds, EpochPeriod } from '../time/epoch.js';
import type { EpochSalt } from './keyring.js';

/** Bytes in a salt (and in an ephemeral secret). */
export const SALT_BYTES = 32;

/**
 * An epoch's salt. Keeps the bytes in a private field so no enumeration,
 * spread or inspection reaches them; `wipe()` zero-fills them in place.
 *
 * @example
 * const h = new SaltHandle('P1D', epochOf(now, 'P1D'), closeAt, false, freshSalt());
 * h.wipe(); // h.salt is all zeros, h.wiped is true
 */
export class SaltHandle implements EpochSalt {
  readonly period: EpochPeriod;
  readonly start: number;
  readonly end: number;
  readonly closesAt: number;
  readonly ephemeral: boolean;
  readonly #salt: Uint8Array;
  #wiped = false;

  constructor(period: EpochPeriod, epoch: EpochBounds, closeAt: number, ephemeral: boolean, salt: Uint8Array) {
    this.period = period;
    this.start = epoch.start;
    this.end = epoch.end;
    this.closesAt = closeAt;
    this.ephemeral = ephemeral;
    this.#salt = salt;
  }

  get salt(): Uint8Array {
    return this.#salt;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** Zero-fills the bytes in place, so every holder of the array loses them too. */
  wipe(): void {
    this.#salt.fill(0);
    this.#wiped = true;
  }

  #describe(): { period: EpochPeriod; start: string; end: string; ephemeral: boolean; wiped: boolean; salt: string } {
    const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
    return { period: this.period, start: iso(this.start), end: iso(this.end), ephemeral: this.ephemeral, wiped: this.#wiped, salt: '[redacted]' };
  }

  toJSON(): unknown {
    return this.#describe();
  }

  toString(): string {
    const d = this.#describe();
    return `EpochSalt(${d.period} ${d.start}${d.ephemeral ? ' ephemeral' : ''}${d.wiped ? ' wiped' : ''})`;
  }

  [inspect.custom](): string {
    return `EpochSalt ${JSON.stringify(this.#describe())}`;
  }
}

/**
 * 32 CSPRNG bytes in a Uint8Array of their own (not a view into Node's
 * shared Buffer pool, which zero-filling would miss).
 *
 * @example
 * const salt = freshSalt(); // … later: salt.fill(0)
 */
export function freshSalt(): Uint8Array {
  const buf = randomBytes(SALT_BYTES);
  const out = new Uint8Array(SALT_BYTES);
  out.set(buf);
  buf.fill(0);
  return out;
}

/**
 * HMAC-SHA-256(secret, "gallra ephemeral salt\0" + label) in a Uint8Array of
 * its own: the throw-away salt of a closed epoch, equal in every keyring of
 * one run that holds the same secret (the worker threads of `--threads`).
 *
 * @example
 * derivedSalt(secret, 'P1D-1795305600000')
 */
export function derivedSalt(secret: Uint8Array, label: string): Uint8Array {
  const mac = createHmac('sha256', secret).update(`gallra ephemeral salt\0${label}`).digest();
  const out = new Uint8Array(SALT_BYTES);
  out.set(mac.subarray(0, SALT_BYTES));
  mac.fill(0);
  return out;
}
