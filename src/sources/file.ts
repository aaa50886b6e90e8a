/**
 * `file` source: follows a log file the way `tail -F` does, and resumes
 * exactly after a restart.
 *
 * - Rotation by rename + create (logrotate default, `nginx -s reopen`): when
 *   the path names a new file, the old one is read to its end — and a little
 *   longer, until the writer has reopened and the old file stays quiet for
 *   `rotate_wait` — then the new one is read from its start.
 * - Rotation by copytruncate: when the file is shorter than our position it
 *   was truncated, and is read again from its start. (Lines written between
 *   logrotate's copy and its truncate are lost by copytruncate's design, and
 *   if the file grows past our position before we look we cannot tell it was
 *   truncated; prefer rename + reopen.)
 * - Checkpoints: the file's device, inode and the offset of the first byte
 *   not yet durably written by every sink. After a restart the source finds
 *   the checkpointed inode — the live file, or a rotated sibling such as
 *   `access.log.1` — finishes it from the offset, and goes on.
 *
 * Change notifications (fs.watch on the directory) wake the reader at once;
 * a poll interval catches what notifications miss.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GallraError } from '../errors.js';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type SegmentId, type Source, type SourceBatch, type SourcePosition, Waiter } from './source.js';

export const fileSourceConfigSchema = z.strictObject({
  type: z.literal('file'),
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').optional(),
  /** The log file to follow (relative to the config file). */
  path: z.string().min(1),
  /** Where to start when there is no checkpoint: end (only new lines) or beginning. */
  start_at: z.enum(['end', 'beginning']).default('end'),
  /** Checkpoint file; default `$GALLRA_STATE_DIR/checkpoints/<name>.json`. */
  checkpoint: z.string().min(1).optional(),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
  /** How often to look for new data when no change notification came, in ms. */
  poll_ms: z.int().min(10).max(60_000).default(250),
  /** After a rename rotation, how long the old file must stay quiet before it is let go, in ms. */
  rotate_wait_ms: z.int().min(0).max(600_000).default(1000),
});
export type FileSourceConfig = z.infer<typeof fileSourceConfigSchema>;

export interface FileTailOptions {
  readonly name: string;
  readonly path: string;
  readonly startAt: 'end' | 'beginning';
  /** Undefined: no checkpoints (start_at decides every start). */
  readonly checkpointFile: string | undefined;
  readonly pollMs: number;
  readonly rotateWaitMs: number;
  /** Called with warnings for the operator (never with file content). */
  readonly warn?: (message: string) => void;
}

const READ_BYTES = 64 * 1024;

interface Open {
  fd: number;
  id: SegmentId;
  pos: number;
  file: string;
}

/**
 * @example
 * const src = new FileTailSource({ name: 'nginx', path: '/var/log/nginx/access.log', startAt: 'end', checkpointFile, pollMs: 250, rotateWaitMs: 1000 });
 * for await (const batch of src.batches()) { ... ; await src.commit(position); }
 */
export class FileTailSource implements Source {
  readonly name: string;
  readonly drops: Record<string, number> = {};
  private stopped = false;
  private readonly waiter = new Waiter();
  private watcher: fs.FSWatcher | undefined;
  private readonly buf = Buffer.allocUnsafe(READ_BYTES);
  private committed: SourcePosition | undefined;
  private current: Open | undefined;

  constructor(private readonly options: FileTailOptions) {
    this.name = options.name;
  }

  async start(): Promise<void> {
    // Fail at start, not later, on a checkpoint that cannot be read.
    if (this.options.checkpointFile !== undefined) readCheckpoint(this.options.checkpointFile);
  }

  stop(): void {
    this.stopped = true;
    this.waiter.wake();
  }

  lagBytes(): number {
    const cur = this.current;
    if (cur === undefined) return 0;
    try {
      const size = fs.fstatSync(cur.fd).size;
      const done = this.committed !== undefined && sameId(this.committed.segment, cur.id) ? this.committed.offset : 0;
      return Math.max(0, size - done);
    } catch {
      return 0;
    }
  }

