/** The `redact:` section of a policy, beside the redactor it configures. */
import { z } from 'zod';
import type { IpTruncation } from '../truncate-ip.js';
import { compileCustomPattern } from './custom.js';
import { DEFAULT_ALLOW_PARAMS, DEFAULT_REDACT_OPTIONS, type RedactOptions } from './options.js';

const d = DEFAULT_REDACT_OPTIONS;

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s=&?#]+$/, 'a parameter name has no spaces and none of = & ? #');

const placeholder = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s%&=?#/\\]+$/, 'a placeholder has no spaces and none of % & = ? # / \\ (it must read as one value in a URL and in a log line), e.g. [customer]');

/**
 * A custom rule: `pattern` (a regular expression the linear-time engine
 * accepts) or `params` (parameter names), or both, with the placeholder that
 * replaces what they find, for `fields` (every redacted field when absent).
 */
const customRuleSchema = z
  .strictObject({
    pattern: z.string().optional(),
    params: z.array(name).min(1).optional(),
    placeholder,
    fields: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.pattern === undefined && r.params === undefined) ctx.addIssue({ code: 'custom', message: 'give a pattern, params, or both' });
    if (r.pattern !== undefined) {
      try {
        compileCustomPattern(r.pattern, r.placeholder);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: (e as Error).message });
      }
    }
  });

export const redactConfigSchema = z.strictObject({
  /** Truncate IP addresses found in free text (with the policy's `ip:` rule). */
  ip: z.boolean().default(true),
  email: z.boolean().default(d.email),
  personnummer: z.boolean().default(d.personnummer),
  phone: z.boolean().default(d.phone),
  card: z.boolean().default(d.card),
  uuid: z.boolean().default(d.uuid),
  mac: z.boolean().default(d.mac),
  secret: z.boolean().default(d.secret),
  userinfo: z.boolean().default(d.userinfo),
  device: z.boolean().default(d.device),
  iban: z.boolean().default(d.iban),
  location: z.boolean().default(d.location),
  secret_min_length: z.int().min(12, 'at least 12, or ordinary words and numbers would be taken for secrets').max(256).default(d.secretMinLength),
  /** Extra sensitive names, beside the built-in word rules. */
  sensitive_params: z
    .strictObject({
      contains: z.array(z.string().min(1)).default([]),
      exact: z.array(z.string().min(1)).default([]),
    })
    .default({ contains: [], exact: [] }),
  /** URL fields: `allow-list` keeps query values only for allowed names; `detect` is the detect-only behaviour of before. */
  query: z.enum(['allow-list', 'detect']).default(d.query),
  /** URL fields: `template` replaces identifier-shaped path segments with typed placeholders. */
  path: z.enum(['template', 'detect']).default(d.path),
  /** Parameter names whose values are kept, added to the built-in list (`utm_*` matches by prefix). */
  allow_params: z.array(name).default([]),
  /** Replace the built-in allow-list instead of adding to it. */
  builtin_allow_params: z.boolean().default(true),
  /** Path segments after which the next one names a user. */
  user_path_prefixes: z.array(z.string().min(1).max(64)).default([...d.userPathPrefixes]),
  custom: z.array(customRuleSchema).default([]),
});
export type RedactConfig = z.infer<typeof redactConfigSchema>;

/**
 * Redactor options from a policy's `redact:` section and its IP rule.
 *
 * @example
 * new Redactor(redactOptionsFromConfig(config.redact, truncation))
 */
export function redactOptionsFromConfig(c: RedactConfig, ip: IpTruncation): RedactOptions {
  return {
    ip: c.ip ? ip : undefined,
    email: c.email,
    personnummer: c.personnummer,
    phone: c.phone,
    card: c.card,
    uuid: c.uuid,
    mac: c.mac,
    secret: c.secret,
    userinfo: c.userinfo,
    device: c.device,
    iban: c.iban,
    location: c.location,
    secretMinLength: c.secret_min_length,
    sensitiveParams: c.sensitive_params,
    query: c.query,
    path: c.path,
    allowParams: [...(c.builtin_allow_params ? DEFAULT_ALLOW_PARAMS : []), ...c.allow_params],
    userPathPrefixes: c.user_path_prefixes,
    custom: c.custom.map((r) => ({
      placeholder: r.placeholder,
      ...(r.pattern !== undefined ? { pattern: r.pattern } : {}),
      ...(r.params !== undefined ? { params: r.params } : {}),
      ...(r.fields !== undefined ? { fields: r.fields } : {}),
    })),
  };
}
