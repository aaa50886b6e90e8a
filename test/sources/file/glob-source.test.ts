/**
 * A `file` source whose path is a pattern (`*.access.log`): every matching
 * file is followed with its own position, files that appear are read from
 * their first byte, files that are deleted are finished and forgotten, and
 * one checkpoint file holds every position so a restart resumes each file.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpoints } from '../../../src/sources/file/checkpoint.js';
import { FileTailSource, type FileTailOptions } from '../../../src/sources/file/file-tail.js';
import type { SegmentId, SourcePosition } from '../../../src/sources/source.js';
import type { MetricSample } from '../../../src/util/metric.js';
import { Cleanups, until } from '../../helpers/wait.js';

let dir: string;
let cpFile: string;
const cleanups = new Cleanups();
const KEY = new Uint8Array(32).fill(7);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-glob-'));
  cpFile = path.join(dir, 'state', 'checkpoints', 'web.json');
});

afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function source(over: Partial<FileTailOptions> = {}): FileTailSource {
  const src = new FileTailSource({ name: 'web', path: path.join(dir, '*.access.log'), startAt: 'beginning', checkpointFile: cpFile, pollMs: 20, rotateWaitMs: 50, fingerprintKey: KEY, ...over });
  cleanups.add(() => src.stop());
  return src;
}

/** Lines per file as delivered, and the last position per segment (what the pipeline would commit). */
interface Run {
  readonly lines: Map<string, string[]>;
  readonly positions: Map<string, SourcePosition<SegmentId>>;
  done: Promise<void>;
}

/** Tags delivered lines by the file they name (`GET /<file>/<n>`), so lines of different files are told apart. */
function consume(src: FileTailSource): Run {
  const run: Run = { lines: new Map(), positions: new Map(), done: Promise.resolve() };
  const partial = new Map<string, string>();
  run.done = (async () => {
    for await (const b of src.batches()) {
      const key = b.segment!.key;
      const text = (partial.get(key) ?? '') + b.data.toString('latin1');
      const parts = text.split('\n');
      partial.set(key, parts.pop()!);
      for (const l of parts) {
        const file = /^(\S+) /.exec(l)![1]!;
        run.lines.set(file, [...(run.lines.get(file) ?? []), l]);
      }
      run.positions.set(key, { segment: b.segment as SegmentId, offset: b.offset - partial.get(key)!.length });
    }
  })();
  cleanups.add(async () => {
    src.stop();
    await run.done;
  });
  return run;
}

const line = (file: string, n: number): string => `${file} /${n}`;
const lines = (file: string, from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `${line(file, from + i)}\n`).join('');
const got = (run: Run, file: string): string[] => run.lines.get(file) ?? [];
const sample = (src: FileTailSource, name: string): number | undefined => src.metrics().find((m: MetricSample) => m.name === name)?.value;

async function linesOf(run: Run, file: string, n: number): Promise<string[]> {
  await until(
    () => got(run, file).length >= n,
    () => `${n} lines of ${file}, have ${JSON.stringify(got(run, file))}`,
  );
  return got(run, file);
}

