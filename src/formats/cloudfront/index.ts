/**
 * `cloudfront`: Amazon CloudFront standard logs
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html):
 * W3C extended format, tab-separated, with `#Version` and `#Fields` headers
 * that decide the layout (standard logging v2 lets operators choose fields
 * and their order). Lines without a header are read in the legacy layout of
 * 33 fields. CloudFront URL-encodes every value, once more over what the
 * client sent (`%40` is logged `%2540`): the format undoes that layer before
 * the policy sees a value and does it again on what it writes back.
 */
import type { Role } from '../../event/vocabulary.js';
import { z } from 'zod';
import { defineFormat, type FormatConfig } from '../format.js';
import { W3cFormat, type W3cSpec } from '../engines/w3c/w3c-format.js';
import { cloudfrontExampleLines } from './example.js';

/** The legacy layout, in order (the page's "Log file fields" 1–33). */
export const CLOUDFRONT_LEGACY_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status', 'cs(Referer)', 'cs(User-Agent)',
  'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id', 'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken',
  'x-forwarded-for', 'ssl-protocol', 'ssl-cipher', 'x-edge-response-result-type', 'cs-protocol-version', 'fle-status', 'fle-encrypted-fields',
  'c-port', 'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type', 'sc-content-len', 'sc-range-start', 'sc-range-end',
] as const;

export const CLOUDFRONT_ROLES: Readonly<Record<string, Role>> = {
  date: 'date',
  time: 'time_of_day',
  'x-edge-location': 'dimension',
  'sc-bytes': 'bytes_out',
  'c-ip': 'client_ip',
  'cs-method': 'method',
  'cs(Host)': 'host',
  'cs-uri-stem': 'path',
  'sc-status': 'status',
  'cs(Referer)': 'referer',
  'cs(User-Agent)': 'user_agent',
  'cs-uri-query': 'query',
  'cs(Cookie)': 'session',
  'x-edge-result-type': 'dimension',
  'x-edge-request-id': 'identifier',
  'x-host-header': 'host',
  'cs-protocol': 'protocol',
  'cs-bytes': 'bytes_in',
  'time-taken': 'duration',
  'x-forwarded-for': 'forwarded_for',
  'ssl-protocol': 'protocol',
  'ssl-cipher': 'dimension',
  'x-edge-response-result-type': 'dimension',
  'cs-protocol-version': 'protocol',
  'fle-status': 'dimension',
  'fle-encrypted-fields': 'dimension',
  'c-port': 'client_port',
  'time-to-first-byte': 'duration',
  'x-edge-detailed-result-type': 'dimension',
  'sc-content-type': 'dimension',
  'sc-content-len': 'bytes',
  'sc-range-start': 'bytes',
  'sc-range-end': 'bytes',
  // Standard logging (v2) fields an operator may choose.
  timestamp: 'time',
  'timestamp(ms)': 'time',
  DistributionId: 'dimension',
  'c-country': 'dimension',
  asn: 'dimension',
  'cache-behavior-path-pattern': 'dimension',
  'origin-fbl': 'duration',
  'origin-lbl': 'duration',
  'connection-id': 'identifier',
  'c-ip-version': 'dimension',
  'cs-accept': 'dimension',
  'cs-accept-encoding': 'dimension',
  'cs-header-names': 'message',
  'cs-headers': 'message',
  'cs-headers-count': 'dimension',
};

/** A `#Fields` block is CloudFront's when it has CloudFront's own fields. */
export function cloudfrontFields(fields: readonly string[]): boolean {
  return fields.some((f) => f.startsWith('x-edge-') || f === 'x-host-header' || f.startsWith('fle-') || f === 'time-to-first-byte');
}

export const CLOUDFRONT_SPEC: W3cSpec = {
  roles: CLOUDFRONT_ROLES,
  defaultFields: CLOUDFRONT_LEGACY_FIELDS,
  claims: cloudfrontFields,
  encoding: 'cloudfront',
};

/** `formats.<name>.layout`: the fields of lines that come without a `#Fields` header, space-separated. */
export const layoutOption = z
  .string()
  .regex(/^\s*\S+(\s+\S+)*\s*$/, 'field names separated by spaces, as in a #Fields line')
  .max(8192)
  .optional();

/** The layout option as field names (`${version}`-style names from a VPC format string work too). */
export function layoutOf(config: FormatConfig): string[] | undefined {
  const v = config.layout;
  return typeof v === 'string' ? v.trim().split(/\s+/).map((n) => n.replace(/^\$\{(.*)\}$/, '$1')) : undefined;
}

export const cloudfrontFormat = defineFormat({
  name: 'cloudfront',
  description: 'Amazon CloudFront standard logs (W3C, tab-separated; #Fields decide the layout; CloudFront\'s URL-encoding undone and redone)',
  options: { layout: layoutOption },
  autoOrder: 16,
  example: { lines: cloudfrontExampleLines },
  create: (config, ctx) => new W3cFormat(CLOUDFRONT_SPEC, ctx, layoutOf(config)),
  describe: (config) => ({
    layout: '#Fields header per file (W3C extended, tab-separated); without one: the 33-field legacy layout',
    fields: layoutOf(config) ?? [...CLOUDFRONT_LEGACY_FIELDS],
    note: 'fields of #Fields the policy does not name are written as "-"; #Version/#Fields lines are written before the first event after them',
  }),
});
