#!/usr/bin/env node
// How `gallra anonymise --threads N` scales on this machine: wall time and
// CPU time (user + sys of the whole process, all threads) per line, by
// thread count, in the same run, interleaved, best of R:
//   main       — --threads 1: the main thread alone
//   N ranges   — --threads N on the file: workers read byte ranges themselves
//   N batches  — --threads N on stdin: the main thread reads and cuts batches
//
//   node bench/threads-scaling.mjs [--input FILE | --lines N] [--runs R] [--max N]
//
// CPU time per line is what carries on a shared VM; wall time only means
// something with the cores idle (check the load average it prints).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countLines, gallraBin as gallra, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '3'));
const max = Number(option('--max', String(Math.max(2, os.cpus().length))));
const { work, input } = prepare('gallra-threads-', 1_000_000);
const out = path.join(work, 'out.log');
const env = { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') };

/** Wall seconds and CPU seconds (user + sys, from /usr/bin/time) of one run. */
function timed(args, stdin) {
  fs.rmSync(out, { force: true });
  const shell = `/usr/bin/time -f '%U %S' "${process.execPath}" "${gallra}" anonymise ${args.join(' ')} --format combined --output "${out}" ${stdin ? `- < "${input}"` : `"${input}"`}`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', shell], { env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${shell} failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: u + s };
}

const tools = { main: () => timed(['--threads', '1']) };
for (let n = 2; n <= max; n++) {
  tools[`${n} ranges`] = () => timed(['--threads', String(n)]);
  tools[`${n} batches`] = () => timed(['--threads', String(n)], true);
}
const lines = countLines(input);
const best = Object.fromEntries(Object.keys(tools).map((k) => [k, { seconds: Infinity, cpu: Infinity }]));
const load = os.loadavg()[0];
for (let r = 0; r < runs; r++) {
  for (const [name, run] of Object.entries(tools)) {
    const t = run();
    best[name].seconds = Math.min(best[name].seconds, t.seconds);
    best[name].cpu = Math.min(best[name].cpu, t.cpu);
  }
}
console.log(`gallra anonymise --threads N, default policy, combined — ${lines.toLocaleString('en')} lines`);
console.log(`${machine()}, best of ${runs} interleaved runs; load average ${load.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after\n`);
console.log('| run | best wall s | × main (wall) | best CPU s | CPU ns/line | × main (CPU) |');
console.log('|---|---|---|---|---|---|');
for (const [name, b] of Object.entries(best)) {
  console.log(`| ${name} | ${b.seconds.toFixed(3)} | ${(best.main.seconds / b.seconds).toFixed(2)} | ${b.cpu.toFixed(2)} | ${Math.round((b.cpu / lines) * 1e9)} | ${(b.cpu / best.main.cpu).toFixed(2)} |`);
}
fs.rmSync(work, { recursive: true, force: true });
