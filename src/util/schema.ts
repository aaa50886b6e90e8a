/**
 * Building blocks shared by the config schemas that sit beside each
 * component. Messages are written for the operator reading them at start:
 * what is expected, with an example.
 */
import { z } from './zod.js';
import { fitsWithin, mustParseDuration, parseDuration } from '../time/duration.js';

/**
 * An ISO 8601 duration string such as `P6M`, `P1D` or `PT1H`.
 *
 * @example
 * z.strictObject({ grace: durationSchema.default('PT1H') })
 */
export const durationSchema = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'expected an ISO 8601 duration such as P6M (six months), P1D (a day) or PT1H (an hour)',
});

// toDuration lives beside the parser (modules that only read a validated policy need no zod).
export { toDuration } from '../time/duration.js';

const ONE_DAY = mustParseDuration('P1D');

/**
 * A duration of at most a day, for allowances that stretch a time promise
 * (clock skew ahead of the window, a salt's life past its epoch): `why`
 * says what a longer one would break.
 *
 * @example
 * z.strictObject({ grace: durationAtMostADay('a salt kept longer links pseudonyms across days').default('PT1H') })
 */
export function durationAtMostADay(why: string): z.ZodType<string> {
  return durationSchema.refine((s) => {
    const d = parseDuration(s);
    return d === undefined || fitsWithin(d, ONE_DAY);
  }, `at most P1D; ${why}`);
}

/**
 * The name of a source, sink or format: it appears in metrics labels, file
 * names and log lines, so it is kept short and plain.
 *
 * @example
 * z.strictObject({ name: componentNameSchema.optional() })
 */
export const componentNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)');
