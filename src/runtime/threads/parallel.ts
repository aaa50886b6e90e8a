/**
 * `gallra anonymise --threads N`: the main thread reads, cuts the input into
 * batches of whole lines and writes the results in input order; N worker
 * threads anonymise the batches. At most two batches per worker are in
 * flight, so memory stays bounded whatever the input size.
 *
 * The main thread bounds line length itself: bytes without a newline beyond
 * input.max_line_length are skipped to the next newline and counted as
 * too_long, never buffered whole.
 *
 * Header lines (a W3C `#Fields` block, a CSV or flow-log header) set the
 * layout of the lines after them, and only the worker that decoded one knows
 * it: from the first header of an input on, every batch of that input goes to
 * that one worker (in order, as on one thread), and at the input's end every
 * worker forgets the input's layout, as one thread does.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, GallraError, isGallraError } from '../../errors.js';
import { LineCarry } from '../../pipeline/line-carry.js';
import { LineStats } from '../../pipeline/stats.js';
import { isGzipHead } from '../../sources/stream/read-input.js';
import type { HeaderProbe } from './header-probe.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';
import { NL } from '../../util/ascii.js';

/** Bytes per batch sent to a worker: large enough to amortise the message, small enough to keep workers busy. */
const BATCH_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

export interface ParallelOptions {
  readonly threads: number;
  readonly policyFile: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly format: string | undefined;
  readonly unparsed: 'drop' | 'scrub' | undefined;
  readonly maxLineLength: number;
  /** Receives each output batch in input order. */
  readonly write: (bytes: Buffer) => Promise<void>;
  /** Which lines are header lines; undefined when no format that may read the input has any. */
  readonly headerProbe?: HeaderProbe | undefined;
  /** Called when an input's lines from its first header on go to one worker (once per input). */
  readonly onPinned?: () => void;
  /** Bytes of a file each worker reads itself at a time (see {@link ParallelAnonymiser.pushFile}); 16 MiB by default. */
  readonly rangeBytes?: number;
}

/** Byte ranges of a file that workers read themselves: large enough that a range's set-up is noise, small enough to keep output in order at bounded memory. */
const RANGE_BYTES = 16 << 20;

interface Slot {
  readonly worker: Worker;
  busy: number;
}

/**
 * @example
 * const p = new ParallelAnonymiser({ threads: 2, policyFile, env: process.env, format: 'combined', unparsed: undefined, maxLineLength: 65536, write });
 * for await (const chunk of readInput(file)) await p.push(chunk);
 * await p.endInput(); const stats = await p.close();
 */
export class ParallelAnonymiser {
  private readonly slots: Slot[] = [];
  /** Output of batches and ranges not written yet, by sequence number, in the order it came. */
  private readonly parts = new Map<number, Buffer[]>();
  /** Batches and ranges whose worker sent the last of their output. */
  private readonly finished = new Set<number>();
  private readonly waiting = new Map<number, Slot>();
  /** Byte ranges sent and not yet written: what to do once each is. */
  private readonly ranges = new Map<number, () => void>();
  private nextSeq = 0;
  private nextWrite = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private readonly carry: LineCarry;
  private lines = 0;
  /** The batch being filled holds a header line. */
  private batchHasHeader = false;
  /** The worker every batch of the current input goes to, from its first header line on. */
  private pinned: Slot | undefined;
  private failure: Error | undefined;
  /** close() or terminate() was called: workers exiting now is expected. */
  private ending = false;
  private wake: (() => void) | undefined;
  /** Lines the main thread dropped (too long); workers count the rest. */
  readonly localStats = new LineStats();

  constructor(private readonly options: ParallelOptions) {
    this.carry = new LineCarry(options.maxLineLength);
    const secret = randomBytes(32);
    const init: WorkerInit = {
      policyFile: options.policyFile,
      env: { GALLRA_STATE_DIR: options.env.GALLRA_STATE_DIR, XDG_STATE_HOME: options.env.XDG_STATE_HOME, HOME: options.env.HOME },
      format: options.format,
      unparsed: options.unparsed,
      ephemeralSecret: new Uint8Array(secret),
    };
    const file = fileURLToPath(new URL('./worker.js', import.meta.url));
    for (let i = 0; i < options.threads; i++) {
      const worker = new Worker(file, { workerData: init });
      const slot: Slot = { worker, busy: 0 };
      worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      worker.on('error', (err) => this.fail(err));
      // A worker that exits before it was told to (killed, out of memory) takes its batches with it.
      worker.on('exit', (code) => {
        if (!this.ending) this.fail(new Error(`worker thread exited with code ${code} before the input ended`));
      });
      this.slots.push(slot);
    }
    // Each worker got its own copy (structured clone); this thread needs none.
    secret.fill(0);
    init.ephemeralSecret.fill(0);
  }

