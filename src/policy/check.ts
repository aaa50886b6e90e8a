/**
 * Checks a policy beyond what the schema can say on its own: formats refer to
 * each other, templates must compile, and a text format needs a time field or
 * the retention window cannot be enforced on its lines.
 */
import { BUILTIN_TEXT_FORMATS } from '../formats/builtin.js';
import { compileTemplate, TemplateError } from '../formats/template.js';
import { TIME_FIELDS } from '../formats/text.js';
import { sinkName, sourceName } from '../run/config.js';
import { type PolicyConfig } from './schema.js';

export interface PolicyProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly fix: string;
  /** For an unknown key: the last path segment is the key, and the location points at it rather than its value. */
  readonly atKey?: boolean;
}

/**
 * The sections of a policy the checks read, each present only if it is
 * schema-valid: a policy with schema problems is still checked as far as
 * its valid sections allow, so every problem is reported at once.
 */
export type CheckableSections = Partial<Pick<PolicyConfig, 'input' | 'formats' | 'sources' | 'sinks'>>;

/**
 * Every semantic problem in a policy's schema-valid sections; empty when
 * they are sound.
 *
 * @example
 * checkPolicy(config).forEach((p) => console.error(p.path.join('.'), p.message));
 */
export function checkPolicy(c: CheckableSections): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (c.formats !== undefined && c.input !== undefined) problems.push(...checkFormats(c.formats, c.input));
  if (c.formats !== undefined) {
    const formats = c.formats;
    const formatNamed = (fmt: string, at: (string | number)[]): void => {
      if (fmt === 'auto' || Object.hasOwn(formats, fmt)) return;
      problems.push({
        path: at,
        message: `unknown format "${fmt}"`,
        fix: `use auto or one of: ${Object.keys(formats).join(', ')} (or define formats.${fmt}.log_format)`,
      });
    };
    if (c.input !== undefined) formatNamed(c.input.format, ['input', 'format']);
    c.sources?.forEach((s, i) => {
      if (s.format !== undefined) formatNamed(s.format, ['sources', i, 'format']);
    });
  }
  problems.push(...duplicateNames('source', c.sources ?? [], sourceName), ...duplicateNames('sink', c.sinks ?? [], sinkName));
  return problems;
}

/** Formats refer to each other, templates compile, and a text format has a time field. */
function checkFormats(formats: PolicyConfig['formats'], input: PolicyConfig['input']): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const [name, f] of Object.entries(formats)) {
    const at = ['formats', name];
    // hasOwn, not `in`: a format named `constructor` is not built in.
    const builtin = Object.hasOwn(BUILTIN_TEXT_FORMATS, name);
    if (name === 'json') {
      for (const key of ['log_format', 'extra_fields'] as const) {
        if (f[key] !== undefined) problems.push({ path: [...at, key], message: `json lines have no ${key}`, fix: `remove ${key} from formats.json` });
      }
      continue;
    }
    for (const key of ['timestamp_fields', 'visitor_id'] as const) {
      if (f[key] !== undefined) {
        problems.push({ path: [...at, key], message: `${key} applies to json only`, fix: `remove it; a text format's time field is $time_local, $time_iso8601 or $msec in its template` });
      }
    }
    if (builtin && f.log_format !== undefined) {
      problems.push({
        path: [...at, 'log_format'],
        message: `${name} is built in and its layout cannot be changed`,
        fix: `give your layout its own name (formats.my_${name}.log_format) and set input.format: my_${name}`,
      });
      continue;
    }
    if (!builtin && f.log_format === undefined) {
      problems.push({ path: at, message: `format ${name} has no log_format`, fix: `add log_format: with the nginx log_format string of your logs` });
      continue;
    }
    const source = f.log_format ?? BUILTIN_TEXT_FORMATS[name as keyof typeof BUILTIN_TEXT_FORMATS];
    try {
      const t = compileTemplate(source);
      const hasTime = t.fields.some((fd) => (TIME_FIELDS as readonly string[]).includes(fd.name));
      if (!hasTime && input.missing_timestamp === 'drop') {
        problems.push({
          path: [...at, 'log_format'],
          message: `the layout has no time field, so every line would be dropped (the retention window cannot be enforced without one)`,
          fix: `add $time_local, $time_iso8601 or $msec to the layout, or set input.missing_timestamp: arrival`,
        });
      }
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path: [...at, 'log_format'], message: `${err.message} (at character ${err.at + 1})`, fix: 'write it as in nginx: literals and $variables' });
    }
  }
  return problems;
}

/**
 * Two sources with one name would share metrics and a checkpoint file, two
 * sinks their metrics. Names default to the file name (sources) or the
 * type and position.
 */
function duplicateNames<T extends { readonly name?: string | undefined }>(kind: 'source' | 'sink', items: readonly T[], nameOf: (item: T, i: number) => string): PolicyProblem[] {
  const seen = new Map<string, number>();
  const problems: PolicyProblem[] = [];
  items.forEach((item, i) => {
    const name = nameOf(item, i);
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, i);
      return;
    }
    problems.push({
      path: [`${kind}s`, i, ...(item.name !== undefined ? ['name'] : [])],
      message: `${kind}s[${first}] and ${kind}s[${i}] are both named ${name}: their ${kind === 'source' ? 'metrics and checkpoints' : 'metrics'} would mix`,
      fix: `give this ${kind} its own name: (names default to ${kind === 'source' ? 'the file name, or ' : ''}the type and position)`,
    });
  });
  return problems;
}
