/**
 * `pseudonymise-number`: a keyed pseudonym (as `pseudonymise`) of a
 * subscriber number after writing it one way (see normalise.ts): MSISDN
 * with or without `+` (or `00`, or a national trunk `0` with
 * `default_country`), IMSI, IMEI and IMEISV (TAC + serial). The kind comes
 * from the field's role (subscriber, imsi, imei) unless `kind:` says; the
 * namespace is the kind's, so `msisdn` and `peer_msisdn` agree. With
 * `keep_short`, numbers of at most 6 digits without `+` (short codes,
 * emergency numbers) are kept: they name a service, not a person.
 */
import { z } from 'zod';
import { defineTransform, isNoValue } from '../transform.js';
import { pseudonymPrefixSchema } from '../pseudonymise.js';
import { knownCountry, type NumberKind, normaliseNumber } from './normalise.js';

const KIND_OF_ROLE: Readonly<Record<string, NumberKind>> = { subscriber: 'msisdn', imsi: 'imsi', imei: 'imei' };

export const pseudonymiseNumberTransform = defineTransform<{
  kind?: NumberKind | undefined;
  namespace?: string | undefined;
  prefix?: string | undefined;
  default_country?: string | undefined;
  keep_short?: boolean | undefined;
}>({
  name: 'pseudonymise-number',
  description: 'keyed pseudonym of an MSISDN, IMSI or IMEI after normalising it (+ or not, IMEI and IMEISV alike)',
  options: {
    kind: z.enum(['msisdn', 'imsi', 'imei']).optional(),
    namespace: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/, 'lower-case letters, digits and _ (at most 32)')
      .optional(),
    prefix: pseudonymPrefixSchema.optional(),
    /** ISO 3166-1 alpha-2 country of national numbers (0 70-123 45 67 with SE is +46 70 123 45 67). */
    default_country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as SE')
      .refine((c) => knownCountry(c), 'a country with a telephone numbering plan')
      .optional(),
    keep_short: z.boolean().optional(),
  },
  compile(options, field, ctx) {
    const kind: NumberKind = options.kind ?? KIND_OF_ROLE[field.role ?? ''] ?? 'msisdn';
    const namespace = options.namespace ?? kind;
    const p = ctx.pseudonymiser;
    const prefix = options.prefix ?? p.options.prefix;
    const country = options.default_country;
    const keepShort = options.keep_short === true && kind === 'msisdn';
    return {
      kind: 'record',
      fn: (v, ev) => {
        if (isNoValue(v)) return v;
        if (keepShort && /^\d{1,6}$/.test(v)) return v;
        return p.pseudonym(namespace, normaliseNumber(kind, v, country), ev.time, prefix);
      },
    };
  },
  describe: (options, field) => {
    const kind = options.kind ?? KIND_OF_ROLE[field.role ?? ''] ?? 'msisdn';
    return `pseudonymise ${kind} (namespace ${options.namespace ?? kind}${options.default_country !== undefined ? `, national numbers in ${options.default_country}` : ''}${options.keep_short === true ? ', short codes kept' : ''})`;
  },
});
