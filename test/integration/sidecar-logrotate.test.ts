/**
 * `gallra run` tailing a log that real logrotate rotates while gallra is
 * down — twice, in every common configuration (create, copytruncate,
 * compress, delaycompress, dateext) — and once within moments of a kill -9
 * and once more while down. Lines are numbered (`GET /n/000123`) so the
 * union of the daily files can be checked line by line: the restart finds
 * the checkpointed file among the rotated siblings (numbered, dated, gzip),
 * finishes it, reads every newer sibling in order, then the live file —
 * none missing, none repeated. When the checkpointed file really is gone
 * (rotate 1), gallra says so, counts it, and still reads what is left.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { LOGROTATE_MISSING, logrotateFor } from '../helpers/logrotate.js';
import { duplicateIds, freePort, httpGet, idCounts, killAll, metric, missingIds, numberedLines, readOutput, sleep, startedGallra, until } from '../helpers/run.js';

if (LOGROTATE_MISSING !== undefined) process.stderr.write(`[sidecar-logrotate.test] ${LOGROTATE_MISSING}\n`);

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const stamp = Date.now() - 3 * 60_000;

interface Setup {
  readonly dir: string;
  readonly log: string;
  readonly out: string;
  readonly cfg: string;
  readonly stateDir: string;
}

function setup(name: string, extra = ''): Setup {
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
    start_at: beginning
    poll_ms: 20
    rotate_wait_ms: 200
sinks:
  - type: file
    dir: out
    prefix: access
run:
  commit_ms: 50
${extra}`,
  );
  return { dir, log: join(dir, 'access.log'), out: join(dir, 'out'), cfg, stateDir: join(dir, 'state') };
}

const outputCount = (s: Setup): number => idCounts(readOutput(s.out)).size;

/** The web server: appends by name, as one that reopens its log after every rotation (postrotate). */
const write = (s: Setup, from: number, to: number): void => appendFileSync(s.log, numberedLines(from, to, stamp));

const MODES: readonly { name: string; directives: readonly string[]; dated?: boolean }[] = [
  { name: 'create (rename, numbered)', directives: ['create'] },
  { name: 'create, compress', directives: ['create', 'compress'] },
  { name: 'create, compress, delaycompress', directives: ['create', 'compress', 'delaycompress'] },
  { name: 'create, dateext, compress, delaycompress', directives: ['create', 'dateext', 'dateformat -%Y%m%d-%H%M%S', 'compress', 'delaycompress'], dated: true },
  { name: 'copytruncate', directives: ['copytruncate'] },
  { name: 'copytruncate, compress, delaycompress', directives: ['copytruncate', 'compress', 'delaycompress'] },
];

describe.skipIf(LOGROTATE_MISSING !== undefined)('gallra run across real logrotate rotations while it is down', () => {
  for (const mode of MODES) {
    it(`loses and repeats nothing when the log rotates twice while gallra is down (${mode.name})`, async () => {
      const s = setup(`twice-${mode.directives.join('-').replace(/[^a-z-]/g, '')}`);
      const lr = logrotateFor(s.dir, s.log, ['rotate 5', 'missingok', ...mode.directives]);
      write(s, 0, 10);
      let g = await startedGallra(s.cfg, { stateDir: s.stateDir });
      await until(() => outputCount(s) >= 10, () => `10 lines out, have ${outputCount(s)}`);
      expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      // The repro: while gallra is down, lines, a rotation, lines, another rotation, lines.
      write(s, 10, 20);
      lr.rotate();
      write(s, 20, 30);
      if (mode.dated === true) await sleep(1100); // dateext names have a resolution of one second
      lr.rotate();
      write(s, 30, 40);

      g = await startedGallra(s.cfg, { stateDir: s.stateDir });
      await until(() => outputCount(s) >= 40, () => `40 lines out after the restart, have ${outputCount(s)}:\n${g.stderr()}`, 20_000);
      expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const counts = idCounts(readOutput(s.out));
      expect(missingIds(counts, 40)).toEqual([]);
      expect(duplicateIds(counts)).toEqual([]);
      // The restart said where it resumed, and how much it read again (nothing after a clean stop).
      expect(g.stderr()).toMatch(/resuming .*at byte \d+ from the checkpoint; re-reading 0 bytes/);
      expect(g.stderr()).not.toMatch(/"level":40/);
    }, 60_000);
  }

  it('loses nothing when the log rotates within moments of a kill -9 and once more while gallra is down, and says how many bytes it reads again', async () => {
    const s = setup('kill9');
    const lr = logrotateFor(s.dir, s.log, ['rotate 5', 'missingok', 'create', 'compress', 'delaycompress']);
    writeFileSync(s.log, '');
    let g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    let next = 0;
    while (outputCount(s) < 200) {
      write(s, next, next + 20);
      next += 20;
      await sleep(5);
    }
    write(s, next, next + 50);
    next += 50;
    g.child.kill('SIGKILL');
    await g.exited;
    lr.rotate();
    write(s, next, next + 30);
    next += 30;
    lr.rotate();
    write(s, next, next + 30);
    next += 30;

    g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= next, () => `${next} lines out after the restart, have ${outputCount(s)}:\n${g.stderr()}`, 20_000);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, next)).toEqual([]);
    // Only lines after the last checkpoint repeat, each once more at most.
    expect(duplicateIds(counts).filter(([, c]) => c > 2)).toEqual([]);
    const resumed = /"msg":"app: resuming ([^"]*)/.exec(g.stderr());
    expect(resumed?.[1]).toMatch(/access\.log\.2\.gz \(.*rotated and compressed while gallra was down\) at byte \d+ from the checkpoint; re-reading \d+ bytes/);
    expect(resumed?.[1]).toContain(`then 1 file rotated after it, in order, then ${s.log}`);
  }, 60_000);

  it('warns, counts the lost file and still reads every newer file when the checkpointed file was rotated away and deleted (rotate 1)', async () => {
    const port = await freePort('tcp');
    const s = setup('gone', `http:\n  port: ${port}\n`);
    const lr = logrotateFor(s.dir, s.log, ['rotate 1', 'missingok', 'create']);
    write(s, 0, 10);
    let g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= 10, () => `10 lines out, have ${outputCount(s)}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    write(s, 10, 20);
    lr.rotate();
    write(s, 20, 30);
    lr.rotate(); // deletes access.log.1, the file the checkpoint names (with lines 10..19)
    write(s, 30, 40);
    expect(existsSync(`${s.log}.2`)).toBe(false);

    g = await startedGallra(s.cfg, { stateDir: s.stateDir });
    await until(() => outputCount(s) >= 30, () => `30 lines out after the restart, have ${outputCount(s)}:\n${g.stderr()}`, 20_000);
    const metrics = (await httpGet(port, '/metrics')).body;
    expect(metric(metrics, 'gallra_file_lost_files_total', { source: 'app' })).toBe(1);
    expect(g.stderr()).toMatch(/"level":40,[^\n]*"msg":"app: the checkpointed file is gone[^\n]*reading 1 rotated file written since/);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const counts = idCounts(readOutput(s.out));
    expect(missingIds(counts, 40)).toEqual([...Array(10).keys()].map((k) => k + 10));
    expect(duplicateIds(counts)).toEqual([]);
    // The log names files and counts, never a line.
    expect(readFileSync(s.log, 'utf8').length).toBeGreaterThan(0);
    expect(g.stderr()).not.toContain('81.6.12.34');
  }, 60_000);
});
