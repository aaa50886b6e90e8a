/**
 * Building blocks shared by the config schemas that sit beside each
 * component. Messages are written for the operator reading them at start:
 * what is expected, with an example.
 */
import { z } from 'zod';
import { type Duration, parseDuration } from '../time/duration.js';

/**
 * An ISO 8601 duration string such as `P6M`, `P1D` or `PT1H`.
 *
 * @example
 * z.strictObject({ grace: durationSchema.default('PT1H') })
 */
export const durationSchema = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'expected an ISO 8601 duration such as P6M (six months), P1D (a day) or PT1H (an hour)',
});

/**
 * Parses a duration the schema has already validated.
 *
 * @example
 * const grace = toDuration(config.salts.grace);
 */
export function toDuration(text: string): Duration {
  const d = parseDuration(text);
  if (d === undefined) throw new Error(`internal: unvalidated duration ${text}`);
  return d;
}
