/**
 * Format-preserving output, checked by a real consumer: GoAccess reads
 * gallra's output of a generated combined log and counts the same requests,
 * statuses, bytes and hours as in the input. CI installs GoAccess (.ci/run);
 * elsewhere the test is skipped with a message saying so.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hasHostBits, lines, ROOT, runCli, TempDirs } from '../helpers/cli.js';

const GOACCESS = spawnSync('goaccess', ['--version'], { encoding: 'utf8' });
const HAS_GOACCESS = GOACCESS.error === undefined && GOACCESS.status === 0;
if (!HAS_GOACCESS) {
  process.stderr.write('[goaccess.test] GoAccess is not installed (goaccess not on PATH): skipping the GoAccess round trip. CI installs it; locally: apt-get install goaccess\n');
}

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

interface Panel {
  data: { data: string; hits: { count: number } }[];
}
interface Report {
  general: { total_requests: number; valid_requests: number; failed_requests: number; bandwidth: number; start_date: string; end_date: string };
  status_codes: Panel;
  visit_time: Panel;
  browsers: Panel;
  hosts: Panel;
}

function goaccess(file: string, dir: string): Report {
  const out = `${file}.json`;
  const r = spawnSync('goaccess', [file, '--log-format=COMBINED', '--no-global-config', '--no-progress', '-o', out], {
    cwd: dir,
    encoding: 'utf8',
    // No ~/.goaccessrc of whoever runs the tests.
    env: { ...process.env, HOME: dir },
    timeout: 60_000,
  });
  expect(r.status, `goaccess on ${file}: ${r.stderr}`).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Report;
}

const counts = (p: Panel): Record<string, number> => Object.fromEntries(p.data.map((d) => [d.data, d.hits.count]));

describe.skipIf(!HAS_GOACCESS)('GoAccess on gallra output', () => {
  it('counts the same valid requests, statuses, bytes and hours in gallra output as in the input, with no failed lines', () => {
    const dir = tmp.make('goaccess');
    const input = join(dir, 'access.log');
    const output = join(dir, 'anon.log');
    // ~2000 recent combined lines (the last days before today), deterministic apart from the start date.
    const gen = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen-log.mjs'), '--recent', '--lines', '2000', '--out', input], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const r = runCli(['anonymise', '--stats', input], { stateDir: dir });
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(output, r.stdoutBytes);
    expect(lines(r.stdout)).toHaveLength(2000);

    const before = goaccess(input, dir);
    const after = goaccess(output, dir);
    expect(before.general.total_requests).toBe(2000);
    expect(after.general.total_requests).toBe(before.general.total_requests);
    expect(after.general.valid_requests).toBe(before.general.valid_requests);
    expect(after.general.failed_requests).toBeLessThanOrEqual(before.general.failed_requests);
    expect(after.general.failed_requests).toBe(0);
    expect(after.general.bandwidth).toBe(before.general.bandwidth);
    expect([after.general.start_date, after.general.end_date]).toEqual([before.general.start_date, before.general.end_date]);
    expect(counts(after.status_codes)).toEqual(counts(before.status_codes));
    expect(counts(after.visit_time)).toEqual(counts(before.visit_time));
    // Generalised user agents still tell GoAccess the browser family.
    const [b, a] = [counts(before.browsers), counts(after.browsers)];
    for (const family of ['Chrome', 'Firefox', 'Edge', 'Safari']) expect(a[family], family).toBe(b[family]);
    // And what GoAccess shows as hosts are truncated addresses only.
    const hosts = after.hosts.data.map((d) => d.data);
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.filter(hasHostBits)).toEqual([]);
  });
});
