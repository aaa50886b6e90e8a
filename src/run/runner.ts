/**
 * `gallra run`: the long-running pipeline. Builds the sources, sinks and one
 * anonymiser per source from the policy, runs every source's pipeline
 * concurrently into the shared sinks, serves health and metrics, keeps the
 * keyring tidy, and shuts down cleanly: stop reading, drain, flush, record
 * positions, exit.
 */
import path from 'node:path';
import type http from 'node:http';
import { type Writable } from 'node:stream';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { type Housekeeping, startHousekeeping } from '../keyring/housekeeping.js';
import { type Logger } from '../log.js';
import { Anonymiser } from '../pipeline/anonymiser.js';
import { type LoadedPolicy } from '../policy/load.js';
import { toDuration } from '../policy/schema-helpers.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { FileSink } from '../sinks/file.js';
import { type Sink } from '../sinks/sink.js';
import { StreamSink } from '../sinks/stdout.js';
import { FileTailSource } from '../sources/file.js';
import { type Source } from '../sources/source.js';
import { openFifo, StreamSource } from '../sources/stream.js';
import { SyslogSource } from '../sources/syslog/index.js';
import { checkpointFile, type SinkConfig, sinkName, type SourceConfig, sourceName } from './config.js';
import { startHttp } from './http.js';
import { createMetrics } from './metrics.js';
import { SourcePipeline } from './pipeline.js';


export interface RunnerOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  /** Where a `stdout` sink writes (tests pass their own stream). */
  readonly stdout?: Writable;
}

/**
 * @example
 * const runner = new Runner(loadPolicy('config/sidecar-nginx.yaml'), { logger });
 * await runner.start();
 * process.on('SIGTERM', () => runner.shutdown());
 * process.exitCode = await runner.run();
 */
