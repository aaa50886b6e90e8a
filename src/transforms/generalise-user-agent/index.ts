/** `generalise-user-agent`: browser family and major version, OS family, device class. */
import { defineTransform, isNoValue } from '../transform.js';

export const generaliseUserAgentTransform = defineTransform({
  name: 'generalise-user-agent',
  description: 'browser family + major version, OS family, device class',
  options: {},
  compile(_options, _field, ctx) {
    const g = ctx.generaliseUserAgent;
    const fn = (v: string): string => (isNoValue(v) ? v : g(v));
    // Parsing a user agent (~1 µs) dwarfs a hash and a compare: always memoised.
    return { kind: 'pure', fn, fnAscii: fn, memo: 'always' };
  },
});
