#!/usr/bin/env node
// End-to-end throughput of `gallra anonymise` with the full default policy,
// against baselines measured in the same run on the same file:
//   cat       — `cat FILE > OUT`: the cost of moving the bytes at all
//   floor     — bench/node-floor.mjs copy: Node turning every line into a
//               string and back, no parsing (the cost floor for a Node filter)
//   gallra    — dist/bundle/main.js anonymise --format combined --output OUT FILE
//
//   node bench/e2e-anonymise.mjs [--lines N] [--input FILE] [--runs R] [--floor FILE.mjs] [--threads]
//
// Without --input it generates N lines (default 1,000,000) of recent combined
// log with bench/gen-log.mjs. --floor lets the judged floor script (e.g.
// ../shared/bench/node-floor.mjs) be timed beside ours; --threads adds rows
// for `--threads 1` and `--threads 2` (the second core, reported separately). Every tool runs R
// times (default 5), interleaved, and the best and median wall times are
// reported; gallra's output is checked before anything is timed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchDir as here, countLines, flag, gallraBin as gallra, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '5'));
const extraFloor = option('--floor', undefined);
const { work, input } = prepare('gallra-bench-', 1_000_000);
const out = path.join(work, 'out.log');
const env = { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') };
const bytes = fs.statSync(input).size;
const inputLines = countLines(input);
const hasTime = fs.existsSync('/usr/bin/time');

/** Runs a command; returns wall seconds and peak RSS (KiB, when /usr/bin/time is there). */
function timed(cmd, args) {
  fs.rmSync(out, { force: true });
  const t0 = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const rss = hasTime ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, rss };
}

const tools = {
  cat: () => timed('/bin/sh', ['-c', `cat "${input}" > "${out}"`]),
  floor: () => timed(process.execPath, [path.join(here, 'node-floor.mjs'), 'copy', input, out]),
  ...(extraFloor ? { 'judged floor': () => timed(process.execPath, [path.resolve(extraFloor), 'copy', input, out]) } : {}),
  gallra: () => timed(process.execPath, [gallra, 'anonymise', '--format', 'combined', '--output', out, input]),
  // The second core, reported separately: the judged figure is one core.
  ...(flag('--threads')
    ? Object.fromEntries([1, 2].map((n) => [`gallra --threads ${n}`, () => timed(process.execPath, [gallra, 'anonymise', '--threads', String(n), '--format', 'combined', '--output', out, input])]))
    : {}),
};

// Correctness first: gallra's output has one line per input line that is not
// dropped, and no client address with host bits survives.
{
  const r = spawnSync(process.execPath, [gallra, 'anonymise', '--format', 'combined', '--stats', '--output', out, input], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const m = /(\d+) lines in, (\d+) out/.exec(r.stderr);
  if (!m || Number(m[1]) !== inputLines) throw new Error(`line count mismatch: ${r.stderr}`);
  const outLines = countLines(out);
  if (outLines !== Number(m[2])) throw new Error(`output has ${outLines} lines, stats say ${m[2]}`);
  const head = fs.readFileSync(out, 'latin1').slice(0, 1 << 20).split('\n').slice(0, -1);
  for (const l of head) {
    const ip = l.slice(0, l.indexOf(' '));
    if (/^\d+\.\d+\.\d+\.(?!0$)\d+$/.test(ip) || /:(?!:$)[0-9a-f]+$/.test(ip)) throw new Error(`address not truncated: ${ip}`);
  }
  console.error(`checked: ${m[1]} lines in, ${m[2]} out (${r.stderr.trim()})`);
}

const results = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(tools)) results[name].push(run());

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (name) => Math.min(...results[name].map((r) => r.seconds));
console.log(`\ngallra anonymise, default policy, combined format — ${inputLines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB`);
console.log(`${machine()}, best and median of ${runs} interleaved runs\n`);
console.log('| tool | best s | median s | lines/s (best) | MB/s (best) | × floor (best) | × cat (best) | peak RSS MiB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const name of Object.keys(tools)) {
  const b = best(name);
  const med = median(results[name].map((r) => r.seconds));
  const rss = Math.max(...results[name].map((r) => r.rss));
  console.log(`| ${name} | ${b.toFixed(3)} | ${med.toFixed(3)} | ${Math.round(inputLines / b).toLocaleString('en')} | ${(bytes / 1e6 / b).toFixed(0)} | ${(b / best('floor')).toFixed(2)} | ${(b / best('cat')).toFixed(1)} | ${Number.isNaN(rss) ? 'n/a' : (rss / 1024).toFixed(0)} |`);
}
fs.rmSync(work, { recursive: true, force: true });
