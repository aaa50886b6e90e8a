/**
 * Why lines were dropped, in words an operator can act on: the lines did not
 * parse as the configured format (and which configured format *would* have
 * parsed them), were older than the retention window, stamped in the future,
 * or had no timestamp. `gallra run` says it (rate-limited) when most of a
 * source's recent lines are dropped; `gallra anonymise` says it when it
 * writes nothing.
 *
 * To name the format that would parse the lines, a few kilobytes of recent
 * raw input are decoded with each format of the policy — in memory only:
 * the sample is never written or logged, and neither is anything decoded
 * from it. Only format names and counts leave this module.
 */
import { components } from '../components.js';
import { Decoder } from '../pipeline/decode.js';
import type { DropReason, LineStats } from '../pipeline/stats.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { Registry } from '../registry.js';
import { buildFormat } from './build.js';

/** The reasons that mean the input or the config is wrong, not that a line was odd. */
export const REJECT_REASONS = ['unparsed', 'expired', 'future', 'no_timestamp'] as const satisfies readonly DropReason[];
export type RejectReason = (typeof REJECT_REASONS)[number];

/** At most this many sample lines are tried per format. */
const SAMPLE_LINES = 50;

/**
 * The configured format (other than `current`) that decodes most of the
 * sample's lines, when it decodes at least half of them.
 *
 * @example
 * formatThatParses(policy, jsonLines, 'combined') // 'json'
 */
export function formatThatParses(policy: PolicyConfig, sample: Buffer, current: string, registry: Registry = components): string | undefined {
  const text = sample.toString('utf8');
  // The last piece may be cut off; a first piece cut off simply decodes nowhere.
  const lines = text.split('\n').slice(0, -1).filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
  if (lines.length === 0) return undefined;
  let best: { name: string; n: number } | undefined;
  for (const name of Object.keys(policy.formats)) {
    if (name === current) continue;
    let decoder: Decoder;
    try {
      decoder = new Decoder([buildFormat(policy, name, registry)]);
    } catch {
      continue;
    }
    let n = 0;
    for (const l of lines) {
      const line = l.endsWith('\r') ? l.slice(0, -1) : l;
      decoder.source(line, undefined, 0);
      if (decoder.decode(0, line.length) >= 0) n++;
    }
    if (best === undefined || n > best.n) best = { name, n };
  }
  return best !== undefined && best.n * 2 >= lines.length ? best.name : undefined;
}

/** Dropped-line counts for the reasons that matter here. */
export type RejectCounts = Readonly<Record<RejectReason, number>>;

/**
 * One sentence on why lines were dropped, the biggest reason first, with what to do.
 *
 * @example
 * explainRejects({ unparsed: 120, expired: 0, future: 0, no_timestamp: 0 }, { policy, format: 'combined', sample, flag: 'format' })
 * // '120 did not parse as combined (they parse as json: set format: json)'
 */
export function explainRejects(counts: RejectCounts, o: { policy: PolicyConfig; format: string; sample: Buffer | undefined; registry?: Registry; fix: (format: string) => string }): string {
  const parts: string[] = [];
  const reasons = [...REJECT_REASONS].filter((r) => counts[r] > 0).sort((a, b) => counts[b] - counts[a]);
  for (const r of reasons) {
    const n = counts[r];
    const were = n === 1 ? 'was' : 'were';
    if (r === 'unparsed') {
      const other = o.sample === undefined ? undefined : formatThatParses(o.policy, o.sample, o.format, o.registry);
      const as = o.format === 'auto' ? 'any configured format' : o.format;
      parts.push(`${n} did not parse as ${as} (${other !== undefined ? `they parse as ${other}: ${o.fix(other)}` : `no configured format parses them: define their layout under formats: <name>: log_format:`})`);
    } else if (r === 'expired') {
      parts.push(`${n} ${were} older than the retention window (retention.keep ${o.policy.retention.keep}): old lines replayed, or a clock far behind?`);
    } else if (r === 'future') {
      parts.push(`${n} ${were} stamped more than retention.max_future (${o.policy.retention.max_future}) ahead: is the writer's clock or time zone right?`);
    } else {
      parts.push(`${n} had no timestamp gallra can read (set input.missing_timestamp: arrival to stamp them when read)`);
    }
  }
  return parts.join('; ');
}

/**
 * The reject counts of a pipeline's stats.
 *
 * @example
 * rejectsOf(stats).unparsed // 120
 */
export function rejectsOf(stats: LineStats): Record<RejectReason, number> {
  return { unparsed: stats.dropped.unparsed, expired: stats.dropped.expired, future: stats.dropped.future, no_timestamp: stats.dropped.no_timestamp };
}
