/**
 * `redact`: free-text redaction — addresses truncated, e-mail addresses,
 * personal identity numbers, phone and card numbers, tokens and the values
 * of sensitive parameters replaced. A request line's method and protocol
 * cannot hold identifiers, so only its target is scanned.
 */
import { defineTransform, isNoValue } from '../transform.js';

export const redactTransform = defineTransform({
  name: 'redact',
  description: 'free-text redaction of addresses, e-mail, identity, phone and card numbers, tokens and sensitive parameters',
  options: {},
  compile(_options, field, ctx) {
    const r = ctx.redactor;
    const ascii = field.role === 'request' ? r.redactRequestAscii.bind(r) : r.redactAscii.bind(r);
    return {
      kind: 'pure',
      fn: (v) => (isNoValue(v) ? v : r.redact(v)),
      fnAscii: (v, b, off) => (isNoValue(v) ? v : ascii(v, b, off)),
      memo: 'adaptive',
    };
  },
});
