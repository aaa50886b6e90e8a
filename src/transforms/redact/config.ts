/** The `redact:` section of a policy, beside the redactor it configures. */
import { z } from 'zod';
import type { IpTruncation } from '../truncate-ip.js';
import { DEFAULT_REDACT_OPTIONS, type RedactOptions } from './index.js';

const d = DEFAULT_REDACT_OPTIONS;

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
  secret_min_length: z.int().min(12, 'at least 12, or ordinary words and numbers would be taken for secrets').max(256).default(d.secretMinLength),
  sensitive_params: z
    .strictObject({
      contains: z.array(z.string().min(1)).default([...d.sensitiveParams.contains]),
      exact: z.array(z.string().min(1)).default([...d.sensitiveParams.exact]),
    })
    .default({ contains: [...d.sensitiveParams.contains], exact: [...d.sensitiveParams.exact] }),
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
    secretMinLength: c.secret_min_length,
    sensitiveParams: c.sensitive_params,
  };
}
