/**
 * The command line contract: help for every command, the version, and exit
 * codes — 0 ok, 1 an input, output or the keyring failed, 2 usage or config
 * error — with a message on stderr that says what to do.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clfTime, ensureBuilt, FIXTURES, ROOT, runCli, TempDirs, today, writeFixture } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

const COMMANDS = ['anonymise', 'check-config', 'salts'] as const;

describe('help and version', () => {
  it.each([['--help'], ['-h'], ['help']])('gallra %s prints the overview with every command and exits 0', (flag) => {
    const r = runCli([flag], { stateDir: tmp.make('usage') });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gallra <command>/);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
    expect(r.stderr).toBe('');
  });

  it.each(COMMANDS)('gallra %s --help (and -h, and gallra help <command>) prints its usage and exits 0', (command) => {
    const stateDir = tmp.make('usage');
    const long = runCli([command, '--help'], { stateDir });
    expect(long.status).toBe(0);
    expect(long.stderr).toBe('');
    expect(long.stdout).toMatch(new RegExp(`^Usage: gallra ${command}\\b`));
    expect(long.stdout).toMatch(/-h, --help/);
    expect(runCli([command, '-h'], { stateDir }).stdout).toBe(long.stdout);
    expect(runCli(['help', command], { stateDir }).stdout).toBe(long.stdout);
    // --help wins over everything else on the line, even arguments that would be errors.
    const withJunk = runCli([command, '--help', '--config', join(stateDir, 'missing.yaml')], { stateDir });
    expect(withJunk.status).toBe(0);
    expect(withJunk.stdout).toBe(long.stdout);
  });

  it('anonymise --help documents every option it accepts', () => {
    const r = runCli(['anonymise', '--help'], { stateDir: tmp.make('usage') });
    for (const opt of ['--format', '--config', '--output', '--unparsed', '--stats', '--log-level']) expect(r.stdout).toContain(opt);
  });

  it('gallra --version prints the package version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version'], { stateDir: tmp.make('usage') });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`gallra ${version}\n`);
  });

  it('gallra without a command is a usage error: exit 2, the overview on stderr, nothing on stdout', () => {
    const r = runCli([], { stateDir: tmp.make('usage') });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Usage: gallra <command>/);
  });
});

describe('exit codes', () => {
  const usage: [string, string[], RegExp][] = [
    ['an unknown flag', ['anonymise', '--bogus'], /gallra anonymise: Unknown option '--bogus'[\s\S]*see: gallra anonymise --help/],
    ['an unknown short flag', ['anonymise', '-q'], /Unknown option '-q'/],
    ['a flag without its value', ['anonymise', '--format'], /--format/],
    ['an unknown command', ['anonymize'], /unknown command "anonymize" \(did you mean anonymise\?\)[\s\S]*anonymise, run, retention, status, audit, subject, check-config, salts/],
    ['a command name that is an Object.prototype property', ['toString'], /unknown command "toString"/],
    ['an unknown --format', ['anonymise', '--format', 'apache2'], /unknown --format "apache2"; use auto or one of: combined, common, vhost_combined, alb, elb, s3, cloudfront, vpcflow, gcp_lb, cloudflare, azure_frontdoor, w3c, iis, haproxy, caddy, cdr, json/],
    ['a --format that is an Object.prototype property', ['anonymise', '--format', 'constructor'], /unknown --format "constructor"/],
    // Values that may be personal data pasted by mistake are not repeated.
    ['a --format that is an e-mail address', ['anonymise', '--format', 'anna.svensson@example.com'], /^gallra anonymise: unknown --format \(a value not shown: it may be personal data\); use auto/],
    ['a flag that is an e-mail address', ['anonymise', '--anna.svensson@example.com'], /^gallra anonymise: Unknown option \(a value not shown: it may be personal data\)/],
    ['a command that is an address', ['81.6.12.34'], /^gallra: unknown command \(a value not shown: it may be personal data\)/],
    ['a bad --unparsed', ['anonymise', '--unparsed', 'keep'], /--unparsed must be one of drop, scrub, not "keep"/],
    ['a bad --log-level', ['anonymise', '--log-level', 'loud'], /--log-level must be one of fatal, error, warn, info, debug, trace, silent/],
    ['a bad --log-level=', ['anonymise', '--log-level=loud'], /--log-level must be one of/],
    ['an unknown check-config flag', ['check-config', '--yaml'], /gallra check-config: Unknown option '--yaml'/],
    ['two policy files for check-config', ['check-config', 'a.yaml', 'b.yaml'], /give one policy file/],
    ['salts without an action', ['salts'], /say list, rotate or destroy/],
    ['an unknown salts action', ['salts', 'shred'], /say list, rotate or destroy/],
    ['salts list --all', ['salts', 'list', '--all'], /--all goes with destroy only/],
  ];
  it.each(usage)('%s is a usage error: exit 2 and a message on stderr', (_, args, message) => {
    const r = runCli(args, { stateDir: tmp.make('usage') });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/anna\.svensson|81\.6\.12\.34/);
  });

  it('a config error is exit 2 for every command that reads a policy: missing file, bad YAML, bad field', () => {
    const stateDir = tmp.make('usage');
    const missing = join(stateDir, 'nope.yaml');
    const cases: [string, RegExp][] = [
      [missing, new RegExp(`${missing}: cannot read the config \\(no such file\\)`)],
      [join(FIXTURES, 'config', 'bad-syntax.yaml'), /bad-syntax\.yaml:3:1: /],
      [join(FIXTURES, 'config', 'bad-values.yaml'), /bad-values\.yaml:5:9: retention\.keep: /],
    ];
    for (const [i, [cfg, message]] of cases.entries()) {
      // Every command with the missing file; the others through anonymise (check-config has its own tests).
      const commands = i === 0 ? [['anonymise', '--config', cfg], ['check-config', cfg], ['salts', 'list', '--config', cfg]] : [['anonymise', '--config', cfg]];
      for (const args of commands) {
        const r = runCli(args, { stateDir, input: '' });
        expect(r.status, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toMatch(message);
        expect(r.stdout, args.join(' ')).toBe('');
      }
    }
  });

  it('an input that cannot be opened is exit 1', () => {
    const stateDir = tmp.make('usage');
    const dir = join(stateDir, 'a-directory');
    mkdirSync(dir);
    const missing = runCli(['anonymise', join(stateDir, 'missing.log')], { stateDir });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('missing.log: cannot open (no such file)');
    const isDir = runCli(['anonymise', dir], { stateDir });
    expect(isDir.status).toBe(1);
    expect(isDir.stderr).toContain(`${dir}: cannot open (is a directory)`);
  });

  it('an --output that cannot be opened or written is exit 1', () => {
    const stateDir = tmp.make('usage');
    const input = writeFixture(stateDir, 'common/access.log');
    const noDir = join(stateDir, 'no', 'such', 'dir', 'anon.log');
    const r = runCli(['anonymise', '--output', noDir, input], { stateDir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot open --output ${noDir} (ENOENT)`);
    const full = runCli(['anonymise', '--output', '/dev/full', input], { stateDir });
    expect(full.status).toBe(1);
    expect(full.stderr).toMatch(/writing \/dev\/full failed \(ENOSPC\)/);
  });

  it('a salt directory or salt file with loose permissions is exit 1, with the chmod that fixes it', () => {
    const stateDir = tmp.make('usage');
    const salts = join(stateDir, 'salts');
    mkdirSync(salts, { mode: 0o755 });
    chmodSync(salts, 0o755);
    // Today's events need today's salt from the keyring (yesterday's could be a throw-away one).
    const line = `81.6.12.34 - alice [${clfTime(today())}] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
    const dir = runCli(['anonymise'], { stateDir, input: line });
    expect(dir.status).toBe(1);
    expect(dir.stdout).toBe('');
    expect(dir.stderr).toContain(`salt directory ${salts} has mode 0755; it must be 0700`);
    expect(dir.stderr).toContain(`chmod 700 ${salts}`);
    expect(runCli(['salts', 'rotate'], { stateDir }).status).toBe(1);

    chmodSync(salts, 0o700);
    expect(runCli(['salts', 'rotate'], { stateDir }).status).toBe(0);
    const [file] = readSaltFiles(salts);
    chmodSync(file!, 0o644);
    const loose = runCli(['anonymise'], { stateDir, input: line });
    expect(loose.status).toBe(1);
    expect(loose.stderr).toContain(`has mode 0644; it must be 0600`);
  });

  it('a salt file that is not 32 bytes is exit 1', () => {
    const stateDir = tmp.make('usage');
    const salts = join(stateDir, 'salts');
    mkdirSync(salts, { mode: 0o700 });
    const day = new Date(today()).toISOString().slice(0, 10).replace(/-/g, '');
    writeFileSync(join(salts, `P1D-${day}T000000Z.salt`), Buffer.alloc(31, 7), { mode: 0o600 });
    const line = `81.6.12.34 - alice [${clfTime(today())}] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
    const r = runCli(['anonymise'], { stateDir, input: line });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is 31 bytes, not 32/);
    expect(r.stdout).toBe('');
  });
});

function readSaltFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.salt'))
    .map((n) => join(dir, n));
}