  /** Takes raw input bytes; resolves when there is room for more. */
  async push(chunk: Buffer): Promise<void> {
    if (this.carry.feed(chunk, this.onCarried)) this.add(chunk.subarray(this.carry.regionStart, this.carry.regionEnd + 1));
    if (this.batchBytes >= BATCH_BYTES) await this.dispatch();
  }

  /**
   * A whole regular file, read by the workers themselves in byte ranges
   * handed out round-robin (the main thread then only writes): false, and
   * nothing done, when the input must be streamed through {@link push}
   * instead — stdin, a pipe, a gzip file, or formats with header lines
   * (which set the layout of the lines after them, so a range could not be
   * read without the ranges before it). The file's size is taken now: bytes
   * appended meanwhile are not read. `onBytes` learns of each range written.
   */
  async pushFile(path: string, onBytes?: (n: number) => void): Promise<boolean> {
    if (this.options.headerProbe !== undefined || path === '-' || this.batchBytes > 0 || this.carry.pendingBytes > 0) return false;
    const size = plainFileSize(path);
    if (size === undefined) return false;
    const step = this.options.rangeBytes ?? RANGE_BYTES;
    for (let start = 0; start < size; start += step) {
      const end = Math.min(size, start + step);
      await this.send({ file: path, from: start, to: end }, [], () => onBytes?.(end - start));
    }
    return true;
  }

  /** Input lines handed to workers so far (approximate: counts newlines), for progress. */
  get linesDispatched(): number {
    return this.lines;
  }

  /**
   * The input broke off inside a line (truncated gzip): the fragment is not a
   * line of the log, so it is counted as unparsed and not sent.
   */
  abandonLine(): void {
    const line = this.carry.take();
    if (line === undefined) return;
    this.localStats.linesIn++;
    this.localStats.drop(line === 'too_long' ? 'too_long' : 'unparsed');
  }

  /** The input ended: a final line without newline is a line too. */
  async endInput(): Promise<void> {
    this.takeCarried();
    await this.dispatch();
    while (this.nextWrite < this.nextSeq) await this.progress();
    // Each input is a segment of its own: a layout its header declared ends with it.
    for (const slot of this.slots) slot.worker.postMessage({ segmentEnd: true } satisfies ToWorker);
    this.pinned = undefined;
  }

