/**
 * Follows one path the way `tail -F` does (see file-tail.ts for the whole
 * story): reads the file the path names; when the path names another file
 * (rename rotation) or none (deleted), finishes the old one once it has
 * stayed quiet for `rotateWaitMs`; when the file is truncated in place
 * (copytruncate) starts its new content from byte 0 as a new segment.
 *
 * A restart starts from the checkpoint: the checkpointed file is looked for
 * as the live file, then among the rotated siblings (by device and inode, or
 * by the fingerprint of its first bytes for a copy or a gzip-compressed
 * copy); it is finished from the checkpointed offset, then every sibling
 * rotated after it is read in order, then the live file — so a log rotated
 * twice (or more) while gallra was down loses nothing. When the file is
 * really gone, that is said loudly, with the bytes known lost.
 *
 * One step (`next()`) reads at most one batch and never waits: the source
 * multiplexes followers (a glob source has one per matching file).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { GallraError } from '../../errors.js';
import { fileSegment, type BytesBatch, type SegmentId, type SourcePosition } from '../source.js';
import type { Checkpoint } from './checkpoint.js';
import { gzipFingerprint, gzipHeadOf, HEAD_BYTES, headOf, identityOf, isGzipFd, statPath } from './fingerprint.js';
import { rotatedSiblings, type Sibling } from './rotated-siblings.js';

/** What a follower tells the operator and the metrics. */
export interface FollowerEvents {
  warn(message: string): void;
  info(message: string, fields?: Record<string, unknown>): void;
  /** A file was read to its end and let go. */
  finished?(id: SegmentId): void;
}

/** Lifecycle counters of a follower (the source sums them for /metrics). */
export interface FollowerCounts {
  rotations: number;
  truncations: number;
  finished: number;
  lostFiles: number;
  lostBytes: number;
}

export interface FollowerOptions {
  /** The source's name, first in every message. */
  readonly source: string;
  readonly path: string;
  readonly rotated: readonly string[];
  readonly rotateWaitMs: number;
  readonly key: Uint8Array;
  readonly events: FollowerEvents;
  /** A checkpointed file that is gone, was read to its end and whose path is gone too is forgotten quietly (a glob's deleted file). */
  readonly quietWhenGone?: boolean;
}

/** Siblings modified this long before the checkpoint are read too when the checkpointed file is gone. */
const GONE_SLACK_MS = 1000;

/** A file being read. */
interface Open {
  fd: number;
  id: SegmentId;
  /** Offset of the next byte (decompressed bytes for gzip). */
  pos: number;
  /** Where it was found (the live path or a rotated sibling's). */
  readonly file: string;
  /** Read to its end, then finished without waiting (an older rotated sibling, a gzip file). */
  endAtEof: boolean;
  gzip: GzipRead | undefined;
  quietSince: number;
  /** The rotation away from it has been logged. */
  noticed: boolean;
}

interface GzipRead {
  /** Decompressed bytes still to skip (resuming inside it). */
  skip: number;
  raw: fs.ReadStream | undefined;
  it: AsyncIterator<unknown> | undefined;
}

/**
 * @example
 * const f = new Follower({ source: 'nginx', path, rotated: DEFAULT_ROTATED, rotateWaitMs: 1000, key, events });
 * f.resume(readCheckpoint(file), 'end', 0);
 * const batch = await f.next(buf); // undefined: nothing to read now
 */
export class Follower {
  readonly path: string;
  readonly counts: FollowerCounts = { rotations: 0, truncations: 0, finished: 0, lostFiles: 0, lostBytes: 0 };
  /** The file being read now. */
  current: Open | undefined;
  /** Files to read after the current one, before the path is opened again (a restart's rotated siblings). */
  private queue: Open[] = [];
  /** The last position downstream acknowledged in this follower's files. */
  committed: SourcePosition<SegmentId> | undefined;

  constructor(private readonly o: FollowerOptions) {
    this.path = o.path;
  }

