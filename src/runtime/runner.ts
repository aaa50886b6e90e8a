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
import { GallraError, isGallraError } from '../errors.js';
import { type Housekeeping, startHousekeeping } from '../keyring/housekeeping.js';
import type { Logger } from '../log.js';
import { EncodedBatchBuilder, type LinePipeline } from '../pipeline/line-pipeline.js';
import { SourcePipeline } from '../pipeline/source-pipeline.js';
import { loadPolicy, type LoadedPolicy } from '../policy/load.js';
import type { SinkConfig, SourceConfig } from '../policy/schema.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { type Server, startServer } from '../server/app.js';
import { startHttp } from '../server/http.js';
import { createMetrics, type MeteredSource } from '../server/metrics.js';
import { isRetainable, type Sink } from '../sinks/sink.js';
import type { RecordFields, Source } from '../sources/source.js';
import type { Pseudonymiser } from '../transforms/pseudonymise.js';
import type { Health, MetricSample } from '../util/metric.js';
import { type Aggregates, createAggregates } from './aggregates.js';
import { buildLinePipeline } from './build.js';
import { explainRejects } from './diagnose.js';
import { keyringFor } from './keyring-backend.js';
import { InputMonitor, stopSummary } from './lifecycle.js';
import { recordFieldsFor } from './record-fields.js';
import { applyReload } from './reload.js';
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

/** One source with its pipeline, as it runs. */
interface Running {
  readonly name: string;
  readonly config: SourceConfig;
  readonly source: Source;
  readonly pipeline: SourcePipeline;
  pseudonymiser: Pseudonymiser;
  readonly monitor: InputMonitor;
  /** Settles when its pipeline has ended (drained, positions recorded). */
  done: Promise<void>;
}

/**
 * @example
 * const runner = new Runner(loadPolicy('config/sidecar-nginx.yaml'), { logger });
 * await runner.start();
 * process.on('SIGTERM', () => runner.shutdown());
 * process.on('SIGHUP', () => void runner.reload());
 * process.exitCode = await runner.run();
 */
export class Runner {
  private readonly keyring: AuditedKeyring;
  private readonly audit: AuditLog;
  private readonly allowLongerRetention: boolean;
  /** Shared by every pipeline and changed in place by a reload (the pipelines hold this array). */
  private readonly sinks: Sink[] = [];
  private readonly sinkNames: string[] = [];
  private readonly running: Running[] = [];
  /** What /metrics reads, changed in place by a reload. */
  private readonly metered: MeteredSource[] = [];
  private sweeper: Sweeper;
  private server: http.Server | undefined;
  /** The fastify server, when the policy has aggregates (API and dashboard beside health and metrics). */
  private apiServer: Server | undefined;
  /** The aggregate stage and its store's output (the last of `sinks`; not a policy sink, kept across reloads). */
  private readonly aggregates: Aggregates | undefined;
  private housekeeping: Housekeeping | undefined;
  private monitorTimer: NodeJS.Timeout | undefined;
  private started = false;
  /** What start() is doing (the reason /readyz gives until it is done). */
  private phase = 'checking retention';
  private stopping = false;
  private reloading = false;
  private reloads: Promise<boolean> = Promise.resolve(true);
  private queuedReload: Promise<boolean> | undefined;
  /** Pipelines still running, and a reload under way (run() waits for all). */
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly registry: Registry;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stdout: Writable;

