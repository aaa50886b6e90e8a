/**
 * `gallra anonymise --threads N`: the same output as one thread, in input
 * order, with the same counts — across batch boundaries, bad lines and
 * closed epochs (whose throw-away salt the workers must share).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clfTime, ensureBuilt, runCli, TempDirs, today } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

/** ~4 MB of combined lines stamped earlier today (salts on disk, shared by both runs), with bad lines mixed in. */
function input(n: number, at: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = clfTime(at + (i % 3600) * 1000);
    if (i % 997 === 0) lines.push(`garbage line ${i} from 81.6.${i % 256}.${1 + (i % 250)} jo${i}@example.com`);
    else lines.push(`81.6.${i % 256}.${1 + (i % 250)} - user${i % 50} [${t}] "GET /n/${String(i).padStart(6, '0')}?email=u${i}%40ex.se HTTP/1.1" 200 ${i % 5000} "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/${100 + (i % 30)}.0"`);
  }
  return lines.join('\n') + '\n';
}

describe('gallra anonymise --threads', () => {
  it('writes exactly what one thread writes, in input order, with the same counts', () => {
    const dir = tmp.make('threads');
    const stateDir = join(dir, 'state');
    // Earlier today, at least an hour ago when possible; still in the current epoch.
    const start = Math.max(today(), Date.now() - 2 * 3600_000);
    const file = join(dir, 'access.log');
    writeFileSync(file, input(30_000, start));
    const one = runCli(['anonymise', '--stats', '--format', 'combined', file], { stateDir });
    const two = runCli(['anonymise', '--stats', '--threads', '2', '--format', 'combined', file], { stateDir });
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toMatch(/30000 lines in, 29969 out, 31 dropped \(unparsed 31\)/);
    expect(two.stdout).toBe(one.stdout);
    // Input order: the numbered paths come out in sequence.
    const ids = [...two.stdout.matchAll(/GET \/n\/(\d{6})/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toHaveLength(29_969);
  }, 60_000);

  it('gives events of a closed epoch one throw-away pseudonym per value across all workers of a run', () => {
    const dir = tmp.make('threads-closed');
    const stateDir = join(dir, 'state');
    const file = join(dir, 'old.log');
    // Three days ago: its epoch is closed, so every worker derives the run's throw-away salt.
    const at = today() - 3 * 86_400_000 + 3600_000;
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(`81.6.1.${1 + (i % 250)} - alice [${clfTime(at + i)}] "GET /x/${i} HTTP/1.1" 200 1 "-" "curl/8.5.0"`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = runCli(['anonymise', '--threads', '3', '--format', 'combined', file], { stateDir });
    expect(r.status).toBe(0);
    const users = new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[2]));
    expect(users.size).toBe(1);
    expect([...users][0]).not.toBe('alice');
  }, 60_000);

  it('rejects a --threads value that is not a whole number from 1 to 64', () => {
    const stateDir = tmp.make('threads-bad');
    for (const v of ['0', '65', 'two', '1.5']) {
      const r = runCli(['anonymise', '--threads', v], { stateDir });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--threads must be a whole number from 1 to 64');
    }
  });
});
