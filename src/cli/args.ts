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
    const msg = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
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
  throw new GallraError('GALLRA_USAGE', `gallra ${command}: ${flag} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
}
