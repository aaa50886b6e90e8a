import crypto from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import { readCheckpoint, writeCheckpoint } from '../../../src/sources/file/checkpoint.js';
import { FileTailSource, type FileTailOptions } from '../../../src/sources/file/file-tail.js';
import { fileSegment, type SegmentId } from '../../../src/sources/source.js';
import { Cleanups, until } from '../../helpers/wait.js';

const POLL_MS = 20;
const ROTATE_WAIT_MS = 50;
/** A rotate wait no test outlasts: only the skewed clock (skewableClock) ends it. */
const LONG_WAIT_MS = 60_000;
/** How much of a file's start the source fingerprints. */
const HEAD_BYTES = 1024;

let dir: string;
let log: string;
let cpFile: string;
/** Everything a test opened, closed after it whatever happened. */
const cleanups = new Cleanups();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-tail-'));
  log = path.join(dir, 'access.log');
  cpFile = path.join(dir, 'state', 'checkpoints', 'nginx.json');
});

afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});


/**
 * Date.now() as the source sees it, moved forward on demand: a rotate wait
 * then ends when the test says so, not after a real delay that a slow machine
 * could overrun while the test still wants the old file followed.
 */
function skewableClock(): { advance(ms: number): void } {
  const realNow = Date.now.bind(Date);
  let skew = 0;
  const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
  cleanups.add(() => spy.mockRestore());
  return {
    advance(ms: number) {
      skew += ms;
    },
  };
}

/** Counts the source's looks at `file` (fs.statSync) from when `start()` is called. */
function statsOf(file: string): { start(): void; count(): number } {
  let counting = false;
  let n = 0;
  const statSync = fs.statSync;
  const spy = vi.spyOn(fs, 'statSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
    if (counting && p === file) n++;
    return statSync(p, o);
  }) as typeof fs.statSync);
  cleanups.add(() => spy.mockRestore());
  return {
    start() {
      counting = true;
      n = 0;
    },
    count: () => n,
  };
}

/** A web server's log descriptor: appends, and stays on the file it opened across a rename. */
function openWriter(file: string): number {
  const fd = fs.openSync(file, 'a');
  cleanups.add(() => {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed by the test
    }
  });
  return fd;
}

/** The fingerprint key every source in these tests uses, so ids can be computed here. */
const KEY = new Uint8Array(32).fill(42);

function source(over: Partial<FileTailOptions> = {}): FileTailSource {
  const src = new FileTailSource({ name: 'nginx', path: log, startAt: 'beginning', checkpointFile: undefined, pollMs: POLL_MS, rotateWaitMs: ROTATE_WAIT_MS, fingerprintKey: KEY, ...over });
  cleanups.add(() => src.stop());
  return src;
}

/** The bytes of one segment as the source delivered them. */
interface Segment {
  /** The id of the segment's latest batch (the fingerprint grows with a small file). */
  id: SegmentId;
  /** The id of every batch, in order. */
  readonly ids: SegmentId[];
  /** Offset of the segment's first delivered byte. */
  readonly from: number;
  text: string;
  /** Offset just after the last delivered byte. */
  to: number;
  ended: boolean;
}

interface Tail {
  readonly segments: Segment[];
  /** Lines so far: whole lines of every segment, plus the partial last line of an ended one. */
  lines(): string[];
  /** Resolves when batches() has ended. */
  readonly done: Promise<void>;
  /** A broken invariant seen by the consumer. */
  error: Error | undefined;
}

/**
 * Pulls batches in the background and concatenates `data` per segment (a new
 * one on another file or after an endOfSegment), checking that offsets run
 * on without gaps, and that every batch's fingerprint covers the bytes
 * before its offset (up to HEAD_BYTES) and only grows within a segment — so
 * a checkpoint at any offset names the content it was about.
 */