  constructor(
    private loaded: LoadedPolicy,
    options: RunnerOptions,
  ) {
    const c = loaded.config;
    this.registry = options.registry ?? components;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.env = options.env ?? process.env;
    this.stdout = options.stdout ?? process.stdout;
    const need = needsRunSections(loaded, this.registry);
    if (need !== undefined) throw need;
    this.allowLongerRetention = options.allowLongerRetention === true;
    this.audit = new AuditLog(auditLogPath(c.audit, loaded.baseDir, this.env), { now: this.now });
    const warn = (message: string): void => this.log.warn(message);
    // Salts in a directory, or on a Kafka topic the whole consumer group shares (salts.kafka);
    // every salt destruction (housekeeping, rotate) goes into the audit trail.
    this.keyring = new AuditedKeyring(keyringFor(loaded, { now: this.now, warn }), this.audit, { by: 'gallra run', clause: saltsClause(c), onError: (err) => this.onAuditError(err) });
    // Names are distinct and every type is registered: the policy was checked when it was loaded.
    c.sinks!.forEach((s, i) => {
      this.sinks.push(this.makeSink(loaded, s, i));
      this.sinkNames.push(componentName(this.registry.sink(s.type), s, i));
    });
    // The aggregate stage counts every source's events; its output is flushed with the sinks, before positions advance.
    this.aggregates = createAggregates(loaded, {
      registry: this.registry,
      env: this.env,
      now: this.now,
      warn: (m) => this.log.warn(m),
      onError: (err) => this.log.error({ err }, 'aggregate store failed'),
    });
    if (this.aggregates !== undefined) this.sinks.push(this.aggregates.output);
    c.sources!.forEach((s, i) => this.running.push(this.makeSource(loaded, s, i)));
    this.sweeper = this.makeSweeper();
  }

  /**
   * Binds listeners, opens inputs and checks the keyring; throws (exit 1/2)
   * when any cannot start. The HTTP listener comes first: while the keyring
   * is read (a Kafka keyring topic to its end) and the sources start,
   * `/readyz` answers 503 with what is awaited, instead of refusing the connection.
   */
  async start(): Promise<void> {
    try {
      await this.checkRetention();
      // The single writer of the aggregate store: opened before any line is read (and before the first sweep).
      await this.aggregates?.open();
      await this.listen();
      this.phase = this.loaded.config.salts?.kafka !== undefined ? 'reading the keyring topic to its end' : 'reading the keyring';
      await this.keyring.rotate();
      // Once a minute: destroy closed salts, forget what was derived from them,
      // and hold every store to its window even while no line arrives.
      this.housekeeping = startHousekeeping(
        this.keyring,
        () => this.running.map((r) => r.pseudonymiser),
        (err) => this.log.error({ err }, 'housekeeping failed'),
        () => this.sweep(),
      );
      // Not a minute from now: data that fell out of the window while gallra was down goes at once.
      this.phase = 'applying retention';
      await this.housekeeping.runNow();
      this.phase = 'starting the sources';
      for (const r of this.running) await r.source.start();
    } catch (err) {
      // What did start (a bound syslog port) would keep the process alive
      // after the error is reported: release it so gallra exits.
      this.shutdown();
      await this.closeAll().catch(() => undefined);
      throw err;
    }
    // Once a second: is most of a source's recent input being dropped?
    this.monitorTimer = setInterval(() => this.observe(), 1000);
    this.monitorTimer.unref();
    this.started = true;
    this.log.info({ sources: this.running.map((r) => r.name), sinks: this.sinkNames, policy: this.loaded.file, http_port: this.httpPort }, 'gallra run started');
  }

  /** Starts the HTTP listener (health, metrics; the dashboard and API with aggregates), when configured. */
  private async listen(): Promise<void> {
    const http = this.loaded.config.http;
    if (http === undefined) return;
    const registry = createMetrics(this.metered, this.sinks, this.now);
    const extra = (): MetricSample[] => [
      ...this.running.flatMap((r) => [...(r.source.metrics?.() ?? []), ...r.monitor.metrics()]),
      ...this.sinks.flatMap((s) => s.metrics?.() ?? []),
    ];
    const store = this.aggregates?.output.storeOf;
    if (this.aggregates !== undefined && store !== undefined) {
      // The dashboard and API from this process's own connection to the store it writes.
      const api = { engine: await store.engine(), settings: this.aggregates.settings };
      this.apiServer = await startServer({ host: http.host, port: http.port, token: this.env.GALLRA_API_TOKEN, metrics: registry, ready: () => this.health(), extraMetrics: extra, api });
    } else {
      this.server = await startHttp(http, registry, () => this.health(), extra);
    }
  }

  private onAuditError(err: unknown): void {
    this.log.error({ err }, 'audit record not written');
  }

