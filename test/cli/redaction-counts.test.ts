/**
 * Each detector's hits are counted (issue 8): `gallra anonymise --stats`
 * names the values redacted by kind (summed over worker threads with
 * `--threads`), and `gallra run` serves them as
 * `gallra_redactions_total{kind}` on /metrics — totals, the same however
 * often scraped, every kind present from the first scrape. Counts only:
 * neither the stats line nor the metrics carry a value.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/load.js';
import { Runner } from '../../src/runtime/runner.js';
import { REDACTION_KINDS } from '../../src/transforms/redact/kinds.js';
import { packKind, unpackKinds } from '../../src/transforms/redact/spans.js';
import { anonymiseText, makeAnonymiser, makeEnv } from '../helpers/env.js';
import { clfTime } from '../helpers/lines.js';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';
import { httpGet, metric, sleep } from '../helpers/run.js';
import { Cleanups } from '../helpers/wait.js';

const tmp = new TempDirs();
const cleanups = new Cleanups();
afterEach(async () => cleanups.run());
afterAll(() => tmp.cleanup());

const N = 12;
const stamp = Date.now() - 3_600_000;
/** N JSON lines, each with one distinct e-mail address and phone number in its message and one query value off the allow-list. */
function jsonLines(): string {
  let s = '';
  for (let i = 0; i < N; i++) {
    s += `${JSON.stringify({
      time: new Date(stamp + i * 1000).toISOString(),
      remote_addr: `81.6.12.${i}`,
      status: 200,
      request: `GET /search?q=secret${i}&page=2 HTTP/1.1`,
      message: `mail anna${i}@example.se tel 070-123 45 ${10 + i}`,
    })}\n`;
  }
  return s;
}
const SECRETS = Array.from({ length: N }, (_, i) => [`anna${i}@example.se`, `secret${i}`, `070-123 45 ${10 + i}`]).flat();

describe('gallra anonymise --stats', () => {
  for (const threads of ['1', '2']) {
    it(`names the values redacted by kind (--threads ${threads})`, () => {
      ensureBuilt();
      const stateDir = tmp.make('counts');
      const r = runCli(['anonymise', '--format', 'json', '--stats', '--threads', threads], { stateDir, input: jsonLines() });
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(N);
      const line = r.stderr.split('\n').find((l) => l.startsWith('gallra: '));
      expect(line).toBe(`gallra: ${N} lines in, ${N} out, 0 dropped; ${3 * N} values redacted (email ${N}, phone ${N}, query ${N})`);
      for (const s of SECRETS) expect(r.stderr).not.toContain(s);
    });
  }

  it('counts a value every time it is redacted, also when the result comes from the memo (the same request line after line)', () => {
    const stateDir = tmp.make('counts');
    const clf = (ms: number): string => {
      const d = new Date(ms);
      const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${p(d.getUTCDate())}/${m}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
    };
    let input = '';
    for (let i = 0; i < 50; i++) input += `81.6.12.${i} - - [${clf(stamp + i * 1000)}] "GET /search?q=anna&page=2 HTTP/1.1" 200 ${100 + i} "https://ref.example.se/p?mail=jo%40example.com" "curl/8.5.0"\n`;
    const r = runCli(['anonymise', '--format', 'combined', '--stats'], { stateDir, input });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('anna');
    // Each line: the query value of the request and of the referer.
    expect(r.stderr).toContain('gallra: 50 lines in, 50 out, 0 dropped; 100 values redacted (query 100)');
  });

  it('says nothing of redactions when nothing was redacted', () => {
    const stateDir = tmp.make('counts');
    const line = JSON.stringify({ time: new Date(stamp).toISOString(), remote_addr: '81.6.12.34', status: 200, request: 'GET /about HTTP/1.1' });
    const r = runCli(['anonymise', '--format', 'json', '--stats'], { stateDir, input: `${line}\n` });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('gallra: 1 line in, 1 out, 0 dropped\n');
  });
});

describe('counts through the memo', () => {
  it('packs up to ten kinds into a number, and says -1 beyond', () => {
    let p = 0;
    for (let i = 0; i < 10; i++) p = packKind(p, (i * 7) % REDACTION_KINDS.length);
    const seen: number[] = [];
    unpackKinds(p, (k) => seen.push(k));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => (i * 7) % REDACTION_KINDS.length));
    expect(packKind(p, 1)).toBe(-1);
    expect(packKind(-1, 1)).toBe(-1);
  });

  it('counts every value of a repeated line, with few hits (memoised) and with more than ten (not memoised)', () => {
    const env = makeEnv();
    try {
      const a = makeAnonymiser(env, 'input:\n  format: combined\n');
      const many = Array.from({ length: 12 }, (_, i) => `k${i}=v${i}`).join('&');
      let text = '';
      for (let i = 0; i < 20; i++) {
        const t = clfTime(env.now() - 60_000 * (i + 1));
        text += `81.6.12.34 - - [${t}] "GET /few?q=anna&page=2 HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
        text += `81.6.12.34 - - [${t}] "GET /many?${many} HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
      }
      expect(anonymiseText(a, text)).toHaveLength(40);
      expect(a.stats.redactions).toEqual({ query: 20 * 1 + 20 * 12 });
    } finally {
      env.cleanup();
    }
  });
});

describe('gallra run /metrics', { timeout: 30_000 }, () => {
  it('serves gallra_redactions_total{kind}, every kind from the first scrape, totals however often scraped', async () => {
    const dir = tmp.make('counts-run');
    fs.writeFileSync(path.join(dir, 'app.log'), jsonLines());
    const file = path.join(dir, 'gallra.yaml');
    fs.writeFileSync(
      file,
      `input:
  format: json
sources:
  - type: file
    name: app
    path: app.log
    start_at: beginning
    poll_ms: 20
sinks:
  - type: file
    name: out
    dir: out
http:
  port: 0
run:
  commit_ms: 50
`,
    );
    const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
    const runner = new Runner(loadPolicy(file, env), { logger: createLogger('silent'), env });
    await runner.start();
    const done = runner.run();
    done.catch(() => undefined);
    cleanups.add(async () => {
      runner.shutdown();
      await done.catch(() => undefined);
    });
    const port = runner.httpPort!;
    const scrape = async (): Promise<string> => (await httpGet(port, '/metrics')).body;
    let text = '';
    // Bounded: 400 scrapes 50 ms apart at most.
    for (let k = 0; k < 400 && metric((text = await scrape()), 'gallra_lines_written_total', { sink: 'out' }) !== N; k++) await sleep(50);
    expect(metric(text, 'gallra_lines_written_total', { sink: 'out' })).toBe(N);
    for (let k = 0; k < 2; k++) {
      text = await scrape();
      expect(metric(text, 'gallra_redactions_total', { kind: 'email' })).toBe(N);
      expect(metric(text, 'gallra_redactions_total', { kind: 'phone' })).toBe(N);
      expect(metric(text, 'gallra_redactions_total', { kind: 'query' })).toBe(N);
      for (const kind of REDACTION_KINDS) expect(metric(text, 'gallra_redactions_total', { kind }), kind).toBeGreaterThanOrEqual(0);
      expect(metric(text, 'gallra_redactions_total', { kind: 'iban' })).toBe(0);
    }
    for (const s of SECRETS) expect(text).not.toContain(s);
  });
});
