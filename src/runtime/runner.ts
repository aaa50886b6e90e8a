/**
 * `gallra run`: the long-running pipeline. Builds the sources and sinks the
 * policy names (through the component registry) and one line pipeline per
 * source (through the composition root), runs every source into the shared
 * sinks, serves health and metrics, keeps the keyring and the stores held to
 * their windows, and shuts down cleanly: stop reading, drain, flush, record
 * positions, exit.
 */
import type http from 'node:http';
import type { Writable } from 'node:stream';
import { auditLogPath } from '../audit/config.js';
import { AuditLog } from '../audit/log.js';
import { components } from '../components.js';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { type Housekeeping, startHousekeeping } from '../keyring/housekeeping.js';
import type { Logger } from '../log.js';
import { EncodedBatchBuilder } from '../pipeline/line-pipeline.js';
import { SourcePipeline } from '../pipeline/source-pipeline.js';
import type { LoadedPolicy } from '../policy/load.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { type Server, startServer } from '../server/app.js';
import { startHttp } from '../server/http.js';
import { createMetrics } from '../server/metrics.js';
import { isRetainable, type Sink } from '../sinks/sink.js';
import type { Source } from '../sources/source.js';
import type { Pseudonymiser } from '../transforms/pseudonymise.js';
import type { Health, MetricSample } from '../util/metric.js';
import { toDuration } from '../util/schema.js';
import { type Aggregates, createAggregates } from './aggregates.js';
import { buildLinePipeline } from './build.js';
import { AuditedKeyring, saltsClause } from './salt-store.js';
import { StoredLineReader } from './stored-lines.js';
import { aggregateSweptStore, checkpointStore, eventsClause, refuseLongerRetention, storeKindOf, Sweeper, type SweptStore } from './sweeper.js';

export interface RunnerOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  /** Where a `stdout` sink writes (tests pass their own stream). */
  readonly stdout?: Writable;
  readonly registry?: Registry;
  /** Start even when a store would keep data longer than the window (--allow-longer-retention): logged and audited. */
  readonly allowLongerRetention?: boolean;
}

/**
 * @example
 * const runner = new Runner(loadPolicy('config/sidecar-nginx.yaml'), { logger });
 * await runner.start();
 * process.on('SIGTERM', () => runner.shutdown());
 * process.exitCode = await runner.run();
 */
export class Runner {
  private readonly keyring: AuditedKeyring;
  private readonly audit: AuditLog;
  private readonly sources: Source[] = [];
  private readonly sinks: Sink[] = [];
  private readonly pipelines: SourcePipeline[] = [];
  private readonly pseudonymisers: Pseudonymiser[] = [];
  private readonly sweeper: Sweeper;
  private server: http.Server | undefined;
  /** The fastify server, when the policy has aggregates (API and dashboard beside health and metrics). */
  private apiServer: Server | undefined;
  private readonly aggregates: Aggregates | undefined;
  private housekeeping: Housekeeping | undefined;
  private started = false;
  private stopping = false;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly allowLongerRetention: boolean;