  async commit(position: SourcePosition): Promise<void> {
    this.committed = position;
    if (this.options.checkpointFile === undefined) return;
    const cp: Checkpoint = { path: this.options.path, segment: position.segment, offset: position.offset };
    writeCheckpoint(this.options.checkpointFile, cp);
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    this.watch();
    try {
      // A checkpointed file that was rotated away while we were down: finish it first.
      const resume = this.resumePoint();
      if (resume.rotated !== undefined) yield* this.drainWhole(resume.rotated);
      let cur = resume.current;
      let quietSince = 0;
      while (!this.stopped) {
        if (cur === undefined) {
          cur = this.openCurrent(0);
          if (cur === undefined) {
            await this.waiter.wait(this.options.pollMs);
            continue;
          }
        }
        this.current = cur;
        const n = fs.readSync(cur.fd, this.buf, 0, READ_BYTES, cur.pos);
        if (n > 0) {
          cur.pos += n;
          quietSince = 0;
          yield { data: this.buf.subarray(0, n), segment: cur.id, offset: cur.pos, endOfSegment: false };
          continue;
        }
        // At the end of the file: has it been rotated or truncated?
        const now = statOrUndefined(this.options.path);
        if (now !== undefined && (now.ino !== cur.id.ino || now.dev !== cur.id.dev)) {
          // Renamed away and replaced. The writer may still append to the old
          // file until it reopens; let it go only once it has been quiet.
          if (quietSince === 0) quietSince = Date.now();
          if (Date.now() - quietSince >= this.options.rotateWaitMs) {
            yield { data: this.buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
            fs.closeSync(cur.fd);
            // Forget the closed descriptor now: if the new file cannot be opened
            // yet, stop() and lagBytes() must not touch a number the process may
            // already have handed to another file.
            this.current = undefined;
            cur = this.openCurrent(0);
            quietSince = 0;
            continue;
          }
        } else if (now !== undefined && now.size < cur.pos) {
          // Truncated in place (copytruncate): what we held of a partial line is gone.
          yield { data: this.buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
          cur.pos = 0;
          continue;
        }
        await this.waiter.wait(this.options.pollMs);
      }
    } finally {
      this.watcher?.close();
      if (this.current !== undefined) {
        try {
          fs.closeSync(this.current.fd);
        } catch {
          // already closed
        }
        this.current = undefined;
      }
    }
  }

  /** Where to start: the checkpoint if there is one, else start_at. */
  private resumePoint(): { rotated: Open | undefined; current: Open | undefined } {
    const cp = this.options.checkpointFile === undefined ? undefined : readCheckpoint(this.options.checkpointFile);
    const live = statOrUndefined(this.options.path);
    if (cp === undefined) {
      const start = this.options.startAt === 'end' && live !== undefined ? live.size : 0;
      return { rotated: undefined, current: this.openCurrent(start) };
    }
    this.committed = cp;
    if (live !== undefined && live.ino === cp.segment.ino && live.dev === cp.segment.dev) {
      // Same file; if it shrank while we were down it was truncated.
      return { rotated: undefined, current: this.openCurrent(live.size < cp.offset ? 0 : cp.offset) };
    }
    const old = this.findRotated(cp.segment);
    if (old === undefined) {
      this.options.warn?.(`${this.name}: the checkpointed file (inode ${cp.segment.ino}) is gone; lines written to it after the checkpoint are lost; starting ${this.options.path} from its beginning`);
      return { rotated: undefined, current: this.openCurrent(0) };
    }
    let fd: number;
    try {
      fd = fs.openSync(old, 'r');
    } catch (err) {
      throw new GallraError('GALLRA_SOURCE_FAILED', `${this.name}: cannot open ${old} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
    return { rotated: { fd, id: cp.segment, pos: cp.offset, file: old }, current: undefined };
  }

  /** Reads a rotated file from its position to the end, then lets it go. */
  private *drainWhole(open: Open): Generator<SourceBatch> {
    try {
      for (;;) {
        const n = fs.readSync(open.fd, this.buf, 0, READ_BYTES, open.pos);
        if (n <= 0) break;
        open.pos += n;
        yield { data: this.buf.subarray(0, n), segment: open.id, offset: open.pos, endOfSegment: false };
      }
      yield { data: this.buf.subarray(0, 0), segment: open.id, offset: open.pos, endOfSegment: true };
    } finally {
      fs.closeSync(open.fd);
    }
  }

  /** A sibling of the followed path (`access.log.1`, …) with this device and inode. */
  private findRotated(id: SegmentId): string | undefined {
    const dir = path.dirname(this.options.path);
    const base = path.basename(this.options.path);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return undefined;
    }
    for (const name of names) {
      if (!name.startsWith(base)) continue;
      const st = statOrUndefined(path.join(dir, name));
      if (st !== undefined && st.ino === id.ino && st.dev === id.dev && st.isFile()) return path.join(dir, name);
    }
    return undefined;
  }

  private openCurrent(pos: number): Open | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.options.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // not created yet (between rename and create)
      throw new GallraError('GALLRA_SOURCE_FAILED', `${this.name}: cannot open ${this.options.path} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
    const st = fs.fstatSync(fd);
    return { fd, id: { dev: st.dev, ino: st.ino }, pos: Math.min(pos, st.size), file: this.options.path };
  }

  private watch(): void {
    try {
      this.watcher = fs.watch(path.dirname(this.options.path), { persistent: false }, () => this.waiter.wake());
      this.watcher.on('error', () => undefined);
    } catch {
      // No notifications (e.g. the directory does not exist yet): polling still works.
    }
  }
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function sameId(a: SegmentId, b: SegmentId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
