/**
 * `keep-own-ip`: server addresses (load-balancer targets, origins, flow-log
 * destinations) kept whole when they lie in the operator's own ranges
 * (`own: [10.0.0.0/8, 2001:db8:42::/48]`), truncated like client addresses
 * otherwise — an address outside them may be a person's. Lists (comma- or
 * space-separated, as AWS writes its target lists) are read item by item.
 */
import { z } from 'zod';
import { defineTransform, isNoValue } from '../transform.js';
import { truncateIp } from '../truncate-ip.js';
import { parseRanges } from './own-ranges.js';

const cidr = z.string().regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'an address range such as 10.0.0.0/8 or 2001:db8::/32');

export const keepOwnIpTransform = defineTransform<{ own?: string[] | undefined }>({
  name: 'keep-own-ip',
  description: "keeps addresses in the operator's own ranges (own:), truncates any other",
  options: {
    /** The operator's own address ranges (CIDR). */
    own: z
      .array(cidr)
      .max(1024)
      .optional()
      .refine((v) => v === undefined || parseRanges(v) !== undefined, 'address ranges such as 10.0.0.0/8 (prefix length at most 32 for IPv4, 128 for IPv6)'),
  },
  compile(options, _field, ctx) {
    const ranges = parseRanges(options.own ?? [])!;
    const t = ctx.truncation;
    const item = (token: string): string => (token === '' || token === '-' ? token : ranges.has(token) ? token : (truncateIp(token, t) ?? '-'));
    const fn = (v: string): string => {
      if (isNoValue(v)) return v;
      // Items separated by commas (with optional spaces) or by spaces; the separators stay.
      return v.replace(/[^\s,]+/g, item);
    };
    return { kind: 'pure', fn, fnAscii: fn, memo: 'adaptive' };
  },
  describe: (options) => `keep if in ${(options.own ?? []).length} own range(s), else truncate`,
});
