/**
 * gallra's own output on stderr — its JSON log and its error messages — never
 * carries an address, identifier or input line, at the most verbose log level,
 * over input built to provoke it: unparseable lines full of addresses,
 * e-mail addresses and tokens, bad bytes, a corrupt gzip file, a missing file,
 * and a policy whose rejected values are personal data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, fixture, FIXTURES, GARBAGE_FIXTURE_IDENTIFIERS, leaks, lines, runCli, TempDirs, writeFixture } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

/** What the malicious inputs hold: none of it may reach stderr. */
const RAW = [
  ...GARBAGE_FIXTURE_IDENTIFIERS,
  // fixtures/bad/mixed.log
  '81.6.12.34',
  '85.229.3.201',
  'mallory.invalid',
  'leak.utf8@example.com',
  '193.10.250.77',
  'nul.user',
  'Nul0Byte0Token0Value0abcdef12',
  '203.0.113.77',
  'long.user',
  'leak.long@example.com',
  '198.51.100.23',
  'leak.json@example.com',
  '192.0.2.45',
  // fixtures/bad/corrupt.log.gz (what it would have held)
  '198.51.100.1 ',
  'corrupt.user',
  'corrupt1@example.com',
  // fixtures/config/bad-ip-values.yaml
  'alice.lindqvist@example.se',
];

interface LogLine {
  level: number;
  msg?: string;
}

/** Splits stderr into gallra's JSON log lines and its plain messages; every line must be one or the other. */
function splitStderr(stderr: string): { log: LogLine[]; messages: string[] } {
  const log: LogLine[] = [];
  const messages: string[] = [];
  for (const line of lines(stderr)) {
    if (line.startsWith('{')) log.push(JSON.parse(line) as LogLine);
    else messages.push(line);
  }
  return { log, messages };
}

describe("gallra's own log", () => {
  it('at --log-level debug with GALLRA_LOG_LEVEL=trace holds no raw address, identifier or input line from malicious input', () => {
    const dir = tmp.make('logpriv');
    const files = [writeFixture(dir, 'bad/garbage.log'), writeFixture(dir, 'bad/mixed.log'), join(FIXTURES, 'bad', 'corrupt.log.gz'), join(dir, 'missing.log')];
    for (const unparsed of ['drop', 'scrub']) {
      const r = runCli(['anonymise', '--log-level', 'debug', '--stats', '--unparsed', unparsed, ...files], { stateDir: dir, env: { GALLRA_LOG_LEVEL: 'trace' } });
      expect(r.status).toBe(1);
      expect(leaks(r.stderr, RAW, true), `stderr with --unparsed ${unparsed}`).toEqual([]);
      // Not vacuous: the log did speak (start, each failed input, the counts), and the failures were reported.
      const { log, messages } = splitStderr(r.stderr);
      expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['anonymise starting', 'input failed', 'anonymise done']));
      expect(messages.some((m) => m.includes('corrupt.log.gz: corrupt or truncated gzip data'))).toBe(true);
      expect(messages.some((m) => m.includes('missing.log: cannot open'))).toBe(true);
      // No input line, not even a redacted one, is logged.
      for (const line of lines(fixture('bad/garbage.log').toString('utf8'))) expect(r.stderr).not.toContain(line.slice(0, 20));
      if (unparsed === 'scrub') expect(leaks(r.stdout, RAW, true), 'scrubbed stdout').toEqual([]);
    }
  });

  it('honours --log-level=LEVEL, --log-level LEVEL and GALLRA_LOG_LEVEL, the flag first', () => {
    const dir = tmp.make('logpriv');
    const file = writeFixture(dir, 'common/access.log');
    const infoLines = (args: string[], env: Record<string, string> = {}): number =>
      splitStderr(runCli(['anonymise', ...args, file], { stateDir: dir, env }).stderr).log.filter((l) => l.level === 30).length;
    expect(infoLines([])).toBe(0);
    expect(infoLines(['--log-level', 'info'])).toBe(2);
    expect(infoLines(['--log-level=info'])).toBe(2);
    expect(infoLines([], { GALLRA_LOG_LEVEL: 'debug' })).toBe(2);
    expect(infoLines(['--log-level', 'warn'], { GALLRA_LOG_LEVEL: 'trace' })).toBe(0);
    const silent = runCli(['anonymise', '--log-level', 'silent', file, join(dir, 'missing.log')], { stateDir: dir });
    expect(splitStderr(silent.stderr).log).toEqual([]);
    // Silencing the log does not silence the error message.
    expect(silent.stderr).toContain('missing.log: cannot open');
  });

  it('a rejected policy whose values are personal data is reported without them, at any log level', () => {
    const dir = tmp.make('logpriv');
    const bad = join(FIXTURES, 'config', 'bad-ip-values.yaml');
    for (const args of [['check-config', bad], ['anonymise', '--config', bad], ['salts', 'list', '--config', bad]]) {
      const r = runCli([...args, '--log-level', 'trace'], { stateDir: dir, env: { GALLRA_LOG_LEVEL: 'trace' }, input: '' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/bad-ip-values\.yaml:\d+:\d+: /);
      expect(leaks(r.stderr, ['alice.lindqvist@example.se', '193.10.250.77', '81.6.12.34'], true), args.join(' ')).toEqual([]);
    }
  });
});
