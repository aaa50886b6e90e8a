/**
 * Discrete Laplace noise (the two-sided geometric distribution) for
 * operators who publish aggregates: P(x) ∝ exp(−|x| / scale) over the
 * integers, drawn from the operating system's CSPRNG. With each visitor's
 * contribution to a count capped at `cap`, adding noise of scale
 * `cap / ε` makes that count ε-differentially private for one visitor
 * (Ghosh, Roughgarden, Sundararajan: "Universally utility-maximizing
 * privacy mechanisms", STOC 2009).
 */
import { randomFillSync } from 'node:crypto';

const POOL = new Uint32Array(1024);
let next = POOL.length;

/** A uniform double in (0, 1) from the CSPRNG. */
function uniform(): number {
  if (next + 2 > POOL.length) {
    randomFillSync(POOL);
    next = 0;
  }
  // 53 random bits, shifted off zero.
  const hi = POOL[next++]! >>> 5;
  const lo = POOL[next++]! >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/** A geometric variate on {0, 1, …} with P(X ≥ k) = q^k. */
function geometric(q: number): number {
  return Math.floor(Math.log(uniform()) / Math.log(q));
}

/**
 * One draw of discrete Laplace noise with the given scale.
 *
 * @example
 * const noisy = count + discreteLaplace(cap / epsilon);
 */
export function discreteLaplace(scale: number): number {
  if (!(scale > 0)) return 0;
  const q = Math.exp(-1 / scale);
  return geometric(q) - geometric(q);
}

/**
 * A count with noise added, never below zero (a negative count would tell
 * the reader the noise, not the data).
 *
 * @example
 * noisy(42, 10 / 1.0)
 */
export function noisy(value: number, scale: number): number {
  return Math.max(0, Math.round(value) + discreteLaplace(scale));
}