  /** Ends the workers and returns the combined line counts. */
  async close(): Promise<LineStats> {
    this.ending = true;
    const total = new LineStats();
    total.add(this.localStats);
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            slot.worker.once('message', (m: FromWorker) => {
              if ('stats' in m) total.addJson(m.stats);
            });
            slot.worker.once('exit', () => resolve());
            slot.worker.postMessage({ end: true });
          }),
      ),
    );
    this.check();
    return total;
  }

  /** Stops the workers at once (after a failure). */
  async terminate(): Promise<void> {
    this.ending = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // Not copied: streams hand out fresh chunks, and dispatch() copies the batch into one transferable buffer.
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    const probe = this.options.headerProbe;
    // `bytes` starts at the start of a line (whole lines, a carried line, or the newline that ends one).
    let lineStart = bytes.length === 1 && bytes[0] === NL ? -1 : 0;
    for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, i + 1)) {
      this.lines++;
      if (probe !== undefined && !this.batchHasHeader && lineStart >= 0 && probe(bytes.subarray(lineStart, i))) this.batchHasHeader = true;
      lineStart = i + 1;
    }
    // A carried line arrives without its newline (that comes next, on its own).
    if (probe !== undefined && !this.batchHasHeader && lineStart >= 0 && lineStart < bytes.length && probe(bytes.subarray(lineStart))) this.batchHasHeader = true;
  }

  /** Ends the carried line: into the batch (with its newline), or counted when it was too long. */
  private takeCarried(): void {
    const line = this.carry.take();
    if (line !== undefined) this.onCarried(line);
  }

  /** A line that spanned chunks, now complete: sent on, or counted here when too long. */
  private readonly onCarried = (line: Buffer | 'too_long'): void => {
    if (line === 'too_long') {
      this.localStats.linesIn++;
      this.localStats.drop('too_long');
    } else {
      this.add(line);
      this.add(NEWLINE);
    }
  };

  /** Sends the current batch to the least busy worker, waiting while all are full. */
  private async dispatch(): Promise<void> {
    if (this.batchBytes === 0) return;
    const data = new Uint8Array(this.batchBytes);
    let off = 0;
    for (const b of this.batch) {
      data.set(b, off);
      off += b.length;
    }
    this.batch = [];
    this.batchBytes = 0;
    if (this.batchHasHeader && this.pinned === undefined) {
      this.pinned = this.leastBusy();
      this.options.onPinned?.();
    }
    this.batchHasHeader = false;
    await this.send({ data }, [data.buffer]);
  }

  /**
   * Sends a batch or a byte range to the pinned worker, else the least busy
   * one, waiting while it has two in hand. A range's `onWritten` runs once
   * its output was written (its lines are counted then: the worker counts them).
   */
  private async send(body: { readonly data: Uint8Array } | { readonly file: string; readonly from: number; readonly to: number }, transfer: ArrayBuffer[], onWritten?: () => void): Promise<void> {
    let slot = this.pinned ?? this.leastBusy();
    // Two in hand per worker, and no more than that many unwritten in all: a
    // slow worker holding the next output to write must not let the others'
    // finished output pile up behind it.
    while (slot.busy >= 2 || this.nextSeq - this.nextWrite >= 2 * this.slots.length) {
      await this.progress();
      slot = this.pinned ?? this.leastBusy();
    }
    const seq = this.nextSeq++;
    slot.busy++;
    this.waiting.set(seq, slot);
    if (onWritten !== undefined) this.ranges.set(seq, onWritten);
    slot.worker.postMessage({ seq, ...body } satisfies ToWorker, transfer);
  }

  private leastBusy(): Slot {
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.busy < best.busy) best = s;
    return best;
  }

  /**
   * Writes output in input order: the parts of the next batch or range as
   * they come (its worker may still be reading it), then moves on once it
   * has all of it; waits when there is nothing to write yet. Only the output
   * of later batches and ranges is held, and send() lets no more than two
   * per worker be unwritten.
   */
  private async progress(): Promise<void> {
    this.check();
    const seq = this.nextWrite;
    const ready = this.parts.get(seq);
    if (ready !== undefined && ready.length > 0) {
      // Parts arriving while these are written go into a fresh list.
      this.parts.set(seq, []);
      for (const piece of ready) await this.options.write(piece);
      return;
    }
    if (this.finished.delete(seq)) {
      this.parts.delete(seq);
      this.nextWrite++;
      const range = this.ranges.get(seq);
      if (range !== undefined) {
        this.ranges.delete(seq);
        range();
      }
      return;
    }
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.check();
  }

  private addPart(seq: number, bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    const piece = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const parts = this.parts.get(seq);
    if (parts === undefined) this.parts.set(seq, [piece]);
    else parts.push(piece);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if ('part' in m) {
      this.addPart(m.seq, m.part);
    } else if ('seq' in m) {
      slot.busy--;
      this.waiting.delete(m.seq);
      this.addPart(m.seq, m.out);
      this.finished.add(m.seq);
      // A batch's lines were counted when it was cut; a range's only its worker knows.
      if (this.ranges.has(m.seq)) this.lines += m.lines;
    } else if ('error' in m) {
      // A deliberate error in the worker (the keyring) keeps its code; anything else is the worker failing.
      this.fail(m.code !== undefined && Object.hasOwn(ERROR_CODES, m.code) ? new GallraError(m.code as ErrorCode, m.error) : new Error(m.error));
    }
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private check(): void {
    if (this.failure === undefined) return;
    if (isGallraError(this.failure)) throw this.failure;
    throw new GallraError('GALLRA_WORKER_FAILED', `gallra anonymise: a worker thread failed (${this.failure.name}); rerun without --threads, and report it if it fails there too`, { cause: this.failure });
  }
}

/** The size of `path` when it is a regular file that is not gzip (whose ranges could not be read apart); undefined otherwise, or when it cannot be read (streaming it then reports why). */
function plainFileSize(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(2);
    if (isGzipHead(head.subarray(0, fs.readSync(fd, head, 0, 2, 0)))) return undefined;
    return st.size;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
