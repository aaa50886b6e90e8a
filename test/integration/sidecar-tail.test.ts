/**
 * `gallra run` tailing a log file, end to end through the built CLI:
 * copytruncate rotation, a crash (SIGKILL) mid-stream and a restart, a
 * SIGTERM drain, a final line still being written at shutdown, and SIGHUP
 * reopening the output after logrotate moved it. Lines are numbered
 * (`GET /n/000123`, a path gallra does not redact) so the union of the daily
 * files can be checked line by line: none missing, none repeated beyond what
 * the checkpoint allows.
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { duplicateIds, type Gallra, idCounts, killAll, missingIds, numberedLine, numberedLines, readOutput, sleep, startedGallra, startGallra, until } from '../helpers/run.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

interface Setup {
  readonly dir: string;
  readonly log: string;
  readonly out: string;
  readonly cfg: string;
  readonly stateDir: string;
  readonly checkpoint: string;
}

function setup(name: string, startAt: 'beginning' | 'end' = 'beginning', sinkExtra = ''): Setup {
  const dir = tmp.make(name);
  const cfg = join(dir, 'gallra.yaml');
  writeFileSync(
    cfg,
    `input:
  format: combined
sources:
  - type: file
    name: app
    path: access.log
    start_at: ${startAt}
    poll_ms: 20
    rotate_wait_ms: 200
sinks:
  - type: file
    dir: out
    prefix: access
${sinkExtra}run:
  commit_ms: 50
`,
  );
  const stateDir = join(dir, 'state');
  return { dir, log: join(dir, 'access.log'), out: join(dir, 'out'), cfg, stateDir, checkpoint: join(stateDir, 'checkpoints', 'app.json') };
}

/** The checkpointed offset, or -1 before the first checkpoint. */
function checkpointOffset(s: Setup): number {
  if (!existsSync(s.checkpoint)) return -1;
  return (JSON.parse(readFileSync(s.checkpoint, 'utf8')) as { offset: number }).offset;
}

/** Output ids so far. */
const outputCount = (s: Setup): number => idCounts(readOutput(s.out)).size;

/**
 * Appends numbered lines `from`..`to-1` in chunks, a chunk every few ms, as a
 * busy web server would; records when each chunk was written.
 */
class Writer {
  next = 0;
  readonly written: { at: number; upTo: number }[] = [];
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    file: string,
    from: number,
    readonly to: number,
    stamp: number,
    chunk = 20,
    everyMs = 5,
  ) {
    this.next = from;
    this.done = (async () => {
      while (this.next < to && !this.stopped) {
        const end = Math.min(to, this.next + chunk);
        appendFileSync(file, numberedLines(this.next, end, stamp));
        this.next = end;
        this.written.push({ at: Date.now(), upTo: end });
        await sleep(everyMs);
      }
    })();
  }

  /** Lines written in the `ms` before `t`. */
  writtenBetween(t: number, ms: number): number {
    const before = this.written.filter((w) => w.at <= t - ms).at(-1)?.upTo ?? 0;
    const upTo = this.written.filter((w) => w.at <= t).at(-1)?.upTo ?? 0;
    return upTo - before;
  }

  stop(): void {
    this.stopped = true;
  }
}

const writers: Writer[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) {
    w.stop();
    await w.done;
  }
});

