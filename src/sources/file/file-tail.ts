/**
 * `file` source: follows a log file the way `tail -F` does, or every file a
 * pattern matches (`/var/log/nginx/*.access.log`), and resumes exactly after
 * a restart.
 *
 * - Rotation by rename + create (logrotate default, `nginx -s reopen`): when
 *   the path names a new file, the old one is read to its end — and a little
 *   longer, until the writer has reopened and the old file stays quiet for
 *   `rotate_wait` — then the new one is read from its start.
 * - Rotation by copytruncate: when the file is shorter than our position, or
 *   its first kilobyte no longer matches its fingerprint when we read on
 *   (truncated and already grown past our position), it was truncated and is
 *   read again from its start (a 1 KiB read and hash per read, checked before
 *   anything read is passed on). (Lines written between logrotate's copy and
 *   its truncate are lost by copytruncate's design; prefer rename + reopen.)
 * - Checkpoints: per followed file, its device, inode, a fingerprint of its
 *   first kilobyte, and the offset of the first byte not yet durably written
 *   by every sink. After a restart the source finds that file — the live one,
 *   or a rotated sibling, numbered, dated or gzip-compressed, however many
 *   rotations happened meanwhile — finishes it from the offset, reads every
 *   sibling rotated after it in order, then the live file (follower.ts).
 * - Patterns: every matching file gets a follower with its own position (one
 *   checkpoint file holds them all); files that appear are read from their
 *   start, files that are deleted are finished and forgotten.
 *
 * Change notifications (fs.watch on the directory) wake the reader at once;
 * a poll interval catches what notifications miss.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricSample } from '../../util/metric.js';
import { type Source, type BytesBatch, type SegmentId, type SourcePosition, Waiter } from '../source.js';
import { type Checkpoint, fingerprintKey, readCheckpoints, writeCheckpoint, writeCheckpoints } from './checkpoint.js';
import { headOf, statPath } from './fingerprint.js';
import { Follower, type FollowerCounts, type FollowerEvents } from './follower.js';
import { expandGlob, isGlob } from './glob.js';
import { checkFilePath } from './preflight.js';
import { DEFAULT_ROTATED } from './rotated-siblings.js';

export interface FileTailOptions {
  readonly name: string;
  /** A file, or a pattern with wildcards in its file name. */
  readonly path: string;
  readonly startAt: 'end' | 'beginning';
  /** Undefined: no checkpoints (start_at decides every start). */
  readonly checkpointFile: string | undefined;
  readonly pollMs: number;
  readonly rotateWaitMs: number;
  /** Rotated-sibling name patterns (default logrotate's). */
  readonly rotated?: readonly string[];
  /** Called with warnings for the operator (never with file content). */
  readonly warn?: (message: string) => void;
  /** Called with lifecycle events (rotation, copytruncate, a file finished, a restart's resume point). */
  readonly info?: (message: string, fields?: Record<string, unknown>) => void;
  /** The key fingerprints are HMACs under; default: the checkpoint directory's (tests inject one). */
  readonly fingerprintKey?: Uint8Array;
}

