/**
 * The Runner in-process, with real sources and sinks on loopback: the health
 * and metrics listener (/healthz, /readyz 200 while running and 503 once a
 * shutdown began, Prometheus /metrics with sensible values), what start()
 * releases when it fails, and the config checks it makes before anything runs.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { httpConfigSchema } from '../../src/policy/run-sections.js';
import { Runner } from '../../src/runtime/runner.js';
import { readCheckpoint } from '../../src/sources/file/checkpoint.js';
import { syslogSourceConfigSchema } from '../../src/sources/syslog/config.js';
import type { SyslogSource } from '../../src/sources/syslog/syslog-source.js';
import { TempDirs } from '../helpers/cli.js';
import { freePort, httpGet, idCounts, metric, numberedLine, numberedLines, readOutput, until } from '../helpers/run.js';
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

const logger = createLogger('silent');

function makeRunner(yaml: string): { runner: Runner; dir: string } {
  const dir = tmp.make('runner');
  const file = path.join(dir, 'gallra.yaml');
  fs.writeFileSync(file, yaml);
  const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
  const runner = new Runner(loadPolicy(file, env), { logger, env });
  return { runner, dir };
}

/** Starts the runner and its run loop; shuts it down and waits for it in cleanup. */
async function startRunner(runner: Runner): Promise<{ done: Promise<number> }> {
  await runner.start();
  const done = runner.run();
  done.catch(() => undefined);
  cleanups.add(async () => {
    runner.shutdown();
    await done.catch(() => undefined);
  });
  // Wrapped: an async function returning the promise itself would wait for it.
  return { done };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

const stamp = Date.now() - 3 * 60_000;

describe('Runner', { timeout: 20_000 }, () => {
  it('listens on 127.0.0.1 by default, for HTTP and for syslog', () => {
    expect(httpConfigSchema.parse({ port: 9464 }).host).toBe('127.0.0.1');
    expect(syslogSourceConfigSchema.parse({ type: 'syslog', port: 5514 }).host).toBe('127.0.0.1');
  });

  it('serves /healthz, /readyz and /metrics with lines read, written and dropped per source and sink, and the checkpoint lag', async () => {
    const { runner, dir } = makeRunner(`input:
  format: combined
sources:
  - type: file
    name: tail
    path: access.log
    start_at: beginning
    poll_ms: 20
  - type: syslog
    name: sl
    port: 0
    protocol: both
sinks:
  - type: file
    name: out
    dir: out
http:
  port: 0
run:
  commit_ms: 50
`);
    fs.writeFileSync(path.join(dir, 'access.log'), `${numberedLines(0, 20, stamp)}not a log line\nnor this\n${numberedLine(20, Date.parse('2020-01-01T00:00:00Z'))}\n`);
    await startRunner(runner);
    const port = runner.httpPort!;
    expect(port).toBeGreaterThan(0);

    const health = await httpGet(port, '/healthz');
    expect([health.status, health.body]).toEqual([200, 'ok\n']);
    expect((await httpGet(port, '/readyz')).status).toBe(200);
    expect((await httpGet(port, '/nothing')).status).toBe(404);
    expect((await httpGet(port, '/metrics', 'POST')).status).toBe(405);

    const sl = runner.sourceList.find((s) => s.name === 'sl') as SyslogSource;
    const udp = dgram.createSocket('udp4');
    cleanups.add(() => void udp.close());
    for (let n = 100; n < 105; n++) udp.send(`<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(n, stamp)}`, sl.ports.udp!, '127.0.0.1');
    const tcp = net.connect(sl.ports.tcp!, '127.0.0.1');
    cleanups.add(() => void tcp.destroy());
    await once(tcp, 'connect');
    tcp.write(`<190>${'x'.repeat(70_000)}\n<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(105, stamp)}\n`);
    await until(() => idCounts(readOutput(path.join(dir, 'out'))).size >= 26, () => `the 26 good lines in the day file, have ${[...idCounts(readOutput(path.join(dir, 'out'))).keys()].join(',')}`);
    // The lines reach the file at the flush; the checkpoint follows the fsync.
    const size = fs.statSync(path.join(dir, 'access.log')).size;
    await until(() => readCheckpoint(path.join(dir, 'state', 'checkpoints', 'tail.json'))?.offset === size, 'the checkpoint at the end of access.log');

    const m = await httpGet(port, '/metrics');
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain/);
    for (let k = 0; k < 2; k++) {
      // Scraped twice: counters are totals, not increments since the last scrape nor sums of scrapes.
      const text = (await httpGet(port, '/metrics')).body;
      expect(metric(text, 'gallra_lines_read_total', { source: 'tail' })).toBe(23);
      expect(metric(text, 'gallra_lines_read_total', { source: 'sl' })).toBe(6);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'tail', reason: 'unparsed' })).toBe(2);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'tail', reason: 'expired' })).toBe(1);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'sl', reason: 'oversize' })).toBe(1);
      expect(metric(text, 'gallra_lines_written_total', { sink: 'out' })).toBe(26);
      expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' })).toBe(0);
      expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'sl' })).toBe(0);
      const age = metric(text, 'gallra_checkpoint_age_seconds', { source: 'tail' })!;
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    }
  });

  it('answers /readyz 503 once a shutdown has begun, and closes the listener when run() returns', async () => {
    const { runner } = makeRunner(`sources:
  - type: syslog
    port: 0
sinks:
  - type: stdout
http:
  port: 0
`);
    await runner.start();
    const port = runner.httpPort!;
    try {
      expect((await httpGet(port, '/readyz')).status).toBe(200);
      runner.shutdown();
      const r = await httpGet(port, '/readyz');
      expect([r.status, r.body]).toEqual([503, 'not ready: shutting down\n']);
      // Alive, though: /healthz still answers.
      expect((await httpGet(port, '/healthz')).status).toBe(200);
    } finally {
      runner.shutdown();
      expect(await runner.run()).toBe(0);
    }
    expect(await refused(port)).toBe(true);
  });

  it('releases the ports it bound when start() fails, so the process can exit', async () => {
    const syslogPort = await freePort('both');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.add(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as net.AddressInfo).port;
    const { runner } = makeRunner(`sources:
  - type: syslog
    port: ${syslogPort}
    protocol: both
sinks:
  - type: stdout
http:
  port: ${taken}
`);
    const err = await runner.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGallraError(err) && err.code).toBe('GALLRA_HTTP_FAILED');
    expect((err as Error).message).toContain(`127.0.0.1:${taken}`);
    // The syslog port is free again, for TCP and UDP.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(syslogPort, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const u = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      u.once('error', reject);
      u.bind(syslogPort, '127.0.0.1', resolve);
    });
    u.close();
  });

  it('refuses a config without sources or sinks, with two sources of one name, or with an unknown source format', () => {
    const problem = (yaml: string): string => {
      try {
        makeRunner(yaml);
      } catch (err) {
        expect(isGallraError(err) && err.code).toBe('GALLRA_CONFIG_INVALID');
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(problem('input:\n  format: combined\n')).toMatch(/gallra\.yaml: gallra run needs sources: and sinks:/);
    expect(problem('sinks:\n  - type: stdout\n')).toMatch(/needs sources: and sinks:/);
    expect(problem('sources:\n  - type: stdin\n')).toMatch(/needs sources: and sinks:/);
    expect(problem('sources:\n  - type: stdin\n    name: a\n  - type: syslog\n    name: a\n    port: 0\nsinks:\n  - type: stdout\n')).toMatch(/gallra\.yaml:\d+:\d+: sources\[1\]\.name: sources\[0\] and sources\[1\] are both named a/);
    expect(problem('sources:\n  - type: stdin\n    format: nope\nsinks:\n  - type: stdout\n')).toMatch(/sources\[0\]\.format: unknown format "nope"/);
  });
});

