/**
 * `gallra subject export|erase` as an operator runs it, over what `gallra
 * run` stored: the person's events out as JSON lines (summary on stderr),
 * then erased; nothing gallra prints, logs or records holds their
 * identifiers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clfTime, ensureBuilt, leaks, lines, runCli, TempDirs } from '../helpers/cli.js';
import { readOutput } from '../helpers/run.js';

const readOutputLines = (dir: string): string[] => lines(readOutput(dir));

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function setup(): { dir: string; cfg: string; stateDir: string } {
  const dir = tmp.make('subject');
  const cfg = join(dir, 'gallra.yaml');
  writeFileSync(cfg, 'input:\n  format: auto\nsources:\n  - type: stdin\nsinks:\n  - type: file\n    name: out\n    dir: out\n');
  return { dir, cfg, stateDir: join(dir, 'state') };
}

describe('gallra subject', () => {
  it('exports the person\'s stored events as JSON lines with their fields as stored, erases exactly those, and records both without the identifiers', () => {
    const { dir, cfg, stateDir } = setup();
    const t = Date.now() - 120_000;
    const input = [
      `81.6.12.34 - alice.lindqvist [${clfTime(t)}] "GET /cart HTTP/1.1" 200 512 "-" "${UA}"`,
      `198.51.100.7 - bob [${clfTime(t + 1000)}] "GET / HTTP/1.1" 200 512 "-" "${UA}"`,
      JSON.stringify({ time: new Date(t + 2000).toISOString(), client_ip: '81.6.12.34', user_id: 'alice.lindqvist', email: 'alice@example.se', user_agent: UA, host: 'shop.example.org', status: 200 }),
    ].join('\n');
    const run = runCli(['run', '--config', cfg], { stateDir, input: `${input}\n` });
    expect(run.status, run.stderr).toBe(0);
    const stored = readOutputLines(join(dir, 'out'));
    expect(stored).toHaveLength(3);

    const exp = runCli(['subject', 'export', '--config', cfg, '--user', 'alice.lindqvist', '--email', 'alice@example.se'], { stateDir });
    expect(exp.status, exp.stderr).toBe(0);
    const events = exp.stdout.trim().split('\n').map((l) => JSON.parse(l) as { format: string; matched: string[]; fields: Record<string, unknown>; store: string });
    expect(events.map((e) => [e.store, e.format, e.matched])).toEqual([
      ['out', 'combined', ['remote_user']],
      ['out', 'json', ['user_id', 'email']],
    ]);
    expect(stored[0]).toContain(events[0]!.fields.remote_user as string);
    expect(exp.stderr).toMatch(/^request [0-9a-f-]{36} \(export\); identifiers given: user, email/m);
    expect(exp.stderr).toMatch(/^linkable epochs \(their salt still exists\): \d{4}-\d{2}-\d{2}/m);
    expect(exp.stderr).toMatch(/^out: 2 events found, exported/m);
    expect(exp.stderr).toMatch(/^aggregates: .*nothing about any one person/m);
    expect(leaks(exp.stdout + exp.stderr, ['alice.lindqvist', 'alice@example.se', '81.6.12.34'])).toEqual([]);

    const erase = runCli(['subject', 'erase', '--config', cfg, '--user', 'alice.lindqvist'], { stateDir });
    expect(erase.status, erase.stderr).toBe(0);
    expect(erase.stdout).toMatch(/^out: 2 events found, 2 erased/m);
    expect(readOutputLines(join(dir, 'out'))).toEqual([stored[1]]);
    const again = runCli(['subject', 'export', '--config', cfg, '--user', 'alice.lindqvist'], { stateDir });
    expect(again.stdout).toBe('');

    const audit = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8');
    const secrets = ['alice.lindqvist', 'alice@example.se', '81.6.12.34', UA, ...events.flatMap((e) => e.matched.map((m) => String(e.fields[m])))];
    expect(leaks(audit, secrets, true)).toEqual([]);
    expect(audit).toMatch(/"action":"subject-export"/);
    expect(audit).toMatch(/"action":"subject-erase".*"erased":\{"out":2\}/);
    expect(runCli(['audit', 'verify', '--config', cfg], { stateDir }).status).toBe(0);
  });

  it('refuses a request without an identifier, or an address without its user agent, without repeating what was typed', () => {
    const { cfg, stateDir } = setup();
    const none = runCli(['subject', 'export', '--config', cfg], { stateDir });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/give --user, --email, or --ip with --user-agent/);
    const half = runCli(['subject', 'erase', '--config', cfg, '--ip', '81.6.12.34'], { stateDir });
    expect(half.status).toBe(2);
    expect(half.stderr).toMatch(/--ip and --user-agent go together/);
    expect(half.stderr).not.toContain('81.6.12.34');
    const what = runCli(['subject', 'forget', '--config', cfg, '--user', 'x'], { stateDir });
    expect(what.status).toBe(2);
  });
});
