/**
 * Through the built CLI as an operator runs it: a file source with a
 * pattern (`logs/*.access.log`) across file creation, deletion and a
 * restart; and SIGHUP config reloads — a changed sink swapped while lines
 * stream in, none lost or repeated; an invalid config rejected with the
 * usual error while the old one runs on.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { duplicateIds, idCounts, killAll, missingIds, numberedLines, readOutput, sleep, startedGallra, until } from '../helpers/run.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const stamp = Date.now() - 3 * 60_000;

describe('gallra run with a pattern', () => {
  it('follows every matching file, picks up new ones, forgets deleted ones, and resumes each after a restart', async () => {
    const dir = tmp.make('glob');
    mkdirSync(join(dir, 'logs'));
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, 'input:\n  format: combined\nsources:\n  - type: file\n    name: sites\n    path: logs/*.access.log\n    start_at: beginning\n    poll_ms: 20\n    rotate_wait_ms: 100\nsinks:\n  - type: file\n    dir: out\nrun:\n  commit_ms: 50\n');
    const a = join(dir, 'logs', 'a.access.log');
    const b = join(dir, 'logs', 'b.access.log');
    writeFileSync(a, numberedLines(0, 100, stamp));
    writeFileSync(join(dir, 'logs', 'a.error.log'), numberedLines(900, 910, stamp));
    const stateDir = join(dir, 'state');
    let g = await startedGallra(cfg, { stateDir });
    const counts = (): Map<number, number> => idCounts(readOutput(join(dir, 'out')));
    await until(() => counts().size >= 100, () => `a's lines, have ${counts().size}`);
    writeFileSync(b, numberedLines(100, 200, stamp));
    await until(() => counts().size >= 200, () => `b's lines, have ${counts().size}`);
    await g.waitForLog(/"msg":"sites: following [^"]*b\.access\.log"/);
    rmSync(a);
    await g.waitForLog(/"msg":"sites: [^"]*a\.access\.log is gone; no longer followed"/);
    appendFileSync(b, numberedLines(200, 250, stamp));
    await until(() => counts().size >= 250, () => `more of b, have ${counts().size}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // While down: b grows, c appears.
    appendFileSync(b, numberedLines(250, 300, stamp));
    writeFileSync(join(dir, 'logs', 'c.access.log'), numberedLines(300, 350, stamp));
    g = await startedGallra(cfg, { stateDir });
    await until(() => counts().size >= 350, () => `all 350 lines, have ${counts().size}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(missingIds(counts(), 350)).toEqual([]);
    expect(duplicateIds(counts())).toEqual([]);
    expect(counts().has(900)).toBe(false);
  }, 60_000);
});

describe('gallra run reloading its config on SIGHUP', () => {
  it('swaps a changed sink while lines stream in, losing and repeating none, and rejects an invalid config while the old one runs on', async () => {
    const dir = tmp.make('reload');
    const cfg = join(dir, 'gallra.yaml');
    const config = (out: string, startAt = 'beginning'): string =>
      `input:\n  format: combined\nsources:\n  - type: file\n    name: app\n    path: access.log\n    start_at: ${startAt}\n    poll_ms: 20\nsinks:\n  - type: file\n    name: out\n    dir: ${out}\nrun:\n  commit_ms: 50\n`;
    writeFileSync(cfg, config('out1'));
    const log = join(dir, 'access.log');
    writeFileSync(log, '');
    const g = await startedGallra(cfg, { stateDir: join(dir, 'state') });
    let next = 0;
    const writer = (async () => {
      while (next < 4000) {
        appendFileSync(log, numberedLines(next, next + 20, stamp));
        next += 20;
        await sleep(4);
      }
    })();
    await until(() => next >= 1000, 'the writer under way');
    writeFileSync(cfg, config('out2'));
    g.child.kill('SIGHUP');
    await g.waitForLog(/"msg":"config reloaded"/);
    await writer;
    const all = (): Map<number, number> => idCounts(readOutput(join(dir, 'out1')) + readOutput(join(dir, 'out2')));
    await until(() => all().size >= 4000, () => `4000 lines, have ${all().size}`, 20_000);
    expect(missingIds(all(), 4000)).toEqual([]);
    expect(duplicateIds(all())).toEqual([]);
    expect(idCounts(readOutput(join(dir, 'out2'))).size).toBeGreaterThan(0);

    writeFileSync(cfg, config('out3', 'sometime'));
    g.child.kill('SIGHUP');
    await g.waitForLog(/config reload rejected; the running config stays/);
    expect(g.stderr()).toMatch(/GALLRA_CONFIG_INVALID: invalid policy\\n[^"]*gallra\.yaml:7:\d+: sources\[0\]\.start_at: \\"sometime\\" is not allowed here\\n {2}fix: use one of: end, beginning/);
    appendFileSync(log, numberedLines(4000, 4010, stamp));
    await until(() => idCounts(readOutput(join(dir, 'out2'))).has(4009), 'lines still going to out2');
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(readOutput(join(dir, 'out3'))).toBe('');
  }, 60_000);
});