const READ_BYTES = 64 * 1024;

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
  /** Followers by path. */
  private readonly followers = new Map<string, Follower>();
  /** Which follower delivered each segment (positions come back by segment). */
  private readonly owners = new Map<string, Follower>();
  /** Counters of followers already forgotten. */
  private readonly gone: FollowerCounts = { rotations: 0, truncations: 0, finished: 0, lostFiles: 0, lostBytes: 0 };
  private readonly glob: boolean;
  /** What fingerprints are keyed with (see fingerprintKey). */
  private readonly key: Uint8Array;
  private readonly events: FollowerEvents;
  /** Files finished in this run (device:inode), so a pattern matching their rotated name does not read them again. */
  private readonly finishedFiles = new Map<string, SegmentId>();
  /** Paths that were skipped with a warning (compressed files a pattern matched): said once each. */
  private readonly skipped = new Set<string>();

  constructor(private readonly options: FileTailOptions) {
    this.name = options.name;
    this.glob = isGlob(options.path);
    this.key = options.fingerprintKey ?? fingerprintKey(options.checkpointFile);
    this.events = {
      warn: (m) => options.warn?.(m),
      info: (m, f) => options.info?.(m, f),
      finished: (id) => {
        if (this.glob) this.finishedFiles.set(id.key, id);
      },
    };
  }

  /** The file being read by the first follower (tests look at it). */
  get current(): unknown {
    return this.followers.values().next().value?.current;
  }

  async start(): Promise<void> {
    // Fail at start, not later, on a checkpoint that cannot be read, or a path that can never be read.
    if (this.options.checkpointFile !== undefined) readCheckpoints(this.options.checkpointFile);
    const check = checkFilePath(this.options.path);
    if (check.error !== undefined) throw check.error;
    for (const w of check.warnings) this.events.warn(`${this.name}: ${w}`);
  }

  stop(): void {
    this.stopped = true;
    this.waiter.wake();
  }

  /** Bytes read but not yet acknowledged, over every followed file. */
  lagBytes(): number {
    let n = 0;
    for (const f of this.followers.values()) {
      const c = f.committed;
      const cur = f.current;
      if (cur === undefined) continue;
      const done = c !== undefined && c.segment.key === cur.id.key ? c.offset : 0;
      n += Math.max(0, cur.pos - done);
    }
    return n;
  }

  metrics(): readonly MetricSample[] {
    const c = { ...this.gone };
    let unread = 0;
    for (const f of this.followers.values()) {
      for (const k of Object.keys(c) as (keyof FollowerCounts)[]) c[k] += f.counts[k];
      unread += f.unreadBytes();
    }
    const labels = { source: this.name };
    return [
      { name: 'gallra_file_rotations_total', help: 'Rename rotations of followed files seen (the old file finished, the new one read from its start).', type: 'counter', labels, value: c.rotations },
      { name: 'gallra_file_truncations_total', help: 'Followed files truncated in place (copytruncate) and read again from their start.', type: 'counter', labels, value: c.truncations },
      { name: 'gallra_file_lost_files_total', help: 'Files that could not be read to their end: a checkpointed file gone while gallra was down, corrupt gzip, other compressions.', type: 'counter', labels, value: c.lostFiles },
      { name: 'gallra_file_lost_bytes_total', help: 'Bytes known to have been written to a checkpointed file that was gone at restart (a lower bound).', type: 'counter', labels, value: c.lostBytes },
      { name: 'gallra_file_unread_bytes', help: 'Bytes of the followed files not read yet (how far the reader is behind the writer).', type: 'gauge', labels, value: unread },
      { name: 'gallra_file_followed_files', help: 'Files followed now.', type: 'gauge', labels, value: [...this.followers.values()].filter((f) => !f.idle).length },
    ];
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    // One segment of a follower is read at a time, in order: its last position is its furthest.
    for (const p of positions as readonly SourcePosition<SegmentId>[]) {
      // One path: every position is its follower's.
      const f = this.owners.get(p.segment.key) ?? (this.glob ? undefined : this.follower(this.options.path));
      if (f !== undefined) f.committed = p;
    }
    if (this.options.checkpointFile === undefined) return;
    const at = Date.now();
    const entries: Checkpoint[] = [];
    for (const f of this.followers.values()) {
      const c = f.committed;
      if (c === undefined) continue;
      const r = f.readPosition(c.segment.key);
      entries.push({ path: f.path, segment: c.segment, offset: c.offset, read: Math.max(c.offset, r?.read ?? c.offset), size: Math.max(c.offset, r?.size ?? c.offset), at });
    }
    if (this.glob) await writeCheckpoints(this.options.checkpointFile, entries);
    else if (entries[0] !== undefined) await writeCheckpoint(this.options.checkpointFile, entries[0]);
    // Segments of files finished and acknowledged need no owner any more.
    for (const [k, f] of this.owners) if (f.readPosition(k) === undefined && f.committed?.segment.key !== k) this.owners.delete(k);
  }

  async *batches(): AsyncGenerator<BytesBatch<SegmentId>> {
    this.watch();
    try {
      this.resume();
      let lastScan = Date.now();
      while (!this.stopped) {
        if (this.glob && Date.now() - lastScan >= this.options.pollMs) {
          lastScan = Date.now();
          this.scan('beginning');
        }
        let got = false;
        for (const f of [...this.followers.values()]) {
          if (this.stopped) break;
          const b = await f.next(this.buf);
          if (b === undefined) continue;
          got = true;
          this.owners.set(b.segment!.key, f);
          yield b;
        }
        if (got) continue;
        if (this.glob) this.forget();
        await this.waiter.wait(this.options.pollMs);
      }
    } finally {
      this.watcher?.close();
      for (const f of this.followers.values()) f.release();
    }
  }

  /** Followers for the checkpointed files and (patterns) every file matching now. */
  private resume(): void {
    const file = this.options.checkpointFile;
    const cps = file === undefined ? undefined : readCheckpoints(file);
    let written = 0;
    try {
      if (file !== undefined && cps !== undefined) written = fs.statSync(file).mtimeMs;
    } catch {
      // read a moment ago
    }
    if (!this.glob) {
      this.follower(this.options.path).resume(cps?.find((c) => c.path === this.options.path) ?? cps?.[0], this.options.startAt, written);
      return;
    }
    for (const cp of cps ?? []) this.follower(cp.path).resume(cp, this.options.startAt, written);
    // A file matching at the first start is read as start_at says; on later starts (and once running) a new file is read whole.
    this.scan(cps === undefined ? this.options.startAt : 'beginning');
  }

  /** Looks for files the pattern matches that have no follower yet. */
  private scan(startAt: 'end' | 'beginning'): void {
    const held = new Set<string>();
    for (const f of this.followers.values()) if (f.current !== undefined) held.add(f.current.id.key);
    const known = (file: string): boolean => this.followers.has(file) || this.skipped.has(file);
    for (const file of expandGlob(this.options.path, known)) {
      if (known(file)) continue;
      const why = checkFilePath(file).error;
      if (why !== undefined) {
        this.skipped.add(file);
        this.events.warn(`${this.name}: not following ${file}: ${why.message}`);
        continue;
      }
      // A followed file renamed to a name the pattern matches too is the same
      // file: its follower finishes it, and under its new name only what is
      // appended afterwards is new.
      const st = statPath(file);
      const id = st === undefined ? '' : `${st.dev}:${st.ino}`;
      if (held.has(id)) continue;
      this.events.info(`${this.name}: following ${file}`, { path: file });
      const done = this.finishedFiles.get(id);
      this.follower(file).resume(undefined, done !== undefined && startsWith(file, done, this.key) ? 'end' : startAt, 0);
    }
  }

  /** Lets go of followers whose file is finished and whose path is gone. */
  private forget(): void {
    for (const [p, f] of this.followers) {
      if (!f.idle || statPath(p) !== undefined) continue;
      this.followers.delete(p);
      // A deleted file's inode number may be handed to the next new file.
      for (const [k, id] of this.finishedFiles) if (!startsWith(p, id, this.key) && !this.anyHas(id)) this.finishedFiles.delete(k);
      for (const k of Object.keys(this.gone) as (keyof FollowerCounts)[]) this.gone[k] += f.counts[k];
      for (const [k, o] of this.owners) if (o === f) this.owners.delete(k);
      this.events.info(`${this.name}: ${p} is gone; no longer followed`, { path: p });
    }
  }

  /** Whether some followed path names the file `id` (under a name the pattern matches). */
  private anyHas(id: SegmentId): boolean {
    for (const p of this.followers.keys()) {
      const st = statPath(p);
      if (st !== undefined && st.dev === id.dev && st.ino === id.ino) return true;
    }
    return false;
  }

  private follower(p: string): Follower {
    let f = this.followers.get(p);
    if (f === undefined) {
      f = new Follower({ source: this.name, path: p, rotated: this.options.rotated ?? DEFAULT_ROTATED, rotateWaitMs: this.options.rotateWaitMs, key: this.key, events: this.events, quietWhenGone: this.glob });
      this.followers.set(p, f);
    }
    return f;
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

/** Whether `file` is the file `id` names (device, inode and first bytes). */
function startsWith(file: string, id: SegmentId, key: Uint8Array): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    return st.dev.toString() === id.dev && st.ino.toString() === id.ino && headOf(fd, id.headBytes, key) === id.head;
  } finally {
    fs.closeSync(fd);
  }
}
