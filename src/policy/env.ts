/**
 * Environment references in config values — `${NAME}` and
 * `${NAME:-default}` (the default when NAME is unset or empty, as in the
 * shell) — so that addresses and secrets stay out of policy files:
 * `bootstrap_servers: ${KAFKA_BOOTSTRAP_SERVERS}`,
 * `sasl.password: ${KAFKA_PASSWORD}`. `$${` writes a literal `${`.
 * A value that is one reference and nothing else becomes a number or a
 * boolean when the text it gets is one (`port: ${GALLRA_HTTP_PORT:-9464}`);
 * every other substitution gives text. Substituted values are never shown in
 * an error message, which names the reference instead.
 */
import type { ConfigProblem } from '../util/problem.js';

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ExpandedConfig {
  readonly value: unknown;
  /** References that could not be resolved (unset without a default, malformed). */
  readonly problems: ConfigProblem[];
  /** Where a value came from the environment (`a.b[0].c` → the text written in the file). */
  readonly fromEnv: ReadonlyMap<string, string>;
}

const WHOLE = /^\$\{[^}]*\}$/;

/** What a value that is exactly one reference becomes: a number or boolean when its text is one. */
function typed(written: string, text: string): string | number | boolean {
  if (!WHOLE.test(written)) return text;
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** The key of a field path in {@link ExpandedConfig.fromEnv}. */
export function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('\u0000');
}

/**
 * Replaces every environment reference in the string values of `value`
 * (mappings and lists, recursively; keys are left as written).
 *
 * @example
 * expandEnvReferences({ sources: [{ bootstrap_servers: '${BS:-127.0.0.1:9092}' }] }, {}).value
 * // { sources: [{ bootstrap_servers: '127.0.0.1:9092' }] }
 */
export function expandEnvReferences(value: unknown, env: NodeJS.ProcessEnv): ExpandedConfig {
  const problems: ConfigProblem[] = [];
  const fromEnv = new Map<string, string>();
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') return v.includes('${') ? typed(v, expandString(v, path)) : v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k]);
      return out;
    }
    return v;
  };
  const expandString = (text: string, path: (string | number)[]): string => {
    let used = false;
    const out = text.replace(REFERENCE, (whole, escape: string, body: string) => {
      if (escape === '$') return whole.slice(1);
      used = true;
      const sep = body.indexOf(':-');
      const name = sep < 0 ? body : body.slice(0, sep);
      if (!NAME.test(name)) {
        problems.push({ path, message: `\${${body}} is not an environment reference`, fix: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${' });
        return '';
      }
      const set = env[name];
      if (set !== undefined && set !== '') return set;
      if (sep >= 0) return body.slice(sep + 2);
      if (set === '') return '';
      problems.push({ path, message: `the environment variable ${name} is not set`, fix: `set ${name} in gallra's environment, or give a default: \${${name}:-value}` });
      return '';
    });
    if (used) fromEnv.set(pathKey(path), text);
    return out;
  };
  return { value: walk(value, []), problems, fromEnv };
}
