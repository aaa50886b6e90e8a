/**
 * Where a person can still be found in the pseudonymised tier: the fields a
 * policy pseudonymises (under which namespace and prefix), the fields that
 * hold visitor ids, and — where a policy keeps an identity field as it is —
 * that field. Nothing else links a stored event to one person — addresses
 * are truncated to networks many people share, free text is redacted — so
 * these are the fields a data-subject request compares.
 */
import { type Role, roleOfName } from '../event/vocabulary.js';
import type { PolicyConfig } from '../policy/schema.js';
import { fieldRulesFor } from '../runtime/build.js';

/** What a person gives to be found by (any of them). */
export interface SubjectIdentifiers {
  /** A user or account id, a login name. */
  readonly user?: string | undefined;
  readonly email?: string | undefined;
  /** The full client address and user agent, for visitor ids (both or neither). */
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** The kinds of identifier given, for the audit trail (never their values). */
export function identifierKinds(ids: SubjectIdentifiers): string[] {
  const kinds: string[] = [];
  if (ids.user !== undefined) kinds.push('user');
  if (ids.email !== undefined) kinds.push('email');
  if (ids.ip !== undefined && ids.userAgent !== undefined) kinds.push('ip+user_agent');
  return kinds;
}

/** A stored field that can link an event to a person. */
export type LinkField =
  | { readonly kind: 'pseudonym'; readonly name: string; readonly namespace: string; readonly prefix: string; readonly values: readonly string[] }
  | { readonly kind: 'visitor'; readonly name: string }
  /** An identity field the policy keeps as it is: found by its value in every epoch, salt or no salt. */
  | { readonly kind: 'plain'; readonly name: string; readonly values: readonly string[] };

/**
 * Which of the person's identifiers a pseudonymised field of `role` can hold:
 * a user field holds user ids and, where people log in with it, e-mail
 * addresses; an e-mail field holds e-mail addresses. Session, device and
 * other identifiers are not something a person can tell us.
 */
function valuesFor(role: Role | undefined, ids: SubjectIdentifiers): string[] {
  const out: string[] = [];
  if ((role === 'user' || role === 'account') && ids.user !== undefined) out.push(ids.user);
  if ((role === 'user' || role === 'email') && ids.email !== undefined) out.push(ids.email);
  return out;
}

/**
 * The link fields of every format named, with the identifiers each can hold.
 *
 * @example
 * linkFields(policy, ['combined'], { user: 'alice' }).get('combined') // [{ kind: 'pseudonym', name: 'remote_user', namespace: 'user', prefix: '', values: ['alice'] }]
 */
export function linkFields(policy: PolicyConfig, formats: readonly string[], ids: SubjectIdentifiers): Map<string, LinkField[]> {
  const byFormat = new Map<string, LinkField[]>();
  const visitors = ids.ip !== undefined && ids.userAgent !== undefined;
  for (const format of formats) {
    const rules = fieldRulesFor(policy, format);
    const fields: LinkField[] = [];
    for (const [name, spec] of Object.entries(rules)) {
      if (spec.transform === 'visitor-id') {
        if (visitors) fields.push({ kind: 'visitor', name });
        continue;
      }
      if (spec.transform !== 'pseudonymise' && spec.transform !== 'keep') continue;
      const role = roleOfName(name, spec.role);
      const values = valuesFor(role, ids);
      if (values.length === 0) continue;
      if (spec.transform === 'keep') {
        fields.push({ kind: 'plain', name, values });
        continue;
      }
      const namespace = typeof spec.namespace === 'string' ? spec.namespace : (role ?? name);
      const prefix = typeof spec.prefix === 'string' ? spec.prefix : policy.pseudonym.prefix;
      fields.push({ kind: 'pseudonym', name, namespace, prefix, values });
    }
    const visitorField = policy.formats[format]?.visitor_id;
    if (visitors && typeof visitorField === 'string') fields.push({ kind: 'visitor', name: visitorField });
    byFormat.set(format, fields);
  }
  return byFormat;
}
