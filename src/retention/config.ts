/** The `retention:` section of a policy, beside the window it configures. */
import { z } from '../util/zod.js';
import { durationAtMostADay, durationSchema, toDuration } from '../util/schema.js';
import { parseDuration } from '../time/duration.js';
import { isAllowedRetention, type RetentionWindow } from './window.js';

export const retentionConfigSchema = z.strictObject({
  /** How long anything gallra writes is kept; never more than P6M. */
  keep: durationSchema
    .refine((s) => {
      const d = parseDuration(s);
      return d === undefined || isAllowedRetention(d);
    }, 'longer than six calendar months (P6M), the most gallra keeps anything; use P6M or less')
    .default('P6M'),
  /**
   * Events stamped further ahead of the clock than this are dropped. At most
   * a day: an event stamped months ahead would outlive the window wherever
   * data is aged by event time.
   */
  max_future: durationAtMostADay('it allows for clock skew, and events stamped further ahead would outlive the retention window').default('PT1H'),
});
export type RetentionConfig = z.infer<typeof retentionConfigSchema>;

/**
 * The window a policy's `retention:` section describes.
 *
 * @example
 * new RetentionGate(retentionWindowFromConfig(config.retention), Date.now)
 */
export function retentionWindowFromConfig(c: RetentionConfig): RetentionWindow {
  return { keep: toDuration(c.keep), maxFuture: toDuration(c.max_future) };
}
