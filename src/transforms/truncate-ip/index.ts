/** `truncate-ip`: one client address or a list (X-Forwarded-For), truncated to the policy's prefixes. */
import { defineTransform } from '../transform.js';
import { truncateIpList, truncateIpListAt } from '../truncate-ip.js';

export const truncateIpTransform = defineTransform({
  name: 'truncate-ip',
  description: 'truncates an address or an address list (IPv4 /24, IPv6 /48 by default)',
  options: {},
  compile(_options, _field, ctx) {
    const t = ctx.truncation;
    // Not memoised: cheaper to truncate than to look up.
    return { kind: 'pure', fn: (v) => truncateIpList(v, t), fnAscii: (v, b, off) => truncateIpListAt(v, b, off, t), memo: 'never' };
  },
});
