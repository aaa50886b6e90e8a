/**
 * `file` sink: anonymised lines in daily files `<dir>/<name>-YYYY-MM-DD.log`,
 * one per UTC day of the events (not of the writing), mode 0640.
 *
 * Partitioning by event day makes the retention window exact: the sweeper
 * deletes a day's file once the window's start has passed the whole day, and
 * rewrites the file of the day the window starts in without its expired
 * lines (retention/day-files.ts). The sink runs those sweeps in line with its
 * writes and flushes, closing a file before it is replaced, and marks its
 * directory while it runs so that other processes leave such rewrites to it.
 *
 * Writes are buffered and appended; flush() writes the buffers and fsyncs
 * every file written since the last flush, which is when the sources may
 * checkpoint. A crash can leave a torn last line (written, not fsynced): on
 * opening a day file its tail after the last newline is cut, so appends
 * never glue onto half a line — the cut part was never acknowledged and
 * will be sent again.
 *
 * Optionally (closed-days.ts) it keeps `<prefix>.log` as a symlink to the
 * newest day file, and gzips day files once their day is over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GallraError } from '../../errors.js';
import { claimWriter, type DayFile, DayFileStore, REWRITE_AHEAD_MS } from '../../retention/day-files.js';
import type { SweepOutcome } from '../../retention/retainable.js';
import type { RetentionWindow } from '../../retention/window.js';
import { dayLabel, dayOf, type EncodedBatch, type Retainable, type Sink } from '../sink.js';
import { compressDayFile, pointCurrentLink, removeStaleCompressions } from './closed-days.js';

const FILE_MODE = 0o640;
const DIR_MODE = 0o750;
// Day files not written for this long are closed (their fd released).
const IDLE_CLOSE_MS = 10 * 60_000;

interface OpenDay {
  fd: number;
  /** Encoded at once: a buffered string would keep its rope of line slices alive into the old generation. */
  pending: Buffer[];
  pendingBytes: number;
  dirty: boolean;
  lastUsed: number;
}

export interface FileSinkOptions {
  readonly name: string;
  readonly dir: string;
  readonly prefix: string;
  readonly bufferBytes: number;
  readonly window: RetentionWindow;
  readonly now?: () => number;
  /** A stored line's event time, read back with the policy's formats (see SinkContext.lineTime). */
  readonly lineTime?: ((line: string) => number) | undefined;
  /** Keep `<prefix>.log` pointing at the newest day file. */
  readonly currentLink?: boolean;
  /** Gzip day files this long (ms) after their day ended; undefined: never. */
  readonly compressAfterMs?: number | undefined;
  /** Lifecycle events (compressions), never with event content. */
  readonly info?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

const DAY_MS = 86_400_000;
/** How often the sink looks for a day file to compress. */
const COMPRESS_LOOK_MS = 60_000;

/**
 * @example
 * const sink = new FileSink({ name: 'out', dir: '/var/log/gallra', prefix: 'access', bufferBytes: 1 << 20, window });
 * await sink.write(batch);
 * await sink.flush();
 */
export class FileSink implements Sink, Retainable {
  readonly name: string;
  private readonly files = new Map<number, OpenDay>();
  private buffered = 0;
  private written = 0;
  private readonly now: () => number;
  /** Its day files as a store: what the sweeper holds to the window. */
  readonly store: DayFileStore;
  private readonly releaseWriter: () => void;
  /**
   * Writes, flushes and reopens run one at a time: several pipelines share a
   * sink, and a SIGHUP reopen must not close a file under a write still in
   * flight, nor a flush mark a file clean while another's write is pending.
   */
  private chain: Promise<void> = Promise.resolve();
  private pendingReopen: Promise<void> | undefined;
  private failure: GallraError | undefined;
  /** The day the current link points at (or the newest day file found at start). */
  private linkDay = -Infinity;
  private linked = false;
  /** A compression under way (one at a time, outside the write chain). */
  private compressing: Promise<void> | undefined;
  private readonly stopCompressing = new AbortController();
  private lastCompressLook = -Infinity;

