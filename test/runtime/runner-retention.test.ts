/**
 * `gallra run` keeps the window itself: at start (and every minute) it
 * sweeps its stores — whole days before the window go, the day across its
 * start is rewritten without its expired lines — destroys closed salts, and
 * records all of it in the audit trail, without any identifier.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/audit/log.js';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { retentionCutoff } from '../../src/retention/window.js';
import { Runner } from '../../src/runtime/runner.js';
import { mustParseDuration } from '../../src/time/duration.js';
import { clfTime, leaks, TempDirs } from '../helpers/cli.js';
import { until } from '../helpers/run.js';
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

const HOUR = 3_600_000;
/** 31 Aug 2028 12:00Z: the window starts 29 Feb 2028 12:00Z. */
const NOW = Date.UTC(2028, 7, 31, 12);
const CUTOFF = retentionCutoff(NOW, { keep: mustParseDuration('P6M') });
const stored = (ms: number, user: string): string => `203.0.113.0 - ${user} [${clfTime(ms)}] "GET / HTTP/1.1" 200 512 "-" "Firefox/128"`;

describe('gallra run and the retention window', { timeout: 30_000 }, () => {
  it('at start deletes the days before the window, rewrites the day across its start, destroys closed salts, and records it all without identifiers', async () => {
    const dir = tmp.make('runner');
    const file = path.join(dir, 'gallra.yaml');
    fs.writeFileSync(file, 'input:\n  format: combined\nsources:\n  - type: fifo\n    path: idle.fifo\nsinks:\n  - type: file\n    name: out\n    dir: out\n');
    const state = path.join(dir, 'state');
    const out = path.join(dir, 'out');
    fs.mkdirSync(out, { recursive: true });
    const user = 'u_Zq9VxYw3kTb2mLr8sPc4nA';
    fs.writeFileSync(path.join(out, 'access-2028-02-28.log'), `${stored(Date.UTC(2028, 1, 28, 8), user)}\n`);
    fs.writeFileSync(path.join(out, 'access-2028-02-29.log'), `${[stored(CUTOFF - 1000, user), stored(CUTOFF + 2 * HOUR, user)].join('\n')}\n`);
    fs.mkdirSync(path.join(state, 'salts'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(state, 'salts', 'P1D-20280829T000000Z.salt'), Buffer.alloc(32, 9), { mode: 0o600 });
    const env = { GALLRA_STATE_DIR: state };
    const runner = new Runner(loadPolicy(file, env), { logger: createLogger('silent'), env, now: () => NOW });
    await runner.start();
    const done = runner.run();
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    await until(() => !fs.existsSync(path.join(out, 'access-2028-02-28.log')), () => 'the expired day to go at start');
    await until(() => fs.readFileSync(path.join(out, 'access-2028-02-29.log'), 'utf8').split('\n').length === 2, () => 'the straddling day to be rewritten');
    expect(fs.readFileSync(path.join(out, 'access-2028-02-29.log'), 'utf8')).toBe(`${stored(CUTOFF + 2 * HOUR, user)}\n`);
    expect(fs.existsSync(path.join(state, 'salts', 'P1D-20280829T000000Z.salt'))).toBe(false);
    const { verification, records } = await readAuditLog(path.join(state, 'audit.jsonl'));
    expect(verification.ok).toBe(true);
    expect(records.find((r) => r.store === 'out')).toMatchObject({ by: 'gallra run', removed: { files: ['access-2028-02-28.log'], rewritten: ['access-2028-02-29.log'], lines: 1 } });
    expect(records.find((r) => r.store === 'salts')).toMatchObject({ by: 'gallra run', removed: { epochs: ['P1D 2028-08-29T00:00:00Z'] } });
    expect(leaks(fs.readFileSync(path.join(state, 'audit.jsonl'), 'utf8'), [user, '203.0.113.0', 'Firefox'], true)).toEqual([]);
  });
});
