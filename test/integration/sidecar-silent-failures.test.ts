/**
 * The failures a new operator met that said nothing, made loud, through the
 * built CLI as it is run: a file source whose path is a directory (was an
 * internal error with a stack trace), does not exist (waited without a
 * word), or is a .gz file (silently unparseable); `gallra anonymise` writing
 * 0 of N lines (said nothing without --stats); check-config's view of the
 * same paths; and the lifecycle events of a run (rotation, copytruncate, a
 * file finished, stdin's end, the stop summary with drops by reason).
 */
import { appendFileSync, copyFileSync, linkSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, runCliAsync, TempDirs } from '../helpers/cli.js';
import { idCounts, killAll, numberedLines, readOutput, startedGallra, until } from '../helpers/run.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const stamp = Date.now() - 3 * 60_000;

function config(dir: string, path: string, extra = ''): string {
  const file = join(dir, 'gallra.yaml');
  writeFileSync(file, `input:\n  format: combined\nsources:\n  - type: file\n    name: app\n    path: ${path}\n    start_at: beginning\n    poll_ms: 20\n    rotate_wait_ms: 100\n${extra}sinks:\n  - type: file\n    dir: out\nrun:\n  commit_ms: 50\n`);
  return file;
}

describe('a file source path gallra cannot follow', () => {
  it('that is a directory stops gallra run at start with exit 1 and the fix, not an internal error', () => {
    const dir = tmp.make('dir-path');
    mkdirSync(join(dir, 'logs'));
    const r = runCli(['run', '--config', config(dir, 'logs')], { stateDir: join(dir, 'state') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`gallra: ${join(dir, 'logs')} is a directory; name the log file in it (path: ${join(dir, 'logs', 'access.log')}) or a pattern for several (path: ${join(dir, 'logs', '*.log')})`);
    expect(r.stderr).not.toMatch(/internal error|EISDIR|\n\s+at /);
  });

  it('that names a gzip file is rejected when the config is read (exit 2), and one with gzip bytes at start (exit 1)', () => {
    const dir = tmp.make('gz-path');
    const named = runCli(['run', '--config', config(dir, 'access.log.2.gz')], { stateDir: join(dir, 'state') });
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/gallra\.yaml:\d+:\d+: sources\[0\]\.path: a compressed file is never appended to, so there is nothing to follow; read rotated \.gz files once with: gallra anonymise FILE\.gz/);
    writeFileSync(join(dir, 'access.log'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    const sniffed = runCli(['run', '--config', config(dir, 'access.log')], { stateDir: join(dir, 'state') });
    expect(sniffed.status).toBe(1);
    expect(sniffed.stderr).toContain('is gzip-compressed; a compressed file is never appended to');
  });

  it('that does not exist yet is a warning at start, and the file is followed once it appears', async () => {
    const dir = tmp.make('missing-path');
    const g = await startedGallra(config(dir, 'access.log'), { stateDir: join(dir, 'state') });
    expect(g.stderr()).toMatch(/"level":40,[^\n]*"msg":"app: [^"]*access\.log does not exist yet; it is followed from its first byte once it appears"/);
    writeFileSync(join(dir, 'access.log'), numberedLines(0, 5, stamp));
    await until(() => idCounts(readOutput(join(dir, 'out'))).size >= 5, 'the lines of the file that appeared');
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 30_000);
});

describe('gallra check-config on paths', () => {
  it('lists a missing log file as a warning (exit 0) and a directory as an error with the fix (exit 2)', () => {
    const dir = tmp.make('cc-paths');
    const missing = runCli(['check-config', '--config', config(dir, 'access.log')], { stateDir: join(dir, 'state') });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toMatch(/^ {2}source app {15}tail .*access\.log, from its beginning on first start, format combined; position in .*\n {27}warning: .*access\.log does not exist yet; it is followed from its first byte once it appears$/m);
    mkdirSync(join(dir, 'logs'));
    const directory = runCli(['check-config', config(dir, 'logs')], { stateDir: join(dir, 'state') });
    expect(directory.status).toBe(2);
    expect(directory.stdout).toMatch(/^ {27}error: .*logs is a directory; name the log file in it/m);
    expect(directory.stderr).toMatch(/^gallra check-config: source app: .*logs is a directory; name the log file in it/);
  });

  it('says how to run it in its usage line: check-config [--config] FILE, and --log-level', () => {
    const r = runCli(['check-config', '--help'], { stateDir: tmp.make('cc-help') });
    expect(r.stdout).toMatch(/^Usage: gallra check-config \[--json\] \[--config\] FILE$/m);
    expect(r.stdout).toMatch(/^ {2}--log-level L /m);
  });
});

describe('gallra anonymise writing nothing', () => {
  it('says why on stderr without --stats: the format that would have parsed the lines', () => {
    const json = Array.from({ length: 4 }, (_, i) => `{"time":"${new Date(stamp).toISOString()}","remote_addr":"81.6.12.34","request":"GET /${i} HTTP/1.1","status":200}\n`).join('');
    const r = runCli(['anonymise', '--format', 'combined'], { stateDir: tmp.make('anon0'), input: json });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('gallra anonymise: 0 of 4 lines written: 4 did not parse as combined (they parse as json: use --format json)\n');
  });

  it('says why when every line is older than the retention window', () => {
    const r = runCli(['anonymise', '--format', 'combined'], { stateDir: tmp.make('anon-old'), input: numberedLines(0, 3, Date.parse('2020-01-01T00:00:00Z')) });
    expect(r.stderr).toBe('gallra anonymise: 0 of 3 lines written: 3 were older than the retention window (retention.keep P6M): old lines replayed, or a clock far behind?\n');
  });

  it('stays quiet when lines are written', () => {
    const r = runCli(['anonymise', '--format', 'combined'], { stateDir: tmp.make('anon-ok'), input: `${numberedLines(0, 3, stamp)}junk\n` });
    expect(r.stderr).toBe('');
  });
});

describe('lifecycle events in the log of gallra run', () => {
  it('logs a rename rotation, a copytruncate, each finished file, and a stop summary with drops by reason', async () => {
    const dir = tmp.make('events');
    const log = join(dir, 'access.log');
    writeFileSync(log, `${numberedLines(0, 5, stamp)}not a log line\n`);
    const g = await startedGallra(config(dir, 'access.log'), { stateDir: join(dir, 'state') });
    const out = (): number => idCounts(readOutput(join(dir, 'out'))).size;
    await until(() => out() >= 5, 'the first lines');
    // The old file kept as access.log.1 and a new one put in its place in one
    // step (a rename over it): access.log never goes missing, so the tail
    // always sees it name a new file (with logrotate's rename-then-create, a
    // poll between the two steps sees it missing first — also handled, and
    // logged differently).
    linkSync(log, `${log}.1`);
    writeFileSync(`${log}.new`, numberedLines(5, 10, stamp));
    renameSync(`${log}.new`, log);
    await until(() => out() >= 10, 'the lines after the rotation');
    await g.waitForLog(/"msg":"app: finished [^"]*access\.log \(\d+ bytes\)"/);
    copyFileSync(log, `${log}.2`);
    truncateSync(log, 0);
    appendFileSync(log, numberedLines(10, 12, stamp));
    await until(() => out() >= 12, 'the lines after the copytruncate');
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const err = g.stderr();
    expect(err).toMatch(/"msg":"app: rotation detected: [^"]*access\.log names a new file; finishing the old one once it stays quiet for 100 ms"/);
    expect(err).toMatch(/"msg":"app: copytruncate detected: [^"]*access\.log was truncated in place at byte \d+; reading it again from its start"/);
    const stopped = err.split('\n').find((l) => l.includes('"msg":"gallra run stopped"'))!;
    expect(JSON.parse(stopped)).toMatchObject({ sources: [{ source: 'app', lines_in: 13, lines_out: 12, dropped: { unparsed: 1 } }] });
    expect(err).not.toContain('81.6.12.34');
  }, 30_000);

  it('logs the end of stdin', async () => {
    const dir = tmp.make('stdin-eof');
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, 'input:\n  format: combined\nsources:\n  - type: stdin\n    name: apache\nsinks:\n  - type: file\n    dir: out\n');
    const r = await runCliAsync(['run', '--config', cfg], { stateDir: join(dir, 'state'), input: numberedLines(0, 3, stamp) });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/"msg":"apache: end of input \(the writer closed it\); writing what is left and stopping"/);
    expect(idCounts(readOutput(join(dir, 'out'))).size).toBe(3);
  }, 30_000);
});