function consume(src: FileTailSource): Tail {
  const tail: Tail = {
    segments: [],
    lines() {
      const out: string[] = [];
      for (const s of this.segments) {
        const parts = s.text.split('\n');
        const last = parts.pop()!;
        out.push(...parts);
        if (s.ended && last !== '') out.push(last);
      }
      return out;
    },
    done: Promise.resolve(),
    error: undefined,
  };
  (tail as { done: Promise<void> }).done = (async () => {
    for await (const b of src.batches()) {
      const id = b.segment!;
      let cur = tail.segments.at(-1);
      if (cur === undefined || cur.ended || !sameFile(cur.id, id)) {
        cur = { id, ids: [], from: b.offset - b.data.length, text: '', to: b.offset - b.data.length, ended: false };
        tail.segments.push(cur);
      }
      if (b.offset !== cur.to + b.data.length) tail.error ??= new Error(`batch offset ${b.offset} does not follow ${cur.to} + ${b.data.length}`);
      if (id.headBytes < Math.min(b.offset, HEAD_BYTES)) tail.error ??= new Error(`fingerprint of ${id.headBytes} bytes at offset ${b.offset}`);
      if (id.headBytes < cur.id.headBytes || (id.headBytes === cur.id.headBytes && id.head !== cur.id.head)) {
        tail.error ??= new Error(`fingerprint changed within a segment: ${JSON.stringify(cur.id)} then ${JSON.stringify(id)}`);
      }
      cur.id = id;
      cur.ids.push(id);
      // The buffer is reused by the next pull: copy it out now.
      cur.text += b.data.toString('latin1');
      cur.to = b.offset;
      if (b.endOfSegment) cur.ended = true;
    }
  })().catch((err: unknown) => {
    tail.error ??= err as Error;
  });
  cleanups.add(async () => {
    src.stop();
    await tail.done;
  });
  return tail;
}

async function linesUntil(tail: Tail, n: number, ms = 5000): Promise<string[]> {
  await until(
    () => {
      if (tail.error !== undefined) throw tail.error;
      return tail.lines().length >= n;
    },
    () => `${n} lines, have ${JSON.stringify(tail.lines())}`,
    ms,
  );
  return tail.lines();
}

/**
 * Like linesUntil, but moves the clock past rotate_wait_ms at every look, so
 * a rotated file is let go as soon as it has been read to its end — whenever
 * the source got there. Call it only once the old file has all its lines.
 */
async function linesAfterRotateWait(tail: Tail, n: number, clock: { advance(ms: number): void }): Promise<string[]> {
  await until(
    () => {
      if (tail.error !== undefined) throw tail.error;
      clock.advance(LONG_WAIT_MS);
      return tail.lines().length >= n;
    },
    () => `${n} lines, have ${JSON.stringify(tail.lines())}`,
  );
  return tail.lines();
}

/** Resolves once the source holds the followed file open (start_at is decided then). */
async function opened(src: FileTailSource): Promise<void> {
  await until(
    () => (src as unknown as { current: unknown }).current !== undefined,
    () => 'the source to open the file',
  );
}

