/**
 * gallra beside a real nginx, as an operator runs it: nginx (started by the
 * test on 127.0.0.1, its own prefix directory and config) serves requests
 * from a test client and logs them either over syslog to gallra's listener
 * or to a file gallra tails while it is rotated (rename + `nginx -s reopen`).
 * Every request must appear exactly once in gallra's daily file, anonymised.
 *
 * CI installs nginx (.ci/run); where it is missing the tests are skipped
 * with a message saying so.
 */
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { NGINX_MISSING, request, startNginx, stopAllNginx } from '../helpers/nginx.js';
import { freePort, httpGet, killAll, metric, readOutput, startedGallra, until } from '../helpers/run.js';

if (NGINX_MISSING !== undefined) process.stderr.write(`[sidecar-nginx.test] ${NGINX_MISSING}\n`);

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(async () => {
  await stopAllNginx();
  await killAll();
});
afterAll(() => tmp.cleanup());

/** A user agent unique to request `n`: the minor version and the trailing token must not survive. */
const userAgent = (n: number): string => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.${n} Safari/537.36 probe-${n}`;
const requestPath = (n: number): string => `/t/${n}?email=a${n}%40ex.se`;

/** Sends requests `from`..`to-1`, a few at a time; every one must be answered 200. */
async function sendRequests(port: number, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n += 8) {
    const batch: Promise<number>[] = [];
    for (let k = n; k < Math.min(to, n + 8); k++) batch.push(request(port, requestPath(k), userAgent(k)));
    expect(await Promise.all(batch)).toEqual(batch.map(() => 200));
  }
}

/** `/t/<n>` → how often, from gallra's output. */
function requestCounts(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of text.matchAll(/"GET \/t\/(\d+)\?/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

/**
 * Every output line is one of our requests, anonymised: client 127.0.0.0,
 * the e-mail parameter redacted, the user agent generalised; and request
 * 0..n-1 each appear exactly once.
 */
function expectEachRequestOnceAnonymised(out: string, n: number): void {
  const lines = out.split('\n').filter((l) => l !== '');
  const counts = requestCounts(out);
  const wrong = [...Array(n).keys()].filter((k) => counts.get(k) !== 1).map((k) => `${k}×${counts.get(k) ?? 0}`);
  expect(wrong, 'requests not written exactly once').toEqual([]);
  expect(lines).toHaveLength(n);
  for (const line of lines) {
    expect(line).toMatch(/^127\.0\.0\.0 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/t\/\d+\?email=\[[a-z]+\] HTTP\/1\.1" 200 3 "-" "Mozilla\/5\.0 \(Linux; Desktop\) Chrome\/124"$/);
  }
  expect(out).not.toContain('127.0.0.1');
  expect(out).not.toMatch(/%40|@ex\.se|probe-|6367/);
}

function gallraConfig(dir: string, body: string): string {
  const file = join(dir, 'gallra.yaml');
  writeFileSync(file, `input:\n  format: combined\n${body}sinks:\n  - type: file\n    dir: out\n    prefix: access\nrun:\n  commit_ms: 50\n`);
  return file;
}

describe.skipIf(NGINX_MISSING !== undefined)('gallra as the sidecar of a real nginx', () => {
  it('writes every request nginx logs over syslog exactly once, anonymised, to a daily file of mode 0640', async () => {
    const dir = tmp.make('nginx-syslog');
    const syslogPort = await freePort('udp');
    const httpPort = await freePort('tcp');
    const cfg = gallraConfig(dir, `sources:\n  - type: syslog\n    name: nginx-syslog\n    port: ${syslogPort}\n    protocol: udp\nhttp:\n  port: ${httpPort}\n`);
    const gallra = await startedGallra(cfg, { stateDir: join(dir, 'state') });
    const nginx = await startNginx(dir, `syslog:server=127.0.0.1:${syslogPort},tag=nginx,severity=info`);

    const N = 120;
    await sendRequests(nginx.port, 0, N);
    // nginx sends each line as it is logged; gallra commits within commit_ms without being stopped.
    await until(() => requestCounts(readOutput(join(dir, 'out'))).size >= N, () => `${N} requests in gallra's output; have ${requestCounts(readOutput(join(dir, 'out'))).size}; nginx: ${nginx.errorLog()}`);
    const metrics = (await httpGet(httpPort, '/metrics')).body;
    expect(metric(metrics, 'gallra_lines_read_total', { source: 'nginx-syslog' })).toBe(N);
    expect(metric(metrics, 'gallra_lines_written_total', { sink: 'file-1' })).toBe(N);

    await nginx.stop();
    expect(await gallra.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const out = readOutput(join(dir, 'out'));
    expectEachRequestOnceAnonymised(out, N);
    const files = readdirSync(join(dir, 'out'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f).toMatch(/^access-\d{4}-\d{2}-\d{2}\.log$/);
      expect((statSync(join(dir, 'out', f)).mode & 0o777).toString(8)).toBe('640');
    }
  }, 60_000);

  it('follows the access log nginx writes across a rename rotation and reopen, and resumes after a restart without repeating a line', async () => {
    const dir = tmp.make('nginx-file');
    const accessLog = join(dir, 'access.log');
    const cfg = gallraConfig(dir, `sources:\n  - type: file\n    name: nginx-access\n    path: access.log\n    start_at: beginning\n    poll_ms: 20\n    rotate_wait_ms: 300\n`);
    const nginx = await startNginx(dir, accessLog);
    const stateDir = join(dir, 'state');
    let gallra = await startedGallra(cfg, { stateDir });
    const seen = (): number => requestCounts(readOutput(join(dir, 'out'))).size;

    await sendRequests(nginx.port, 0, 40);
    await until(() => seen() >= 40, () => `40 requests in the output, have ${seen()}`);
    // logrotate: rename, then postrotate `nginx -s reopen`. Requests between the two still go to the renamed file.
    renameSync(accessLog, `${accessLog}.1`);
    await sendRequests(nginx.port, 40, 60);
    await nginx.reopen(accessLog);
    await sendRequests(nginx.port, 60, 100);
    await until(() => seen() >= 100, () => `100 requests in the output, have ${seen()}; nginx: ${nginx.errorLog()}`);
    expect(readFileSync(`${accessLog}.1`, 'utf8').split('\n').filter(Boolean)).toHaveLength(60);
    expect(await gallra.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // The checkpoint names the new file, at its end: a restart goes on from there.
    const cp = JSON.parse(readFileSync(join(stateDir, 'checkpoints', 'nginx-access.json'), 'utf8')) as { ino: string; offset: number };
    const live = statSync(accessLog, { bigint: true });
    expect(cp.ino).toBe(live.ino.toString());
    expect(cp.offset).toBe(Number(live.size));

    await sendRequests(nginx.port, 100, 110); // while gallra is down
    gallra = await startedGallra(cfg, { stateDir });
    await sendRequests(nginx.port, 110, 120);
    await until(() => seen() >= 120, () => `120 requests in the output, have ${seen()}`);
    await nginx.stop();
    expect(await gallra.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expectEachRequestOnceAnonymised(readOutput(join(dir, 'out')), 120);
  }, 60_000);
});
