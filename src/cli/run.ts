/**
 * `gallra run --config FILE`: the long-running sidecar / pipeline. Signals:
 * SIGTERM and SIGINT stop reading, drain, flush, record positions and exit 0
 * (1 if that takes longer than run.shutdown_timeout_ms); SIGHUP reloads the
 * config file and reopens the output files; SIGUSR1 only reopens them.
 *
 * Why SIGHUP reloads: it is what `systemctl reload` and daemons like nginx
 * and HAProxy use it for, and a reload reopens the output files too, so a
 * logrotate postrotate that sends SIGHUP keeps working. SIGUSR1 (nginx's
 * reopen signal) reopens without reading the config.
 *
 * Under systemd (Type=notify, $NOTIFY_SOCKET) it reports READY=1 once
 * started, RELOADING=1 around a reload, STOPPING=1, and watchdog keep-alives.
 */
import { GallraError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';
import { Runner } from '../runtime/runner.js';
import { SdNotify } from '../runtime/sd-notify.js';
import { parseCommand, shown } from './args.js';
import type { CommandIo } from './anonymise.js';

export const RUN_HELP = `Usage: gallra run --config FILE [--allow-longer-retention]

Runs the pipeline the policy describes until stopped: reads its sources
(file tail with rotation and checkpoints, syslog over UDP/TCP, stdin, FIFO),
anonymises every line, and writes to its sinks (daily files, stdout).
Positions are checkpointed only after every sink has written and synced
what came before them: a clean stop (SIGTERM) neither loses nor repeats a
line; a crash (kill -9, power loss) loses nothing acknowledged and repeats
the lines that reached the output after the last checkpoint (at most
run.commit_ms of input), and the restart logs how many bytes it reads again.
With aggregates: it is the single writer of the aggregate store, and with
http: it also serves the dashboard and the API (see gallra serve --help).

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

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config (an
invalid one is rejected and the running one stays) and reopens output files;
SIGUSR1 only reopens output files. Under systemd: Type=notify readiness,
reload and watchdog (config/gallra.service).
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
  const sd = SdNotify.fromEnv({ env: process.env, warn: (m) => io.logger.warn(m) });
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
    void sd?.stopping();
    runner.shutdown();
    timer ??= setTimeout(() => {
      io.logger.error({ timeout_ms: timeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs).unref();
  };
  const onTerm = (): void => stop('SIGTERM');
  const onInt = (): void => stop('SIGINT');
  const reopen = (): void => {
    runner.reopen().catch((err: unknown) => io.logger.error({ err }, 'reopen failed'));
  };
  const onUsr1 = (): void => {
    // While starting, no output file is open yet: nothing to reopen.
    if (!starting) reopen();
  };
  const onHup = (): void => {
    if (starting) return;
    io.logger.info({ signal: 'SIGHUP' }, 'reloading the config');
    void sd?.reloading();
    runner
      .reload()
      .catch((err: unknown) => io.logger.error({ err }, 'reload failed'))
      .finally(() => {
        // Reopened either way: logrotate's postrotate may have sent SIGHUP for that.
        reopen();
        void sd?.ready(runner.status);
      });
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  try {
    await runner.start();
    starting = false;
    if (stopAsked !== undefined) stop(stopAsked);
    else {
      void sd?.ready(runner.status);
      sd?.startWatchdog();
    }
    return await runner.run();
  } finally {
    clearTimeout(timer);
    sd?.stop();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
    process.off('SIGUSR1', onUsr1);
  }
}
