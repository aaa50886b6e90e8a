/**
 * Command-line parsing on node:util parseArgs, with its errors turned into
 * GALLRA_USAGE errors that name the subcommand and point at its --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GallraError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  readonly values: V;
  readonly positionals: string[];
}

/**
 * Parses `argv` for `command` strictly: unknown flags and missing values are
 * usage errors (exit 2).
 *
 * @example
 * const { values, positionals } = parseCommand('anonymise', argv, { format: { type: 'string' } });
 */
export function parseCommand(command: string, argv: string[], options: Options): Parsed<Record<string, string | boolean | (string | boolean)[] | undefined>> {
  try {
    // --help and --log-level are understood by every command (main.ts reads the level).
    const all: Options = { help: { type: 'boolean', short: 'h' }, 'log-level': { type: 'string' }, ...options };
    const r = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    const msg = (err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err)).replace(/'([^']*)'/g, (_m, v: string) => shown(v, "'"));
    throw new GallraError('GALLRA_USAGE', `gallra ${command}: ${msg}\n  see: gallra ${command} --help`, { cause: err });
  }
}

/**
 * A flag value that must be one of `allowed`.
 *
 * @example
 * const unparsed = oneOf('anonymise', '--unparsed', values.unparsed, ['drop', 'scrub']);
 */
export function oneOf<T extends string>(command: string, flag: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GallraError('GALLRA_USAGE', `gallra ${command}: ${flag} must be one of ${allowed.join(', ')}, not ${shown(value)}`);
}

/** What a word of a command line may look like to be repeated in a message: a flag, a name, a small number. */
const PLAIN_WORD = /^[-A-Za-z_][-A-Za-z0-9_.=]{0,39}(?: <value>)?$/;

/**
 * A value the operator typed, quoted for an error message — or a note that
 * it is not shown, when it could be personal data pasted by mistake (an
 * e-mail address, an IP address, anything that is not a plain word): gallra's
 * messages never carry an identifier.
 *
 * @example
 * shown('apache2')                  // '"apache2"'
 * shown('anna.svensson@example.com') // '(a value not shown: it may be personal data)'
 */
export function shown(value: unknown, quote = '"'): string {
  if (typeof value === 'string' && PLAIN_WORD.test(value) && !/\d+\.\d+\.\d+/.test(value)) return `${quote}${value}${quote}`;
  return '(a value not shown: it may be personal data)';
}
