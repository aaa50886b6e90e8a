/**
 * `gallra salts list|rotate|destroy`: keyring housekeeping as an operator (or
 * a cron job) runs it. Salts are 32-byte files, 0600 in a 0700 directory, one
 * per epoch; gallra never prints one.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, clfTime, ensureBuilt, FIXTURES, HOUR, runCli, TempDirs, today } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

/** `20261122T000000Z`: the label of an epoch starting at `ms`. */
const label = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const saltFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.salt')).sort() : []);

/** Every printable encoding of a salt (and of its halves) that could give it away. */
function encodings(salt: Buffer): string[] {
  const all: string[] = [];
  for (const b of [salt, salt.subarray(0, 16), salt.subarray(16)]) {
    all.push(b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'));
  }
  return all;
}

function expectNoSalt(r: CliResult, salt: Buffer, what: string): void {
  const text = r.stdout + r.stderr;
  for (const enc of encodings(salt)) expect(text.includes(enc), `${what} printed a salt (${enc})`).toBe(false);
  // Nor the raw bytes.
  expect(r.stdoutBytes.includes(salt.subarray(0, 8)), `${what} wrote salt bytes`).toBe(false);
}

describe('gallra salts', () => {
  it('rotate creates the current epoch salt: 32 bytes, file 0600 in a 0700 directory; a second rotate leaves it alone', () => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    const r = runCli(['salts', 'rotate'], { stateDir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const name = `P1D-${label(today())}.salt`;
    expect(saltFiles(dir)).toEqual([name]);
    expect(r.stdout).toMatch(new RegExp(`^created P1D +${iso(today())} +open +closes ${iso(today() + 25 * HOUR)} +mode 0600 +${join(dir, name)}$`, 'm'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    const salt = readFileSync(join(dir, name));
    expect(salt).toHaveLength(32);
    expect(salt.equals(Buffer.alloc(32))).toBe(false);

    const again = runCli(['salts', 'rotate'], { stateDir });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe('current epoch salt already present\n');
    expect(readFileSync(join(dir, name)).equals(salt)).toBe(true);
  });

  it('list warns, with the chmod fix, about a salt file or directory others can read, which anonymise and run refuse', () => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    expect(runCli(['salts', 'rotate'], { stateDir }).status).toBe(0);
    const file = join(dir, `P1D-${label(today())}.salt`);
    chmodSync(file, 0o644);
    chmodSync(dir, 0o755);
    const r = runCli(['salts', 'list'], { stateDir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`WARNING: mode 0644 lets others read it; gallra will refuse it. Fix: chmod 600 ${file}`);
    expect(r.stdout).toContain(`WARNING: ${dir} has mode 0755; gallra will refuse it. Fix: chmod 700 ${dir}`);
    expectNoSalt(r, readFileSync(file), 'salts list');
  });

  it('rotate uses the epoch length of --config (salts.epoch PT6H)', () => {
    const stateDir = tmp.make('salts');
    const r = runCli(['salts', 'rotate', '--config', join(FIXTURES, 'config', 'good.json')], { stateDir });
    expect(r.status).toBe(0);
    const start = Math.floor(Date.now() / (6 * HOUR)) * 6 * HOUR;
    // The one race tolerated: a 6-hour boundary between the two clock readings.
    expect([`PT6H-${label(start)}.salt`, `PT6H-${label(start - 6 * HOUR)}.salt`]).toContain(saltFiles(join(stateDir, 'salts'))[0]);
  });

  it('list shows every salt with epoch, state, closing time, mode and file, and never prints salt bytes', () => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    expect(runCli(['salts', 'list'], { stateDir }).stdout).toBe(`salts in ${dir}: none\n`);
    const rotate = runCli(['salts', 'rotate'], { stateDir });
    // An old epoch's salt, as a process that ran on 1 January would have left it.
    const old = join(dir, 'P1D-20260101T000000Z.salt');
    writeFileSync(old, Buffer.from('0123456789abcdef0123456789abcdef'), { mode: 0o600 });
    const list = runCli(['salts', 'list'], { stateDir });
    expect(list.status).toBe(0);
    const rows = list.stdout.split('\n').filter(Boolean);
    expect(rows[0]).toBe(`salts in ${dir}: 2`);
    expect(rows.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^P1D +2026-01-01T00:00:00Z +closed +closes 2026-01-02T01:00:00Z +mode 0600 +.*P1D-20260101T000000Z\.salt$/),
        expect.stringMatching(new RegExp(`^P1D +${iso(today())} +open +closes ${iso(today() + 25 * HOUR)} +mode 0600 +.*P1D-${label(today())}\\.salt$`)),
      ]),
    );
    const current = readFileSync(join(dir, `P1D-${label(today())}.salt`));
    for (const [what, r] of [['rotate', rotate], ['list', list]] as const) expectNoSalt(r, current, `salts ${what}`);
    expect(list.stdout).not.toContain('0123456789abcdef');

    // Nor does anonymise, at the most verbose log level, with today's salt in use.
    const line = `81.6.12.34 - alice [${clfTime(today())}] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
    const anon = runCli(['anonymise', '--log-level', 'trace', '--stats'], { stateDir, input: line });
    expect(anon.status).toBe(0);
    expectNoSalt(anon, current, 'anonymise --log-level trace');
  });

  it('destroy destroys the salts of closed epochs and keeps the current one', () => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    runCli(['salts', 'rotate'], { stateDir });
    const oldNames = ['P1D-20260101T000000Z.salt', 'P1D-20260102T000000Z.salt'];
    for (const n of oldNames) writeFileSync(join(dir, n), Buffer.alloc(32, 0xab), { mode: 0o600 });
    const r = runCli(['salts', 'destroy'], { stateDir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^destroyed 2 salts$/m);
    for (const n of oldNames) expect(r.stdout).toContain(join(dir, n));
    expect(saltFiles(dir)).toEqual([`P1D-${label(today())}.salt`]);
    expect(runCli(['salts', 'destroy'], { stateDir }).stdout).toBe('destroyed 0 salts\n');
    // rotate destroys closed ones too (what a daily timer runs).
    writeFileSync(join(dir, oldNames[0]!), Buffer.alloc(32, 0xcd), { mode: 0o600 });
    const rotate = runCli(['salts', 'rotate'], { stateDir });
    expect(rotate.stdout).toMatch(/^destroyed P1D +2026-01-01T00:00:00Z +closed/m);
    expect(saltFiles(dir)).toEqual([`P1D-${label(today())}.salt`]);
  });

  it('destroy --all destroys every salt, the current one included, so the next run gets a new one', () => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    runCli(['salts', 'rotate'], { stateDir });
    const name = `P1D-${label(today())}.salt`;
    const before = readFileSync(join(dir, name));
    writeFileSync(join(dir, 'P1D-20260101T000000Z.salt'), Buffer.alloc(32, 1), { mode: 0o600 });
    const r = runCli(['salts', 'destroy', '--all'], { stateDir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^destroyed 2 salts$/m);
    expect(saltFiles(dir)).toEqual([]);
    expectNoSalt(r, before, 'salts destroy --all');
    expect(runCli(['salts', 'list'], { stateDir }).stdout).toBe(`salts in ${dir}: none\n`);
    runCli(['salts', 'rotate'], { stateDir });
    expect(readFileSync(join(dir, name)).equals(before)).toBe(false);
  });

  it.each([['list'], ['rotate']])('--all with %s is a usage error (exit 2) and destroys nothing', (action) => {
    const stateDir = tmp.make('salts');
    const dir = join(stateDir, 'salts');
    runCli(['salts', 'rotate'], { stateDir });
    const r = runCli(['salts', action, '--all'], { stateDir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--all goes with destroy only/);
    expect(saltFiles(dir)).toHaveLength(1);
  });

  it('list and destroy on a directory that does not exist yet: nothing to show, nothing created', () => {
    const stateDir = tmp.make('salts');
    mkdirSync(join(stateDir, 'unrelated'));
    expect(runCli(['salts', 'list'], { stateDir }).status).toBe(0);
    expect(runCli(['salts', 'destroy'], { stateDir }).stdout).toBe('destroyed 0 salts\n');
    expect(saltFiles(join(stateDir, 'salts'))).toEqual([]);
  });
});
