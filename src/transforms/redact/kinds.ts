/**
 * What the redactor replaces, as kinds: each hit is counted under its kind
 * (`Redactor.hits`, exposed as `gallra_redactions_total{kind}` and in
 * `--stats`), and most kinds have one fixed placeholder.
 */

export const REDACTION_KINDS = [
  /** An IP address, truncated (v4, v6, dashed in a host name, reverse DNS, integer or hex with an address label). */
  'ip',
  'email',
  /** Swedish personal identity or coordination number. */
  'personnummer',
  'phone',
  'card',
  'iban',
  'uuid',
  'mac',
  /** IMEI / IMEISV. */
  'imei',
  'imsi',
  'iccid',
  /** A random-looking token, JWT or vendor key. */
  'secret',
  /** A password, PIN, API key, Authorization or Cookie value behind its label. */
  'credential',
  /** URL user info (`scheme://user:password@host`). */
  'userinfo',
  /** The value of a sensitive parameter in text or in `query: detect` mode. */
  'param',
  /** A query value replaced because its name is not on the allow-list. */
  'query',
  /** A path segment replaced by a typed placeholder (`{id}`, `{user}`, …). */
  'path',
  /** Coordinates coarsened to about 1 km. */
  'location',
  'birthdate',
  /** A person's name behind a parameter that carries one. */
  'name',
  /** A custom rule of the policy. */
  'custom',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

/** Kind numbers, for the span arrays (a number compares and stores cheaper than a string). */
export const K = Object.fromEntries(REDACTION_KINDS.map((k, i) => [k, i])) as { readonly [P in RedactionKind]: number };

/** The fixed placeholders (kinds that rewrite rather than replace — ip, location, path, custom — have none here). */
export const PLACEHOLDER = {
  email: '[email]',
  personnummer: '[pnr]',
  phone: '[phone]',
  card: '[card]',
  iban: '[iban]',
  uuid: '[uuid]',
  mac: '[mac]',
  imei: '[imei]',
  imsi: '[imsi]',
  iccid: '[iccid]',
  secret: '[secret]',
  credential: '[redacted]',
  userinfo: '[userinfo]',
  param: '[redacted]',
  query: '[redacted]',
  birthdate: '[birthdate]',
  name: '[name]',
} as const satisfies Partial<Record<RedactionKind, string>>;

/**
 * A fresh counter per kind, all zero.
 *
 * @example
 * const hits = emptyHits(); hits.email++;
 */
export function emptyHits(): Record<RedactionKind, number> {
  return Object.fromEntries(REDACTION_KINDS.map((k) => [k, 0])) as Record<RedactionKind, number>;
}
