/**
 * The progress line of `gallra anonymise` over files: drawn on a terminal,
 * never anywhere else.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import { ensureBuilt, MAIN, ROOT, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
afterAll(() => tmp.cleanup());

function fakeStream(isTTY: boolean): { isTTY: boolean; columns: number; out: string[]; write(t: string): void } {
  return {
    isTTY,
    columns: 100,
    out: [],
    write(t: string) {
      this.out.push(t);
    },
  };
}

describe('Progress', () => {
  it('draws share, lines and lines per second on a terminal, at most every 200 ms, and clears the line at the end', () => {
    let now = 0;
    const s = fakeStream(true);
    const p = new Progress(s, 1000, () => now);
    now = 100;
    p.update(100, 5_000); // too soon after start? the first frame draws once 200 ms have passed since the last (none yet)
    const first = s.out.length;
    now = 150;
    p.update(100, 5_000); // within 200 ms of the previous frame: not drawn
    expect(s.out.length).toBe(first);
    now = 1_000;
    p.update(300, 10_000);
    const frame = s.out[s.out.length - 1]!;
    expect(frame.startsWith('\r[')).toBe(true);
    expect(frame).toContain(' 50%');
    expect(frame).toContain('20,000 lines');
    expect(frame).toContain('20,000 lines/s');
    p.finish();
    expect(s.out[s.out.length - 1]).toBe('\r\x1b[K');
  });

  it('draws nothing when the stream is not a terminal', () => {
    let now = 0;
    const s = fakeStream(false);
    const p = new Progress(s, 1000, () => now);
    for (let i = 1; i <= 10; i++) {
      now = i * 1000;
      p.update(100, 1000);
    }
    p.finish();
    expect(s.out).toEqual([]);
    expect(p.lines).toBe(10_000);
  });

  it('never shows more than 100 % when the input grew while it was read', () => {
    let now = 0;
    const s = fakeStream(true);
    const p = new Progress(s, 100, () => now);
    now = 500;
    p.update(250, 10);
    expect(s.out[s.out.length - 1]).toContain('100%');
  });
});

describe('gallra anonymise progress on a real terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!hasScript)('shows a progress line with lines/s when stderr is a terminal, and none when it is not', () => {
    ensureBuilt();
    const dir = tmp.make('progress');
    const file = join(dir, 'access.log');
    execFileSync(process.execPath, [join(ROOT, 'bench', 'gen-log.mjs'), '--lines', '60000', '--recent', '--out', file]);
    const out = join(dir, 'anon.log');
    const env = { ...process.env, GALLRA_STATE_DIR: join(dir, 'state') };
    // util-linux script(1) runs the command on a pseudo-terminal.
    const cmd = `${process.execPath} ${MAIN} anonymise --format combined --output ${out} ${file}`;
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { env, encoding: 'utf8' });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\d+%\s+[\d,]+ lines\s+[\d,]+ lines\/s/);

    const plain = spawnSync(process.execPath, [MAIN, 'anonymise', '--format', 'combined', '--output', out, file], { env, encoding: 'utf8' });
    expect(plain.status).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    expect(plain.stderr).not.toContain('lines/s');
  }, 60_000);
});
