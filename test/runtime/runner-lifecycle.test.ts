/**
 * The Runner in-process on what an operator must be told: checkpoint lag and
 * age that can be alerted on (bytes read but not acknowledged; time since
 * the oldest of them was read — both 0 for an idle source however big its
 * file), a source whose lines do not parse made loud (a warning naming the
 * format that would parse them, /readyz 503 with the reason, a metric), the
 * stop summary, and config reloads (SIGHUP): a changed sink swapped without
 * losing a line, an invalid config rejected while the old one runs on, a
 * changed policy applied to the running sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { Runner } from '../../src/runtime/runner.js';
import { TempDirs } from '../helpers/cli.js';
import { duplicateIds, httpGet, idCounts, metric, missingIds, numberedLines, readOutput, sleep, until } from '../helpers/run.js';
import { Cleanups } from '../helpers/wait.js';

const tmp = new TempDirs();
const cleanups = new Cleanups();
afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    tmp.cleanup();
  }
});

const stamp = Date.now() - 3 * 60_000;

interface Made {
  readonly runner: Runner;
  readonly dir: string;
  readonly file: string;
  /** gallra's log lines so far, parsed. */
  log(): { level: number; msg: string; [k: string]: unknown }[];
}

function makeRunner(yaml: string, dir = tmp.make('runner')): Made {
  const file = path.join(dir, 'gallra.yaml');
  fs.writeFileSync(file, yaml);
  const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const runner = new Runner(loadPolicy(file, env), { logger: createLogger('info', out), env });
  return { runner, dir, file, log: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

async function startRunner(runner: Runner): Promise<{ done: Promise<number> }> {
  await runner.start();
  const done = runner.run();
  done.catch(() => undefined);
  cleanups.add(async () => {
    runner.shutdown();
    await done.catch(() => undefined);
  });
  return { done };
}

const tailConfig = (extra = '', sinks = '  - type: file\n    name: out\n    dir: out\n'): string => `input:
  format: combined
sources:
  - type: file
    name: tail
    path: access.log
    start_at: beginning
    poll_ms: 20
    rotate_wait_ms: 100
sinks:
${sinks}http:
  port: 0
run:
  commit_ms: 50
${extra}`;

describe('checkpoint lag and age', { timeout: 30_000 }, () => {
  it('are 0 for an idle source with start_at: end, however large the file it skipped, and rise only while read bytes wait for acknowledgement', async () => {
    const m = makeRunner(tailConfig().replace('start_at: beginning', 'start_at: end'));
    fs.writeFileSync(path.join(m.dir, 'access.log'), numberedLines(0, 5000, stamp));
    await startRunner(m.runner);
    const port = m.runner.httpPort!;
    await sleep(300);
    for (let k = 0; k < 3; k++) {
      const text = (await httpGet(port, '/metrics')).body;
      expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' })).toBe(0);
      expect(metric(text, 'gallra_checkpoint_age_seconds', { source: 'tail' })).toBe(0);
      await sleep(200);
    }
    fs.appendFileSync(path.join(m.dir, 'access.log'), numberedLines(5000, 5010, stamp));
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 10, 'the new lines out');
    // Once written and recorded, nothing is waiting any more.
    let text = (await httpGet(port, '/metrics')).body;
    for (let k = 0; k < 100 && metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' }) !== 0; k++) {
      await sleep(50);
      text = (await httpGet(port, '/metrics')).body;
    }
    expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' })).toBe(0);
    expect(metric(text, 'gallra_checkpoint_age_seconds', { source: 'tail' })).toBe(0);
  });

  it('counts a line still being written (read, not yet acknowledged) in lag and age', async () => {
    const m = makeRunner(tailConfig());
    fs.writeFileSync(path.join(m.dir, 'access.log'), `${numberedLines(0, 3, stamp)}81.6.12.34 - - [half a line`);
    await startRunner(m.runner);
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 3, 'the whole lines out');
    await sleep(1200);
    const text = (await httpGet(m.runner.httpPort!, '/metrics')).body;
    expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' })).toBe(Buffer.byteLength('81.6.12.34 - - [half a line'));
    expect(metric(text, 'gallra_checkpoint_age_seconds', { source: 'tail' })).toBeGreaterThanOrEqual(1);
  });
});

describe('a source whose lines do not parse', { timeout: 30_000 }, () => {
  it('is loud: a warning naming the format that would parse them, /readyz 503 with the reason, and a metric', async () => {
    const m = makeRunner(tailConfig());
    const json = Array.from({ length: 30 }, (_, i) => `{"time":"${new Date(stamp).toISOString()}","remote_addr":"81.6.12.34","request":"GET /${i} HTTP/1.1","status":200}\n`).join('');
    fs.writeFileSync(path.join(m.dir, 'access.log'), json);
    await startRunner(m.runner);
    const port = m.runner.httpPort!;
    await until(() => m.log().some((l) => l.level === 40 && l.msg.startsWith('tail: 100% of the last 30 lines were dropped')), () => `the warning, have ${JSON.stringify(m.log().map((l) => l.msg))}`);
    const warning = m.log().find((l) => l.level === 40)!;
    expect(warning.msg).toBe('tail: 100% of the last 30 lines were dropped: 30 did not parse as combined (they parse as json: set format: json on source tail)');
    expect(JSON.stringify(m.log())).not.toContain('81.6.12');
    const ready = await httpGet(port, '/readyz');
    expect([ready.status, ready.body]).toEqual([503, 'not ready: tail: 100% of the last 30 lines were dropped: 30 did not parse as combined (they parse as json: set format: json on source tail)\n']);
    expect(metric((await httpGet(port, '/metrics')).body, 'gallra_input_rejected_ratio', { source: 'tail' })).toBe(1);
  });

  it('is loud about lines older than the retention window too', async () => {
    const m = makeRunner(tailConfig());
    fs.writeFileSync(path.join(m.dir, 'access.log'), numberedLines(0, 20, Date.parse('2020-01-01T00:00:00Z')));
    await startRunner(m.runner);
    await until(() => m.log().some((l) => l.level === 40), 'the warning');
    expect(m.log().find((l) => l.level === 40)!.msg).toBe('tail: 100% of the last 20 lines were dropped: 20 were older than the retention window (retention.keep P6M): old lines replayed, or a clock far behind?');
    expect((await httpGet(m.runner.httpPort!, '/readyz')).status).toBe(503);
  });

  it('logs a stop summary with every drop by reason', async () => {
    const m = makeRunner(tailConfig());
    fs.writeFileSync(path.join(m.dir, 'access.log'), `${numberedLines(0, 5, stamp)}not a line\n${numberedLines(5, 6, Date.parse('2020-01-01T00:00:00Z'))}`);
    const { done } = await startRunner(m.runner);
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 5, 'the lines out');
    m.runner.shutdown();
    expect(await done).toBe(0);
    const stopped = m.log().find((l) => l.msg === 'gallra run stopped')!;
    expect(stopped.sources).toEqual([{ source: 'tail', lines_in: 7, lines_out: 5, dropped: { unparsed: 1, expired: 1 } }]);
  });
});

