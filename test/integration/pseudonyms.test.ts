/**
 * Pseudonyms across processes and epochs, with the real CLI and the real clock.
 *
 * Which epoch an event falls in, and whether its salt is kept, depends on the
 * wall-clock time, so every case here is built to hold at any time of day:
 *
 * - "same epoch": events stamped today from 00:00:00 UTC on. Today's P1D epoch
 *   is always open (it closes tomorrow 01:00), so its salt is written to the
 *   keyring and every process sharing GALLRA_STATE_DIR uses it. A stamp up to
 *   a minute after midnight may lie in the future just after midnight, but
 *   retention.max_future (PT1H) accepts it.
 * - "different open epochs": salts.epoch PT1H. With H the start of the
 *   current hour, the previous epoch [H-1h, H) ends at H and closes after its
 *   hour of grace, at H+1h — when the current hour ends. So at any moment both
 *   are open, and events at H-1s and H get two different persisted salts. The
 *   only race is the hour turning during the test; if that is less than 15 s
 *   away the test first waits for it.
 * - "closed epoch": three days ago, closed whatever the time of day (it closed
 *   two days ago at 01:00): a throw-away salt per run, never written down.
 * - today vs yesterday: unrelated whether yesterday is still in its grace hour
 *   (its own persisted salt) or not (a throw-away salt) — both differ from
 *   today's.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clfTime, DAY, ensureBuilt, HOUR, lines, runCli, runCliAsync, SECOND, TempDirs, today } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const combined = (t: number, user: string, ip = '81.6.12.34'): string => `${ip} - ${user} [${clfTime(t)}] "GET /account HTTP/1.1" 200 512 "-" "${UA}"`;
const userOf = (line: string): string => line.split(' ')[2]!;
/**
 * Salt files of epochs that have begun. The keyring also creates, ahead of
 * use, the salt of an epoch that begins within retention.max_future (events
 * may be stamped that far ahead): the next hour with PT1H epochs, tomorrow
 * in the last hour of a day. Those say nothing about which salts were used.
 */
const saltFiles = (stateDir: string): string[] =>
  readdirSync(join(stateDir, 'salts'))
    .filter((n) => n.endsWith('.salt') && !startsLater(n))
    .sort();
const startsLater = (name: string): boolean => {
  const m = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.salt$/.exec(name);
  return m !== null && Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) > Date.now();
};