  /** Nothing open and nothing queued: the follower waits for its path to name a file. */
  get idle(): boolean {
    return this.current === undefined && this.queue.length === 0;
  }

  /** Bytes read in the segment `key` (its current offset), if this follower has it open. */
  readPosition(key: string): { read: number; size: number } | undefined {
    for (const o of this.current === undefined ? this.queue : [this.current, ...this.queue]) {
      if (o.id.key !== key) continue;
      let size = o.pos;
      if (o.gzip === undefined) {
        try {
          size = fs.fstatSync(o.fd).size;
        } catch {
          // closed meanwhile
        }
      }
      return { read: o.pos, size: Math.max(size, o.pos) };
    }
    return undefined;
  }

  /** Bytes of the open files not read yet (gzip files count as read: their size says nothing of the text). */
  unreadBytes(): number {
    let n = 0;
    for (const o of this.current === undefined ? this.queue : [this.current, ...this.queue]) {
      if (o.gzip !== undefined) continue;
      try {
        n += Math.max(0, fs.fstatSync(o.fd).size - o.pos);
      } catch {
        // closed meanwhile
      }
    }
    return n;
  }

  /**
   * Decides where reading starts. Without a checkpoint: the live file, at
   * its end or beginning as `startAt` says. With one: the checkpointed file
   * wherever it went (see the module comment). `checkpointAt` is when the
   * checkpoint was written, for checkpoints that do not say.
   */
  resume(cp: Checkpoint | undefined, startAt: 'end' | 'beginning', checkpointAt: number): void {
    if (cp === undefined) {
      const live = statPath(this.path);
      this.current = this.openPath(startAt === 'end' && live !== undefined ? live.size : 0);
      return;
    }
    this.committed = cp;
    const live = this.openPath(0);
    if (live !== undefined && this.matches(live.fd, cp.segment)) {
      live.id = cp.segment;
      live.pos = cp.offset > fs.fstatSync(live.fd).size ? 0 : cp.offset;
      this.current = live;
      this.logResume(cp, live);
      return;
    }
    const siblings = rotatedSiblings(this.path, this.o.rotated);
    const found = this.findCheckpointed(cp, siblings);
    const queue: Open[] = [];
    let newer: readonly Sibling[];
    if (found !== undefined) {
      queue.push(found.open);
      newer = siblings.slice(found.index + 1);
    } else {
      // Really gone. Files rotated after it got writes after the checkpoint:
      // read them (with a second's slack for coarse file-system clocks: a
      // line read twice is better than one lost).
      const since = (cp.at ?? checkpointAt) - GONE_SLACK_MS;
      newer = siblings.filter((s) => (statPath(s.path)?.mtimeMs ?? 0) > since);
    }
    for (const s of newer) {
      const open = this.openSibling(s, live === undefined ? queue : [...queue, live]);
      if (open !== undefined) queue.push(open);
    }
    // Only the newest rotated file can still be written to (by a server that has not reopened yet).
    queue.forEach((o, i) => {
      o.endAtEof = o.gzip !== undefined || i < queue.length - 1;
    });
    if (found !== undefined) {
      this.logResume(cp, found.open, queue.length - 1);
    } else {
      const lost = Math.max(cp.size ?? 0, cp.read ?? 0, cp.offset) - cp.offset;
      if (this.o.quietWhenGone === true && lost === 0 && live === undefined) {
        this.o.events.info(`${this.o.source}: ${cp.path} was read to its end and is gone; forgetting it`, { path: cp.path });
      } else {
        this.counts.lostFiles++;
        this.counts.lostBytes += lost;
        this.o.events.warn(
          `${this.o.source}: the checkpointed file is gone (rotated away and deleted, or replaced) — ${lost} bytes known to have been written to it after the checkpoint are lost, and possibly more written later; ` +
            `reading ${queue.length} rotated ${queue.length === 1 ? 'file' : 'files'} written since, then ${this.path} from its beginning. Keep more rotations (logrotate rotate N) or restart gallra sooner`,
        );
      }
    }
    if (live !== undefined) queue.push(live);
    this.current = queue.shift();
    this.queue = queue;
  }