describe('config reload', { timeout: 30_000 }, () => {
  it('swaps a changed sink without losing or repeating a line, keeping the source (and its file) as it was', async () => {
    const m = makeRunner(tailConfig());
    const log = path.join(m.dir, 'access.log');
    fs.writeFileSync(log, '');
    await startRunner(m.runner);
    const source = m.runner.sourceList[0];
    let next = 0;
    const writer = (async () => {
      while (next < 3000) {
        fs.appendFileSync(log, numberedLines(next, next + 25, stamp));
        next += 25;
        await sleep(3);
      }
    })();
    cleanups.add(() => writer);
    await until(() => next >= 1000, 'the writer a third through');
    fs.writeFileSync(m.file, tailConfig('', '  - type: file\n    name: out\n    dir: out2\n'));
    expect(await m.runner.reload()).toBe(true);
    await writer;
    const all = (): Map<number, number> => idCounts(readOutput(path.join(m.dir, 'out')) + readOutput(path.join(m.dir, 'out2')));
    await until(() => all().size >= 3000, () => `3000 lines out, have ${all().size}`);
    expect(missingIds(all(), 3000)).toEqual([]);
    expect(duplicateIds(all())).toEqual([]);
    // Both directories got lines: the ones before the reload in out, the ones after in out2.
    const before = [...idCounts(readOutput(path.join(m.dir, 'out'))).keys()];
    const after = [...idCounts(readOutput(path.join(m.dir, 'out2'))).keys()];
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.max(...before)).toBeLessThan(Math.min(...after));
    expect(m.runner.sourceList[0]).toBe(source);
    const reloaded = m.log().find((l) => l.msg === 'config reloaded')!;
    expect(reloaded).toMatchObject({ sources: { kept: ['tail'], stopped: [], started: [] }, sinks: { kept: [], stopped: ['out'], started: ['out'] }, policy_changed: false });
  });

  it('rejects an invalid config with the usual error, and the old one runs on', async () => {
    const m = makeRunner(tailConfig());
    const log = path.join(m.dir, 'access.log');
    fs.writeFileSync(log, numberedLines(0, 10, stamp));
    await startRunner(m.runner);
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 10, 'the first lines out');
    fs.writeFileSync(m.file, tailConfig().replace('start_at: beginning', 'start_at: middle'));
    expect(await m.runner.reload()).toBe(false);
    const rejected = m.log().find((l) => l.level === 50)!;
    expect(rejected.msg).toMatch(/^config reload rejected; the running config stays:\nGALLRA_CONFIG_INVALID: invalid policy\n.*gallra\.yaml:7:\d+: sources\[0\]\.start_at: "middle" is not allowed here\n {2}fix: use one of: end, beginning$/);
    fs.appendFileSync(log, numberedLines(10, 20, stamp));
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 20, 'lines still flowing after the rejected reload');
    expect((await httpGet(m.runner.httpPort!, '/readyz')).status).toBe(200);
  });

  it('applies a changed policy to the running source from its next lines', async () => {
    const m = makeRunner(tailConfig());
    const log = path.join(m.dir, 'access.log');
    fs.writeFileSync(log, numberedLines(0, 5, stamp));
    await startRunner(m.runner);
    const out = (): string => readOutput(path.join(m.dir, 'out'));
    await until(() => idCounts(out()).size >= 5, 'the first lines out');
    expect(out()).toContain('"curl/8 (Other; Bot)"');
    // The user agent is dropped from now on.
    fs.writeFileSync(m.file, tailConfig('fields:\n  http_user_agent:\n    transform: drop\n'));
    expect(await m.runner.reload()).toBe(true);
    fs.appendFileSync(log, numberedLines(5, 10, stamp));
    await until(() => idCounts(out()).size >= 10, 'the later lines out');
    const lines = out().split('\n').filter(Boolean);
    expect(lines.slice(0, 5).every((l) => l.endsWith('"curl/8 (Other; Bot)"'))).toBe(true);
    expect(lines.slice(5).every((l) => l.endsWith('"-"'))).toBe(true);
    expect(m.log().find((l) => l.msg === 'config reloaded')).toMatchObject({ policy_changed: true, sources: { kept: ['tail'] } });
    // The counters go on across the swap.
    expect(metric((await httpGet(m.runner.httpPort!, '/metrics')).body, 'gallra_lines_read_total', { source: 'tail' })).toBe(10);
  });

  it('keeps a source whose format alone changed running, reading on with the new format', async () => {
    const m = makeRunner(tailConfig());
    const log = path.join(m.dir, 'access.log');
    fs.writeFileSync(log, numberedLines(0, 5, stamp));
    await startRunner(m.runner);
    const source = m.runner.sourceList[0];
    const out = (): string => readOutput(path.join(m.dir, 'out'));
    await until(() => idCounts(out()).size >= 5, 'the combined lines out');
    fs.writeFileSync(m.file, tailConfig().replace('    start_at: beginning', '    start_at: beginning\n    format: json'));
    expect(await m.runner.reload()).toBe(true);
    fs.appendFileSync(log, `{"time":"${new Date(stamp).toISOString()}","remote_addr":"81.6.12.34","request":"GET /n/000005 HTTP/1.1","status":200}\n`);
    await until(() => idCounts(out()).size >= 6, () => `the JSON line out, have ${out()}`);
    expect(m.runner.sourceList[0]).toBe(source);
    expect(out()).toContain('"remote_addr":"81.6.12.0"');
    expect(m.log().find((l) => l.msg === 'config reloaded')).toMatchObject({ sources: { kept: ['tail'], reformatted: ['tail'] } });
  });

  it('restarts a source whose config changed from its checkpoint, and starts a new one', async () => {
    const m = makeRunner(tailConfig());
    const log = path.join(m.dir, 'access.log');
    fs.writeFileSync(log, numberedLines(0, 10, stamp));
    fs.writeFileSync(path.join(m.dir, 'other.log'), numberedLines(100, 110, stamp));
    await startRunner(m.runner);
    await until(() => idCounts(readOutput(path.join(m.dir, 'out'))).size >= 10, 'the first lines out');
    fs.writeFileSync(
      m.file,
      tailConfig().replace('poll_ms: 20', 'poll_ms: 30').replace('sinks:', '  - type: file\n    name: other\n    path: other.log\n    start_at: beginning\n    poll_ms: 20\nsinks:'),
    );
    expect(await m.runner.reload()).toBe(true);
    fs.appendFileSync(log, numberedLines(10, 20, stamp));
    const counts = (): Map<number, number> => idCounts(readOutput(path.join(m.dir, 'out')));
    await until(() => counts().size >= 30, () => `30 lines out, have ${counts().size}`);
    expect(duplicateIds(counts())).toEqual([]);
    expect(m.runner.sourceList.map((s) => s.name).sort()).toEqual(['other', 'tail']);
    expect(m.log().find((l) => l.msg === 'config reloaded')).toMatchObject({ sources: { kept: [], stopped: ['tail'], started: ['tail', 'other'] } });
  });
});
