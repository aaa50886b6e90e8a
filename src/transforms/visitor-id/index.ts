/**
 * `visitor-id`: replaces the value with the event's visitor id — the
 * pseudonym of host, *full* client address and user agent, taken before the
 * address is truncated — so visitors can be told apart without keeping
 * addresses.
 */
import { defineTransform } from '../transform.js';

export const visitorIdTransform = defineTransform({
  name: 'visitor-id',
  description: 'the visitor id: pseudonym of host + full client IP + user agent, taken before truncation',
  options: {},
  compile(_options, _field, ctx) {
    const of = ctx.visitorIdOf;
    return { kind: 'record', fn: (_v, ev) => of(ev) ?? '-' };
  },
});
