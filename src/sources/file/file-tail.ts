/**
 * `file` source: follows a log file the way `tail -F` does, and resumes
 * exactly after a restart.
 *
 * - Rotation by rename + create (logrotate default, `nginx -s reopen`): when
 *   the path names a new file, the old one is read to its end — and a little
 *   longer, until the writer has reopened and the old file stays quiet for
 *   `rotate_wait` — then the new one is read from its start.
 * - Rotation by copytruncate: when the file is shorter than our position, or
 *   its first kilobyte no longer matches its fingerprint when we read on
 *   (truncated and already grown past our position), it was truncated and is
 *   read again from its start (a 1 KiB read and hash per read, checked before
 *   anything read is passed on). (Lines written between logrotate's copy and its truncate
 *   are lost by copytruncate's design; prefer rename + reopen.)
 * - Checkpoints: the file's device, inode, a fingerprint of its first
 *   kilobyte, and the offset of the first byte not yet durably written by
 *   every sink. After a restart the source finds that file — the live one, or
 *   a rotated sibling such as `access.log.1` — finishes it from the offset
 *   (waiting for it to go quiet as above), and goes on. The fingerprint keeps
 *   a recycled inode or a truncated-and-rewritten file from being resumed at
 *   a stale offset.
 *
 * Change notifications (fs.watch on the directory) wake the reader at once;
 * a poll interval catches what notifications miss.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GallraError } from '../../errors.js';
import { type Checkpoint, fingerprintKey, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { fileSegment, type SegmentId, type Source, type BytesBatch, type SourcePosition, Waiter } from '../source.js';

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
  /** The key fingerprints are HMACs under; default: the checkpoint directory's (tests inject one). */
  readonly fingerprintKey?: Uint8Array;
}

const READ_BYTES = 64 * 1024;
/** Bytes of a file's start fingerprinted to recognise it again. */
const HEAD_BYTES = 1024;

interface Open {
  fd: number;
  id: SegmentId;
  pos: number;
}

/** Device and inode of a path or descriptor as strings (bigint stats), with the size. */
interface Identity {
  dev: string;
  ino: string;
  size: number;
}

function identityOf(st: fs.BigIntStats): Identity {
  return { dev: st.dev.toString(), ino: st.ino.toString(), size: Number(st.size) };
}

function statPath(p: string): (Identity & { isFile: boolean }) | undefined {
  try {
    const st = fs.statSync(p, { bigint: true });
    return { ...identityOf(st), isFile: st.isFile() };
  } catch {
    return undefined;
  }
}

/**
 * The fingerprint of a file's first `n` bytes (n ≤ HEAD_BYTES), or undefined
 * if it is shorter: an HMAC under the checkpoint directory's key, never a
 * plain hash of raw log text (see fingerprintKey).
 */
