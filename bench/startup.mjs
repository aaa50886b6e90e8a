#!/usr/bin/env node
// Start-up cost of the CLI against `node -e 0` measured in the same run:
//   node -e 0                       — Node itself
//   gallra --help                   — the CLI's own start
//   gallra anonymise <one line>     — the built-in policy loaded, one line anonymised
//                                     (--format combined, and auto: every format built)
// Each runs R times (default 15), interleaved; best and median wall time and
// the median CPU time (user + sys, less sensitive to a busy machine) are
// reported, with the ratio to `node -e 0`.
//
// NODE_EXTRA_CA_CERTS makes every Node process parse that certificate file at
// start (~0.4 G instructions for Debian's bundle: 5× what `node -e 0` costs
// without it), which flatters any ratio against `node -e 0`. When it is set,
// everything is timed twice: as the environment is, and without it — the
// second is the figure to judge start-up by.
//
//   node bench/startup.mjs [--runs R]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gallraBin as gallra, machine, option } from './harness.mjs';

const runs = Number(option('--runs', '15'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-startup-'));
const line = path.join(work, 'one.log');
const stamp = new Date(Date.now() - 60_000);
const clf = `${String(stamp.getUTCDate()).padStart(2, '0')}/${stamp.toUTCString().slice(8, 11)}/${stamp.getUTCFullYear()}:${stamp.toISOString().slice(11, 19)} +0000`;
fs.writeFileSync(line, `81.6.12.34 - - [${clf}] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"\n`);
const env = { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') };
const { NODE_EXTRA_CA_CERTS: extraCerts, ...withoutCerts } = env;
const environments = extraCerts === undefined ? { 'as given': env } : { 'without NODE_EXTRA_CA_CERTS': withoutCerts, [`with NODE_EXTRA_CA_CERTS=${extraCerts}`]: env };

const tools = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'gallra --help': [process.execPath, [gallra, '--help']],
  'gallra anonymise --format combined (one line)': [process.execPath, [gallra, 'anonymise', '--format', 'combined', line]],
  'gallra anonymise (one line, --format auto)': [process.execPath, [gallra, 'anonymise', line]],
};

function timed(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: u + s };
}

// Correctness first: the one line comes out anonymised.
const check = spawnSync(process.execPath, [gallra, 'anonymise', line], { env, encoding: 'utf8' });
if (check.status !== 0 || !check.stdout.startsWith('81.6.12.0 ')) throw new Error(`unexpected output: ${check.stdout}${check.stderr}`);

const results = {};
for (const e of Object.keys(environments)) for (const t of Object.keys(tools)) results[`${e}\0${t}`] = [];
for (let i = 0; i < runs; i++) for (const [e, envOf] of Object.entries(environments)) for (const [name, [cmd, args]] of Object.entries(tools)) results[`${e}\0${name}`].push(timed(cmd, args, envOf));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\ngallra start-up — ${machine()}, ${runs} interleaved runs`);
for (const e of Object.keys(environments)) {
  const rows = (name) => results[`${e}\0${name}`];
  const best = (name) => Math.min(...rows(name).map((r) => r.wall));
  const cpu = (name) => median(rows(name).map((r) => r.cpu));
  console.log(`\nEnvironment ${e}:\n`);
  console.log('| command | best wall s | median wall s | × node (best wall) | median CPU s | × node (CPU) |');
  console.log('|---|---|---|---|---|---|');
  for (const name of Object.keys(tools)) {
    console.log(`| ${name} | ${best(name).toFixed(3)} | ${median(rows(name).map((r) => r.wall)).toFixed(3)} | ${(best(name) / best('node -e 0')).toFixed(2)} | ${cpu(name).toFixed(3)} | ${(cpu(name) / cpu('node -e 0')).toFixed(2)} |`);
  }
}
fs.rmSync(work, { recursive: true, force: true });
