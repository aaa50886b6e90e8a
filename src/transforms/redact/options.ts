/** What the redactor looks for, and its defaults. */
import type { IpTruncation } from '../truncate-ip.js';
import { DEFAULT_USER_PREFIXES } from '../url/path-template.js';

/** A custom rule of the policy: a pattern or parameter names, its placeholder, and the fields it applies to. */
export interface CustomRule {
  /** A regular expression (linear-time engine; see custom.ts), matched against the text as logged. */
  readonly pattern?: string;
  /** Parameter names whose values get this placeholder (compared like `sensitive_params.exact`). */
  readonly params?: readonly string[];
  readonly placeholder: string;
  /** Field names the rule applies to; every redacted field when absent. */
  readonly fields?: readonly string[];
}

export interface RedactOptions {
  /** Truncate IP addresses found in text with this rule; undefined leaves them. */
  readonly ip: IpTruncation | undefined;
  readonly email: boolean;
  readonly personnummer: boolean;
  readonly phone: boolean;
  readonly card: boolean;
  readonly uuid: boolean;
  readonly mac: boolean;
  readonly secret: boolean;
  readonly userinfo: boolean;
  /** IMEI/IMEISV, IMSI, ICCID. */
  readonly device: boolean;
  readonly iban: boolean;
  /** Coarsen coordinates to about 1 km. */
  readonly location: boolean;
  /** A token counts as a secret from this length on. */
  readonly secretMinLength: number;
  /**
   * Parameter names whose values are always redacted, beside the built-in
   * word rules (name-rules.ts); compared lower case, without `-`, `_`, `.`, `[]`.
   */
  readonly sensitiveParams: { readonly contains: readonly string[]; readonly exact: readonly string[] };
  /** Query values of URL fields: `allow-list` keeps only those of {@link allowParams}; `detect` leaves them to the detectors. */
  readonly query: 'allow-list' | 'detect';
  /** Path segments of URL fields: `template` replaces identifier-shaped ones; `detect` leaves them to the detectors. */
  readonly path: 'template' | 'detect';
  /** Parameter names whose values are kept (and still pass the detectors); `utm_*` matches by prefix. */
  readonly allowParams: readonly string[];
  /** Path segments after which the next names a user. */
  readonly userPathPrefixes: readonly string[];
  readonly custom: readonly CustomRule[];
}

/**
 * The built-in allow-list: parameters a site sets for itself, whose values
 * describe the page rather than the visitor. Campaign tags (`utm_*`, set by
 * whoever wrote the link), pagination, sorting and presentation, API and
 * asset versions, and image-CDN sizes. Left out on purpose: search terms
 * (`q`, `query`, `search` — people search for their own names and
 * addresses), click ids (`gclid`, `fbclid`, `msclkid` — unique per click,
 * linkable to an ad profile), `from`/`to`, OAuth `state` and `code`, and
 * anything that could be a record id. Values of these names still pass the
 * detectors, and one whose shape is an identifier's becomes a placeholder
 * (`ref=anna1981` → `ref={id}`).
 */
export const DEFAULT_ALLOW_PARAMS = [
  'utm_*', 'page', 'per_page', 'perpage', 'page_size', 'pagesize', 'limit', 'offset', 'sort', 'sort_by', 'sortby', 'order', 'order_by',
  'orderby', 'dir', 'direction', 'view', 'layout', 'tab', 'format', 'fmt', 'output', 'lang', 'language', 'locale', 'hl', 'currency', 'theme',
  'v', 'ver', 'version', 'api-version', 'ref', 'source', 'medium', 'campaign', 'category', 'type', 'w', 'h', 'width', 'height', 'dpr', 'fit',
  'quality', 'fm', 'auto', 'crop', 'amp', 'tz', 'timezone', 'country', 'response_type', 'response_mode', 'scope', 'grant_type', 'prompt',
  'include', 'fields', 'expand', 'embed', '_',
] as const;

/** Names that are redacted when they appear anywhere in a parameter name, beside the built-in rules (none by default). */
export const DEFAULT_SENSITIVE_CONTAINS: readonly string[] = [];
/** Names that are redacted only when they are the whole parameter name, beside the built-in rules (none by default). */
export const DEFAULT_SENSITIVE_EXACT: readonly string[] = [];

export const DEFAULT_REDACT_OPTIONS: Omit<RedactOptions, 'ip'> = {
  email: true,
  personnummer: true,
  phone: true,
  card: true,
  uuid: true,
  mac: true,
  secret: true,
  userinfo: true,
  device: true,
  iban: true,
  location: true,
  secretMinLength: 24,
  sensitiveParams: { contains: DEFAULT_SENSITIVE_CONTAINS, exact: DEFAULT_SENSITIVE_EXACT },
  query: 'allow-list',
  path: 'template',
  allowParams: DEFAULT_ALLOW_PARAMS,
  userPathPrefixes: DEFAULT_USER_PREFIXES,
  custom: [],
};
