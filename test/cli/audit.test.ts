/**
 * `gallra audit verify|report` over a trail written by `gallra retention`:
 * verify passes an intact chain and names the first record of a tampered
 * one; report gives the DPO the windows, stores, removals, salts and
 * requests, as Markdown or JSON.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit/report.js';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

function trail(): { cfg: string; stateDir: string; log: string } {
  const dir = tmp.make('audit');
  const cfg = join(dir, 'gallra.yaml');
  writeFileSync(cfg, 'sources:\n  - type: stdin\nsinks:\n  - type: file\n    name: out\n    dir: out\naudit:\n  path: trail/audit.jsonl\n');
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', 'access-2020-01-01.log'), 'x\n');
  writeFileSync(join(dir, 'out', 'access-2020-01-02.log'), 'x\n');
  const stateDir = join(dir, 'state');
  const r = runCli(['retention', '--config', cfg], { stateDir });
  expect(r.status, r.stderr).toBe(0);
  return { cfg, stateDir, log: join(dir, 'trail', 'audit.jsonl') };
}

describe('gallra audit', () => {
  it('verify: exit 0 on an intact chain, printing the last hash; exit 1 on a tampered one, naming the first bad record', () => {
    const { cfg, stateDir, log } = trail();
    const ok = runCli(['audit', 'verify', '--config', cfg], { stateDir });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^audit log ${log.replace(/[.]/g, '\\.')}: intact, 3 records; last #3 [0-9a-f]{64}$`, 'm'));
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"count":2', '"count":1'); // someone makes the first sweep look smaller
    writeFileSync(log, lines.join('\n'));
    const bad = runCli(['audit', 'verify', '--config', cfg], { stateDir });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at line 1 \(record #1\): changed after it was written/);
  });

  it('report: the windows in force, each store with its last sweep and oldest data, and what was removed, as Markdown and as JSON', () => {
    const { cfg, stateDir } = trail();
    const md = runCli(['audit', 'report', '--config', cfg, '--since', 'P1D'], { stateDir });
    expect(md.status, md.stderr).toBe(0);
    for (const h of ['# gallra audit report', '## Windows in force', '## Stores', '## Removed in the period', '## Salts destroyed in the period', '## Data-subject requests in the period']) expect(md.stdout).toContain(h);
    expect(md.stdout).toMatch(/Audit trail: \*\*intact\*\* — 3 records/);
    expect(md.stdout).toMatch(/^\| `retention\.keep` \| P6M \| /m);
    expect(md.stdout).toMatch(/^\| out \| day-files \| retention\.keep: P6M \| \d{4}-\d\d-\d\dT[\d:.]+Z \(gallra retention\) \| nothing held \| .* \| yes \|$/m);
    expect(md.stdout).toMatch(/^\| out \| 1 \| 2 \| 0 \| 0 \| 0 \| 0 \| 0 \|$/m);
    const json = runCli(['audit', 'report', '--config', cfg, '--format', 'json'], { stateDir });
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as AuditReport;
    expect(report).toMatchObject({ period: 'P30D', chain: { intact: true, records: 3 }, inPolicy: true });
    expect(report.stores.find((s) => s.store === 'out')).toMatchObject({ kind: 'day-files', filesDeleted: 2, outOfPolicy: false });
  });

  it('refuses what it does not understand with exit 2', () => {
    const { cfg, stateDir } = trail();
    expect(runCli(['audit', 'report', '--config', cfg, '--since', 'a month'], { stateDir }).status).toBe(2);
    expect(runCli(['audit', 'verify', '--config', cfg, '--format', 'json'], { stateDir }).status).toBe(2);
    expect(runCli(['audit', 'report', '--config', cfg, '--format', 'pdf'], { stateDir }).status).toBe(2);
    expect(runCli(['audit', 'check', '--config', cfg], { stateDir }).status).toBe(2);
  });
});
