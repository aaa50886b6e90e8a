/**
 * `gallra serve --config FILE`: the dashboard and the JSON API over the
 * aggregate store, read-only, in a process of its own. It reads the Parquet
 * partitions the writer publishes into a private cache (rebuilt per changed
 * partition every few seconds), so it never holds the writer's database and
 * answers in milliseconds over months of hourly rows.
 */
import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { GallraError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';
import { openAggregateReader } from '../runtime/aggregates.js';
import { startServer } from '../server/app.js';
import type { CommandIo } from './anonymise.js';
import { parseCommand, shown } from './args.js';

export const SERVE_HELP = `Usage: gallra serve --config FILE [options]

Serves the dashboard (/) and the JSON API (/api/…) over the anonymous
aggregate store of the policy's aggregates: section, read-only, with
/healthz, /readyz and /metrics. It reads the Parquet partitions that
gallra run (or gallra anonymise) publishes and picks up new ones as they
appear; it never opens the writer's database.

Options:
  --config FILE      the policy (aggregates: names the store; http: the address)
  --host H           listen on H (default: http.host, else 127.0.0.1)
  --port P           listen on P (default: http.port, else 9465; 0 picks one)
  --token-file F     the API's bearer token, read from F (default: $GALLRA_API_TOKEN);
                     required when listening beyond loopback
  --refresh S        look for newly published partitions every S seconds (default 10)
  -h, --help         this help

Signals: SIGTERM/SIGINT stop it.
`;

function portOf(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0 || n > 65_535) throw new GallraError('GALLRA_USAGE', `gallra serve: --port must be a port number, not ${shown(v)}`);
  return n;
}

/**
 * Runs `gallra serve` until SIGTERM/SIGINT.
 *
 * @example
 * process.exitCode = await serveCommand(['--config', 'site.yaml'], io);
 */
export async function serveCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('serve', argv, {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'token-file': { type: 'string' },
    refresh: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra serve: unexpected argument ${shown(positionals[0])}\n  see: gallra serve --help`);
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra serve: --config FILE is required\n  see: gallra serve --help');
  const refreshS = values.refresh === undefined ? 10 : Number(values.refresh);
  if (!Number.isFinite(refreshS) || refreshS < 1 || refreshS > 3600) throw new GallraError('GALLRA_USAGE', 'gallra serve: --refresh must be a number of seconds from 1 to 3600');
  const loaded = loadPolicy(values.config);
  const http = loaded.config.http;
  const host = typeof values.host === 'string' ? values.host : (http?.host ?? '127.0.0.1');
  const port = portOf(values.port, http?.port ?? 9465);
  let token = process.env.GALLRA_API_TOKEN;
  if (typeof values['token-file'] === 'string') {
    try {
      token = readFileSync(values['token-file'], 'utf8').trim();
    } catch (err) {
      throw new GallraError('GALLRA_CONFIG_NOT_FOUND', `gallra serve: cannot read --token-file ${values['token-file']} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }

  // Listening for SIGTERM/SIGINT before anything starts: a signal that arrives while the store is read or
  // just after the URL is printed stops serve cleanly instead of killing it.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  const { engine, settings } = await openAggregateReader(loaded, { cache: true });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gallra_' });
  let lastRefresh = Date.now();
  let refreshFailures = 0;
  new Gauge({ name: 'gallra_serve_last_refresh_seconds', help: 'When serve last brought its cache up to date with the published partitions (Unix time).', registers: [registry], collect() {
    this.set(lastRefresh / 1000);
  } });
  let server;
  try {
    server = await startServer({
      host,
      port,
      token,
      metrics: registry,
      ready: () => (refreshFailures > 3 ? { ready: false, reason: 'cannot read the published partitions' } : { ready: true }),
      api: { engine, settings },
    });
  } catch (err) {
    await engine.close();
    throw err;
  }
  io.stdout.write(`gallra serve: dashboard at ${server.url}/ (API under /api/)\n`);
  // The port, not the URL or host: gallra's log scrubber truncates any address in its log (127.0.0.1 would read 127.0.0.0).
  io.logger.info({ port: server.port, policy: loaded.file }, 'gallra serve started');

  const timer = setInterval(() => {
    engine.refresh?.().then(
      () => {
        lastRefresh = Date.now();
        refreshFailures = 0;
      },
      (err: unknown) => {
        refreshFailures++;
        io.logger.error({ code: (err as { code?: string }).code }, 'serve: refreshing from the published partitions failed');
      },
    );
  }, refreshS * 1000);
  await stopped;
  clearInterval(timer);
  await server.close();
  await engine.close();
  io.logger.info('gallra serve stopped');
  return 0;
}
