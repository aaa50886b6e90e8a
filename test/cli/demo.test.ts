/**
 * `gallra demo` as the README's quick start runs it: embedded Kafka, the
 * pipeline, the aggregates and a query, everything stopped at the end.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoLines } from '../../src/cli/demo-lines.js';
import { counterSum, startedPort } from '../../src/cli/demo.js';
import { MAIN } from '../helpers/cli.js';

describe('gallra demo', () => {
  it('sends every line through Kafka anonymised, shows them, and answers a query over the aggregates', () => {
    const r = spawnSync(process.execPath, [MAIN, 'demo', '--lines', '400'], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.split('\n');
    expect(r.stdout).toContain('lines read 400, written to logs.anon.nginx 400, dropped 0');
    // The three lines out, parsed as combined: truncated addresses, no user name, a generalised user agent.
    const at = out.findIndex((l) => l.includes('out (logs.anon.nginx'));
    const shown = out.slice(at + 1, at + 4).map((l) => l.trim());
    expect(shown).toHaveLength(3);
    const raw = demoLines(400, Date.now()).slice(0, 3);
    for (const [k, line] of shown.entries()) {
      const m = /^(\S+) - (\S+) \[[^\]]+\] "GET (\S+) HTTP\/1\.1" (\d{3}) (\d+) "[^"]*" "([^"]*)"$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, ip, user, , , , ua] = m!;
      expect(ip).toMatch(/(\.0|::)$/);
      const rawUser = raw[k]!.split(' ')[2]!;
      if (rawUser !== '-') expect(user).not.toBe(rawUser);
      expect(ua).not.toBe(raw[k]!.slice(raw[k]!.lastIndexOf(' "') + 2, -1));
    }
    // Nothing after the lines in holds a raw address, user name or e-mail address of those lines.
    const after = out.slice(at).join('\n');
    for (const l of raw) {
      expect(after).not.toContain(` ${l.split(' ')[0]} `);
      expect(after).not.toContain(`${l.split(' ')[0]} -`);
    }
    expect(after).not.toMatch(/[a-z0-9.]+(@|%40)example\.se/);
    // The analyst's query printed a table of path templates.
    expect(r.stdout).toMatch(/path_template/);
  }, 300_000);

  it('sums a counter over its labels in a Prometheus exposition', () => {
    const text = '# HELP gallra_lines_read_total x\ngallra_lines_read_total{source="a"} 3\ngallra_lines_read_total{source="b"} 4\ngallra_lines_read_totalx 9\n';
    expect(counterSum(text, 'gallra_lines_read_total')).toBe(7);
    expect(counterSum(text, 'gallra_lines_read_total', 'source="b"')).toBe(4);
  });

  it("reads the HTTP port from gallra run's start line, and nothing from other lines", () => {
    expect(startedPort('{"level":30,"msg":"gallra run started","http_port":41234}')).toBe(41234);
    expect(startedPort('{"level":30,"msg":"gallra run started"}')).toBeUndefined();
    expect(startedPort('{"level":30,"msg":"kafka source assigned"}')).toBeUndefined();
    expect(startedPort('gallra run started, not JSON')).toBeUndefined();
  });

  it('refuses a line count out of range with a usage error (exit 2)', () => {
    const r = spawnSync(process.execPath, [MAIN, 'demo', '--lines', '5'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--lines must be a whole number from 100 to 200000');
  });
});