/** The same file (device and inode), whatever its content lineage. */
function sameFile(a: SegmentId, b: SegmentId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** What the source should call a file's first `n` bytes: SHA-256, hex, first 32 characters ('' for none). */
function fingerprintOf(file: string, n: number): string {
  if (n === 0) return '';
  const b = fs.readFileSync(file).subarray(0, n);
  expect(b.length).toBe(n);
  return crypto.createHmac('sha256', KEY).update(b).digest('hex').slice(0, 32);
}

/** The id the source should give `file` as it is now. */
function idOf(file: string): SegmentId {
  const st = fs.statSync(file, { bigint: true });
  const headBytes = Math.min(Number(st.size), HEAD_BYTES);
  return fileSegment(st.dev.toString(), st.ino.toString(), fingerprintOf(file, headBytes), headBytes);
}

const L = (tag: string): string => `10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /${tag} HTTP/1.1" 200 1`;
const text = (...tags: string[]): string => tags.map((t) => `${L(t)}\n`).join('');
const bytes = (...tags: string[]): number => Buffer.byteLength(text(...tags));

/** Runs a source with a checkpoint until it has read `lines` lines, commits `offset` in the segment it read, and stops it. */
async function runAndCommit(lines: number, offset: number): Promise<SegmentId> {
  const src = source({ checkpointFile: cpFile });
  await src.start();
  const tail = consume(src);
  await linesUntil(tail, lines);
  // As the pipeline does: the position names the segment the source delivered.
  const id = tail.segments[0]!.id;
  await src.commit([{ segment: id, offset }]);
  src.stop();
  await tail.done;
  return id;
}

describe('FileTailSource start position', () => {
  it('with start_at end reads only lines written after it opened the file', async () => {
    fs.writeFileSync(log, text('old1', 'old2'));
    const src = source({ startAt: 'end' });
    await src.start();
    const tail = consume(src);
    await opened(src);
    fs.appendFileSync(log, text('new1'));
    expect(await linesUntil(tail, 1)).toEqual([L('new1')]);
    expect(tail.segments[0]!.from).toBe(Buffer.byteLength(text('old1', 'old2')));
  });

  it('with start_at beginning reads the file from its first byte', async () => {
    fs.writeFileSync(log, text('old1', 'old2'));
    const src = source({ startAt: 'beginning' });
    await src.start();
    const tail = consume(src);
    expect(await linesUntil(tail, 2)).toEqual([L('old1'), L('old2')]);
    expect(tail.segments[0]).toMatchObject({ id: idOf(log), from: 0, ended: false });
  });

  it('follows a file that does not exist yet from its first byte once it appears', async () => {
    const src = source({ startAt: 'end' });
    await src.start();
    const tail = consume(src);
    await new Promise((r) => setTimeout(r, POLL_MS * 2));
    fs.writeFileSync(log, text('a', 'b'));
    expect(await linesUntil(tail, 2)).toEqual([L('a'), L('b')]);
  });
});

describe('FileTailSource following', () => {
  it('follows appends', async () => {
    fs.writeFileSync(log, '');
    const src = source();
    await src.start();
    const tail = consume(src);
    for (let i = 0; i < 5; i++) {
      fs.appendFileSync(log, text(`l${i}`));
      await linesUntil(tail, i + 1);
    }
    expect(tail.lines()).toEqual([0, 1, 2, 3, 4].map((i) => L(`l${i}`)));
    expect(tail.segments).toHaveLength(1);
    expect(tail.segments[0]!.to).toBe(fs.statSync(log).size);
  });

  it('delivers a partial last line, and its rest in a later batch', async () => {
    fs.writeFileSync(log, `${L('whole')}\n10.0.0.1 - - [22/Nov`);
    const src = source();
    await src.start();
    const tail = consume(src);
    await until(
      () => tail.segments[0]?.text.endsWith('[22/Nov') === true,
      () => 'the partial line',
    );
    expect(tail.lines()).toEqual([L('whole')]);
    fs.appendFileSync(log, '/2026:10:00:00 +0000] "GET /rest HTTP/1.1" 200 1\n');
    expect(await linesUntil(tail, 2)).toEqual([L('whole'), L('rest')]);
  });

  it('reads a file larger than one read in order', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `l${i}`);
    fs.writeFileSync(log, text(...many));
    const src = source();
    await src.start();
    const tail = consume(src);
    expect(await linesUntil(tail, many.length)).toEqual(many.map(L));
  });

  it('wakes on a change notification without waiting for the poll interval', async () => {
    fs.writeFileSync(log, text('a'));
    const src = source({ pollMs: 60_000 });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 1);
    fs.appendFileSync(log, text('b'));
    // With a one-minute poll, only fs.watch can bring the line within the deadline.
    expect(await linesUntil(tail, 2, 3000)).toEqual([L('a'), L('b')]);
  });

  it('ends batches() promptly when stopped, without waiting for the poll interval', async () => {
    fs.writeFileSync(log, text('a'));
    const src = source({ pollMs: 60_000 });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 1);
    src.stop();
    // With a one-minute poll, only stop() waking the reader ends it within the deadline.
    let ended = false;
    void tail.done.then(() => (ended = true));
    await until(
      () => ended,
      () => 'batches() to end',
      2000,
    );
    expect(tail.error).toBeUndefined();
  });

  it('closes the file it opened to resume when stopped before reading from it', async () => {
    fs.writeFileSync(log, text('a'));
    // Descriptors of this process open on the log (libuv's inotify descriptor, which stays, is not counted).
    const openOnLog = (): number => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === log;
      } catch {
        return false;
      }
    }).length;
    const src = source();
    await src.start();
    const batches = src.batches();
    src.stop();
    expect((await batches.next()).done).toBe(true);
    expect(openOnLog()).toBe(0);
  });
});

