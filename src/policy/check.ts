/**
 * Checks a policy beyond what the schema can say on its own: each format
 * takes only its own options and builds (templates compile, a text layout
 * has a time field), formats named elsewhere exist, and components have
 * distinct names. Every check is the registry's: a new format brings its own.
 */
import { components } from '../components.js';
import { componentName, type Registry } from '../registry.js';
import type { ConfigProblem } from '../util/problem.js';
import type { PolicyConfig } from './schema.js';

export type PolicyProblem = ConfigProblem;

/**
 * The sections of a policy the checks read, each present only if it is
 * schema-valid: a policy with schema problems is still checked as far as
 * its valid sections allow, so every problem is reported at once.
 */
export type CheckableSections = Partial<Pick<PolicyConfig, 'input' | 'formats' | 'sources' | 'sinks'>>;

/**
 * The registry entry that builds format `name`: a built-in by its name, else
 * the template engine (an operator's own layout).
 *
 * @example
 * formatEntryFor(components, 'my_nginx').name // 'template'
 */
export function formatEntryFor(registry: Registry, name: string) {
  return registry.format(name) ?? registry.format('template')!;
}

/**
 * Every semantic problem in a policy's schema-valid sections; empty when
 * they are sound.
 *
 * @example
 * checkPolicy(config).forEach((p) => console.error(p.path.join('.'), p.message));
 */
export function checkPolicy(c: CheckableSections, registry: Registry = components): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (c.formats !== undefined && c.input !== undefined) problems.push(...checkFormats(c.formats, c.input, registry));
  if (c.formats !== undefined) {
    const formats = c.formats;
    const formatNamed = (fmt: string, at: (string | number)[]): void => {
      if (fmt === 'auto' || Object.hasOwn(formats, fmt)) return;
      problems.push({
        path: at,
        message: `unknown format "${fmt}"`,
        // The unknown name is not repeated here: it may be anything the operator pasted.
        fix: `use auto or one of: ${Object.keys(formats).join(', ')} (or define your layout under formats: with a log_format)`,
      });
    };
    if (c.input !== undefined) formatNamed(c.input.format, ['input', 'format']);
    c.sources?.forEach((s, i) => {
      if (s.format !== undefined) formatNamed(s.format, ['sources', i, 'format']);
    });
  }
  problems.push(
    ...duplicateNames('source', c.sources ?? [], (s, i) => componentName(registry.source(s.type), s, i)),
    ...duplicateNames('sink', c.sinks ?? [], (s, i) => componentName(registry.sink(s.type), s, i)),
  );
  return problems;
}

/** Each format takes only its own options, and its entry's own checks pass. */
function checkFormats(formats: NonNullable<CheckableSections['formats']>, input: NonNullable<CheckableSections['input']>, registry: Registry): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const [name, f] of Object.entries(formats)) {
    const at = ['formats', name];
    const entry = formatEntryFor(registry, name);
    const foreign = Object.keys(f).filter((k) => k !== 'fields' && f[k] !== undefined && !Object.hasOwn(entry.options, k));
    for (const key of foreign) {
      const builtinLayout = key === 'log_format' && entry.name !== 'template';
      problems.push({
        path: [...at, key],
        message: builtinLayout ? `${name} is built in and its layout cannot be changed` : `${name} has no option ${key} (it takes: ${Object.keys(entry.options).join(', ') || 'none'})`,
        fix: builtinLayout ? `give your layout its own name (formats.my_${name}.log_format) and set input.format: my_${name}` : `remove ${key} from formats.${name}`,
      });
    }
    if (foreign.length === 0) problems.push(...(entry.check?.(f, at, input.missing_timestamp) ?? []));
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
