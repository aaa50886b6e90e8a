/**
 * The role of a field of a built-in format: what the policy's `role:` says,
 * else what the format declares for its own field names (beside its
 * layout), else the vocabulary's meaning of the name. A format's own
 * declaration beats the vocabulary because its names mean what its
 * documentation says (W3C's `time` is a time of day, not a timestamp).
 */
import { type Role, roleOfName } from '../../../event/vocabulary.js';
import type { FormatContext } from '../../format.js';

/**
 * @example
 * formatRole(ctx, 'time', { time: 'time_of_day' }) // 'time_of_day' unless the policy set role:
 */
export function formatRole(ctx: FormatContext, name: string, own: Readonly<Record<string, Role>>): Role | undefined {
  const vocabulary = roleOfName(name);
  const given = ctx.roleOf(name);
  // ctx.roleOf is the policy's role: when there is one, else the vocabulary's.
  if (given !== vocabulary) return given;
  return Object.hasOwn(own, name) ? own[name] : vocabulary;
}

/**
 * Field names a format reads: its own, then those the policy names for it
 * (an operator may name a field the format does not know, e.g. a new W3C
 * field or a JSON key), each once.
 *
 * @example
 * layoutNames(['time', 'c-ip'], ctx) // ['time', 'c-ip', …policy-named extras]
 */
export function layoutNames(own: readonly string[], ctx: FormatContext, accept: (name: string) => boolean = () => true): string[] {
  const names = [...own];
  const seen = new Set(names);
  for (const name of ctx.fields.keys()) {
    if (!seen.has(name) && accept(name)) {
      seen.add(name);
      names.push(name);
    }
  }
  return names;
}
