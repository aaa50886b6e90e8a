/**
 * `gallra status` for monitoring and cron: per store the window, the oldest
 * record held, the next sweep and whether it is in policy; exit 1 when
 * something is held past its window, a closed salt outlives its epoch, or
 * the audit trail is broken.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

describe('gallra status', () => {
  it('exits 0 while everything is within its window, 1 once a store holds something older (naming it), and 0 again after gallra retention', () => {
    const dir = tmp.make('status');
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, 'sources:\n  - type: stdin\nsinks:\n  - type: file\n    name: out\n    dir: out\n');
    const stateDir = join(dir, 'state');
    const ok = runCli(['status', '--config', cfg], { stateDir });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^out +day-files +retention\.keep: P6M \(from \d{4}-.*\) +nothing +.* +yes$/m);
    expect(ok.stdout).toMatch(/^salts +salts +salts\.epoch: P1D \+ salts\.grace: PT1H +nothing/m);
    expect(ok.stdout).toMatch(/^OK: everything held is within its window$/m);

    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'access-2020-01-01.log'), 'x\n');
    const bad = runCli(['status', '--config', cfg], { stateDir });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^out +day-files .* 2020-01-01T00:00:00Z +.* NO$/m);
    expect(bad.stdout).toMatch(/^OUT OF POLICY: out holds data past the window/m);

    expect(runCli(['retention', '--config', cfg], { stateDir }).status).toBe(0);
    const again = runCli(['status', '--config', cfg], { stateDir });
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/^out .* not scheduled that gallra knows of; last \S+ by gallra retention +yes$/m);
  });

  it('exits 1 when a closed epoch\'s salt is still held, or the audit trail is broken', () => {
    const dir = tmp.make('status');
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(cfg, 'audit:\n  path: audit.jsonl\n');
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'salts'), { recursive: true, mode: 0o700 });
    writeFileSync(join(stateDir, 'salts', 'P1D-20200101T000000Z.salt'), Buffer.alloc(32, 7), { mode: 0o600 });
    const salts = runCli(['status', '--config', cfg], { stateDir });
    expect(salts.status).toBe(1);
    expect(salts.stdout).toMatch(/^salts +salts .* NO \(due 2020-01-02T01:00:00Z\)$/m);
    expect(runCli(['retention', '--config', cfg], { stateDir }).status).toBe(0);
    expect(runCli(['status', '--config', cfg], { stateDir }).status).toBe(0);
    appendFileSync(join(dir, 'audit.jsonl'), '{"seq":99}\n');
    const broken = runCli(['status', '--config', cfg], { stateDir });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN at line \d+/);
    expect(broken.stdout).toMatch(/^OUT OF POLICY: the audit trail is broken$/m);
  });
});
