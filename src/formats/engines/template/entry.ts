/**
 * Registry entries for text formats: the built-in layouts are entries by
 * name with their template fixed; an operator's own layout
 * (`formats.<name>.log_format`) is built by the `template` entry.
 */
import { formatIsoTime } from '../../../time/format-timestamp.js';
import type { ConfigProblem } from '../../../util/problem.js';
import { extraFieldsOption, logFormatOption } from '../../config.js';
import { defineFormat, type FormatConfig, type FormatEntry } from '../../format.js';
import { compileTemplate, TemplateError } from './template.js';
import { TextFormat, TIME_FIELDS } from './text-format.js';

/** Appended field names from a format's options. */
function extraFields(config: FormatConfig): readonly string[] {
  return (config.extra_fields as readonly string[] | undefined) ?? [];
}

/** A template compiles, and has a time field unless events may be stamped on arrival. */
function checkTemplate(source: string, at: readonly (string | number)[], missingTimestamp: 'drop' | 'arrival'): ConfigProblem[] {
  try {
    const t = compileTemplate(source);
    const hasTime = t.fields.some((fd) => (TIME_FIELDS as readonly string[]).includes(fd.name));
    if (!hasTime && missingTimestamp === 'drop') {
      return [
        {
          path: [...at, 'log_format'],
          message: 'the layout has no time field, so every line would be dropped (the retention window cannot be enforced without one)',
          fix: 'add $time_local, $time_iso8601 or $msec to the layout, or set input.missing_timestamp: arrival',
        },
      ];
    }
    return [];
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return [{ path: [...at, 'log_format'], message: `${err.message} (at character ${err.at + 1})`, fix: 'write it as in nginx: literals and $variables' }];
  }
}

function describeText(source: string, config: FormatConfig): { layout: string; fields: string[] } {
  const t = compileTemplate(source);
  return { layout: source, fields: [...t.fields.map((f) => f.name), ...extraFields(config).map((n) => `+ ${n}`)] };
}

/**
 * A built-in text format: its layout as an nginx-style template.
 *
 * @example
 * export const commonFormat = builtinTextFormat('common', 'NCSA common', '$remote_addr …', 40);
 */
export function builtinTextFormat(name: string, description: string, template: string, autoOrder: number, example: FormatEntry['example']): FormatEntry {
  return defineFormat({
    name,
    description,
    options: { extra_fields: extraFieldsOption },
    autoOrder,
    example,
    create: (config, ctx) => new TextFormat(compileTemplate(template), extraFields(config), ctx),
    describe: (config) => ({ ...describeText(template, config), appendedDropped: true }),
  });
}

/** The engine behind an operator's own layout: `formats.<name>.log_format`, any nginx log_format string. */
export const templateFormat = defineFormat({
  name: 'template',
  description: "an operator's own layout: any nginx log_format string under formats.<name>.log_format",
  options: { log_format: logFormatOption, extra_fields: extraFieldsOption },
  example: {
    config: { log_format: '$remote_addr [$time_iso8601] "$request" $status $request_time' },
    lines: (ms) => [`81.6.12.34 [${formatIsoTime(ms - 3_600_000)}] "GET / HTTP/1.1" 200 1.5`, `10.9.8.7 [${formatIsoTime(ms - 7_200_000)}] "GET /x?mail=jo@example.com HTTP/1.1" 500 0.25`],
  },
  create: (config, ctx) => new TextFormat(compileTemplate(config.log_format as string), extraFields(config), ctx),
  check(config, at, missingTimestamp) {
    if (typeof config.log_format !== 'string') return [{ path: at, message: `format ${String(at[at.length - 1])} has no log_format`, fix: 'add log_format: with the nginx log_format string of your logs' }];
    return checkTemplate(config.log_format, at, missingTimestamp);
  },
  describe: (config) => ({ ...describeText(config.log_format as string, config), appendedDropped: true }),
});