  constructor(
    private readonly loaded: LoadedPolicy,
    options: RunnerOptions,
  ) {
    const c = loaded.config;
    const registry = options.registry ?? components;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    if (c.sources === undefined || c.sinks === undefined) {
      throw new GallraError(
        'GALLRA_CONFIG_INVALID',
        `${loaded.file ?? 'the built-in policy'}: gallra run needs sources: and sinks:\n  fix: add at least one source (${[...registry.sources.keys()].join(', ')}) and one sink (${[...registry.sinks.keys()].join(', ')}); see config/sidecar-nginx.yaml`,
      );
    }
    const env = (this.env = options.env ?? process.env);
    this.allowLongerRetention = options.allowLongerRetention === true;
    this.audit = new AuditLog(auditLogPath(c.audit, loaded.baseDir, env), { now: this.now });
    const onAuditError = (err: unknown): void => this.log.error({ err }, 'audit record not written');
    const fileKeyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future), now: this.now });
    // Every salt destruction (housekeeping, rotate) goes into the audit trail.
    this.keyring = new AuditedKeyring(fileKeyring, this.audit, { by: 'gallra run', clause: saltsClause(c), onError: onAuditError });
    const window = retentionWindowFromConfig(c.retention);
    const warn = (message: string): void => this.log.warn(message);
    // Stores read their own lines back with the policy's formats (the day the window starts in is rewritten by event time).
    const reader = new StoredLineReader(c, registry);
    const lineTime = (line: string): number => reader.time(line);
    // Names are distinct and every type is registered: the policy was checked when it was loaded.
    c.sinks.forEach((s, i) => {
      const entry = registry.sink(s.type)!;
      this.sinks.push(entry.create(s, { name: componentName(entry, s, i), baseDir: loaded.baseDir, window, now: this.now, stdout: options.stdout ?? process.stdout, warn, lineTime }));
    });
    // The aggregate stage counts every source's events; its output is flushed with the sinks, before positions advance.
    this.aggregates = createAggregates(loaded, { registry, env, now: this.now, warn, onError: (err) => this.log.error({ err }, 'aggregate store failed') });
    if (this.aggregates !== undefined) this.sinks.push(this.aggregates.output);
    c.sources.forEach((s, i) => {
      const entry = registry.source(s.type)!;
      const name = componentName(entry, s, i);
      const source = entry.create(s, { name, baseDir: loaded.baseDir, env, maxLineLength: c.input.max_line_length, warn, now: this.now });
      const built = buildLinePipeline({ policy: c, keyring: this.keyring, format: s.format ?? c.input.format, now: this.now, registry, deriveVisitorId: this.aggregates !== undefined });
      const output = new EncodedBatchBuilder();
      built.pipeline.consumers.push(output);
      if (this.aggregates !== undefined) built.pipeline.consumers.push(this.aggregates.stage);
      this.sources.push(source);
      this.pseudonymisers.push(built.pseudonymiser);
      this.pipelines.push(new SourcePipeline({ source, pipeline: built.pipeline, output, sinks: this.sinks, maxLineLength: c.input.max_line_length, commitMs: c.run.commit_ms, now: this.now }));
    });
    // Live sinks enforce their windows themselves (a file sink closes the day file it replaces).
    const swept: SweptStore[] = c.sinks.flatMap((s, i) => {
      const sink = this.sinks[i]!;
      return isRetainable(sink) ? [{ name: sink.name, kind: storeKindOf(s.type), clause: eventsClause(c), keep: window.keep, retainable: sink }] : [];
    });
    // The aggregate store through its live output (the writer's rows and partitions), held to aggregates.retention.
    if (this.aggregates !== undefined) swept.push(aggregateSweptStore(loaded, this.aggregates.output));
    this.sweeper = new Sweeper([...swept, checkpointStore(loaded, env)], this.now, { audit: this.audit, by: 'gallra run', onAuditError });
  }

  /** Binds listeners, opens inputs and checks the keyring; throws (exit 1/2) when any cannot start. */
  async start(): Promise<void> {
    try {
      await this.checkRetention();
      await this.keyring.rotate();
      // Once a minute: destroy closed salts, forget what was derived from them,
      // and hold every store to its window even while no line arrives.
      this.housekeeping = startHousekeeping(
        this.keyring,
        () => this.pseudonymisers,
        (err) => this.log.error({ err }, 'housekeeping failed'),
        () => this.sweep(),
      );
      // Not a minute from now: data that fell out of the window while gallra was down goes at once.
      // The single writer of the aggregate store: opened before any line is read (and before the first sweep).
      await this.aggregates?.open();
      await this.housekeeping.runNow();
      for (const s of this.sources) await s.start();
      const http = this.loaded.config.http;
      if (http !== undefined) {
        const metered = this.pipelines.map((p) => ({ source: p.source, stats: () => p.stats, lastCommit: () => p.lastCommitAt }));
        const registry = createMetrics(metered, this.sinks, this.now);
        const extra = (): MetricSample[] => [...this.sources.flatMap((s) => s.metrics?.() ?? []), ...this.sinks.flatMap((s) => s.metrics?.() ?? [])];
        const store = this.aggregates?.output.storeOf;
        if (this.aggregates !== undefined && store !== undefined) {
          // The dashboard and API from this process's own connection to the store it writes.
          const api = { engine: await store.engine(), settings: this.aggregates.settings };
          this.apiServer = await startServer({ host: http.host, port: http.port, token: this.env.GALLRA_API_TOKEN, metrics: registry, ready: () => this.health(), extraMetrics: extra, api });
        } else {
          this.server = await startHttp(http, registry, () => this.health(), extra);
        }
      }
    } catch (err) {
      // What did start (a bound syslog port) would keep the process alive
      // after the error is reported: release it so gallra exits.
      this.shutdown();
      await this.closeAll().catch(() => undefined);
      throw err;
    }
    this.started = true;
    this.log.info({ sources: this.sources.map((s) => s.name), sinks: this.sinks.map((s) => s.name), policy: this.loaded.file, http_port: this.httpPort }, 'gallra run started');
  }

  /** Refuses to start when a store would keep data longer than its window, unless allowed (audited either way). */
  private async checkRetention(): Promise<void> {
    const onAuditError = (err: unknown): void => this.log.error({ err }, 'audit record not written');
    const allowed = await refuseLongerRetention(this.sweeper, this.loaded, { allow: this.allowLongerRetention, audit: this.audit, by: 'gallra run', onAuditError });
    if (allowed.length > 0) this.log.warn({ problems: allowed }, 'starting although a store keeps data longer than the retention window (--allow-longer-retention)');
  }

  /** One sweep of every store; what it removed goes to the log and the audit trail, failures to the log. */
  private async sweep(): Promise<void> {
    for (const r of await this.sweeper.sweep(false)) {
      if (r.error !== undefined) this.log.error({ err: r.error, store: r.store }, 'retention sweep failed');
      if (r.removed.length > 0) this.log.info({ store: r.store, removed: r.removed.reduce((n, x) => n + (x.count ?? 1), 0) }, 'retention sweep');
      for (const d of r.deferred) this.log.warn({ store: r.store }, d);
    }
  }

  /**
   * Ready when started, not shutting down, and every source and sink that can
   * tell says it is ready (a Kafka source has its partitions); otherwise why not.
   */
  health(): Health {
    if (!this.started) return { ready: false, reason: 'starting' };
    if (this.stopping) return { ready: false, reason: 'shutting down' };
    const why: string[] = [];
    for (const c of [...this.sources, ...this.sinks]) {
      const h = c.health?.();
      if (h !== undefined && !h.ready) why.push(`${c.name}: ${h.reason ?? 'not ready'}`);
    }
    return why.length === 0 ? { ready: true } : { ready: false, reason: why.join('; ') };
  }

  /** The bound HTTP port, when the listener runs. */
  get httpPort(): number | undefined {
    if (this.apiServer !== undefined) return this.apiServer.port;
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
      await this.apiServer?.close();
      this.keyring.close();
    }
  }
}