  /**
   * One step: a batch of the current file, an empty end-of-segment batch
   * when a file is finished or restarts (copytruncate), or undefined when
   * there is nothing to read now.
   */
  async next(buf: Buffer): Promise<BytesBatch<SegmentId> | undefined> {
    let cur = this.current;
    if (cur === undefined) {
      cur = this.queue.shift() ?? this.openPath(0);
      if (cur === undefined) return undefined;
      this.current = cur;
    }
    if (cur.gzip !== undefined) return this.nextGzip(cur, buf);
    const n = fs.readSync(cur.fd, buf, 0, buf.length, cur.pos);
    if (n > 0 && cur.id.headBytes > 0 && headOf(cur.fd, cur.id.headBytes, this.o.key) !== cur.id.head) {
      // Its first bytes changed under us: truncated (copytruncate) and grown
      // past our position again before we looked. What we just read is the
      // middle of the new content; start the new content from its beginning.
      return this.truncated(cur, buf);
    }
    if (n > 0) {
      cur.pos += n;
      if (cur.id.headBytes < HEAD_BYTES) refreshHead(cur, this.o.key);
      cur.quietSince = 0;
      return { data: buf.subarray(0, n), segment: cur.id, offset: cur.pos, endOfSegment: false };
    }
    // At the end of the file: was it rotated away, deleted, or truncated?
    const live = statPath(this.path);
    if (live !== undefined && live.ino === cur.id.ino && live.dev === cur.id.dev) {
      if (live.size < cur.pos) return this.truncated(cur, buf);
      return undefined;
    }
    if (cur.endAtEof) return this.finish(cur, buf);
    if (!cur.noticed) {
      cur.noticed = true;
      if (cur.file === this.path) {
        this.counts.rotations++;
        this.o.events.info(
          live === undefined
            ? `${this.o.source}: ${this.path} was renamed or deleted; reading the rest of the file it named until it stays quiet for ${this.o.rotateWaitMs} ms`
            : `${this.o.source}: rotation detected: ${this.path} names a new file; finishing the old one once it stays quiet for ${this.o.rotateWaitMs} ms`,
          { path: this.path },
        );
      }
    }
    // The writer may append to the old file until it reopens its log: let it go only once it stays quiet.
    if (cur.quietSince === 0) cur.quietSince = Date.now();
    if (Date.now() - cur.quietSince >= this.o.rotateWaitMs) return this.finish(cur, buf);
    return undefined;
  }

  /** Closes every file it holds. */
  release(): void {
    for (const o of this.current === undefined ? this.queue : [this.current, ...this.queue]) close(o);
    this.current = undefined;
    this.queue = [];
  }

  private async nextGzip(cur: Open, buf: Buffer): Promise<BytesBatch<SegmentId> | undefined> {
    const g = cur.gzip!;
    if (g.it === undefined) {
      // The stream owns the descriptor from here on (closed by destroy(), after any read in flight).
      const raw = fs.createReadStream('', { fd: cur.fd, start: 0, highWaterMark: buf.length });
      const gunzip = zlib.createGunzip({ chunkSize: buf.length });
      raw.on('error', (err) => gunzip.destroy(err));
      raw.pipe(gunzip);
      g.raw = raw;
      g.it = (gunzip as Readable)[Symbol.asyncIterator]();
    }
    try {
      for (;;) {
        const r = await g.it.next();
        if (r.done === true) return this.finish(cur, buf);
        let chunk = r.value as Buffer;
        if (g.skip > 0) {
          const k = Math.min(g.skip, chunk.length);
          g.skip -= k;
          chunk = chunk.subarray(k);
          if (chunk.length === 0) continue;
        }
        cur.pos += chunk.length;
        return { data: chunk, segment: cur.id, offset: cur.pos, endOfSegment: false };
      }
    } catch (err) {
      this.counts.lostFiles++;
      this.o.events.warn(`${this.o.source}: ${cur.file} is corrupt or truncated gzip (${(err as NodeJS.ErrnoException).code ?? 'error'}) after ${cur.pos} decompressed bytes; the rest of it cannot be read`);
      return this.finish(cur, buf);
    }
  }

