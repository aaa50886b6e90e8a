/**
 * `gallra anonymise`: files or stdin in, anonymised lines of the same format
 * out (stdout or --output, appended so Apache's piped-log restarts keep the
 * file). Lines that cannot be made safe are counted and left out.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { auditLogPath } from '../audit/config.js';
import { AuditLog } from '../audit/log.js';
import { GallraError, isGallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { startHousekeeping } from '../keyring/housekeeping.js';
import type { Logger } from '../log.js';
import type { LinePipeline } from '../pipeline/line-pipeline.js';
import { TextOutput } from '../pipeline/text-output.js';
import { LineSplitter } from '../pipeline/line-splitter.js';
import type { LineStats } from '../pipeline/stats.js';
import type { Pseudonymiser } from '../transforms/pseudonymise.js';
import { loadPolicyLazily } from '../policy/builtin.js';
import type { Aggregates } from '../runtime/aggregates.js';
import { buildLinePipeline } from '../runtime/build.js';
import { explainRejects, rejectsOf } from '../runtime/diagnose.js';
import { withSaltAudit } from '../runtime/salt-store.js';
import { headerProbe } from '../runtime/threads/header-probe.js';
import { ParallelAnonymiser } from '../runtime/threads/parallel.js';
import { readInput } from '../sources/stream/read-input.js';
import { Progress, type ProgressStream } from './progress.js';
import { toDuration } from '../time/duration.js';
import { oneOf, parseCommand, shown } from './args.js';

export const ANONYMISE_HELP = `Usage: gallra anonymise [options] [FILE...]

Reads web-server or application log lines from FILEs (gzip is detected and
read transparently) or from stdin, and writes them anonymised, line for line
in the same format: client IPs truncated, user ids pseudonymised under the
salt of the event's epoch, identifiers in URLs and referers redacted, user
agents generalised, unknown fields dropped. Lines that do not parse, have no
timestamp or fall outside the retention window are counted and left out.
When the policy has an aggregates: section, every anonymised line is also
counted into the aggregate store (read it with gallra query or gallra serve).

Options:
  --format F        combined | common | vhost_combined | json | auto | a format
                    from the config (default: the config's input.format, auto)
  --config FILE     policy file (YAML or JSON), merged over the built-in default
  --output FILE     append to FILE (created 0640) instead of writing to stdout
  --unparsed MODE   drop (default) | scrub: write unparseable lines after
                    free-text redaction instead of dropping them
  --stats           print lines in/out and drops by reason to stderr at the end
  --threads N       anonymise on N worker threads (default 1: the main thread);
                    output stays in input order
  --log-level L     fatal | error | warn (default) | info | debug | silent
  -h, --help        this help

Examples:
  gallra anonymise --format combined < /var/log/nginx/access.log > anon.log
  gallra anonymise --format auto --config config/sidecar-nginx.yaml access.log.1 access.log.2.gz
  CustomLog "|/usr/local/bin/gallra anonymise --format combined --output /var/log/apache2/anon.log" combined

Exit status: 0 ok (dropped lines are not errors), 1 an input or output failed,
2 usage or config error.
`;

export interface CommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly logger: Logger;
}

const NL = 0x0a;

/**
 * Runs `gallra anonymise` with `argv` (after the subcommand); resolves to the exit code.
 *
 * @example
 * process.exitCode = await anonymiseCommand(['--format', 'combined', 'access.log'], io);
 */