describe('FileTailSource with a pattern', () => {
  it('follows every matching file, and only those, each from its first byte', async () => {
    fs.writeFileSync(path.join(dir, 'a.access.log'), lines('a', 0, 3));
    fs.writeFileSync(path.join(dir, 'b.access.log'), lines('b', 0, 2));
    fs.writeFileSync(path.join(dir, 'error.log'), lines('e', 0, 2));
    fs.writeFileSync(path.join(dir, 'a.access.log.1'), lines('r', 0, 2));
    const src = source();
    await src.start();
    const run = consume(src);
    expect(await linesOf(run, 'a', 3)).toEqual([0, 1, 2].map((n) => line('a', n)));
    expect(await linesOf(run, 'b', 2)).toEqual([0, 1].map((n) => line('b', n)));
    fs.appendFileSync(path.join(dir, 'b.access.log'), lines('b', 2, 4));
    expect(await linesOf(run, 'b', 4)).toEqual([0, 1, 2, 3].map((n) => line('b', n)));
    expect(run.lines.has('e')).toBe(false);
    expect(run.lines.has('r')).toBe(false);
    expect(sample(src, 'gallra_file_followed_files')).toBe(2);
  });

  it('picks up a file that appears later and reads it from its first byte, and forgets a file that is deleted', async () => {
    fs.writeFileSync(path.join(dir, 'a.access.log'), lines('a', 0, 1));
    const infos: string[] = [];
    const src = source({ info: (m) => infos.push(m) });
    await src.start();
    const run = consume(src);
    await linesOf(run, 'a', 1);
    fs.writeFileSync(path.join(dir, 'c.access.log'), lines('c', 0, 5));
    expect(await linesOf(run, 'c', 5)).toEqual([0, 1, 2, 3, 4].map((n) => line('c', n)));
    await until(() => sample(src, 'gallra_file_followed_files') === 2, 'two files followed');

    fs.rmSync(path.join(dir, 'a.access.log'));
    await until(() => sample(src, 'gallra_file_followed_files') === 1, () => `one file followed, have ${sample(src, 'gallra_file_followed_files')}`);
    await until(() => infos.some((m) => m.includes('a.access.log is gone; no longer followed')), () => `the forgetting logged: ${JSON.stringify(infos)}`);
    expect(infos.some((m) => m.includes(`following ${path.join(dir, 'c.access.log')}`))).toBe(true);
    // A file of the same name that comes back is a new file: read from its start.
    fs.writeFileSync(path.join(dir, 'a.access.log'), lines('a', 100, 102));
    expect(await linesOf(run, 'a', 3)).toEqual([line('a', 0), line('a', 100), line('a', 101)]);
  });

  it('checkpoints each file in one checkpoint file and resumes each at its own position after a restart, reading files that appeared meanwhile whole', async () => {
    fs.writeFileSync(path.join(dir, 'a.access.log'), lines('a', 0, 4));
    fs.writeFileSync(path.join(dir, 'b.access.log'), lines('b', 0, 4));
    const first = source();
    await first.start();
    const r1 = consume(first);
    await linesOf(r1, 'a', 4);
    await linesOf(r1, 'b', 4);
    // Acknowledge a's first two lines and b's first three.
    const pos = [...r1.positions.values()];
    const at = (file: string): SourcePosition<SegmentId> => pos.find((p) => p.segment.ino === fs.statSync(path.join(dir, file), { bigint: true }).ino.toString())!;
    const lineBytes = (file: string, n: number): number => Buffer.byteLength(lines(file, 0, n));
    await first.commit([
      { segment: at('a.access.log').segment, offset: lineBytes('a', 2) },
      { segment: at('b.access.log').segment, offset: lineBytes('b', 3) },
    ]);
    first.stop();
    await r1.done;
    const cps = readCheckpoints(cpFile)!;
    expect(cps.map((c) => [path.basename(c.path), c.offset]).sort()).toEqual([
      ['a.access.log', lineBytes('a', 2)],
      ['b.access.log', lineBytes('b', 3)],
    ]);
    expect(JSON.parse(fs.readFileSync(cpFile, 'utf8'))).toHaveProperty('files');

    fs.appendFileSync(path.join(dir, 'a.access.log'), lines('a', 4, 5));
    fs.writeFileSync(path.join(dir, 'c.access.log'), lines('c', 0, 2));
    const second = source({ startAt: 'end' });
    await second.start();
    const r2 = consume(second);
    expect(await linesOf(r2, 'a', 3)).toEqual([2, 3, 4].map((n) => line('a', n)));
    expect(await linesOf(r2, 'b', 1)).toEqual([line('b', 3)]);
    expect(await linesOf(r2, 'c', 2)).toEqual([0, 1].map((n) => line('c', n)));
  });

  it('follows one matching file across its own rename rotation', async () => {
    const a = path.join(dir, 'a.access.log');
    fs.writeFileSync(a, lines('a', 0, 2));
    const src = source();
    await src.start();
    const run = consume(src);
    await linesOf(run, 'a', 2);
    fs.renameSync(a, `${a}.1`);
    fs.writeFileSync(a, lines('a', 2, 4));
    expect(await linesOf(run, 'a', 4)).toEqual([0, 1, 2, 3].map((n) => line('a', n)));
    expect(sample(src, 'gallra_file_rotations_total')).toBe(1);
  });

  it('does not read a file again when it is renamed to a name the pattern also matches', async () => {
    const src = new FileTailSource({ name: 'web', path: path.join(dir, '*.log'), startAt: 'beginning', checkpointFile: undefined, pollMs: 20, rotateWaitMs: 50, fingerprintKey: KEY });
    cleanups.add(() => src.stop());
    const a = path.join(dir, 'a.log');
    fs.writeFileSync(a, lines('a', 0, 3));
    await src.start();
    const run = consume(src);
    await linesOf(run, 'a', 3);
    // logrotate's dateext with `extension .log`: a-20261122.log still matches *.log.
    fs.renameSync(a, path.join(dir, 'a-20261122.log'));
    fs.writeFileSync(a, lines('a', 3, 4));
    expect(await linesOf(run, 'a', 4)).toEqual([0, 1, 2, 3].map((n) => line('a', n)));
    fs.writeFileSync(path.join(dir, 'z.log'), lines('z', 0, 1));
    await linesOf(run, 'z', 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(got(run, 'a')).toHaveLength(4);
  });

  it('skips a compressed file the pattern matches, with a warning naming it', async () => {
    fs.writeFileSync(path.join(dir, 'a.access.log'), lines('a', 0, 1));
    fs.writeFileSync(path.join(dir, 'old.access.log'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    const warnings: string[] = [];
    const src = source({ warn: (m) => warnings.push(m) });
    await src.start();
    const run = consume(src);
    await linesOf(run, 'a', 1);
    await until(() => warnings.length > 0, 'the warning');
    expect(warnings[0]).toContain('old.access.log');
    expect(warnings[0]).toContain('gzip');
  });
});
