/**
 * The keyring topic's settings, checked at start: a salt must be physically
 * gone from Kafka soon after its epoch closes even if a tombstone is missed,
 * and must not be gone while its epoch can still be in use (a new instance
 * would then create a second salt and disagree with the others).
 *
 * A record is deleted by retention once its segment is older than
 * `retention.ms`; a segment is rolled after `segment.ms` at most. So a salt
 * written at T lives until T + retention.ms + segment.ms at most (plus the
 * broker's retention check interval, five minutes by default).
 * prepare() writes an epoch's salt up to `future` + one minute before the
 * epoch starts, and the salt serves until `end + grace`:
 *
 *   needed   = epoch + grace + future + 1 min   ≤ retention.ms
 *   allowed  = needed + max(1 h, epoch / 4)     ≥ retention.ms + segment.ms
 *   cleanup.policy = compact,delete (compact: tombstones remove the salt
 *   records they follow; delete: the time limit above), one partition.
 */
import { GallraError } from '../../errors.js';
import { addDuration, type Duration } from '../../time/duration.js';
import type { EpochPeriod } from '../../time/epoch.js';
import { HORIZON_SLACK_MS } from '../salt-table.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The longest an epoch of `period` lasts, in ms (a month: 31 days). */
export function longestEpochMs(period: EpochPeriod): number {
  switch (period) {
    case 'PT1H':
      return HOUR;
    case 'PT6H':
      return 6 * HOUR;
    case 'PT12H':
      return 12 * HOUR;
    case 'P1D':
      return DAY;
    case 'P7D':
      return 7 * DAY;
    case 'P1M':
      return 31 * DAY;
  }
}

/** The bounds the keyring topic's settings must keep, in ms. */
export interface TopicLimits {
  /** retention.ms must be at least this. */
  readonly minRetentionMs: number;
  /** retention.ms + segment.ms must be at most this. */
  readonly maxLifetimeMs: number;
}

/**
 * @example
 * topicLimits('P1D', parseDuration('PT1H')!, parseDuration('PT1H')!) // { minRetentionMs: 93_660_000, maxLifetimeMs: 115_260_000 }
 */
export function topicLimits(period: EpochPeriod, grace: Duration, future: Duration): TopicLimits {
  const epoch = longestEpochMs(period);
  const minRetentionMs = epoch + addDuration(0, grace) + addDuration(0, future) + HORIZON_SLACK_MS;
  return { minRetentionMs, maxLifetimeMs: minRetentionMs + Math.max(HOUR, Math.floor(epoch / 4)) };
}

/**
 * Settings that satisfy the limits, for the error message's fix: retention
 * an hour (or a twentieth of the allowance) above the minimum, segments of
 * a quarter of the allowance.
 */
export function suggestedSettings(limits: TopicLimits): { retentionMs: number; segmentMs: number } {
  const room = limits.maxLifetimeMs - limits.minRetentionMs;
  const segmentMs = Math.floor(room / 4 / 60_000) * 60_000;
  return { retentionMs: limits.minRetentionMs + Math.floor(room / 2 / 60_000) * 60_000, segmentMs };
}

/**
 * What is wrong with the topic's configuration (empty when nothing):
 * each a sentence for the operator.
 *
 * @example
 * topicProblems(new Map([['cleanup.policy', 'compact']]), limits) // ['cleanup.policy is compact: …', …]
 */
export function topicProblems(config: ReadonlyMap<string, string | null>, limits: TopicLimits): string[] {
  const problems: string[] = [];
  const policy = (config.get('cleanup.policy') ?? '').split(',').map((s) => s.trim());
  if (!policy.includes('compact') || !policy.includes('delete')) {
    problems.push(`cleanup.policy is ${config.get('cleanup.policy') ?? '(unset)'}: it must be compact,delete (compact so tombstones remove salts, delete so a salt whose tombstone was missed still goes)`);
  }
  const retention = Number(config.get('retention.ms'));
  const segment = Number(config.get('segment.ms'));
  if (!Number.isFinite(retention) || retention < 0) {
    problems.push(`retention.ms is ${config.get('retention.ms') ?? '(unset)'}: unlimited retention keeps salts for ever`);
  } else if (retention < limits.minRetentionMs) {
    problems.push(`retention.ms is ${retention}: below ${limits.minRetentionMs} (epoch + grace + max_future + a minute), a salt could vanish while its epoch is in use`);
  }
  if (!Number.isFinite(segment) || segment <= 0) problems.push(`segment.ms is ${config.get('segment.ms') ?? '(unset)'}`);
  else if (Number.isFinite(retention) && retention >= 0 && retention + segment > limits.maxLifetimeMs) {
    problems.push(`retention.ms + segment.ms is ${retention + segment}: above ${limits.maxLifetimeMs}, a salt whose tombstone was missed would be kept that long`);
  }
  return problems;
}

/**
 * The error refusing to start on a keyring topic gallra cannot use safely (exit 2).
 *
 * @example
 * throw keyringTopicError('gallra.keyring', ['cleanup.policy is delete: …'], limits);
 */
export function keyringTopicError(topic: string, problems: readonly string[], limits: TopicLimits): GallraError {
  const s = suggestedSettings(limits);
  return new GallraError(
    'GALLRA_CONFIG_KEYRING_TOPIC',
    `keyring topic ${topic}: ${problems.join('; ')}\n` +
      `  fix: kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config cleanup.policy=[compact,delete],retention.ms=${s.retentionMs},segment.ms=${s.segmentMs}` +
      ` (for salts.epoch, salts.grace and retention.max_future as configured)`,
  );
}
