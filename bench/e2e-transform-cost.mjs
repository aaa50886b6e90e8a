#!/usr/bin/env node
// Where the time of `gallra anonymise` goes, transform by transform: the
// same file through a policy that keeps every combined field (parse, time,
// retention gate, output — the engine without transforms), then through that
// policy with one field's default transform switched on, and through the
// full default policy. Each row's cost is its time minus the all-keep time;
// the floor (bench/node-floor.mjs copy) is timed in the same run.
//
//   node bench/e2e-transform-cost.mjs [--lines N] [--input FILE] [--runs R]
//
// Without --input it generates N lines (default 1,000,000) of recent combined
// log with bench/gen-log.mjs. Runs are interleaved; the best of R (default 5)
// is reported.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchDir as here, countLines, gallraBin as gallra, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '5'));
const { work, input } = prepare('gallra-cost-', 1_000_000);
const out = path.join(work, 'out.log');
const env = { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') };

// Every field of combined, kept: the engine's own cost.
const allKeep = { remote_addr: 'keep', remote_logname: 'keep', remote_user: 'keep', time_local: 'keep', request: 'keep', status: 'keep', body_bytes_sent: 'keep', http_referer: 'keep', http_user_agent: 'keep' };
const variants = {
  'all keep': {},
  'remote_addr: truncate-ip': { remote_addr: 'truncate-ip' },
  'remote_user: pseudonymise': { remote_user: 'pseudonymise' },
  'request: redact': { request: 'redact' },
  'http_referer: redact': { http_referer: 'redact' },
  'http_user_agent: generalise-user-agent': { http_user_agent: 'generalise-user-agent' },
};

const run = (args) => () => {
  fs.rmSync(out, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(args[0], args.slice(1), { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
};
const rows = { floor: run([process.execPath, path.join(here, 'node-floor.mjs'), 'copy', input, out]) };
for (const [name, over] of Object.entries(variants)) {
  const policy = path.join(work, `${Object.keys(rows).length}.json`);
  fs.writeFileSync(policy, JSON.stringify({ fields: { ...allKeep, ...over } }));
  rows[name] = run([process.execPath, gallra, 'anonymise', '--format', 'combined', '--config', policy, '--output', out, input]);
}
rows['default policy'] = run([process.execPath, gallra, 'anonymise', '--format', 'combined', '--output', out, input]);

const best = Object.fromEntries(Object.keys(rows).map((k) => [k, Infinity]));
for (let i = 0; i < runs; i++) for (const [name, fn] of Object.entries(rows)) best[name] = Math.min(best[name], fn());

const n = countLines(input);
console.log(`\ncost of each transform — ${n.toLocaleString('en')} combined lines, best of ${runs} interleaved runs`);
console.log(`${machine()}\n`);
console.log('| policy | best s | × floor | ns/line over all-keep |');
console.log('|---|---|---|---|');
for (const [name, s] of Object.entries(best)) {
  const over = name === 'floor' ? '' : (((s - best['all keep']) * 1e9) / n).toFixed(0);
  console.log(`| ${name} | ${s.toFixed(3)} | ${(s / best.floor).toFixed(2)} | ${over} |`);
}
fs.rmSync(work, { recursive: true, force: true });