export async function anonymiseCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('anonymise', argv, {
    format: { type: 'string' },
    config: { type: 'string' },
    output: { type: 'string', short: 'o' },
    unparsed: { type: 'string' },
    stats: { type: 'boolean' },
    threads: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(ANONYMISE_HELP);
    return 0;
  }
  const loaded = await loadPolicyLazily(values.config as string | undefined);
  const policy = loaded.config;
  const format = values.format as string | undefined;
  if (format !== undefined && format !== 'auto' && !Object.hasOwn(policy.formats, format)) {
    throw new GallraError('GALLRA_USAGE', `gallra anonymise: unknown --format ${shown(format)}; use auto or one of: ${Object.keys(policy.formats).join(', ')} (or define your layout under formats: in a --config file)`);
  }
  const unparsed = oneOf('anonymise', '--unparsed', values.unparsed, ['drop', 'scrub'] as const);
  const threads = threadCount(values.threads);
  // The policy's aggregates: the stage counts every anonymised event into its store (DuckDB is loaded only then;
  // the stage, the stores' registry and the sweeper are loaded only for a policy that has them).
  const aggregates = loaded.config.aggregates === undefined ? undefined : (await import('../runtime/aggregates.js')).createAggregates(loaded, { warn: (m) => io.logger.warn(m) });
  if (aggregates !== undefined && threads > 1) {
    throw new GallraError('GALLRA_USAGE', 'gallra anonymise: --threads above 1 cannot fill the aggregate store (each worker would see only part of every window); run with --threads 1, or remove aggregates: from the policy');
  }
  const log = io.logger;
  // Salts destroyed by housekeeping are recorded in the audit trail.
  const keyring = withSaltAudit(
    new FileKeyring({ dir: loaded.saltDir, period: policy.salts.epoch, grace: toDuration(policy.salts.grace), future: toDuration(policy.retention.max_future) }),
    loaded,
    'gallra anonymise',
    (err) => log.error({ err }, 'audit record not written'),
  );
  let exitCode = 0;
  let engine: Engine | undefined;
  // Apache piped logs run for days: closed salts (and what was derived from them) must go meanwhile.
  const housekeeping = startHousekeeping(keyring, () => engine?.pseudonymisers() ?? [], (err) => log.error({ err }, 'salt housekeeping failed'));
  let stats: LineStats | undefined;
  // The first few KiB, kept in memory only, to tell which format would have parsed lines that did not.
  let sample: Buffer | undefined;
  try {
    // Inside the try: a keyring or --output failure still stops the timer and closes the keyring.
    await housekeeping.runNow();
    if (aggregates !== undefined) {
      await aggregates.open();
      // The aggregates' own window applies now: rows that aged out since the last run go, recorded in the audit trail.
      const audit = new AuditLog(auditLogPath(policy.audit, loaded.baseDir, process.env));
      const onAuditError = (err: unknown): void => log.error({ err }, 'audit record not written');
      const { aggregateSweptStore, Sweeper } = await import('../runtime/sweeper.js');
      const sweeper = new Sweeper([aggregateSweptStore(loaded, aggregates.output)], Date.now, { audit, by: 'gallra anonymise', onAuditError });
      for (const r of await sweeper.sweep(false)) if (r.error !== undefined) log.error({ err: r.error, store: r.store }, 'retention sweep failed');
    }
    const out = openOutput(values.output as string | undefined, io.stdout);
    const write = async (chunk: string | Buffer): Promise<void> => {
      if (chunk.length > 0 && !out.stream.write(chunk)) await Promise.race([once(out.stream, 'drain'), out.failed]);
    };
    engine =
      threads > 1
        ? parallelEngine(
            new ParallelAnonymiser({
              threads,
              policyFile: loaded.file,
              env: process.env,
              format,
              unparsed,
              maxLineLength: policy.input.max_line_length,
              write,
              headerProbe: headerProbe(policy, format ?? policy.input.format),
              onPinned: () => log.info('the input declares its layout in header lines: from the first one on, its lines are anonymised by one worker thread'),
              // Tuning, and tests that cut small files into many ranges.
              rangeBytes: rangeBytes(process.env.GALLRA_THREAD_RANGE_BYTES),
            }),
          )
        : singleEngine(buildLinePipeline({ policy, keyring, format, unparsed, deriveVisitorId: aggregates !== undefined }), policy.input.max_line_length, write, aggregates);

    const inputs = positionals.length > 0 ? positionals : ['-'];
    // A progress line on a terminal, for files (stdin has no size to measure against).
    const progress = new Progress(inputs.includes('-') ? { write: () => true } : (io.stderr as ProgressStream), totalSize(inputs));
    let linesSeen = 0;
    log.info({ inputs: inputs.length, threads, format: format ?? policy.input.format, policy: loaded.file ?? 'built-in defaults' }, 'anonymise starting');
    try {
      for (const input of inputs) {
        try {
          // Worker threads read a plain file themselves, in byte ranges; anything else is streamed to the engine.
          const whole = (await engine.file?.(input, (n) => {
            progress.update(n, engine!.linesIn() - linesSeen);
            linesSeen = engine!.linesIn();
          })) === true;
          if (whole) log.debug({ input: inputs.indexOf(input) }, 'input read by the worker threads in byte ranges');
          else {
            for await (const chunk of readInput(input, (n) => progress.update(n, 0))) {
              sample ??= Buffer.from(chunk.subarray(0, 8192));
              await engine.push(chunk);
              progress.update(0, engine.linesIn() - linesSeen);
              linesSeen = engine.linesIn();
            }
          }
          await engine.endInput(false);
        } catch (err) {
          if (!isGallraError(err) || (err.code !== 'GALLRA_INPUT_IO' && err.code !== 'GALLRA_INPUT_NOT_FOUND')) throw err;
          // One bad input does not lose the others: report it, go on, exit 1.
          progress.finish();
          io.stderr.write(`gallra anonymise: ${err.message}\n`);
          log.error({ code: err.code }, 'input failed');
          exitCode = 1;
          await engine.endInput(true);
        }
      }
      stats = await engine.finish();
      progress.finish();
      await out.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return exitCode; // the reader went away (| head)
      if (isGallraError(err)) throw err;
      throw new GallraError('GALLRA_OUTPUT_IO', `gallra anonymise: writing ${values.output ?? 'stdout'} failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  } finally {
    await housekeeping.stop();
    keyring.close();
    await engine?.abort();
    // Closes the windows still open, writes and publishes them (also after a failed input: what was read counts).
    await aggregates?.output.close();
  }
  if (values.stats === true) io.stderr.write(`gallra: ${stats.summary()}\n`);
  else if (stats.linesIn > 0 && stats.linesOut === 0) {
    // Nothing written is almost always a wrong --format or old input: say so even without --stats.
    const why = explainRejects(rejectsOf(stats), { policy, format: format ?? policy.input.format, sample, fix: (f) => `use --format ${f}` });
    io.stderr.write(`gallra anonymise: 0 of ${stats.linesIn} ${stats.linesIn === 1 ? 'line' : 'lines'} written: ${why !== '' ? why : stats.summary()}\n`);
  }
  if (values.stats === true && aggregates !== undefined) io.stderr.write(`gallra: ${aggregateSummary(aggregates)}\n`);
  log.info({ stats: stats.toJSON() }, 'anonymise done');
  return exitCode;
}

/** `--threads`: 1 (default) runs on the main thread; more starts that many workers. */
function threadCount(v: unknown): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > 64) throw new GallraError('GALLRA_USAGE', `gallra anonymise: --threads must be a whole number from 1 to 64, not ${shown(v)}`);
  return n;
}

/** GALLRA_THREAD_RANGE_BYTES: the byte ranges worker threads read a file in (undefined: the default, 16 MiB). */
function rangeBytes(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new GallraError('GALLRA_USAGE', `gallra anonymise: GALLRA_THREAD_RANGE_BYTES must be a whole number of bytes above 0, not ${shown(v)}`);
  return n;
}

/** What the read loop drives: the engine on this thread, or the worker threads. */
interface Engine {
  push(chunk: Buffer): Promise<void>;
  /** Takes a whole file instead of its chunks, reading it itself; false when it must be streamed through push(). */
  file?(path: string, onBytes: (n: number) => void): Promise<boolean>;
  /** The current input ended; `broken` when it broke off (corrupt gzip, read error). */
  endInput(broken: boolean): Promise<void>;
  linesIn(): number;
  /** Pseudonymisers on this thread (workers look after their own). */
  pseudonymisers(): readonly Pseudonymiser[];
  finish(): Promise<LineStats>;
  /** Releases what finish() would, after a failure. */
  abort(): Promise<void>;
}

/** The `--stats` line of the aggregate stage. */
function aggregateSummary(a: Aggregates): string {
  const s = a.stage.stats;
  return `aggregates: ${s.events} events in ${s.windows.window} windows (${s.windows.day} days, ${s.windows.month} months), ${s.late} late (not merged), ${s.rows} rows stored, ${s.folded} groups below k=${a.settings.k} folded into (other)`;
}

/** How often a long batch run (a piped log) publishes the windows it has closed, in ms. */
const PUBLISH_MS = 60_000;

function singleEngine(built: { pipeline: LinePipeline; pseudonymiser: Pseudonymiser }, maxLineLength: number, write: (chunk: string) => Promise<void>, aggregates?: Aggregates): Engine {
  const { pipeline, pseudonymiser } = built;
  const output = new TextOutput();
  pipeline.consumers.push(output);
  if (aggregates !== undefined) pipeline.consumers.push(aggregates.stage);
  let published = Date.now();
  const flush = async (): Promise<void> => {
    await write(output.take());
    if (aggregates === undefined) return;
    await aggregates.output.writeClosed();
    if (Date.now() - published >= PUBLISH_MS) {
      published = Date.now();
      await aggregates.output.flush();
    }
  };
  let splitter = new LineSplitter(maxLineLength, pipeline);
  // Whether the bytes read so far end inside a line (no newline yet).
  let midLine = false;
  return {
    async push(chunk) {
      await pipeline.prepare();
      pipeline.beginBatch();
      splitter.push(chunk);
      if (chunk.length > 0) midLine = chunk[chunk.length - 1] !== NL;
      await flush();
    },
    async endInput(broken) {
      if (broken) {
        // The input broke off inside a line (truncated gzip, read error): that
        // fragment is not a line of the log — a cut-off byte count would still
        // parse — so it is counted as unparsed, not written.
        if (midLine) pipeline.dropRaw('unparsed');
      } else {
        splitter.end();
      }
      await flush();
      // Each input is a segment of its own: a layout its header declared (W3C #Fields, a CSV header) ends with it.
      pipeline.segment('', true);
      splitter = new LineSplitter(maxLineLength, pipeline);
      midLine = false;
    },
    linesIn: () => pipeline.stats.linesIn,
    pseudonymisers: () => [pseudonymiser],
    async finish() {
      return pipeline.syncStats();
    },
    async abort() {
      pseudonymiser.clear();
    },
  };
}

function parallelEngine(p: ParallelAnonymiser): Engine {
  let finished = false;
  return {
    push: (chunk) => p.push(chunk),
    file: (path, onBytes) => p.pushFile(path, onBytes),
    async endInput(broken) {
      if (broken) p.abandonLine();
      await p.endInput();
    },
    linesIn: () => p.linesDispatched,
    pseudonymisers: () => [],
    async finish() {
      finished = true;
      return p.close();
    },
    async abort() {
      if (!finished) await p.terminate();
    },
  };
}

interface Output {
  readonly stream: Writable;
  /** Rejects when the stream errors, so a pending drain wait does not hang. */
  readonly failed: Promise<never>;
  close(): Promise<void>;
}

function openOutput(file: string | undefined, stdout: Writable): Output {
  let stream: Writable;
  if (file === undefined) {
    stream = stdout;
  } else {
    try {
      const fd = fs.openSync(file, 'a', 0o640);
      stream = fs.createWriteStream(file, { fd, highWaterMark: 1 << 20 });
    } catch (err) {
      throw new GallraError('GALLRA_OUTPUT_IO', `gallra anonymise: cannot open --output ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  return {
    stream,
    failed,
    async close(): Promise<void> {
      if (stream === stdout) {
        // stdout stays open; wait until what we wrote has left the buffer.
        if (stream.writableNeedDrain) await Promise.race([once(stream, 'drain'), failed]);
        return;
      }
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
    },
  };
}

/** Bytes of the named files (0 for those that cannot be read now: they fail later with a clear error). */
function totalSize(inputs: readonly string[]): number {
  let total = 0;
  for (const f of inputs) {
    try {
      total += fs.statSync(f).size;
    } catch {
      // reported when opened
    }
  }
  return total;
}