  constructor(private readonly options: FileSinkOptions) {
    this.name = options.name;
    this.now = options.now ?? Date.now;
    try {
      fs.mkdirSync(options.dir, { recursive: true, mode: DIR_MODE });
    } catch (err) {
      throw new GallraError('GALLRA_SINK_FAILED', `file sink ${this.name}: cannot create ${options.dir} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
    // Swept every minute: the day across the window start is cut an hour ahead, so it is rewritten at most hourly.
    this.store = new DayFileStore({ dir: options.dir, prefix: options.prefix, window: options.window, lineTime: options.lineTime, rewriteAheadMs: REWRITE_AHEAD_MS });
    this.releaseWriter = claimWriter(options.dir, options.prefix);
    if (options.currentLink === true) this.linkDay = newestDay(options.dir, options.prefix);
    if (options.compressAfterMs !== undefined) removeStaleCompressions(options.dir);
  }

  get linesWritten(): number {
    return this.written;
  }

  /** The path of a day's file. */
  fileFor(day: number): string {
    return path.join(this.options.dir, `${this.options.prefix}-${dayLabel(day)}.log`);
  }

  async write(batch: EncodedBatch): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const { text, times, ends, count } = batch;
    // Consecutive events of one UTC day go to that day's file in one piece
    // (a batch mostly holds one day).
    let runStart = 0;
    let runFrom = 0;
    for (let i = 0; i < count; i++) {
      const day = this.dayOf(times[i]!);
      if (i + 1 < count && this.dayOf(times[i + 1]!) === day) continue;
      const to = ends[i]!;
      this.append(day, runFrom === 0 && to === text.length ? text : text.slice(runFrom, to), i + 1 - runStart);
      runStart = i + 1;
      runFrom = to;
    }
    if (this.buffered >= this.options.bufferBytes) await this.serial(() => this.drain());
  }

  /** The UTC day an event is filed under (events without a time: the day they were written). */
  private dayOf(ms: number): number {
    return dayOf(Number.isFinite(ms) ? ms : this.now());
  }

  private append(day: number, text: string, lines: number): void {
    const f = this.open(day);
    if (this.options.currentLink === true && (day > this.linkDay || (!this.linked && day === this.linkDay))) this.link(day);
    const data = Buffer.from(text, 'utf8');
    f.pending.push(data);
    f.pendingBytes += data.length;
    f.lastUsed = this.now();
    this.buffered += data.length;
    this.written += lines;
  }

  flush(): Promise<void> {
    return this.serial(() => this.flushNow());
  }

  reopen(): Promise<void> {
    // SIGHUPs can come faster than fsyncs finish: one reopen waiting in line serves them all.
    this.pendingReopen ??= this.serial(async () => {
      this.pendingReopen = undefined;
      // write() buffers without waiting in line, so text can arrive while we
      // flush: flush until none is left, then close with no await in between.
      do await this.flushNow();
      while (this.hasPending());
      for (const f of this.files.values()) fs.closeSync(f.fd);
      this.files.clear();
    });
    return this.pendingReopen;
  }

  async close(): Promise<void> {
    // A compression under way is given up (the day file stays, and is compressed after the next start).
    this.stopCompressing.abort();
    await this.compressing;
    try {
      await this.reopen();
    } finally {
      this.releaseWriter();
    }
  }

  /** Points `<prefix>.log` at the day's file (a failure is said, never fails the write: the link is a convenience). */
  private link(day: number): void {
    this.linkDay = day;
    this.linked = true;
    try {
      pointCurrentLink(this.options.dir, this.options.prefix, path.basename(this.fileFor(day)));
    } catch (err) {
      this.options.warn?.(`file sink ${this.name}: cannot point ${this.options.prefix}.log at ${path.basename(this.fileFor(day))} (${(err as NodeJS.ErrnoException).code})`);
    }
  }

  /** Starts gzipping the oldest day file that is over by compress_after and not busy (one at a time, in the background). */
  private compressClosedDays(now: number): void {
    const after = this.options.compressAfterMs;
    if (after === undefined || this.compressing !== undefined || this.stopCompressing.signal.aborted) return;
    // The newest day is never compressed: the current link points at it, and late lines of today go to it.
    const days = plainDays(this.options.dir, this.options.prefix);
    const newest = Math.max(-Infinity, ...days);
    const due = days.find((d) => d < newest && (d + 1) * DAY_MS + after <= now && !this.isBusy(d));
    if (due === undefined) return;
    const open = this.files.get(due);
    if (open !== undefined) {
      fs.closeSync(open.fd);
      this.files.delete(due);
    }
    const file = this.fileFor(due);
    this.compressing = compressDayFile(file, () => !this.files.has(due), this.stopCompressing.signal)
      .then((done) => {
        if (done) this.options.info?.(`file sink ${this.name}: compressed ${path.basename(file)} to ${path.basename(file)}.gz`, { sink: this.name, file: `${file}.gz` });
      })
      .catch((err: unknown) => {
        if (!this.stopCompressing.signal.aborted) this.options.warn?.(`file sink ${this.name}: cannot compress ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); it stays uncompressed and is tried again`);
      })
      .finally(() => {
        this.compressing = undefined;
      });
  }

  /** Whether a day's file has data not yet written and synced. */
  private isBusy(day: number): boolean {
    const f = this.files.get(day);
    return f !== undefined && (f.pendingBytes > 0 || f.dirty);
  }

  private hasPending(): boolean {
    for (const f of this.files.values()) if (f.pendingBytes > 0) return true;
    return false;
  }

  /**
   * Runs `fn` after everything queued before it. Once a write or fsync has
   * failed the sink is broken for good: data it dropped from its buffers may
   * be lost, so no later flush may report success and let another source's
   * checkpoint advance past it (Linux reports a failed fsync only once).
   */
  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return fn();
    });
    this.chain = run.catch((err: unknown) => {
      // Only lost data breaks the sink; a failed retention pass is reported and tried again.
      if (err instanceof GallraError && LOST_DATA.has(err)) this.failure ??= err;
    });
    return run;
  }

  private async flushNow(): Promise<void> {
    await this.drain();
    const syncs: Promise<void>[] = [];
    for (const f of this.files.values()) {
      if (!f.dirty) continue;
      f.dirty = false;
      syncs.push(new Promise((resolve, reject) => fs.fsync(f.fd, (err) => (err ? reject(lostData(sinkError(this.name, 'fsync', err))) : resolve()))));
    }
    await Promise.all(syncs);
    try {
      this.housekeeping();
    } catch (err) {
      throw sinkError(this.name, 'housekeeping (closing idle files)', err);
    }
  }

  /**
   * Retainable: holds the day files to the window at `nowMs` (see
   * DayFileStore.enforce), in line with writes and flushes: what is
   * buffered is written first, and a day file is closed before it is
   * deleted or replaced (the next write reopens it).
   */
  enforce(nowMs: number, dryRun: boolean): Promise<SweepOutcome> {
    let outcome: SweepOutcome = { removed: [] };
    return this.serial(async () => {
      if (!dryRun) await this.drain();
      outcome = await this.store.enforce(nowMs, dryRun, { beforeChange: (f) => this.closeDay(f) });
    }).then(() => outcome);
  }

  private closeDay(file: DayFile): void {
    const open = this.files.get(dayOf(file.day));
    if (open === undefined || file.gzip) return;
    fs.closeSync(open.fd);
    this.files.delete(dayOf(file.day));
  }

  private open(day: number): OpenDay {
    let f = this.files.get(day);
    if (f !== undefined) return f;
    const file = this.fileFor(day);
    let fd: number;
    try {
      // Read-write, not write-only: cutTornTail reads the tail (a write-only
      // descriptor fails with EBADF on every file that already has data).
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, FILE_MODE);
    } catch (err) {
      throw sinkError(this.name, `open ${file}`, err);
    }
    try {
      cutTornTail(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw sinkError(this.name, `open ${file}`, err);
    }
    f = { fd, pending: [], pendingBytes: 0, dirty: false, lastUsed: this.now() };
    this.files.set(day, f);
    return f;
  }

  /** Writes every buffer to its file. */
  private async drain(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const f of this.files.values()) {
      if (f.pendingBytes === 0) continue;
      const data = f.pending.length === 1 ? f.pending[0]! : Buffer.concat(f.pending, f.pendingBytes);
      f.pending = [];
      f.pendingBytes = 0;
      f.dirty = true;
      writes.push(writeAll(f.fd, data).catch((err: unknown) => Promise.reject(lostData(sinkError(this.name, 'write', err)))));
    }
    this.buffered = 0;
    await Promise.all(writes);
  }

  /** Closes idle day files, and once a minute looks for one to compress. (The window is enforced by the sweeper, through enforce().) */
  private housekeeping(): void {
    const now = this.now();
    for (const [day, f] of this.files) {
      if (f.pendingBytes === 0 && !f.dirty && now - f.lastUsed > IDLE_CLOSE_MS) {
        fs.closeSync(f.fd);
        this.files.delete(day);
      }
    }
    if (now - this.lastCompressLook >= COMPRESS_LOOK_MS) {
      this.lastCompressLook = now;
      this.compressClosedDays(now);
    }
  }
}

/** Errors after which buffered lines may be gone: the sink stays failed. */
const LOST_DATA = new WeakSet<GallraError>();
function lostData(err: GallraError): GallraError {
  LOST_DATA.add(err);
  return err;
}

function sinkError(name: string, what: string, err: unknown): GallraError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new GallraError('GALLRA_SINK_FAILED', `file sink ${name}: ${what} failed (${code})`, { cause: err });
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      if (off >= data.length) {
        resolve();
        return;
      }
      fs.write(fd, data, off, data.length - off, null, (err, n) => (err ? reject(err) : step(off + n)));
    };
    step(0);
  });
}

/** Cuts a file back to its last newline (a torn write from a crash). */
function cutTornTail(fd: number): void {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return;
  const tail = Buffer.alloc(Math.min(size, 65_536));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - tail.length);
    fs.readSync(fd, tail, 0, end - start, start);
    if (end === size && tail[end - start - 1] === 10) return;
    const nl = tail.subarray(0, end - start).lastIndexOf(10);
    if (nl >= 0) {
      fs.ftruncateSync(fd, start + nl + 1);
      return;
    }
    end = start;
  }
  fs.ftruncateSync(fd, 0);
}

const PLAIN_DAY = /^(.+)-(\d{4})-(\d{2})-(\d{2})\.log$/;

/** The days (since the epoch) of `prefix`'s uncompressed day files in `dir`, oldest first. */
function plainDays(dir: string, prefix: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const days: number[] = [];
  for (const n of names) {
    const m = PLAIN_DAY.exec(n);
    if (m !== null && m[1] === prefix) days.push(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) / DAY_MS);
  }
  return days.sort((a, b) => a - b);
}

/** The newest day with a day file (plain or gzipped), or -Infinity. */
function newestDay(dir: string, prefix: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return -Infinity;
  }
  let newest = -Infinity;
  for (const n of names) {
    const m = /^(.+)-(\d{4})-(\d{2})-(\d{2})\.log(\.gz)?$/.exec(n);
    if (m !== null && m[1] === prefix) newest = Math.max(newest, Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) / DAY_MS);
  }
  return newest;
}