describe('gallra run tailing a file', () => {
  const stamp = Date.now() - 3 * 60_000;
  /** Every line is this long (same stamp, six-digit ids), newline included. */
  const LINE = numberedLine(0, stamp).length + 1;

  it('reads a file truncated in place (copytruncate) again from its start, losing and repeating nothing', async () => {
    const s = setup('copytruncate');
    writeFileSync(s.log, numberedLines(0, 300, stamp));
    const g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= 300, () => `300 lines out, have ${outputCount(s)}`);

    // logrotate copytruncate: copy, then truncate in place; the writer keeps its descriptor (O_APPEND).
    copyFileSync(s.log, `${s.log}.1`);
    truncateSync(s.log, 0);
    appendFileSync(s.log, numberedLines(300, 400, stamp)); // shorter than the position gallra had reached
    await until(() => outputCount(s) >= 400, () => `400 lines out, have ${outputCount(s)}`);
    appendFileSync(s.log, numberedLines(400, 700, stamp)); // and past it again
    await until(() => outputCount(s) >= 700, () => `700 lines out, have ${outputCount(s)}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, 700)).toEqual([]);
    expect(duplicateIds(counts)).toEqual([]);
    expect(counts.size).toBe(700);
    expect(checkpointOffset(s)).toBe(statSync(s.log).size);
  }, 30_000);

  it('after a SIGKILL mid-stream and a restart, misses no line and repeats only lines after the last checkpoint', async () => {
    // The smallest sink buffer: lines reach the files between commits too, so the crash leaves some past the checkpoint.
    const s = setup('crash', 'beginning', '    buffer_bytes: 4096\n');
    const N = 12_000;
    writeFileSync(s.log, '');
    let g: Gallra = await startedGallra(s.cfg, { stateDir: s.stateDir });
    const w = new Writer(s.log, 0, N, stamp);
    writers.push(w);
    await until(() => outputCount(s) >= 3000, () => `3000 lines out before the crash, have ${outputCount(s)}`);

    g.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await g.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const writtenAtKill = w.next;
    const lastSecond = w.writtenBetween(killedAt, 1000);
    // What the crash left: the checkpoint (a line boundary) and what reached the daily files.
    const offset = checkpointOffset(s);
    expect(offset % LINE).toBe(0);
    const acknowledged = offset / LINE;
    const before = idCounts(readOutput(s.out));
    expect(missingIds(before, acknowledged), 'an acknowledged line is missing after the crash').toEqual([]);
    const beyond = [...before.keys()].filter((id) => id >= acknowledged);

    await sleep(100); // the writer goes on while gallra is down
    g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await w.done;
    await until(() => outputCount(s) >= N, () => `all ${N} lines out after the restart, have ${outputCount(s)}`, 20_000);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, N)).toEqual([]);
    expect(counts.size).toBe(N);
    const dups = duplicateIds(counts);
    // Only lines past the checkpoint that had reached the files before the kill come again, and each once more at most.
    expect(dups.filter(([id, c]) => id < acknowledged || c > 2 || !before.has(id))).toEqual([]);
    // A torn last line (written, cut on reopen) is the only one past the checkpoint that may not repeat.
    expect(dups.length).toBeGreaterThanOrEqual(beyond.length - 1);
    // The unacknowledged tail is small: no more than the writer wrote in the last second before the kill.
    expect(dups.length).toBeLessThanOrEqual(lastSecond);
    process.stderr.write(
      `[sidecar-tail.test] SIGKILL: ${writtenAtKill} lines written, ${before.size} in the files, checkpoint at line ${acknowledged}; ` +
        `after restart ${dups.length} duplicated (lines written in the last second before the kill: ${lastSecond})\n`,
    );
  }, 60_000);

  it('on SIGTERM mid-stream writes and checkpoints exactly what it read, exits 0, and a restart goes on with no line missing or repeated', async () => {
    const s = setup('sigterm');
    const N = 8000;
    writeFileSync(s.log, '');
    let g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    const w = new Writer(s.log, 0, N, stamp);
    writers.push(w);
    await until(() => outputCount(s) >= 2000, () => `2000 lines out, have ${outputCount(s)}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(g.stderr()).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);

    // Drained: the files hold exactly the lines before the checkpoint, each once.
    const offset = checkpointOffset(s);
    expect(offset % LINE).toBe(0);
    const atStop = idCounts(readOutput(s.out));
    expect(atStop.size).toBe(offset / LINE);
    expect(missingIds(atStop, offset / LINE)).toEqual([]);
    expect(duplicateIds(atStop)).toEqual([]);

    g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await w.done;
    await until(() => outputCount(s) >= N, () => `all ${N} lines out, have ${outputCount(s)}`, 20_000);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, N)).toEqual([]);
    expect(duplicateIds(counts)).toEqual([]);
  }, 60_000);

  it('leaves a last line still being written at shutdown for the restart, which writes it once, whole', async () => {
    const s = setup('partial');
    writeFileSync(s.log, `${numberedLine(0, stamp)}\n${numberedLine(1, stamp)}`); // no newline yet after line 1
    let g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= 1, 'line 0 out');
    await until(() => checkpointOffset(s) === LINE, 'the checkpoint after line 0');
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(checkpointOffset(s)).toBe(LINE);
    expect([...idCounts(readOutput(s.out)).keys()]).toEqual([0]);

    appendFileSync(s.log, `\n${numberedLine(2, stamp)}\n`);
    g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= 3, () => `3 lines out, have ${outputCount(s)}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const out = readOutput(s.out);
    expect([...idCounts(out)]).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(out.split('\n').filter(Boolean)).toHaveLength(3);
  }, 30_000);

  it('with start_at: end, skips the lines already in the file and reads every line after them', async () => {
    const s = setup('start-end', 'end');
    writeFileSync(s.log, numberedLines(0, 10, stamp));
    const g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    // The source takes its start position when it first reads, a moment after
    // "started": append a line at a time until one comes out.
    let next = 10;
    await until(() => {
      if (outputCount(s) > 0) return true;
      appendFileSync(s.log, numberedLine(next++, stamp) + '\n');
      return false;
    }, 'a line appended after the start to come out');
    appendFileSync(s.log, numberedLines(next, next + 10, stamp));
    next += 10;
    await until(() => idCounts(readOutput(s.out)).has(next - 1), `line ${next - 1} out`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const ids = [...idCounts(readOutput(s.out)).keys()].sort((a, b) => a - b);
    expect(ids[0]).toBeGreaterThanOrEqual(10);
    // From the first line read on, none is missing.
    expect(ids).toEqual([...Array(next - ids[0]!).keys()].map((k) => k + ids[0]!));
  }, 30_000);

  it('on SIGHUP reopens its output files: after logrotate renamed a day file, new lines go to a new file of that name', async () => {
    const s = setup('sighup');
    writeFileSync(s.log, numberedLines(0, 50, stamp));
    const g = startGallra(s.cfg, { stateDir: s.stateDir });
    // Once it says it started it takes SIGHUP (logrotate may run at any time),
    // however early: sent the moment the line arrives.
    let hupped = false;
    g.child.stderr.on('data', () => {
      if (!hupped && g.stderr().includes('"msg":"gallra run started"')) {
        hupped = true;
        g.child.kill('SIGHUP');
      }
    });
    await g.waitForLog(/"msg":"gallra run started"/);
    const dayFile = join(s.out, `access-${new Date(stamp).toISOString().slice(0, 10)}.log`);
    const idsIn = (f: string): number[] => [...idCounts(readFileSync(f, 'utf8')).keys()].sort((a, b) => a - b);
    await until(() => outputCount(s) >= 50, () => `50 lines out, have ${outputCount(s)}`);

    renameSync(dayFile, `${dayFile}.1`);
    g.child.kill('SIGHUP');
    await g.waitForLog(/"msg":"output files reopened"/);
    appendFileSync(s.log, numberedLines(50, 80, stamp));
    await until(() => outputCount(s) >= 30, () => `30 lines in the new ${dayFile}, have ${outputCount(s)}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    expect(idsIn(`${dayFile}.1`)).toEqual([...Array(50).keys()]);
    expect(idsIn(dayFile)).toEqual([...Array(30).keys()].map((k) => k + 50));
    expect((statSync(dayFile).mode & 0o777).toString(8)).toBe('640');
  }, 30_000);

  it('keeps every line, once, when SIGHUPs arrive while lines stream in', async () => {
    const s = setup('sighup-load', 'beginning', '    buffer_bytes: 4096\n');
    writeFileSync(s.log, '');
    const g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    const N = 6000;
    const w = new Writer(s.log, 0, N, stamp, 100, 2);
    writers.push(w);
    const alive = (): boolean => g.child.exitCode === null && g.child.signalCode === null;
    while (w.next < N && alive()) {
      g.child.kill('SIGHUP');
      await sleep(10);
    }
    await w.done;
    await until(() => outputCount(s) >= N || !alive(), () => `all ${N} lines out, have ${outputCount(s)}`, 20_000);
    expect(await g.stop('SIGTERM'), g.stderr()).toEqual({ code: 0, signal: null });
    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, N)).toEqual([]);
    expect(duplicateIds(counts)).toEqual([]);
  }, 60_000);
});