function headOf(fd: number, n: number, key: Uint8Array): string | undefined {
  if (n === 0) return '';
  const b = Buffer.allocUnsafe(n);
  const got = fs.readSync(fd, b, 0, n, 0);
  if (got < n) return undefined;
  const mac = crypto.createHmac('sha256', key).update(b).digest('hex').slice(0, 32);
  b.fill(0);
  return mac;
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
  private committed: SourcePosition<SegmentId> | undefined;
  private current: Open | undefined;
  /** What fingerprints are keyed with (see fingerprintKey). */
  private readonly key: Uint8Array;

  constructor(private readonly options: FileTailOptions) {
    this.name = options.name;
    this.key = options.fingerprintKey ?? fingerprintKey(options.checkpointFile);
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
      const c = this.committed?.segment;
      const done = c !== undefined && c.dev === cur.id.dev && c.ino === cur.id.ino ? this.committed!.offset : 0;
      return Math.max(0, size - done);
    } catch {
      return 0;
    }
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    // One segment is read at a time, in order: the last position is the furthest.
    const position = positions[positions.length - 1] as SourcePosition<SegmentId> | undefined;
    if (position === undefined) return;
    this.committed = position;
    if (this.options.checkpointFile === undefined) return;
    const cp: Checkpoint = { path: this.options.path, segment: position.segment, offset: position.offset };
    writeCheckpoint(this.options.checkpointFile, cp);
  }

  async *batches(): AsyncGenerator<BytesBatch<SegmentId>> {
    this.watch();
    let cur: Open | undefined;
    try {
      // Where the checkpoint says — possibly a file rotated away while we were down — else start_at.
      cur = this.resumePoint();
      let quietSince = 0;
      while (!this.stopped) {
        if (cur === undefined) {
          cur = this.openPath(0);
          if (cur === undefined) {
            // Not there yet (between a rename and the writer's reopen, or never created).
            await this.waiter.wait(this.options.pollMs);
            continue;
          }
        }
        this.current = cur;
        const n = fs.readSync(cur.fd, this.buf, 0, READ_BYTES, cur.pos);
        if (n > 0 && cur.id.headBytes > 0 && headOf(cur.fd, cur.id.headBytes, this.key) !== cur.id.head) {
          // Its first bytes changed under us: truncated (copytruncate) and grown
          // past our position again before we looked. What we just read is the
          // middle of the new content; start the new content from its beginning.
          yield { data: this.buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
          cur.pos = 0;
          cur.id = fileSegment(cur.id.dev, cur.id.ino, '', 0);
          refreshHead(cur, this.key);
          continue;
        }
        if (n > 0) {
          cur.pos += n;
          if (cur.id.headBytes < HEAD_BYTES) refreshHead(cur, this.key);
          quietSince = 0;
          yield { data: this.buf.subarray(0, n), segment: cur.id, offset: cur.pos, endOfSegment: false };
          continue;
        }
        // At the end of the file: was it rotated away, or truncated?
        const live = statPath(this.options.path);
        if (live !== undefined && (live.ino !== cur.id.ino || live.dev !== cur.id.dev)) {
          // The path names another file now. The writer may append to the old
          // one until it reopens its log: let it go only once it stays quiet.
          if (quietSince === 0) quietSince = Date.now();
          if (Date.now() - quietSince >= this.options.rotateWaitMs) {
            yield { data: this.buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
            this.release(cur);
            cur = this.openPath(0);
            quietSince = 0;
            continue;
          }
        } else if (live !== undefined && live.size < cur.pos) {
          // Truncated in place (copytruncate): a new content lineage, with a new fingerprint.
          yield { data: this.buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
          cur.pos = 0;
          cur.id = fileSegment(cur.id.dev, cur.id.ino, '', 0);
          refreshHead(cur, this.key);
          continue;
        }
        await this.waiter.wait(this.options.pollMs);
      }
    } finally {
      this.watcher?.close();
      // cur too: stop() can come before the loop has made a freshly opened file current.
      if (cur !== undefined && cur !== this.current) this.release(cur);
      if (this.current !== undefined) this.release(this.current);
    }
  }

  private release(open: Open): void {
    if (this.current === open) this.current = undefined;
    try {
      fs.closeSync(open.fd);
    } catch {
      // already closed
    }
  }

  /** The file and offset to start from. */
  private resumePoint(): Open | undefined {
    const cp = this.options.checkpointFile === undefined ? undefined : readCheckpoint(this.options.checkpointFile);
    if (cp === undefined) {
      const live = statPath(this.options.path);
      return this.openPath(this.options.startAt === 'end' && live !== undefined ? live.size : 0);
    }
    this.committed = cp;
    const live = this.openPath(0);
    if (live !== undefined && matches(live, cp.segment, this.key)) {
      live.pos = cp.offset;
      live.id = cp.segment;
      if (live.pos > Number(fs.fstatSync(live.fd).size)) live.pos = 0;
      return live;
    }
    // Rotated (or replaced) while we were down: finish the old file first.
    const old = this.findRotated(cp.segment);
    if (old !== undefined) {
      if (live !== undefined) this.release(live);
      old.pos = cp.offset;
      return old;
    }
    this.options.warn?.(`${this.name}: the checkpointed file is gone (rotated away and removed, or its inode reused); lines written to it after the checkpoint are lost; reading ${this.options.path} from its beginning`);
    return live;
  }

  /** The followed path's siblings (`access.log.1`, …) that are the file `id` names. */
  private findRotated(id: SegmentId): Open | undefined {
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
      const file = path.join(dir, name);
      const st = statPath(file);
      if (st === undefined || !st.isFile || st.ino !== id.ino || st.dev !== id.dev) continue;
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        continue;
      }
      const open: Open = { fd, id, pos: 0 };
      if (matches(open, id, this.key)) return open;
      fs.closeSync(fd);
    }
    return undefined;
  }

  private openPath(pos: number): Open | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.options.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new GallraError('GALLRA_SOURCE_FAILED', `${this.name}: cannot open ${this.options.path} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
    const st = identityOf(fs.fstatSync(fd, { bigint: true }));
    const open: Open = { fd, id: fileSegment(st.dev, st.ino, '', 0), pos: Math.min(pos, st.size) };
    refreshHead(open, this.key);
    return open;
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

/** Fingerprints up to HEAD_BYTES of the file's start (files only grow, so this settles). */
function refreshHead(open: Open, key: Uint8Array): void {
  const size = Number(fs.fstatSync(open.fd).size);
  const n = Math.min(size, HEAD_BYTES);
  if (n <= open.id.headBytes) return;
  const head = headOf(open.fd, n, key);
  if (head !== undefined) open.id = fileSegment(open.id.dev, open.id.ino, head, n);
}

/** Whether the open file is the one `id` describes: same device and inode, same first bytes. */
function matches(open: Open, id: SegmentId, key: Uint8Array): boolean {
  const st = identityOf(fs.fstatSync(open.fd, { bigint: true }));
  // A checkpoint claiming more than HEAD_BYTES was not written by us: no match
  // (and no buffer of whatever size a damaged file names).
  return st.dev === id.dev && st.ino === id.ino && id.headBytes <= HEAD_BYTES && headOf(open.fd, id.headBytes, key) === id.head;
}
