/**
 * The cloud formats end to end, as an operator runs them: `gallra anonymise
 * --format alb` over gzipped load-balancer logs, `--format auto` over a
 * mixed file, and `gallra run` tailing CDR files (CSV with a header, JSON
 * lines) into a file sink. Dates are moved to just before the real clock
 * (the CLI reads it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { Runner } from '../../src/runtime/runner.js';
import { ensureBuilt, gzipSync, leaks, lines, runCli, TempDirs } from '../helpers/cli.js';
import { fixtureText, restampedFixture, restampText } from '../helpers/cloud.js';
import { readOutput, until } from '../helpers/run.js';
import { Cleanups } from '../helpers/wait.js';

const tmp = new TempDirs();
const cleanups = new Cleanups();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(async () => {
  await cleanups.run();
});
afterAll(() => tmp.cleanup());

const NOW = Date.now() - 10 * 60_000;

describe('cloud formats from the command line', () => {
  it('gallra anonymise --format alb elb-logs/*.log.gz: every line of every gzipped file, no client address, account id or trace', () => {
    const dir = tmp.make('alb');
    const logs = path.join(dir, 'elb-logs');
    fs.mkdirSync(logs);
    const files = ['alb-current.log', 'alb-constructed.log'].map((f, i) => {
      const file = path.join(logs, `123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_${i}.log.gz`);
      fs.writeFileSync(file, gzipSync(Buffer.from(restampedFixture('alb', f, NOW))));
      return file;
    });
    const r = runCli(['anonymise', '--stats', '--format', 'alb', ...files], { stateDir: path.join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(10);
    expect(r.stderr).toContain('10 lines in, 10 out, 0 dropped');
    const secrets = ['192.168.131.39', '10.0.1.252', '205.210.31.158', '2001:db8:85a3::8a2e:370:7334', '3.34.116.99', '123456789012', 'Root=1-58337262', 'alice@example.com', 'TID_1234abcd5678ef90'];
    expect(leaks(r.stdout + r.stderr, secrets, true)).toEqual([]);
  });

  it('gallra anonymise --format auto mixed.log: each line by its own format, headers written back before their entries', () => {
    const dir = tmp.make('mixed');
    const pick = (format: string, file: string, n: number): string[] =>
      restampedFixture(format, file, NOW)
        .split('\n')
        .filter((l) => l !== '')
        .slice(0, n);
    const mixed = [
      ...pick('alb', 'alb-current.log', 2),
      ...pick('s3', 's3.log', 1),
      ...pick('gcp_lb', 'gcp_lb.log', 1),
      ...pick('caddy', 'caddy.log', 1),
      ...pick('cdr', 'cdr.log', 1),
      ...pick('haproxy', 'haproxy-bare.log', 1),
      ...restampText('cloudfront', fixtureText('cloudfront', 'cloudfront.log'), NOW).trim().split('\n'),
    ].join('\n');
    const file = path.join(dir, 'mixed.log');
    fs.writeFileSync(file, `${mixed}\n`);
    const r = runCli(['anonymise', '--stats', '--format', 'auto', file], { stateDir: path.join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    // 13 events and CloudFront's two header lines.
    expect(out).toHaveLength(15);
    expect(out[7]).toBe('#Version: 1.0');
    expect(r.stderr).toContain('13 lines in, 13 out, 0 dropped');
    expect(leaks(r.stdout, ['192.168.131.39', '198.51.100.23', '192.0.2.100', '46701234567', '127.0.0.1:33319'], true)).toEqual([]);
  });

  it('gallra run with file sources and format: cdr reads CSV (header per file) and JSON lines, writing the header back', async () => {
    const dir = tmp.make('cdr-run');
    fs.writeFileSync(path.join(dir, 'calls.csv'), restampedFixture('cdr', 'cdr.csv', NOW));
    fs.writeFileSync(path.join(dir, 'sessions.log'), restampedFixture('cdr', 'cdr.log', NOW));
    fs.writeFileSync(
      path.join(dir, 'gallra.yaml'),
      `sources:
  - type: file
    name: csv
    path: calls.csv
    format: cdr
    start_at: beginning
    poll_ms: 20
  - type: file
    name: json
    path: sessions.log
    format: cdr
    start_at: beginning
    poll_ms: 20
sinks:
  - type: file
    name: out
    dir: out
run:
  commit_ms: 50
`,
    );
    const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
    const runner = new Runner(loadPolicy(path.join(dir, 'gallra.yaml'), env), { logger: createLogger('silent'), env });
    await runner.start();
    const done = runner.run();
    done.catch(() => undefined);
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    const out = path.join(dir, 'out');
    await until(() => lines(readOutput(out)).length >= 9, () => `9 lines in ${out}, have ${lines(readOutput(out)).length}`);
    const text = readOutput(out);
    expect(text).toMatch(/^record_type,direction,start_time,/m);
    expect(lines(text).filter((l) => l.startsWith('{'))).toHaveLength(4);
    expect(leaks(text, ['46701234567', '240011234567890', '3534590712345601', '490154203237518', '10.64.12.7', 'Main St'], true)).toEqual([]);
    // Times, durations and volumes are kept.
    expect(text).toContain('"bytes_down":1290441');
  });
});
