/**
 * `iis`: Microsoft IIS (and HTTP.sys) W3C logs — `w3c` with IIS's defaults:
 * lines that come without a `#Fields` header are read in IIS's default
 * layout, and string fields always have `+` for a space. Auto-detection
 * reads IIS files as `w3c` (same engine, the `#Software` line tells it the
 * `+`); name `iis` for headerless IIS lines.
 */
import { defineFormat } from '../format.js';
import { layoutOf, layoutOption } from '../cloudfront/index.js';
import { W3cFormat, type W3cSpec } from '../engines/w3c/w3c-format.js';
import { W3C_SPEC } from '../w3c/index.js';
import { IIS_EXAMPLE_LAYOUT, iisExampleLines } from './example.js';

/** The fields IIS logs by default (logExtFileFlags), in the order it writes them. */
export const IIS_DEFAULT_FIELDS = [
  'date', 'time', 's-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 's-port', 'cs-username', 'c-ip', 'cs(User-Agent)', 'cs(Referer)', 'sc-status', 'sc-substatus', 'sc-win32-status', 'time-taken',
] as const;

export const IIS_SPEC: W3cSpec = { ...W3C_SPEC, defaultFields: IIS_DEFAULT_FIELDS, encoding: 'iis' };

export const iisFormat = defineFormat({
  name: 'iis',
  description: 'Microsoft IIS W3C logs: w3c with IIS\'s default layout for headerless lines and + for spaces (auto-detection reads IIS files as w3c)',
  options: { layout: layoutOption },
  example: { config: { layout: IIS_EXAMPLE_LAYOUT }, lines: iisExampleLines },
  create: (config, ctx) => new W3cFormat(IIS_SPEC, ctx, layoutOf(config)),
  describe: (config) => ({
    layout: '#Fields header per file (W3C extended, IIS); without one: ' + (layoutOf(config) === undefined ? "IIS's default 15 fields" : 'the layout option'),
    fields: layoutOf(config) ?? [...IIS_DEFAULT_FIELDS],
    note: 'time-taken is in milliseconds (IIS); fields of #Fields the policy does not name are written as "-"',
  }),
});
