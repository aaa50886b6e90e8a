/**
 * `redact`: free-text redaction — addresses truncated, e-mail addresses,
 * personal identity numbers, phone and card numbers, tokens and the values
 * of sensitive parameters replaced. A request line is read as its target URL
 * (its method and protocol cannot hold identifiers), URL roles by their
 * structure (query values by allow-list), everything else as free text.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineTransform, isNoValue } from '../transform.js';
import { compileRedaction, type RedactionRole } from './index.js';

const URL_ROLES: ReadonlySet<Role> = new Set<Role>(['path', 'url', 'referer']);

function redactionRoleOf(role: Role | undefined): RedactionRole {
  if (role === 'request' || role === 'query') return role;
  return role !== undefined && URL_ROLES.has(role) ? 'url' : 'text';
}

export const redactTransform = defineTransform({
  name: 'redact',
  description: 'free-text redaction of addresses, e-mail, identity, phone and card numbers, tokens and query values outside the allow-list',
  options: {},
  compile(_options, field, ctx) {
    const c = compileRedaction(ctx.redactor, redactionRoleOf(field.role), field.name);
    const redactor = ctx.redactor;
    return {
      kind: 'pure',
      fn: (v) => (isNoValue(v) ? v : c.fn(v)),
      fnAscii: (v, b, off) => (isNoValue(v) ? v : c.fnAscii(v, b, off)),
      memo: 'adaptive',
      tally: { take: () => redactor.takeCounted(), replay: (k) => redactor.replayCounted(k) },
    };
  },
});