describe('Runner housekeeping', { timeout: 20_000 }, () => {
  it('holds the file sinks to the retention window while no line arrives: day files from before the window go, recent ones stay', async () => {
    const { runner, dir } = makeRunner(`input:
  format: combined
sources:
  - type: fifo
    path: idle.fifo
sinks:
  - type: file
    dir: out
`);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out, { recursive: true });
    const old = path.join(out, 'access-2020-01-01.log');
    const today = path.join(out, `access-${new Date().toISOString().slice(0, 10)}.log`);
    fs.writeFileSync(old, 'old line\n');
    fs.writeFileSync(today, 'recent line\n');
    // Only the housekeeping interval is faked: the minute passes when the test says.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      await startRunner(runner);
      // At start (no input ever arrives on the FIFO)…
      await until(() => !fs.existsSync(old), () => 'the expired day file to go at start');
      expect(fs.readFileSync(today, 'utf8')).toBe('recent line\n');
      // …and each minute after.
      const older = path.join(out, 'access-2020-01-02.log');
      fs.writeFileSync(older, 'old line\n');
      vi.advanceTimersByTime(60_000);
      await until(() => !fs.existsSync(older), () => 'the expired day file to go after a minute');
      expect(fs.readFileSync(today, 'utf8')).toBe('recent line\n');
    } finally {
      vi.useRealTimers();
    }
  });
});
