#!/usr/bin/env node
/**
 * The `gallra` command. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * config error (the message names the file, field path and what to do).
 */
import { readFileSync } from 'node:fs';
import { GallraError, isGallraError } from '../errors.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { ANONYMISE_HELP, anonymiseCommand, type CommandIo } from './anonymise.js';
import { CHECK_CONFIG_HELP, checkConfigCommand } from './check-config.js';
import { SALTS_HELP, saltsCommand } from './salts.js';

const MAIN_HELP = `Usage: gallra <command> [options]

Streaming anonymiser for web-server logs, cloud-service logs and traffic
metadata: truncates IPs, pseudonymises user ids under rotating salts, redacts
identifiers in URLs and free text, and keeps nothing beyond six months.

Commands:
  anonymise [FILE...]     stdin/files → stdout, same log format, anonymised
  check-config FILE       validate a policy and print what it will do
  salts list|rotate|destroy
                          keyring housekeeping

Run 'gallra <command> --help' for a command's options.
Options: -h, --help   this help;  --version   print the version
`;

const COMMANDS: Record<string, { run: (argv: string[], io: CommandIo) => Promise<number>; help: string }> = {
  anonymise: { run: anonymiseCommand, help: ANONYMISE_HELP },
  'check-config': { run: checkConfigCommand, help: CHECK_CONFIG_HELP },
  salts: { run: saltsCommand, help: SALTS_HELP },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The log level from --log-level (anywhere in argv) or GALLRA_LOG_LEVEL; warn by default. */
function logLevel(argv: readonly string[]): LogLevel {
  const i = argv.indexOf('--log-level');
  const v = i >= 0 ? argv[i + 1] : process.env.GALLRA_LOG_LEVEL;
  if (v === undefined) return 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new GallraError('GALLRA_USAGE', `gallra: --log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

/**
 * Runs the CLI; resolves to the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[]): Promise<number> {
  const stderr = process.stderr;
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      process.stdout.write(topic !== undefined && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`gallra ${version()}\n`);
      return 0;
    }
    const cmd = COMMANDS[command];
    if (cmd === undefined) throw new GallraError('GALLRA_USAGE', `gallra: unknown command ${JSON.stringify(command)}\n  commands: ${Object.keys(COMMANDS).join(', ')} (gallra --help)`);
    const logger = createLogger(logLevel(rest));
    return await cmd.run(rest, { stdout: process.stdout, stderr, logger });
  } catch (err) {
    if (isGallraError(err)) {
      stderr.write(`${err.message.startsWith('gallra') ? '' : 'gallra: '}${err.message}\n`);
      return err.exitCode;
    }
    // An unexpected failure: report type and code only, never data.
    const e = err as NodeJS.ErrnoException;
    stderr.write(`gallra: internal error (${e?.name ?? 'Error'}${e?.code ? ` ${e.code}` : ''}); rerun with --log-level debug and report it\n`);
    createLogger('error').error({ err: e }, 'internal error');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
