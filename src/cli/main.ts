#!/usr/bin/env node
/**
 * The `gallra` command. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * config error (the message names the file, field path and what to do).
 */
import { readFileSync } from 'node:fs';
import { GallraError, isGallraError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../util/log-levels.js';
import type { CommandIo } from './anonymise.js';
import { suggest } from '../util/suggest.js';
import { shown } from './args.js';

const MAIN_HELP = `Usage: gallra <command> [options]

Streaming anonymiser for web-server logs, cloud-service logs and traffic
metadata: truncates IPs, pseudonymises user ids under rotating salts, redacts
identifiers in URLs and free text, and keeps nothing beyond six months.

Commands:
  anonymise [FILE...]     stdin/files → stdout, same log format, anonymised
  run --config FILE       long-running pipeline: tail, FIFO, syslog → daily files
  query --config FILE SQL read-only SQL over the anonymous aggregates
  serve --config FILE     dashboard and JSON API over the aggregates (read-only)
  retention --config FILE enforce the retention window on every store now
  status --config FILE    per store: window, oldest data held, in policy? (exit 1 if not)
  audit verify|report     the hash-chained audit trail: check it, or report for the DPO
  subject export|erase --config FILE --user ID
                          data-subject access (JSON lines) or erasure in live epochs
  check-config [--config] FILE
                          validate a policy and print what it will do
  salts list|rotate|destroy
                          keyring housekeeping
  kafka-dev --topic T:N   embedded Kafka (librdkafka's mock cluster) for a fresh machine
  demo                    the whole pipeline on embedded Kafka and DuckDB, on sample data

Run 'gallra <command> --help' for a command's options. Every command takes
--log-level fatal|error|warn|info|debug|silent (or GALLRA_LOG_LEVEL).
Options: -h, --help   this help;  --version   print the version
`;

interface Command {
  run(argv: string[], io: CommandIo): Promise<number>;
  readonly help: string;
}

/**
 * Commands are loaded when they run: `anonymise` pulls in the whole engine
 * (fast-json-stringify and its schema compiler alone take a few hundred ms to
 * load), which `salts rotate` from a timer, `check-config` and `--help` do not need.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  anonymise: async () => {
    const m = await import('./anonymise.js');
    return { run: m.anonymiseCommand, help: m.ANONYMISE_HELP };
  },
  run: async () => {
    const m = await import('./run.js');
    return { run: m.runCommand, help: m.RUN_HELP };
  },
  retention: async () => {
    const m = await import('./retention.js');
    return { run: m.retentionCommand, help: m.RETENTION_HELP };
  },
  status: async () => {
    const m = await import('./status.js');
    return { run: m.statusCommand, help: m.STATUS_HELP };
  },
  audit: async () => {
    const m = await import('./audit.js');
    return { run: m.auditCommand, help: m.AUDIT_HELP };
  },
  subject: async () => {
    const m = await import('./subject.js');
    return { run: m.subjectCommand, help: m.SUBJECT_HELP };
  },
  'check-config': async () => {
    const m = await import('./check-config.js');
    return { run: m.checkConfigCommand, help: m.CHECK_CONFIG_HELP };
  },
  salts: async () => {
    const m = await import('./salts.js');
    return { run: m.saltsCommand, help: m.SALTS_HELP };
  },  query: async () => {
    const m = await import('./query.js');
    return { run: m.queryCommand, help: m.QUERY_HELP };
  },
  serve: async () => {
    const m = await import('./serve.js');
    return { run: m.serveCommand, help: m.SERVE_HELP };
  },
  'kafka-dev': async () => {
    const m = await import('./kafka-dev.js');
    return { run: m.kafkaDevCommand, help: m.KAFKA_DEV_HELP };
  },
  demo: async () => {
    const m = await import('./demo.js');
    return { run: m.demoCommand, help: m.DEMO_HELP };
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The log level from --log-level L / --log-level=L (anywhere in argv) or
 * GALLRA_LOG_LEVEL; by default info for the long-running `run` (start, stop,
 * rotations are worth a line) and warn for the one-shot commands.
 */
function logLevel(argv: readonly string[], command: string): LogLevel {
  let v: string | undefined = process.env.GALLRA_LOG_LEVEL || undefined;
  let from = 'GALLRA_LOG_LEVEL';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--log-level') v = argv[i + 1];
    else if (a.startsWith('--log-level=')) v = a.slice('--log-level='.length);
    else continue;
    from = '--log-level';
  }
  if (v === undefined) return command === 'run' || command === 'serve' ? 'info' : 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new GallraError('GALLRA_USAGE', `gallra: ${from} must be one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

/**
 * The text of a deliberate error as printed. Config errors quote the values
 * they reject (and keys, in field paths), and a policy file can hold an
 * address or e-mail address pasted from a log; everything after each
 * `file:line:col:` location is scrubbed like gallra's own log, so the
 * message still names the file and field but echoes no identifier. Other
 * messages name files and flags the operator typed and are printed as they are.
 *
 * @example
 * safeMessage(new GallraError('GALLRA_CONFIG_INVALID', 'p.yaml:2:11: input.format: unknown format "81.6.12.34"'))
 * // 'p.yaml:2:11: input.format: unknown format "81.6.0.0"'
 */
export async function safeMessage(err: GallraError): Promise<string> {
  if (err.code !== 'GALLRA_CONFIG_INVALID' && err.code !== 'GALLRA_CONFIG_SYNTAX') return err.message;
  // Loaded only now: --help and usage errors need neither the logger nor the redactor.
  const { scrubLogText } = await import('../log.js');
  return err.message
    .split('\n')
    .map((line) => {
      const at = LOCATION.exec(line);
      return at === null ? scrubLogText(line) : at[0] + scrubLogText(line.slice(at[0].length));
    })
    .join('\n');
}

/** `path/to/policy.yaml:12:5: ` at the start of a config problem line. */
const LOCATION = /^\S(?:.*?):\d+:\d+: /;

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
      // No command at all is a usage error: the help goes to stderr, stdout stays clean for data.
      const help = topic !== undefined && Object.hasOwn(COMMANDS, topic) ? (await COMMANDS[topic]!()).help : MAIN_HELP;
      (command === undefined ? stderr : process.stdout).write(help);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`gallra ${version()}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (load === undefined) {
      const hint = suggest(command, Object.keys(COMMANDS));
      throw new GallraError('GALLRA_USAGE', `gallra: unknown command ${shown(command)}${hint ? ` (did you mean ${hint}?)` : ''}\n  commands: ${Object.keys(COMMANDS).join(', ')} (gallra --help)`);
    }
    const level = logLevel(rest, command);
    const [{ createLogger }, cmd] = await Promise.all([import('../log.js'), load()]);
    const logger = createLogger(level);
    return await cmd.run(rest, { stdout: process.stdout, stderr, logger });
  } catch (err) {
    if (isGallraError(err)) {
      const message = await safeMessage(err);
      stderr.write(`${message.startsWith('gallra') ? '' : 'gallra: '}${message}\n`);
      return err.exitCode;
    }
    // An unexpected failure: report type and code only, never data.
    const e = err as NodeJS.ErrnoException;
    stderr.write(`gallra: internal error (${e?.name ?? 'Error'}${e?.code ? ` ${e.code}` : ''}); rerun with --log-level debug and report it\n`);
    (await import('../log.js')).createLogger('error').error({ err: e }, 'internal error');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