describe('FileTailSource rotation', () => {
  it('reads every line exactly once across a rename-and-create rotation, including lines the writer adds to the old file before it reopens', async () => {
    const clock = skewableClock();
    const writer = openWriter(log);
    fs.writeSync(writer, text('o1', 'o2', 'o3'));
    const oldId = idOf(log);
    const src = source({ rotateWaitMs: LONG_WAIT_MS });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 3);
    const looks = statsOf(log);

    // logrotate: rename, create. The web server still writes to the old file.
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, text('n1'));
    looks.start();
    fs.writeSync(writer, text('o4'));
    await until(
      () => looks.count() > 0,
      () => 'the source to see the new file',
    );
    // The source has seen the new file; the server has not reopened yet and writes on.
    fs.writeSync(writer, text('o5'));
    expect(await linesUntil(tail, 5)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5'].map(L));
    expect(tail.segments.map((s) => s.ended)).toEqual([false]);
    // Now the server reopens (nginx -s reopen) and writes to the new file.
    fs.closeSync(writer);
    fs.appendFileSync(log, text('n2'));

    expect(await linesAfterRotateWait(tail, 7, clock)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'n1', 'n2'].map(L));
    expect(tail.segments.map((s) => ({ same: sameFile(s.id, oldId), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: 0, ended: true },
      { same: false, from: 0, ended: false },
    ]);
    expect(tail.segments[1]!.id).toEqual(idOf(log));
    expect(tail.error).toBeUndefined();
  });

  it('survives several rotations in a row', async () => {
    fs.writeFileSync(log, text('r0'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 1);
    for (let r = 1; r <= 3; r++) {
      fs.renameSync(log, `${log}.${r}`);
      fs.writeFileSync(log, text(`r${r}`));
      await linesUntil(tail, r + 1);
    }
    expect(tail.lines()).toEqual(['r0', 'r1', 'r2', 'r3'].map(L));
    expect(tail.segments.map((s) => s.ended)).toEqual([true, true, true, false]);
  });

  it('reads a file truncated in place (copytruncate) again from its start, as a new segment with a new fingerprint', async () => {
    fs.writeFileSync(log, text('a1', 'a2', 'a3'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 3);
    const before = idOf(log);
    expect(tail.segments[0]!.id).toEqual(before);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, text('b1'));
    await linesUntil(tail, 4);
    fs.appendFileSync(log, text('b2'));
    expect(await linesUntil(tail, 5)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2'].map(L));
    expect(tail.segments.map((s) => ({ same: sameFile(s.id, before), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: 0, ended: true },
      { same: true, from: 0, ended: false },
    ]);
    // Same file, new content lineage: a checkpoint in it cannot be taken for one in the old content.
    const after = tail.segments[1]!.id;
    expect(after.head).not.toBe(before.head);
    expect(after).toEqual(idOf(log));
    expect(tail.error).toBeUndefined();
  });

  it('notices a live copytruncate even when the file has already grown past the position again, by its changed first bytes', async () => {
    fs.writeFileSync(log, text('a1', 'a2'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 2);
    // Truncate and write more than was there, all before the source looks again:
    // the size alone cannot tell, the fingerprint of the first bytes can.
    const grown = text('b1-longer-than-before', 'b2-longer-than-before', 'b3-longer-than-before');
    fs.writeFileSync(log, grown);
    expect(fs.statSync(log).size).toBeGreaterThan(text('a1', 'a2').length);
    expect(await linesUntil(tail, 5)).toEqual(['a1', 'a2', 'b1-longer-than-before', 'b2-longer-than-before', 'b3-longer-than-before'].map(L));
    expect(tail.error).toBeUndefined();
  });

  it('does not close a descriptor it no longer owns when the new file vanishes before it is opened', async () => {
    fs.writeFileSync(log, text('a'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 1);
    // The new file is there when the source looks, and gone when it opens it.
    const openSync = fs.openSync;
    let refuse = true;
    let refused = 0;
    const spy = vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      if (refuse && p === log) {
        refused++;
        throw Object.assign(new Error(`ENOENT: ${String(p)}`), { code: 'ENOENT' });
      }
      return openSync(p, flags ?? 'r', mode);
    }) as typeof fs.openSync);
    cleanups.add(() => {
      refuse = false;
      spy.mockRestore();
    });
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, '');
    await until(
      () => refused > 0 && tail.segments[0]!.ended,
      () => 'the source to let the old file go',
    );
    // Descriptors are reused lowest-first: this one may get the number the source closed.
    const mine = openSync(path.join(dir, 'mine'), 'w');
    cleanups.add(() => fs.closeSync(mine));
    expect(src.lagBytes()).toBe(0);
    src.stop();
    await tail.done;
    expect(() => fs.fstatSync(mine)).not.toThrow();
  });
});