  /** Refuses to start when a store would keep data longer than its window, unless allowed (audited either way). */
  private async checkRetention(): Promise<void> {
    const allowed = await refuseLongerRetention(this.sweeper, this.loaded, { allow: this.allowLongerRetention, audit: this.audit, by: 'gallra run', onAuditError: (err) => this.onAuditError(err) });
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
   * Ready when started, not shutting down or reloading, every source and
   * sink that can tell says it is ready (a Kafka source has its partitions),
   * and no source has most of its recent lines dropped; otherwise why not.
   */
  health(): Health {
    if (!this.started) return { ready: false, reason: `starting: ${this.phase}` };
    if (this.stopping) return { ready: false, reason: 'shutting down' };
    if (this.reloading) return { ready: false, reason: 'reloading the config' };
    const why: string[] = [];
    for (const c of [...this.running.map((r) => r.source), ...this.sinks]) {
      const h = c.health?.();
      if (h !== undefined && !h.ready) why.push(`${c.name}: ${h.reason ?? 'not ready'}`);
    }
    for (const r of this.running) {
      const h = r.monitor.health();
      if (!h.ready) why.push(`${r.name}: ${h.reason ?? 'input dropped'}`);
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
    return this.running.map((r) => r.source);
  }

  /** What the sources and sinks are doing, in a few words (systemd's STATUS=). */
  get status(): string {
    const lines = this.running.reduce((n, r) => n + r.pipeline.stats.linesIn, 0);
    return `${this.running.length} ${this.running.length === 1 ? 'source' : 'sources'} → ${this.sinks.length} ${this.sinks.length === 1 ? 'sink' : 'sinks'}; ${lines} lines read`;
  }

  /** Runs until every source has ended (stdin EOF) or shutdown() is called; resolves to the exit code. */
  async run(): Promise<number> {
    for (const r of this.running) this.launch(r);
    while (this.pending.size > 0) await Promise.race(this.pending);
    clearInterval(this.monitorTimer);
    this.observe();
    await this.closeAll();
    this.log.info(
      { lines_in: this.running.reduce((n, r) => n + r.pipeline.stats.linesIn, 0), sources: this.running.map((r) => stopSummary(r.name, r.pipeline.stats, r.source.drops)) },
      'gallra run stopped',
    );
    if (this.failure !== undefined) throw this.failure;
    return 0;
  }

  /** Stops reading; run() resolves once everything read has been written and recorded. */
  shutdown(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const r of this.running) r.source.stop();
  }

  /** Reopens output files (SIGUSR1, or SIGHUP's reload, after logrotate). */
  async reopen(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.reopen()));
    this.log.info('output files reopened');
  }

  /**
   * Reloads the policy file (SIGHUP): sources and sinks whose config did not
   * change keep running; changed ones are drained and started anew; a
   * changed per-line policy applies to every source from its next batch. An
   * invalid file is rejected with the usual error and the running config
   * stays. Resolves to whether the new config was applied.
   */
  reload(): Promise<boolean> {
    // SIGHUPs can come faster than reloads finish: one reload waiting in line serves them all.
    this.queuedReload ??= this.reloads.then(() => {
      this.queuedReload = undefined;
      return this.reloadNow();
    });
    this.reloads = this.queuedReload;
    return this.queuedReload;
  }

  private async reloadNow(): Promise<boolean> {
    if (this.stopping || this.loaded.file === undefined) return false;
    let next: LoadedPolicy;
    try {
      next = loadPolicy(this.loaded.file, this.env);
      const need = needsRunSections(next, this.registry);
      if (need !== undefined) throw need;
    } catch (err) {
      const message = isGallraError(err) ? `${err.code}: ${err.message}` : String(err);
      this.log.error({ code: isGallraError(err) ? err.code : undefined }, `config reload rejected; the running config stays:\n${message}`);
      return false;
    }
    let done!: () => void;
    const barrier = new Promise<void>((resolve) => (done = resolve));
    this.pending.add(barrier);
    try {
      return await applyReload(this, next);
    } finally {
      this.pending.delete(barrier);
      done();
    }
  }

  /** The runner's parts a reload changes (for applyReload in reload.ts). */
  get parts(): RunnerParts {
    return {
      loaded: this.loaded,
      registry: this.registry,
      log: this.log,
      sinks: this.sinks,
      sinkNames: this.sinkNames,
      extraSinks: this.aggregates === undefined ? [] : [this.aggregates.output],
      running: this.running,
      keyring: this.keyring,
      now: this.now,
      stopping: () => this.stopping,
      setReloading: (on) => (this.reloading = on),
      makeSink: (l, c, i) => this.makeSink(l, c, i),
      makeSource: (l, c, i) => this.makeSource(l, c, i),
      buildLine: (l, c) => this.buildLine(l, c),
      launch: (r) => this.launch(r),
      retire: (r) => {
        this.running.splice(this.running.indexOf(r), 1);
        const m = this.metered.findIndex((x) => x.source === r.source);
        if (m >= 0) this.metered.splice(m, 1);
      },
      adopt: (l) => {
        this.loaded = l;
        this.sweeper = this.makeSweeper();
      },
    };
  }

  private makeSink(loaded: LoadedPolicy, s: SinkConfig, i: number): Sink {
    const entry = this.registry.sink(s.type)!;
    const window = retentionWindowFromConfig(loaded.config.retention);
    const warn = (message: string): void => this.log.warn(message);
    const info = (message: string, fields?: Record<string, unknown>): void => this.log.info(fields ?? {}, message);
    // Stores read their own lines back with the policy's formats (the day the window starts in is rewritten by event time).
    const reader = new StoredLineReader(loaded.config, this.registry);
    const lineTime = (line: string): number => reader.time(line);
    return entry.create(s, { name: componentName(entry, s, i), baseDir: loaded.baseDir, window, now: this.now, stdout: this.stdout, warn, info, lineTime });
  }

  private makeSource(loaded: LoadedPolicy, s: SourceConfig, i: number): Running {
    const c = loaded.config;
    const entry = this.registry.source(s.type)!;
    const name = componentName(entry, s, i);
    const warn = (message: string): void => this.log.warn(message);
    const info = (message: string, fields?: Record<string, unknown>): void => this.log.info(fields ?? {}, message);
    const built = this.buildLine(loaded, s);
    // Record sources (Kafka) anonymise keys and headers with the policy's transforms.
    const source = entry.create(s, { name, baseDir: loaded.baseDir, env: this.env, maxLineLength: c.input.max_line_length, warn, info, now: this.now, recordFields: built.recordFields });
    const pipeline = new SourcePipeline({ source, pipeline: built.pipeline, output: built.output, sinks: this.sinks, maxLineLength: c.input.max_line_length, commitMs: c.run.commit_ms, now: this.now });
    // The format as the running config has it (a reload may change it).
    const format = (): string => {
      const now = this.loaded.config;
      return now.sources?.find((x, j) => componentName(this.registry.source(x.type), x, j) === name)?.format ?? now.input.format;
    };
    const monitor = new InputMonitor({
      source: name,
      explain: (counts) => explainRejects(counts, { policy: this.loaded.config, format: format(), sample: pipeline.sample(), registry: this.registry, fix: (f) => `set format: ${f} on source ${name}` }),
      warn: (message, fields) => this.log.warn(fields, message),
      info: (message, fields) => this.log.info(fields, message),
    });
    return { name, config: s, source, pipeline, pseudonymiser: built.pseudonymiser, monitor, done: Promise.resolve() };
  }

  /** A source's line pipeline under a policy, with the encoder its sinks take. */
  private buildLine(loaded: LoadedPolicy, s: SourceConfig): { pipeline: LinePipeline; output: EncodedBatchBuilder; pseudonymiser: Pseudonymiser; recordFields: RecordFields } {
    const c = loaded.config;
    const built = buildLinePipeline({ policy: c, keyring: this.keyring, format: s.format ?? c.input.format, now: this.now, registry: this.registry, deriveVisitorId: this.aggregates !== undefined });
    const output = new EncodedBatchBuilder();
    built.pipeline.consumers.push(output);
    if (this.aggregates !== undefined) built.pipeline.consumers.push(this.aggregates.stage);
    return { pipeline: built.pipeline, output, pseudonymiser: built.pseudonymiser, recordFields: recordFieldsFor(built, this.registry) };
  }

  /** Starts a source's pipeline; a failure stops gallra (after the others drain). */
  private launch(r: Running): void {
    const p = r.pipeline;
    this.metered.push({ source: r.source, stats: () => p.stats, lagBytes: () => p.lagBytes, oldestUnackedAt: () => p.oldestUnackedAt });
    const done = p.run().catch((err: unknown) => {
      this.failure ??= err;
      this.log.error({ err, source: r.name }, 'source failed; shutting down');
      this.shutdown();
    });
    r.done = done;
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private observe(): void {
    const now = this.now();
    for (const r of this.running) r.monitor.observe(r.pipeline.stats, now);
  }

  private makeSweeper(): Sweeper {
    const c = this.loaded.config;
    const window = retentionWindowFromConfig(c.retention);
    // Live sinks enforce their windows themselves (a file sink closes the day file it replaces).
    const swept: SweptStore[] = c.sinks!.flatMap((s, i) => {
      const sink = this.sinks[i]!;
      return isRetainable(sink) ? [{ name: sink.name, kind: storeKindOf(s.type), clause: eventsClause(c), keep: window.keep, retainable: sink }] : [];
    });
    // The aggregate store through its live output (the writer's rows and partitions), held to aggregates.retention.
    if (this.aggregates !== undefined) swept.push(aggregateSweptStore(this.loaded, this.aggregates.output, this.env));
    return new Sweeper([...swept, checkpointStore(this.loaded, this.env)], this.now, { audit: this.audit, by: 'gallra run', onAuditError: (err) => this.onAuditError(err) });
  }

  private async closeAll(): Promise<void> {
    await this.housekeeping?.stop();
    clearInterval(this.monitorTimer);
    try {
      await Promise.all(this.sinks.map((s) => s.close()));
    } finally {
      // After the sinks: a source's last commit (a Kafka consumer's, before it leaves its group) follows their flush.
      await Promise.all(this.running.map((r) => r.source.close?.().catch((err: unknown) => this.log.error({ err, source: r.name }, 'closing the source failed'))));
      // Even when a sink fails to close: an open listener would keep the process alive.
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.server?.closeAllConnections();
      await this.apiServer?.close();
      this.keyring.close();
    }
  }
}

