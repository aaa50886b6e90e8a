/**
 * `gallra run --config FILE`: the long-running sidecar / pipeline. Signals:
 * SIGTERM and SIGINT stop reading, drain, flush, record positions and exit 0
 * (1 if that takes longer than run.shutdown_timeout_ms); SIGHUP reopens the
 * output files (logrotate's postrotate).
 */
import { GallraError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';
import { Runner } from '../runtime/runner.js';
import { parseCommand, shown } from './args.js';
import type { CommandIo } from './anonymise.js';

export const RUN_HELP = `Usage: gallra run --config FILE [--allow-longer-retention]

Runs the pipeline the policy describes until stopped: reads its sources
(file tail with rotation and checkpoints, syslog over UDP/TCP, stdin, FIFO),
anonymises every line, and writes to its sinks (daily files, stdout).
Positions are checkpointed only after every sink has written and synced
what came before them, so a restart neither loses nor repeats lines beyond
the last second's. With aggregates: it is the single writer of the aggregate
store, and with http: it also serves the dashboard and the API (see gallra
serve --help).

Every minute (and at start) it holds every store to the retention window
and destroys the salts of closed epochs, recording what went in the audit
trail (gallra audit report).

Options:
  --config FILE    the policy, with sources: and sinks: (see config/sidecar-*.yaml)
  --allow-longer-retention
                   start even when a store keeps data longer than the window
                   (a Kafka topic's retention.ms); logged and audited
  --log-level L    fatal | error | warn | info (default) | debug | silent
  -h, --help       this help

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reopens output files.
`;

/**
 * Runs `gallra run`.
 *
 * @example
 * process.exitCode = await runCommand(['--config', 'config/sidecar-nginx.yaml'], io);
 */
export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('run', argv, { config: { type: 'string' }, 'allow-longer-retention': { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(RUN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra run: unexpected argument ${shown(positionals[0])}\n  see: gallra run --help`);
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra run: --config FILE is required\n  see: gallra run --help');
  const loaded = loadPolicy(values.config);
  const runner = new Runner(loaded, { logger: io.logger, allowLongerRetention: values['allow-longer-retention'] === true });
  const timeoutMs = loaded.config.run.shutdown_timeout_ms;
  let timer: NodeJS.Timeout | undefined;
  // Handlers go in before start(), whose "started" line tells a supervisor
  // (or logrotate) it may signal: a SIGHUP then must not kill gallra. A stop
  // asked for while starting is carried out once start() is done, so that
  // nothing bound meanwhile is left open.
  let starting = true;
  let stopAsked: string | undefined;
  const stop = (signal: string): void => {
    if (starting) {
      stopAsked ??= signal;
      return;
    }
    io.logger.info({ signal }, 'shutting down');
    runner.shutdown();
    timer ??= setTimeout(() => {
      io.logger.error({ timeout_ms: timeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs).unref();
  };
  const onTerm = (): void => stop('SIGTERM');
  const onInt = (): void => stop('SIGINT');
  const onHup = (): void => {
    // While starting, no output file is open yet: nothing to reopen.
    if (starting) return;
    runner.reopen().catch((err: unknown) => io.logger.error({ err }, 'reopen failed'));
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  try {
    await runner.start();
    starting = false;
    if (stopAsked !== undefined) stop(stopAsked);
    return await runner.run();
  } finally {
    clearTimeout(timer);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
  }
}