describe('pseudonyms', () => {
  it('are stable within an epoch across two separate processes sharing a keyring', () => {
    const stateDir = tmp.make('pseudo');
    const t0 = today();
    const input = [combined(t0, 'alice.lindqvist'), combined(t0 + 10 * SECOND, 'bob_svensson'), combined(t0 + 20 * SECOND, 'alice.lindqvist', '193.10.250.77')].join('\n') + '\n';
    const first = runCli(['anonymise', '--format', 'combined'], { stateDir, input });
    const second = runCli(['anonymise', '--format', 'combined'], { stateDir, input });
    expect(first.status).toBe(0);
    expect(lines(first.stdout)).toHaveLength(3);
    expect(second.stdout).toBe(first.stdout);
    const [alice, bob, alice2] = lines(first.stdout).map(userOf);
    expect(alice).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(alice2).toBe(alice);
    expect(bob).not.toBe(alice);
    // The agreement comes from the keyring on disk: one salt, today's.
    expect(saltFiles(stateDir)).toEqual([`P1D-${new Date(t0).toISOString().slice(0, 10).replace(/-/g, '')}T000000Z.salt`]);
  });

  it('agree between two processes started at the same time on an empty keyring (the first writer of the salt wins)', async () => {
    const stateDir = tmp.make('pseudo');
    const input = `${combined(today() + 5 * SECOND, 'carol.race')}\n`;
    const runs = await Promise.all([0, 1, 2].map(() => runCliAsync(['anonymise'], { stateDir, input })));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(saltFiles(stateDir)).toHaveLength(1);
  });

  it('agree across formats and field names with the same role (remote_user in combined, user_id in JSON)', () => {
    const stateDir = tmp.make('pseudo');
    const t0 = today();
    const input = `${combined(t0, 'alice.lindqvist')}\n${JSON.stringify({ time: new Date(t0 + SECOND).toISOString(), user_id: 'alice.lindqvist' })}\n`;
    const r = runCli(['anonymise', '--format', 'auto'], { stateDir, input });
    const [text, json] = lines(r.stdout);
    expect((JSON.parse(json!) as { user_id: string }).user_id).toBe(userOf(text!));
  });

  it('of different epochs are unrelated: today against yesterday', () => {
    const stateDir = tmp.make('pseudo');
    const t0 = today();
    const input = `${combined(t0 - 12 * HOUR, 'alice.lindqvist')}\n${combined(t0, 'alice.lindqvist')}\n`;
    const r = runCli(['anonymise'], { stateDir, input });
    const [yesterday, now] = lines(r.stdout).map(userOf);
    expect(yesterday).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(now).not.toBe(yesterday);
  });

  it('of two open epochs (salts.epoch PT1H: the previous and the current hour) differ, and each is stable across processes', async () => {
    const stateDir = tmp.make('pseudo');
    const toNextHour = HOUR - (Date.now() % HOUR);
    if (toNextHour < 15 * SECOND) await new Promise((r) => setTimeout(r, toNextHour + SECOND));
    const h = Math.floor(Date.now() / HOUR) * HOUR;
    const cfg = join(stateDir, 'hourly.yaml');
    writeFileSync(cfg, 'salts:\n  epoch: PT1H\n');
    const input = `${combined(h - SECOND, 'alice.lindqvist')}\n${combined(h, 'alice.lindqvist')}\n`;
    const first = runCli(['anonymise', '--config', cfg], { stateDir, input });
    const second = runCli(['anonymise', '--config', cfg], { stateDir, input });
    expect(first.status).toBe(0);
    const [previous, current] = lines(first.stdout).map(userOf);
    expect(current).not.toBe(previous);
    expect(second.stdout).toBe(first.stdout);
    expect(saltFiles(stateDir)).toHaveLength(2);
  });

  it('of a closed epoch come from a throw-away salt: consistent within a run, different in the next, never written to the keyring', () => {
    const stateDir = tmp.make('pseudo');
    const old = today() - 3 * DAY;
    const input = `${combined(old, 'alice.lindqvist')}\n${combined(old + HOUR, 'alice.lindqvist')}\n${combined(today(), 'alice.lindqvist')}\n`;
    const first = lines(runCli(['anonymise'], { stateDir, input }).stdout).map(userOf);
    const second = lines(runCli(['anonymise'], { stateDir, input }).stdout).map(userOf);
    expect(first[1]).toBe(first[0]);
    expect(second[0]).not.toBe(first[0]);
    expect(first[0]).not.toBe(first[2]);
    // Today's is persisted and stable; the closed epoch left no salt behind.
    expect(second[2]).toBe(first[2]);
    expect(saltFiles(stateDir)).toEqual([expect.stringMatching(new RegExp(`^P1D-${new Date(today()).toISOString().slice(0, 10).replace(/-/g, '')}T000000Z\\.salt$`))]);
  });

  it('cannot be linked to the old ones once the salts are destroyed (salts destroy --all)', () => {
    const stateDir = tmp.make('pseudo');
    const input = `${combined(today(), 'alice.lindqvist')}\n`;
    const before = runCli(['anonymise'], { stateDir, input }).stdout;
    expect(runCli(['salts', 'destroy', '--all'], { stateDir }).status).toBe(0);
    const after = runCli(['anonymise'], { stateDir, input }).stdout;
    expect(userOf(after)).not.toBe(userOf(before));
  });
});