describe('FileTailSource segment ids', () => {
  it('names a file by device and inode as decimal strings (from bigint stats) and a fingerprint of its first bytes', async () => {
    fs.writeFileSync(log, text('a', 'b'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 2);
    const st = fs.statSync(log, { bigint: true });
    const id = tail.segments[0]!.id;
    expect(id).toEqual({ key: `${st.dev}:${st.ino}`, dev: st.dev.toString(), ino: st.ino.toString(), head: fingerprintOf(log, bytes('a', 'b')), headBytes: bytes('a', 'b') });
    expect(id.dev).toMatch(/^\d+$/);
    expect(id.ino).toMatch(/^\d+$/);
    expect(id.head).toMatch(/^[0-9a-f]{32}$/);
  });

  it('grows the fingerprint with a small file, up to its first 1 KiB, and then keeps it', async () => {
    fs.writeFileSync(log, text('g0'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 1);
    const tags = ['g0'];
    for (let i = 1; bytes(...tags) < 3 * HEAD_BYTES; i++) {
      tags.push(`g${i}`);
      fs.appendFileSync(log, text(`g${i}`));
      await linesUntil(tail, tags.length);
    }
    expect(tail.lines()).toEqual(tags.map(L));
    expect(tail.segments).toHaveLength(1);
    const ids = tail.segments[0]!.ids;
    // Each fingerprint is of the bytes it says (the file's start does not change as it grows).
    for (const id of ids) expect(id.head).toBe(fingerprintOf(log, id.headBytes));
    expect(ids[0]!.headBytes).toBe(bytes('g0'));
    expect(new Set(ids.map((id) => id.headBytes)).size).toBeGreaterThan(2);
    expect(ids.at(-1)).toEqual(idOf(log));
    expect(ids.at(-1)!.headBytes).toBe(HEAD_BYTES);
    expect(tail.error).toBeUndefined();
  });

  it('gives an empty file an empty fingerprint until it has bytes', async () => {
    fs.writeFileSync(log, '');
    const src = source({ checkpointFile: cpFile });
    await src.start();
    const tail = consume(src);
    await opened(src);
    const empty = (src as unknown as { current: { id: SegmentId } }).current.id;
    expect(empty).toMatchObject({ head: '', headBytes: 0 });
    fs.appendFileSync(log, text('first'));
    await linesUntil(tail, 1);
    expect(tail.segments[0]!.id).toEqual(idOf(log));
  });
});

describe('FileTailSource checkpoints', () => {
  it('writes the committed position to the checkpoint file atomically, mode 0600, without file content', async () => {
    fs.writeFileSync(log, text('a', 'b'));
    const src = source({ checkpointFile: cpFile });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 2);
    const id = tail.segments[0]!.id;
    expect(id).toEqual(idOf(log));
    const offset = bytes('a');
    await src.commit([{ segment: id, offset }]);
    const raw = fs.readFileSync(cpFile, 'utf8');
    const size = fs.statSync(log).size;
    // read: how far the file had been read (what a restart reads again is read − offset); size: bytes known to exist; at: when.
    expect(JSON.parse(raw)).toEqual({ path: log, dev: id.dev, ino: id.ino, head: id.head, head_bytes: id.headBytes, offset, read: size, size, at: expect.any(Number) });
    expect(raw).not.toContain('GET');
    expect(fs.statSync(cpFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(cpFile))).toEqual(['nginx.json']);
    // lagBytes counts what is not committed yet.
    expect(src.lagBytes()).toBe(fs.statSync(log).size - offset);
  });

  it('resumes exactly at the checkpointed offset after a restart, whatever start_at says', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3', 'l4'));
    const offset = bytes('l1', 'l2');
    await runAndCommit(4, offset);

    fs.appendFileSync(log, text('l5'));
    const second = source({ checkpointFile: cpFile, startAt: 'end' });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 3)).toEqual(['l3', 'l4', 'l5'].map(L));
    expect(t2.segments[0]!.from).toBe(offset);
    fs.appendFileSync(log, text('l6'));
    expect(await linesUntil(t2, 4)).toEqual(['l3', 'l4', 'l5', 'l6'].map(L));
  });

  it('resumes a small file that grew past 1 KiB while gallra was down, recognising it by the bytes the checkpoint fingerprinted', async () => {
    fs.writeFileSync(log, text('s1', 's2'));
    const id = await runAndCommit(2, bytes('s1'));
    expect(id.headBytes).toBe(bytes('s1', 's2'));
    const more = Array.from({ length: 40 }, (_, i) => `m${i}`);
    fs.appendFileSync(log, text(...more));
    expect(fs.statSync(log).size).toBeGreaterThan(HEAD_BYTES);

    const second = source({ checkpointFile: cpFile, startAt: 'end' });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 41)).toEqual(['s2', ...more].map(L));
    expect(t2.segments[0]!.from).toBe(bytes('s1'));
    expect(t2.segments[0]!.id).toEqual(idOf(log));
    expect(t2.segments[0]!.id.headBytes).toBe(HEAD_BYTES);
  });

  it('finishes the checkpointed file after it was rotated away while gallra was down, then reads the new file from its start', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3'));
    const oldId = await runAndCommit(3, bytes('l1'));

    // While gallra is down: more lines, rotation, lines in the new file.
    fs.appendFileSync(log, text('l4'));
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, text('n1'));
    fs.writeFileSync(path.join(dir, 'access.log.2.gz'), 'not the file');

    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 4)).toEqual(['l2', 'l3', 'l4', 'n1'].map(L));
    expect(t2.segments.map((s) => ({ same: sameFile(s.id, oldId), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: bytes('l1'), ended: true },
      { same: false, from: 0, ended: false },
    ]);
    expect(warnings).toEqual([]);
  });

  it('after a restart, drains a file rotated away while gallra was down like a live rotation: lines the writer adds before it reopens are read', async () => {
    const clock = skewableClock();
    const writer = openWriter(log);
    fs.writeSync(writer, text('l1', 'l2', 'l3'));
    const oldId = await runAndCommit(3, bytes('l1'));

    // While gallra is down: a line, then logrotate renames and creates. The server has not reopened.
    fs.writeSync(writer, text('l4'));
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, '');

    const second = source({ checkpointFile: cpFile, startAt: 'end', rotateWaitMs: LONG_WAIT_MS });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 3)).toEqual(['l2', 'l3', 'l4'].map(L));
    // The source is at the end of the old file and has looked at the path: it knows of the new file.
    const looks = statsOf(log);
    looks.start();
    await until(
      () => looks.count() > 0,
      () => 'the source to look at the path',
    );
    // The server still writes to the old file...
    fs.writeSync(writer, text('l5'));
    expect(await linesUntil(t2, 4)).toEqual(['l2', 'l3', 'l4', 'l5'].map(L));
    // ...then reopens and writes to the new one. The source sees it, and holds on to the old file for rotate_wait.
    fs.closeSync(writer);
    fs.appendFileSync(log, text('n1'));
    looks.start();
    await until(
      () => looks.count() > 0,
      () => 'the source to see the new file',
    );
    expect(t2.segments.map((s) => s.ended)).toEqual([false]);

    expect(await linesAfterRotateWait(t2, 5, clock)).toEqual(['l2', 'l3', 'l4', 'l5', 'n1'].map(L));
    expect(t2.segments.map((s) => ({ same: sameFile(s.id, oldId), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: bytes('l1'), ended: true },
      { same: false, from: 0, ended: false },
    ]);
    expect(t2.segments[0]!.to).toBe(bytes('l1', 'l2', 'l3', 'l4', 'l5'));
    expect(t2.error).toBeUndefined();
  });

  it('ends the drain of a rotated file when stopped, without ending its segment, and resumes it after the next restart', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3'));
    await runAndCommit(3, bytes('l1'));
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, text('n1'));

    // A one-minute poll and rotate wait: only stop() can end the drain within the deadline.
    const second = source({ checkpointFile: cpFile, startAt: 'end', pollMs: 60_000, rotateWaitMs: LONG_WAIT_MS });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 2)).toEqual(['l2', 'l3'].map(L));
    second.stop();
    let ended = false;
    void t2.done.then(() => (ended = true));
    await until(
      () => ended,
      () => 'batches() to end',
      2000,
    );
    expect(t2.error).toBeUndefined();
    // The old file was not finished: no endOfSegment, nothing of the new file.
    expect(t2.segments.map((s) => s.ended)).toEqual([false]);
    await second.commit([{ segment: t2.segments[0]!.id, offset: bytes('l1', 'l2') }]);

    const third = source({ checkpointFile: cpFile, startAt: 'end' });
    await third.start();
    const t3 = consume(third);
    expect(await linesUntil(t3, 2)).toEqual(['l3', 'n1'].map(L));
    expect(t3.segments.map((s) => ({ from: s.from, ended: s.ended }))).toEqual([
      { from: bytes('l1', 'l2'), ended: true },
      { from: 0, ended: false },
    ]);
  });

  it('finishes a rotated file while the path is missing (renamed, not yet created), then follows the new file once it appears', async () => {
    fs.writeFileSync(log, text('l1', 'l2'));
    await runAndCommit(2, bytes('l1'));
    fs.renameSync(log, `${log}.1`);

    const second = source({ checkpointFile: cpFile, startAt: 'end' });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 1)).toEqual([L('l2')]);
    fs.writeFileSync(log, text('n1'));
    expect(await linesUntil(t2, 2)).toEqual(['l2', 'n1'].map(L));
    expect(t2.segments.map((s) => s.ended)).toEqual([true, false]);
  });

  it('reads the file from its start, with a warning, when it has the checkpointed device and inode but other first bytes (a recycled inode)', async () => {
    fs.writeFileSync(log, text('a1', 'a2', 'a3', 'a4'));
    const oldId = await runAndCommit(4, bytes('a1', 'a2'));

    // logrotate deleted the file; a new one, with other content, got its inode number.
    fs.rmSync(log);
    fs.writeFileSync(log, text('b1', 'b2', 'b3', 'b4', 'b5', 'b6'));
    const now = idOf(log);
    // Whether or not this file system hands the number out again, make the
    // checkpoint name this file's device and inode with the old content's
    // fingerprint: exactly what a recycled inode looks like.
    await writeCheckpoint(cpFile, { path: log, segment: { ...oldId, dev: now.dev, ino: now.ino }, offset: bytes('a1', 'a2') });

    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    // Not b3… from the stale offset: every line, from the first byte.
    expect(await linesUntil(t2, 6)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map(L));
    expect(t2.segments[0]!.from).toBe(0);
    expect(t2.segments[0]!.id).toEqual(now);
    expect(t2.segments[0]!.id.head).not.toBe(oldId.head);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(log);
    expect(warnings[0]).not.toContain('GET');
  });

  it('does not resume in a rotated sibling that has the checkpointed inode but other first bytes', async () => {
    fs.writeFileSync(log, text('a1', 'a2', 'a3'));
    const oldId = await runAndCommit(3, bytes('a1'));
    fs.rmSync(log);
    // The recycled inode now belongs to a file that was rotated to access.log.1.
    fs.writeFileSync(log, text('x1', 'x2', 'x3'));
    const recycled = idOf(log);
    fs.renameSync(log, `${log}.1`);
    // Written an hour before the checkpoint: nothing in it came after the checkpoint.
    const before = new Date(Date.now() - 3600_000);
    fs.utimesSync(`${log}.1`, before, before);
    fs.writeFileSync(log, text('n1'));
    await writeCheckpoint(cpFile, { path: log, segment: { ...oldId, dev: recycled.dev, ino: recycled.ino }, offset: bytes('a1') });

    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 1)).toEqual([L('n1')]);
    expect(t2.segments).toHaveLength(1);
    expect(t2.segments[0]!.id).toEqual(idOf(log));
    expect(warnings).toHaveLength(1);
  });

  it('finishes the copy logrotate made (copytruncate) from the checkpointed offset, then reads the truncated file from its start, when that happened while gallra was down', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3'));
    const oldId = await runAndCommit(3, bytes('l1', 'l2'));

    // While gallra is down: logrotate copies and truncates; the server writes more than before.
    fs.copyFileSync(log, `${log}.1`);
    fs.truncateSync(log, 0);
    const fresh = ['m1', 'm2', 'm3', 'm4', 'm5'];
    fs.appendFileSync(log, text(...fresh));
    expect(fs.statSync(log).size).toBeGreaterThan(bytes('l1', 'l2'));

    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    // l3 from the copy (found by the fingerprint of its first bytes), then the whole new content — not m3… from the stale offset.
    expect(await linesUntil(t2, 6)).toEqual(['l3', ...fresh].map(L));
    expect(t2.segments.map((s) => ({ from: s.from, ended: s.ended }))).toEqual([
      { from: bytes('l1', 'l2'), ended: true },
      { from: 0, ended: false },
    ]);
    expect(t2.segments[0]!.id).toEqual(idOf(`${log}.1`));
    const id = t2.segments[1]!.id;
    expect(sameFile(id, oldId)).toBe(true);
    expect(id.head).not.toBe(oldId.head);
    expect(id).toEqual(idOf(log));
    expect(warnings).toEqual([]);
  });

  it('reads the file from its start, with a warning, after it was truncated in place and grew past the offset while gallra was down, when no copy is left', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3'));
    const oldId = await runAndCommit(3, bytes('l1', 'l2'));
    fs.truncateSync(log, 0);
    const fresh = ['m1', 'm2', 'm3', 'm4', 'm5'];
    fs.appendFileSync(log, text(...fresh));

    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 5)).toEqual(fresh.map(L));
    expect(t2.segments[0]!.from).toBe(0);
    expect(sameFile(t2.segments[0]!.id, oldId)).toBe(true);
    expect(warnings).toHaveLength(1);
    // The bytes known lost: l3, read but not acknowledged when the checkpoint was written.
    expect(warnings[0]).toContain(`${bytes('l3')} bytes known`);
  });

  it('reads the file from its start when a damaged checkpoint claims a fingerprint longer than the source takes', async () => {
    fs.writeFileSync(log, text('l1', 'l2'));
    const id = await runAndCommit(2, bytes('l1'));
    await writeCheckpoint(cpFile, { path: log, segment: { ...id, headBytes: Number.MAX_SAFE_INTEGER }, offset: bytes('l1') });
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: () => undefined });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 2)).toEqual(['l1', 'l2'].map(L));
    expect(t2.error).toBeUndefined();
  });

  it('starts the live file from its beginning, with a warning, when the checkpointed file is gone', async () => {
    fs.writeFileSync(log, text('l1'));
    await runAndCommit(1, bytes('l1'));

    // Keep the old inode alive (so it is not reused) but away from the log's name.
    fs.renameSync(log, path.join(dir, 'elsewhere'));
    fs.writeFileSync(log, text('n1'));
    const warnings: string[] = [];
    const second = source({ checkpointFile: cpFile, startAt: 'end', warn: (m) => warnings.push(m) });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 1)).toEqual([L('n1')]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('GET');
  });

  it('rejects start() with GALLRA_CHECKPOINT_IO naming a corrupt checkpoint file', async () => {
    fs.mkdirSync(path.dirname(cpFile), { recursive: true });
    fs.writeFileSync(cpFile, '{"path": "x", "dev": "1", "ino": ');
    fs.writeFileSync(log, text('a'));
    const src = source({ checkpointFile: cpFile });
    const err = await src.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_CHECKPOINT_IO' });
    expect((err as Error).message).toContain(cpFile);
  });

  it('keeps the checkpoint readable by readCheckpoint', async () => {
    fs.writeFileSync(log, text('a'));
    const src = source({ checkpointFile: cpFile });
    await src.start();
    const id = idOf(log);
    await src.commit([{ segment: id, offset: 3 }]);
    expect(readCheckpoint(cpFile)).toEqual({ path: log, segment: id, offset: 3, read: 3, size: 3, at: expect.any(Number) });
  });
});