export class Runner {
  private readonly keyring: FileKeyring;
  private readonly sources: Source[] = [];
  private readonly sinks: Sink[] = [];
  private readonly pipelines: SourcePipeline[] = [];
  private server: http.Server | undefined;
  private housekeeping: Housekeeping | undefined;
  private started = false;
  private stopping = false;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly loaded: LoadedPolicy,
    private readonly options: RunnerOptions,
  ) {
    const c = loaded.config;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    if (c.sources === undefined || c.sinks === undefined) {
      throw new GallraError('GALLRA_CONFIG_INVALID', `${loaded.file ?? 'the built-in policy'}: gallra run needs sources: and sinks:\n  fix: add at least one source (file, syslog, stdin, fifo) and one sink (file, stdout); see config/sidecar-nginx.yaml`);
    }
    this.keyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future), now: this.now });
    // Names are distinct: a policy with two of one name was rejected when it was loaded (policy/check.ts).
    c.sinks.forEach((s, i) => this.sinks.push(this.makeSink(s, sinkName(s, i))));
    c.sources.forEach((s, i) => {
      const name = sourceName(s, i);
      const source = this.makeSource(s, name);
      // An unknown name was rejected when the policy was loaded (policy/check.ts).
      const format = s.format ?? c.input.format;
      const anonymiser = new Anonymiser({ policy: c, keyring: this.keyring, format, now: this.now });
      this.sources.push(source);
      this.pipelines.push(new SourcePipeline({ source, anonymiser, keyring: this.keyring, sinks: this.sinks, maxLineLength: c.input.max_line_length, commitMs: c.run.commit_ms, now: this.now }));
    });
  }

  /** Binds listeners, opens inputs and checks the keyring; throws (exit 1/2) when any cannot start. */
  async start(): Promise<void> {
    try {
      await this.keyring.rotate();
      // Once a minute: destroy closed salts, forget what was derived from them,
      // and hold the file sinks to the window even while no line arrives.
      this.housekeeping = startHousekeeping(
        this.keyring,
        () => this.pipelines.map((p) => p.pseudonymiser),
        (err) => this.log.error({ err }, 'housekeeping failed'),
        () => {
          for (const sink of this.sinks) {
            if (sink instanceof FileSink) sink.applyRetention().catch((err: unknown) => this.log.error({ err, sink: sink.name }, 'retention failed'));
          }
        },
      );
      // Not a minute from now: files that fell out of the window while gallra was down go at once.
      await this.housekeeping.runNow();
      for (const s of this.sources) await s.start();
      const http = this.loaded.config.http;
      if (http !== undefined) {
        const metered = this.pipelines.map((p) => ({ source: p.source, stats: p.stats, lastCommit: () => p.lastCommitAt }));
        this.server = await startHttp(http, createMetrics(metered, this.sinks, this.now), () => this.started && !this.stopping);
      }
    } catch (err) {
      // What did start (a bound syslog port) would keep the process alive
      // after the error is reported: release it so gallra exits.
      this.shutdown();
      await this.closeAll().catch(() => undefined);
      throw err;
    }
    this.started = true;
    this.log.info({ sources: this.sources.map((s) => s.name), sinks: this.sinks.map((s) => s.name), policy: this.loaded.file }, 'gallra run started');
  }

  /** The bound HTTP port, when the listener runs. */
  get httpPort(): number | undefined {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : undefined;
  }

  /** The sources, for tests and tools (e.g. syslog ports bound to port 0). */
  get sourceList(): readonly Source[] {
    return this.sources;
  }

  /** Runs until every source has ended (stdin EOF) or shutdown() is called; resolves to the exit code. */
  async run(): Promise<number> {
    let failure: unknown;
    await Promise.all(
      this.pipelines.map((p) =>
        p.run().catch((err: unknown) => {
          failure ??= err;
          this.log.error({ err, source: p.source.name }, 'source failed; shutting down');
          this.shutdown();
        }),
      ),
    );
    await this.closeAll();
    const total = this.pipelines.reduce((n, p) => n + p.stats.linesIn, 0);
    this.log.info({ lines_in: total }, 'gallra run stopped');
    if (failure !== undefined) throw failure;
    return 0;
  }

  /** Stops reading; run() resolves once everything read has been written and recorded. */
  shutdown(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of this.sources) s.stop();
  }

  /** Reopens output files (SIGHUP after logrotate). */
  async reopen(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.reopen()));
    this.log.info('output files reopened');
  }

  private async closeAll(): Promise<void> {
    await this.housekeeping?.stop();
    try {
      await Promise.all(this.sinks.map((s) => s.close()));
    } finally {
      // Even when a sink fails to close: an open listener would keep the process alive.
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.server?.closeAllConnections();
      this.keyring.close();
    }
  }

  private makeSink(s: SinkConfig, name: string): Sink {
    switch (s.type) {
      case 'file':
        return new FileSink({ name, dir: path.resolve(this.loaded.baseDir, s.dir), prefix: s.prefix, bufferBytes: s.buffer_bytes, window: retentionWindowFromConfig(this.loaded.config.retention), now: this.now });
      case 'stdout':
        return new StreamSink(name, this.options.stdout ?? process.stdout);
    }
  }

  private makeSource(s: SourceConfig, name: string): Source {
    const base = this.loaded.baseDir;
    switch (s.type) {
      case 'file':
        return new FileTailSource({
          name,
          path: path.resolve(base, s.path),
          startAt: s.start_at,
          checkpointFile: checkpointFile(s, name, base, this.options.env ?? process.env),
          pollMs: s.poll_ms,
          rotateWaitMs: s.rotate_wait_ms,
          warn: (message) => this.log.warn(message),
        });
      case 'syslog':
        return new SyslogSource({ name, host: s.host, port: s.port, protocol: s.protocol, maxMessage: this.loaded.config.input.max_line_length, maxConnections: s.max_connections });
      case 'stdin':
        return new StreamSource(name, () => process.stdin);
      case 'fifo': {
        const file = path.resolve(base, s.path);
        return new StreamSource(name, () => openFifo(file));
      }
    }
  }
}

