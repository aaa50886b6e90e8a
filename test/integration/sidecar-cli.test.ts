/**
 * `gallra run` and `gallra retention` as an operator meets them, through the
 * built CLI: exit codes and messages for bad configs and for sources or
 * sinks that cannot start; stdin to stdout; several sources (file tail,
 * syslog, FIFO) in one process feeding two sinks; and the retention command
 * deleting day files older than the window and destroying closed salts.
 */
import { closeSync, existsSync, mkdirSync, openSync, constants as fsc, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, runCliAsync, TempDirs } from '../helpers/cli.js';
import { duplicateIds, freePort, idCounts, killAll, missingIds, numberedLine, numberedLines, readOutput, startGallra, startedGallra, until } from '../helpers/run.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const stamp = Date.now() - 3 * 60_000;

function config(dir: string, yaml: string, name = 'gallra.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

describe('gallra run: exit codes', () => {
  it('exits 2 naming the file when the config has no sources or no sinks', () => {
    const dir = tmp.make('run-exit');
    for (const yaml of ['input:\n  format: combined\n', 'sinks:\n  - type: stdout\n', 'sources:\n  - type: stdin\n']) {
      const r = runCli(['run', '--config', config(dir, yaml)], { stateDir: dir });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/gallra\.yaml: gallra run needs sources: and sinks:\n  fix: /);
    }
  });

  it('exits 2 when two sources have the same name, also a default one (two files of one base name)', () => {
    const dir = tmp.make('run-exit');
    const r = runCli(['run', '--config', config(dir, 'sources:\n  - type: stdin\n    name: web\n  - type: file\n    name: web\n    path: a.log\nsinks:\n  - type: stdout\n')], { stateDir: dir });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/gallra\.yaml:5:11: sources\[1\]\.name: sources\[0\] and sources\[1\] are both named web/);
    // Two file sources of one base name get one default name: the operator must name them.
    const r2 = runCli(['run', '--config', config(dir, 'sources:\n  - type: file\n    path: a/access.log\n  - type: file\n    path: b/access.log\nsinks:\n  - type: stdout\n')], { stateDir: dir });
    expect(r2.status, r2.stderr).toBe(2);
    expect(r2.stderr).toMatch(/sources\[1\]: sources\[0\] and sources\[1\] are both named access\.log/);
    expect(r2.stderr).toMatch(/fix: give this source its own name:/);
  });

  it('exits 2 for a missing --config, a missing file, and an unknown or wrong key in a source or sink', () => {
    const dir = tmp.make('run-exit');
    expect(runCli(['run'], { stateDir: dir }).status).toBe(2);
    const missing = runCli(['run', '--config', join(dir, 'nope.yaml')], { stateDir: dir });
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/nope\.yaml: cannot read the config/)]);
    const unknown = runCli(['run', '--config', config(dir, 'sources:\n  - type: file\n    path: a.log\n    pathh: b.log\nsinks:\n  - type: stdout\n')], { stateDir: dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/gallra\.yaml:4:5: sources\[0\]\.pathh: unknown key "pathh"/);
    const small = runCli(['run', '--config', config(dir, 'sources:\n  - type: stdin\nsinks:\n  - type: file\n    dir: out\n    buffer_bytes: 10\n')], { stateDir: dir });
    expect(small.status).toBe(2);
    expect(small.stderr).toMatch(/sinks\[0\]\.buffer_bytes/);
  });

  it('exits 1, and does exit, when a syslog port or the HTTP port is taken', async () => {
    const dir = tmp.make('run-exit');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (blocker.address() as net.AddressInfo).port;
      const syslog = startGallra(config(dir, `sources:\n  - type: syslog\n    port: ${taken}\n    protocol: tcp\nsinks:\n  - type: stdout\n`), { stateDir: dir });
      expect(await within(syslog.exited, 15_000)).toEqual({ code: 1, signal: null });
      expect(syslog.stderr()).toMatch(new RegExp(`syslog source syslog-1: cannot listen on 127\\.0\\.0\\.1:${taken} \\(EADDRINUSE\\)`));
      // The syslog source binds first; the failing HTTP listener must not leave it holding the process open.
      const free = await freePort('both');
      const http = startGallra(config(dir, `sources:\n  - type: syslog\n    port: ${free}\n    protocol: both\nsinks:\n  - type: stdout\nhttp:\n  port: ${taken}\n`), { stateDir: dir });
      expect(await within(http.exited, 15_000)).toEqual({ code: 1, signal: null });
      expect(http.stderr()).toMatch(new RegExp(`http listener: cannot listen on 127\\.0\\.0\\.1:${taken} \\(EADDRINUSE\\)`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 40_000);

  it('exits 1 with the sink named when it cannot write a day file', async () => {
    const dir = tmp.make('run-exit');
    // A directory where the day file should be: opening it fails (EISDIR), as a full or read-only disk would.
    mkdirSync(join(dir, 'out', `access-${new Date(stamp).toISOString().slice(0, 10)}.log`), { recursive: true });
    writeFileSync(join(dir, 'access.log'), numberedLines(0, 5, stamp));
    const g = startGallra(config(dir, 'sources:\n  - type: file\n    path: access.log\n    start_at: beginning\nsinks:\n  - type: file\n    name: out\n    dir: out\n'), { stateDir: join(dir, 'state') });
    expect(await within(g.exited, 15_000)).toEqual({ code: 1, signal: null });
    expect(g.stderr()).toMatch(/file sink out: open .*access-\d{4}-\d{2}-\d{2}\.log failed \(EISDIR\)/);
    // Nothing was acknowledged: a restart will read the lines again.
    expect(existsSync(join(dir, 'state', 'checkpoints', 'access.log.json'))).toBe(false);
  }, 30_000);
});

/** Resolves with `p`, or rejects after `ms` (the child is then killed in afterEach). */
async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('gallra run: sources and sinks', () => {
  it('reads stdin to its end, writes anonymised lines to stdout (a last line without a newline too) and exits 0', async () => {
    const dir = tmp.make('run-stdin');
    const cfg = config(dir, 'input:\n  format: combined\nsources:\n  - type: stdin\nsinks:\n  - type: stdout\n');
    const input = numberedLines(0, 500, stamp) + numberedLine(500, stamp);
    const r = await runCliAsync(['run', '--config', cfg, '--log-level', 'warn'], { stateDir: dir, input });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.split('\n').filter(Boolean);
    expect(out).toHaveLength(501);
    expect(out.map((l) => Number(/\/n\/(\d{6}) /.exec(l)![1]))).toEqual([...Array(501).keys()]);
    for (const l of out) expect(l.startsWith('81.6.12.0 - - [')).toBe(true);
    expect(r.stderr).toBe('');
  }, 30_000);

  it('runs a file tail, a syslog listener and a FIFO in one process into a file sink and stdout, each line once in each', async () => {
    const dir = tmp.make('run-multi');
    const port = await freePort('tcp');
    const fifo = join(dir, 'in.fifo');
    const cfg = config(
      dir,
      `input:
  format: combined
sources:
  - type: file
    name: tail
    path: access.log
    start_at: beginning
    poll_ms: 20
  - type: syslog
    name: sl
    port: ${port}
    protocol: tcp
  - type: fifo
    name: pipe
    path: in.fifo
sinks:
  - type: file
    dir: out
  - type: stdout
run:
  commit_ms: 50
`,
    );
    writeFileSync(join(dir, 'access.log'), numberedLines(0, 100, stamp));
    const g = await startedGallra(cfg, { stateDir: join(dir, 'state') });
    expect(existsSync(fifo)).toBe(true);
    // Writers come and go on the FIFO (a web server reopening its log): gallra holds it open, sees no end.
    for (const [from, to] of [
      [100, 150],
      [150, 200],
    ] as const) {
      const fd = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
      writeSync(fd, numberedLines(from, to, stamp));
      closeSync(fd);
    }
    const sock = net.connect(port, '127.0.0.1');
    try {
      await once(sock, 'connect');
      let msgs = '';
      for (let n = 200; n < 300; n++) msgs += `<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(n, stamp)}\n`;
      sock.end(msgs);
      await until(() => idCounts(readOutput(join(dir, 'out'))).size >= 300, () => `300 lines out, have ${idCounts(readOutput(join(dir, 'out'))).size}`);
    } finally {
      sock.destroy();
    }
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    for (const text of [readOutput(join(dir, 'out')), g.stdout()]) {
      const counts = idCounts(text);
      expect(missingIds(counts, 300)).toEqual([]);
      expect(duplicateIds(counts)).toEqual([]);
      expect(text.split('\n').filter(Boolean)).toHaveLength(300);
    }
  }, 30_000);
});

describe('gallra retention', () => {
  it('lists with --dry-run, then deletes, the day files older than the window and destroys closed salts, keeping the rest, and records it in the audit trail', () => {
    const dir = tmp.make('retention');
    const out = join(dir, 'out');
    const salts = join(dir, 'state', 'salts');
    mkdirSync(out, { recursive: true });
    mkdirSync(salts, { recursive: true, mode: 0o700 });
    const cfg = config(dir, 'retention:\n  keep: P30D\nsources:\n  - type: stdin\nsinks:\n  - type: file\n    dir: out\n    prefix: access\n');
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const now = Date.now();
    const old = [join(out, 'access-2020-01-01.log'), join(out, `access-${day(now - 40 * 86_400_000)}.log`)];
    const kept = [join(out, `access-${day(now)}.log`), join(out, `access-${day(now - 20 * 86_400_000)}.log`), join(out, 'other-2020-01-01.log'), join(out, 'access-2020-01-01.log.1')];
    for (const f of [...old, ...kept]) writeFileSync(f, 'x\n', { mode: 0o640 });
    const closedSalt = join(salts, 'P1D-20200101T000000Z.salt');
    const openSalt = join(salts, `P1D-${day(now).replace(/-/g, '')}T000000Z.salt`);
    for (const s of [closedSalt, openSalt]) writeFileSync(s, Buffer.alloc(32, 7), { mode: 0o600 });

    const dry = runCli(['retention', '--config', cfg, '--dry-run'], { stateDir: join(dir, 'state') });
    expect(dry.status, dry.stderr).toBe(0);
    for (const f of old) expect(dry.stdout).toContain(`file-1: would delete ${basename(f)}\n`);
    expect(dry.stdout).toContain('salts: would destroy salt P1D 2020-01-01T00:00:00Z\n');
    expect(dry.stdout).toMatch(/^3 to remove$/m);
    for (const f of [...old, ...kept, closedSalt, openSalt]) expect(existsSync(f), f).toBe(true);

    const real = runCli(['retention', '--config', cfg], { stateDir: join(dir, 'state') });
    expect(real.status, real.stderr).toBe(0);
    for (const f of old) expect(real.stdout).toContain(`file-1: deleted ${basename(f)}\n`);
    expect(real.stdout).toContain('salts: destroyed salt P1D 2020-01-01T00:00:00Z\n');
    expect(real.stdout).toContain(`recorded in the audit trail ${join(dir, 'state', 'audit.jsonl')}\n`);
    expect(real.stdout).toMatch(/^3 removed$/m);
    for (const f of [...old, closedSalt]) expect(existsSync(f), f).toBe(false);
    for (const f of [...kept, openSalt]) expect(existsSync(f), f).toBe(true);

    // Nothing left to do: a second run removes nothing.
    const again = runCli(['retention', '--config', cfg], { stateDir: join(dir, 'state') });
    expect(again.stdout).toMatch(/^0 removed$/m);
    expect(runCli(['retention'], { stateDir: dir }).status).toBe(2);
    expect(runCli(['audit', 'verify', '--config', cfg], { stateDir: join(dir, 'state') }).status).toBe(0);
  });
});