/** What a reload works on (the runner's private parts, handed to applyReload). */
export interface RunnerParts {
  readonly loaded: LoadedPolicy;
  readonly registry: Registry;
  readonly log: Logger;
  readonly sinks: Sink[];
  readonly sinkNames: string[];
  /** Sinks that are not the policy's (the aggregate output): after the policy's in `sinks`, kept as they are. */
  readonly extraSinks: readonly Sink[];
  readonly running: Running[];
  readonly keyring: AuditedKeyring;
  readonly now: () => number;
  stopping(): boolean;
  setReloading(on: boolean): void;
  makeSink(loaded: LoadedPolicy, s: SinkConfig, i: number): Sink;
  makeSource(loaded: LoadedPolicy, s: SourceConfig, i: number): Running;
  buildLine(loaded: LoadedPolicy, s: SourceConfig): { pipeline: LinePipeline; output: EncodedBatchBuilder; pseudonymiser: Pseudonymiser };
  launch(r: Running): void;
  /** Takes a stopped source out of the running list and the metrics. */
  retire(r: Running): void;
  adopt(loaded: LoadedPolicy): void;
}

export type { Running };

/** The error for a policy without the sections gallra run needs, or undefined. */
function needsRunSections(loaded: LoadedPolicy, registry: Registry): GallraError | undefined {
  const c = loaded.config;
  if (c.sources !== undefined && c.sinks !== undefined) return undefined;
  return new GallraError(
    'GALLRA_CONFIG_INVALID',
    `${loaded.file ?? 'the built-in policy'}: gallra run needs sources: and sinks:\n  fix: add at least one source (${[...registry.sources.keys()].join(', ')}) and one sink (${[...registry.sinks.keys()].join(', ')}); see config/sidecar-nginx.yaml`,
  );
}