  /** Ends the current file's segment and lets it go. */
  private finish(cur: Open, buf: Buffer): BytesBatch<SegmentId> {
    const batch = { data: buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
    this.counts.finished++;
    this.o.events.finished?.(cur.id);
    this.o.events.info(`${this.o.source}: finished ${cur.file} (${cur.pos} bytes)`, { path: cur.file, bytes: cur.pos });
    close(cur);
    this.current = undefined;
    return batch;
  }

  /** Truncated in place (copytruncate): a new content lineage from byte 0, with a new fingerprint. */
  private truncated(cur: Open, buf: Buffer): BytesBatch<SegmentId> {
    const batch = { data: buf.subarray(0, 0), segment: cur.id, offset: cur.pos, endOfSegment: true };
    this.counts.truncations++;
    this.o.events.info(`${this.o.source}: copytruncate detected: ${cur.file} was truncated in place at byte ${cur.pos}; reading it again from its start`, { path: cur.file });
    cur.pos = 0;
    cur.id = fileSegment(cur.id.dev, cur.id.ino, '', 0);
    refreshHead(cur, this.o.key);
    return batch;
  }

  /** The sibling the checkpoint names, by device and inode, else by the fingerprint of its first bytes (a copy, or a gzip-compressed copy). */
  private findCheckpointed(cp: Checkpoint, siblings: readonly Sibling[]): { index: number; open: Open } | undefined {
    const id = cp.segment;
    const at = (i: number, open: Open): { index: number; open: Open } => {
      open.pos = cp.offset;
      if (open.gzip !== undefined) open.gzip.skip = cp.offset;
      return { index: i, open };
    };
    for (let i = 0; i < siblings.length; i++) {
      const st = statPath(siblings[i]!.path);
      if (st === undefined || st.dev !== id.dev || st.ino !== id.ino) continue;
      const open = this.openFile(siblings[i]!.path);
      if (open === undefined) continue;
      if (this.startsWith(open, id) && this.holds(open, cp.offset)) return at(i, open);
      close(open);
    }
    if (id.headBytes === 0) return undefined;
    // A copy: uncompressed ones first (logrotate's delaycompress keeps the newest so), newest first.
    const order = siblings.map((s, i) => ({ s, i })).reverse();
    for (const gzip of [false, true]) {
      for (const { s, i } of order) {
        if (s.compression === 'other') continue;
        const open = this.openFile(s.path);
        if (open === undefined) continue;
        if ((open.gzip !== undefined) === gzip && this.startsWith(open, id) && this.holds(open, cp.offset)) return at(i, open);
        close(open);
      }
    }
    return undefined;
  }

  /** Whether an opened file's first bytes (decompressed, for gzip) are the ones `id` fingerprinted. */
  private startsWith(open: Open, id: SegmentId): boolean {
    if (id.headBytes > HEAD_BYTES) return false;
    return (open.gzip !== undefined ? gzipHeadOf(open.fd, id.headBytes, this.o.key) : headOf(open.fd, id.headBytes, this.o.key)) === id.head;
  }

  /** Whether a plain file is at least `offset` long (a gzip file is not measured: a resume past its end reads nothing). */
  private holds(open: Open, offset: number): boolean {
    return open.gzip !== undefined || offset <= fs.fstatSync(open.fd).size;
  }

  /** Opens a rotated sibling to read from its start, unless it holds the same file or content as one already queued. */
  private openSibling(s: Sibling, queued: readonly Open[]): Open | undefined {
    if (s.compression === 'other') {
      this.counts.lostFiles++;
      this.o.events.warn(`${this.o.source}: cannot read ${s.path} (compressed with other than gzip); lines in it were not read. Use logrotate's default compress (gzip), or delaycompress`);
      return undefined;
    }
    const open = this.openFile(s.path);
    if (open === undefined) return undefined;
    // `.1` and `.1.gz` side by side (logrotate compressing right now) are one file.
    if (queued.some((q) => q.id.key === open.id.key || (q.id.headBytes > 0 && this.startsWith(open, q.id)))) {
      close(open);
      return undefined;
    }
    return open;
  }

  /** Opens a file found by name, gzip or not; undefined when it cannot be (gone meanwhile, unreadable: said once). */
  private openFile(file: string): Open | undefined {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.events.warn(`${this.o.source}: cannot open ${file} (${(err as NodeJS.ErrnoException).code})`);
      return undefined;
    }
    const st = identityOf(fs.fstatSync(fd, { bigint: true }));
    const open: Open = { fd, id: fileSegment(st.dev, st.ino, '', 0), pos: 0, file, endAtEof: false, gzip: undefined, quietSince: 0, noticed: true };
    if (isGzipFd(fd)) {
      open.gzip = { skip: 0, raw: undefined, it: undefined };
      const fp = gzipFingerprint(fd, this.o.key);
      if (fp !== undefined) open.id = fileSegment(st.dev, st.ino, fp.head, fp.headBytes);
    } else {
      refreshHead(open, this.o.key);
    }
    return open;
  }

