/**
 * `pseudonymise`: a keyed pseudonym under the salt of the event's epoch.
 * Fields that mean the same (remote_user, user_id, userId) share a namespace
 * by default — their role — so one person gets one pseudonym across formats.
 */
import { z } from '../../util/zod.js';
import { defineTransform, isNoValue } from '../transform.js';
import { pseudonymPrefixSchema } from '../pseudonymise.js';

export const pseudonymiseTransform = defineTransform<{ namespace?: string | undefined; prefix?: string | undefined }>({
  name: 'pseudonymise',
  description: 'keyed pseudonym (HMAC-SHA-256) under the salt of the event\'s epoch',
  options: {
    /** The namespace mixed into the PRF; fields sharing one get equal pseudonyms for equal values. Default: the field's role, else its name. */
    namespace: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/, 'lower-case letters, digits and _ (at most 32)')
      .optional(),
    /** Overrides pseudonym.prefix for this field. */
    prefix: pseudonymPrefixSchema.optional(),
  },
  compile(options, field, ctx) {
    const p = ctx.pseudonymiser;
    const namespace = options.namespace ?? field.role ?? field.name;
    const prefix = options.prefix ?? p.options.prefix;
    return { kind: 'record', fn: (v, ev) => (isNoValue(v) ? v : p.pseudonym(namespace, v, ev.time, prefix)) };
  },
  describe: (options, field) => `pseudonymise (namespace ${options.namespace ?? field.role ?? field.name}${options.prefix !== undefined ? `, prefix "${options.prefix}"` : ''})`,
});
