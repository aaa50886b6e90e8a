import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { readCheckpoint } from '../../src/sources/checkpoint.js';
import { FileTailSource, type FileTailOptions } from '../../src/sources/file.js';
import { type SegmentId, type SourcePosition } from '../../src/sources/source.js';

const POLL_MS = 20;
const ROTATE_WAIT_MS = 50;

let dir: string;
let log: string;
let cpFile: string;
/** Everything a test opened, closed after it whatever happened. */
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-tail-'));
  log = path.join(dir, 'access.log');
  cpFile = path.join(dir, 'state', 'checkpoints', 'nginx.json');
});

afterEach(async () => {
  // Run every cleanup even when one fails, so one test cannot break the next.
  const errors: unknown[] = [];
  while (cleanups.length > 0) await Promise.resolve().then(cleanups.pop()!).catch((e: unknown) => errors.push(e));
  fs.rmSync(dir, { recursive: true, force: true });
  if (errors.length > 0) throw errors[0];
});

/** Polls `cond` until it holds; fails (saying what was awaited) after `ms`. */
async function until(cond: () => boolean, what: () => string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function source(over: Partial<FileTailOptions> = {}): FileTailSource {
  const src = new FileTailSource({ name: 'nginx', path: log, startAt: 'beginning', checkpointFile: undefined, pollMs: POLL_MS, rotateWaitMs: ROTATE_WAIT_MS, ...over });
  cleanups.push(() => src.stop());
  return src;
}

/** The bytes of one segment as the source delivered them. */
interface Segment {
  readonly id: SegmentId;
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
 * Pulls batches in the background and concatenates `data` per segment,
 * checking that offsets run on without gaps and that nothing follows an
 * endOfSegment in the same segment run.
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
      let cur = tail.segments.at(-1);
      if (cur === undefined || cur.ended || !sameId(cur.id, b.segment!)) {
        cur = { id: b.segment!, from: b.offset - b.data.length, text: '', to: b.offset - b.data.length, ended: false };
        tail.segments.push(cur);
      }
      if (b.offset !== cur.to + b.data.length) tail.error ??= new Error(`batch offset ${b.offset} does not follow ${cur.to} + ${b.data.length}`);
      // The buffer is reused by the next pull: copy it out now.
      cur.text += b.data.toString('latin1');
      cur.to = b.offset;
      if (b.endOfSegment) cur.ended = true;
    }
  })().catch((err: unknown) => {
    tail.error ??= err as Error;
  });
  cleanups.push(async () => {
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

/** Resolves once the source holds the followed file open (start_at is decided then). */
async function opened(src: FileTailSource): Promise<void> {
  await until(
    () => (src as unknown as { current: unknown }).current !== undefined,
    () => 'the source to open the file',
  );
}

function sameId(a: SegmentId, b: SegmentId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function idOf(file: string): SegmentId {
  const st = fs.statSync(file);
  return { dev: st.dev, ino: st.ino };
}

const L = (tag: string): string => `10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /${tag} HTTP/1.1" 200 1`;
const text = (...tags: string[]): string => tags.map((t) => `${L(t)}\n`).join('');

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
});

describe('FileTailSource rotation', () => {
  it('reads every line exactly once across a rename-and-create rotation, including lines the writer adds to the old file before it reopens', async () => {
    const writer = fs.openSync(log, 'a');
    cleanups.push(() => {
      try {
        fs.closeSync(writer);
      } catch {
        // already closed by the test
      }
    });
    fs.writeSync(writer, text('o1', 'o2', 'o3'));
    const oldId = idOf(log);
    const src = source({ rotateWaitMs: 300 });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 3);

    // Notice when the source has looked at the path and seen the new file.
    let statsAfterRotate = 0;
    let rotated = false;
    const statSync = fs.statSync;
    const spy = vi.spyOn(fs, 'statSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      if (rotated && p === log) statsAfterRotate++;
      return statSync(p, o);
    }) as typeof fs.statSync);
    cleanups.push(() => spy.mockRestore());

    // logrotate: rename, create. The web server still writes to the old file.
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, text('n1'));
    rotated = true;
    fs.writeSync(writer, text('o4'));
    await until(
      () => statsAfterRotate > 0,
      () => 'the source to see the new file',
    );
    // The source has seen the new file; the server has not reopened yet and writes on.
    fs.writeSync(writer, text('o5'));
    // Now the server reopens (nginx -s reopen) and writes to the new file.
    fs.closeSync(writer);
    fs.appendFileSync(log, text('n2'));

    expect(await linesUntil(tail, 7)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'n1', 'n2'].map(L));
    expect(tail.segments.map((s) => ({ same: sameId(s.id, oldId), from: s.from, ended: s.ended }))).toEqual([
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

  it('reads a file truncated in place (copytruncate) again from its start', async () => {
    fs.writeFileSync(log, text('a1', 'a2', 'a3'));
    const src = source();
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 3);
    const id = idOf(log);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, text('b1'));
    await linesUntil(tail, 4);
    fs.appendFileSync(log, text('b2'));
    expect(await linesUntil(tail, 5)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2'].map(L));
    expect(tail.segments.map((s) => ({ same: sameId(s.id, id), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: 0, ended: true },
      { same: true, from: 0, ended: false },
    ]);
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
    cleanups.push(() => {
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
    cleanups.push(() => fs.closeSync(mine));
    expect(src.lagBytes()).toBe(0);
    src.stop();
    await tail.done;
    expect(() => fs.fstatSync(mine)).not.toThrow();
  });
});

describe('FileTailSource checkpoints', () => {
  it('writes the committed position to the checkpoint file atomically, mode 0600, without file content', async () => {
    fs.writeFileSync(log, text('a', 'b'));
    const src = source({ checkpointFile: cpFile });
    await src.start();
    const tail = consume(src);
    await linesUntil(tail, 2);
    const id = idOf(log);
    const offset = Buffer.byteLength(text('a'));
    await src.commit({ segment: id, offset });
    const raw = fs.readFileSync(cpFile, 'utf8');
    expect(JSON.parse(raw)).toEqual({ path: log, dev: id.dev, ino: id.ino, offset });
    expect(raw).not.toContain('GET');
    expect(fs.statSync(cpFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(cpFile))).toEqual(['nginx.json']);
    // lagBytes counts what is not committed yet.
    expect(src.lagBytes()).toBe(fs.statSync(log).size - offset);
  });

  it('resumes exactly at the checkpointed offset after a restart, whatever start_at says', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3', 'l4'));
    const first = source({ checkpointFile: cpFile });
    await first.start();
    const t1 = consume(first);
    await linesUntil(t1, 4);
    const pos: SourcePosition = { segment: idOf(log), offset: Buffer.byteLength(text('l1', 'l2')) };
    await first.commit(pos);
    first.stop();
    await t1.done;

    fs.appendFileSync(log, text('l5'));
    const second = source({ checkpointFile: cpFile, startAt: 'end' });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 3)).toEqual(['l3', 'l4', 'l5'].map(L));
    expect(t2.segments[0]!.from).toBe(pos.offset);
    fs.appendFileSync(log, text('l6'));
    expect(await linesUntil(t2, 4)).toEqual(['l3', 'l4', 'l5', 'l6'].map(L));
  });

  it('finishes the checkpointed file after it was rotated away while gallra was down, then reads the new file from its start', async () => {
    fs.writeFileSync(log, text('l1', 'l2', 'l3'));
    const oldId = idOf(log);
    const first = source({ checkpointFile: cpFile });
    await first.start();
    const t1 = consume(first);
    await linesUntil(t1, 3);
    await first.commit({ segment: oldId, offset: Buffer.byteLength(text('l1')) });
    first.stop();
    await t1.done;

    // While gallra is down: more lines, rotation, lines in the new file.
    fs.appendFileSync(log, text('l4'));
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, text('n1'));
    fs.writeFileSync(path.join(dir, 'access.log.2.gz'), 'not the file');

    const second = source({ checkpointFile: cpFile, startAt: 'end' });
    await second.start();
    const t2 = consume(second);
    expect(await linesUntil(t2, 4)).toEqual(['l2', 'l3', 'l4', 'n1'].map(L));
    expect(t2.segments.map((s) => ({ same: sameId(s.id, oldId), from: s.from, ended: s.ended }))).toEqual([
      { same: true, from: Buffer.byteLength(text('l1')), ended: true },
      { same: false, from: 0, ended: false },
    ]);
  });

  it('starts the live file from its beginning, with a warning, when the checkpointed file is gone', async () => {
    fs.writeFileSync(log, text('l1'));
    const first = source({ checkpointFile: cpFile });
    await first.start();
    const t1 = consume(first);
    await linesUntil(t1, 1);
    await first.commit({ segment: idOf(log), offset: Buffer.byteLength(text('l1')) });
    first.stop();
    await t1.done;

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
    fs.writeFileSync(cpFile, '{"path": "x", "dev": 1, "ino": ');
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
    await src.commit({ segment: id, offset: 3 });
    expect(readCheckpoint(cpFile)).toEqual({ path: log, segment: id, offset: 3 });
  });
});
