/**
 * Latency quantiles per row: a log-bucketed histogram with 1 % relative
 * accuracy (the DDSketch construction: bucket i holds values in
 * (γ^(i−1), γ^i], γ = 1.02/0.98), kept in memory while its window is open.
 * Only the p50/p90/p99 it yields are stored — never the sketch, whose
 * buckets would tell who was there (a lone slow request).
 *
 * @see Masson, Rim, Lee: "DDSketch", VLDB 2019.
 */

const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) count as zero. */
const MIN_VALUE = 1e-3;
const ZERO = -2147483648;

/**
 * The bucket a duration in ms falls in; compute once per event and add it to
 * every row's sketch.
 *
 * @example
 * bucketOf(12.5) // 128
 */
export function bucketOf(ms: number): number {
  return ms <= MIN_VALUE ? ZERO : Math.ceil(Math.log(ms) / LOG_GAMMA);
}

/** The value a bucket stands for: the midpoint that keeps the relative error within α. */
function valueOf(bucket: number): number {
  return bucket === ZERO ? 0 : (2 * Math.pow(GAMMA, bucket)) / (GAMMA + 1);
}

/**
 * @example
 * const s = new QuantileSketch(); s.add(bucketOf(12)); s.add(bucketOf(40));
 * s.quantiles() // [≈12, ≈40, ≈40]
 */
export class QuantileSketch {
  private readonly counts = new Map<number, number>();
  count = 0;

  add(bucket: number, n = 1): void {
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.count += n;
  }

  merge(other: QuantileSketch): void {
    for (const [b, n] of other.counts) this.add(b, n);
  }

  /** p50, p90 and p99 in ms (nearest rank), or null when nothing was added. */
  quantiles(): [number, number, number] | null {
    if (this.count === 0) return null;
    const buckets = [...this.counts.keys()].sort((a, b) => a - b);
    const want = [0.5, 0.9, 0.99].map((q) => Math.max(1, Math.ceil(q * this.count)));
    const out: number[] = [];
    let seen = 0;
    let w = 0;
    for (const b of buckets) {
      seen += this.counts.get(b)!;
      while (w < want.length && seen >= want[w]!) {
        out.push(Math.round(valueOf(b) * 1000) / 1000);
        w++;
      }
    }
    return out as [number, number, number];
  }
}
