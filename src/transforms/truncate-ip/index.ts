/** `truncate-ip`: one client address or a list (X-Forwarded-For), truncated to the policy's prefixes. */
import { leanPath } from '../../util/lean-path.js';
import { StringCache } from '../../util/string-cache.js';
import { defineTransform } from '../transform.js';
import { truncateIpList, truncateIpListAt, type IpTruncation } from '../truncate-ip.js';
import { NINE, ZERO } from '../../util/ascii.js';

/** Entries of the memo for values that are not dotted quads (IPv6 clients: a few thousand distinct in a day's log). */
const OTHER_MEMO_SIZE = 4096;
/** Longest value memoised: an IPv6 address with zone and port is under 64 characters; lists are not worth keeping. */
const OTHER_MEMO_MAX = 64;

/**
 * The ASCII form of the transform (text formats). A value starting with a
 * digit (IPv4, the common case) is cut in one pass, cheaper than a lookup;
 * anything else (IPv6, `-`, a list) goes through a memo, because parsing and
 * printing an IPv6 address costs ten times a lookup and clients repeat. The
 * memo is transparent: the result is a pure function of the value's text.
 */
function asciiOp(t: IpTruncation): (v: string, b: Uint8Array, off: number) => string {
  if (!leanPath.enabled) return (v, b, off) => truncateIpListAt(v, b, off, t);
  const memo = new StringCache<string>(OTHER_MEMO_SIZE);
  return (v, b, off) => {
    const c = b[off];
    if ((c !== undefined && c >= ZERO && c <= NINE) || v.length > OTHER_MEMO_MAX || v.length < 2) return truncateIpListAt(v, b, off, t);
    let r = memo.get(v);
    if (r === undefined) {
      r = truncateIpListAt(v, b, off, t);
      memo.set(v, r);
    }
    return r;
  };
}

export const truncateIpTransform = defineTransform({
  name: 'truncate-ip',
  description: 'truncates an address or an address list (IPv4 /24, IPv6 /48 by default)',
  options: {},
  compile(_options, _field, ctx) {
    const t = ctx.truncation;
    // Not memoised by the stage: a dotted quad is cheaper to truncate than to look up (others have a memo of their own).
    return { kind: 'pure', fn: (v) => truncateIpList(v, t), fnAscii: asciiOp(t), memo: 'never' };
  },
});