  /** Opens the followed path itself; undefined when nothing is there yet. */
  private openPath(pos: number): Open | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new GallraError('GALLRA_SOURCE_FAILED', `${this.o.source}: cannot open ${this.path} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    }
    const st = identityOf(fs.fstatSync(fd, { bigint: true }));
    if (!st.isFile) {
      fs.closeSync(fd);
      throw new GallraError('GALLRA_SOURCE_FAILED', `${this.o.source}: ${this.path} is not a regular file any more (a directory or a pipe took its name)`);
    }
    const open: Open = { fd, id: fileSegment(st.dev, st.ino, '', 0), pos: Math.min(pos, st.size), file: this.path, endAtEof: false, gzip: undefined, quietSince: 0, noticed: false };
    refreshHead(open, this.o.key);
    return open;
  }

  /** Whether the file on `fd` is the one `id` describes: same device and inode, same first bytes. */
  private matches(fd: number, id: SegmentId): boolean {
    const st = identityOf(fs.fstatSync(fd, { bigint: true }));
    // A checkpoint claiming more than HEAD_BYTES was not written by us: no match.
    return st.dev === id.dev && st.ino === id.ino && id.headBytes <= HEAD_BYTES && headOf(fd, id.headBytes, this.o.key) === id.head;
  }

  /** The restart's log line: where reading resumes, and how many bytes are read a second time. */
  private logResume(cp: Checkpoint, at: Open, newer = 0): void {
    const reread = Math.max(0, (cp.read ?? cp.offset) - cp.offset);
    const where = at.file === this.path ? this.path : `${at.file} (${this.path} rotated ${at.gzip !== undefined ? 'and compressed ' : ''}while gallra was down)`;
    this.o.events.info(
      `${this.o.source}: resuming ${where} at byte ${cp.offset} from the checkpoint; re-reading ${reread} bytes that were read before the stop but not yet acknowledged ` +
        `(exact after a clean stop; after a crash also what was read in the last run.commit_ms): lines in them that reached the output before the stop are written again` +
        (at.file === this.path ? '' : `; then ${newer} ${newer === 1 ? 'file' : 'files'} rotated after it, in order, then ${this.path}`),
      { path: at.file, offset: cp.offset, reread_bytes: reread, rotated_after: newer },
    );
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

function close(o: Open): void {
  if (o.gzip?.raw !== undefined) {
    o.gzip.raw.destroy();
    return;
  }
  try {
    fs.closeSync(o.fd);
  } catch {
    // already closed
  }
}
