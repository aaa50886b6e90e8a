/**
 * `w3c`: W3C Extended Log File Format (https://www.w3.org/TR/WD-logfile.html)
 * — IIS, HTTP.sys and other producers. `#Fields` decides the layout and may
 * change mid-file; a block whose `#Software` names Microsoft has IIS's `+`
 * for spaces in its string fields. Lines before any `#Fields` are read only
 * in the layout the `layout` option names. CloudFront's logs (`x-edge-`
 * fields) are left to `cloudfront`.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { cloudfrontFields, layoutOf, layoutOption } from '../cloudfront/index.js';
import { W3cFormat, type W3cSpec } from '../engines/w3c/w3c-format.js';
import { W3C_EXAMPLE_LAYOUT, w3cExampleLines } from './example.js';

/** Field identifiers of the W3C draft and of IIS, with their roles. */
export const W3C_ROLES: Readonly<Record<string, Role>> = {
  date: 'date',
  time: 'time_of_day',
  'time-taken': 'duration',
  'c-ip': 'client_ip',
  'c-port': 'client_port',
  's-ip': 'server_ip',
  's-port': 'server_port',
  's-sitename': 'dimension',
  's-computername': 'dimension',
  's-dns': 'host',
  'cs-host': 'host',
  'cs-username': 'user',
  'cs-method': 'method',
  'cs-uri-stem': 'path',
  'cs-uri-query': 'query',
  'cs-uri': 'url',
  'cs-version': 'protocol',
  'sc-status': 'status',
  'sc-substatus': 'dimension',
  'sc-win32-status': 'dimension',
  'sc-bytes': 'bytes_out',
  'cs-bytes': 'bytes_in',
  'cs(Host)': 'host',
  'cs(User-Agent)': 'user_agent',
  'cs(Referer)': 'referer',
  'cs(Cookie)': 'session',
  'X-Forwarded-For': 'forwarded_for',
};

export const W3C_SPEC: W3cSpec = {
  roles: W3C_ROLES,
  defaultFields: undefined,
  claims: (fields) => !cloudfrontFields(fields),
  encoding: 'auto',
};

export const w3cFormat = defineFormat({
  name: 'w3c',
  description: 'W3C extended log format (IIS, HTTP.sys, others): #Fields decide the layout, also mid-file',
  options: { layout: layoutOption },
  autoOrder: 17,
  example: { config: { layout: W3C_EXAMPLE_LAYOUT }, lines: w3cExampleLines },
  create: (config, ctx) => new W3cFormat(W3C_SPEC, ctx, layoutOf(config)),
  describe: (config) => ({
    layout: '#Fields header per file (W3C extended); without one: the layout option' + (layoutOf(config) === undefined ? ' (not set: such lines are not read)' : ''),
    fields: layoutOf(config) ?? [],
    note: 'fields of #Fields the policy does not name are written as "-"; #Version/#Fields lines are written before the first event after them',
  }),
});
