#!/usr/bin/env node
// What the aggregate stage costs on the anonymise path, measured against the
// same path without it, in the same run (interleaved, best of R):
//
// 1. in one process (the engine without I/O, as bench/inproc-engine.mjs):
//    the default policy; + the visitor id the stage counts; + the stage
//    itself (windows, grouping sets, k-threshold folding at each close);
// 2. end to end: `gallra anonymise --config P FILE > out` with a policy
//    without and with `aggregates:` (DuckDB loaded, rows written, Parquet
//    partitions published before it exits).
//
// First it checks what it times: per window, the requests of every grouping
// set add up to the lines written, and the store holds them.
//
//   node bench/aggregate-overhead.mjs [--lines N | --input FILE] [--runs R]
//
// The judged input is ../shared/bench/gen-combined.mjs (a recent --start).
// Figures in bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregateSettings } from '../dist/aggregate/config.js';
import { AggregateStage } from '../dist/aggregate/stage.js';
import { FileKeyring } from '../dist/keyring/file.js';
import { EncodedBatchBuilder } from '../dist/pipeline/line-pipeline.js';
import { LineSplitter } from '../dist/pipeline/line-splitter.js';
import { loadPolicy } from '../dist/policy/load.js';
import { buildLinePipeline } from '../dist/runtime/build.js';
import { parseDuration } from '../dist/time/duration.js';
import { countLines, gallraBin, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '5'));
const { work, input } = prepare('gallra-aggbench-', 1_000_000);
const lines = countLines(input);
const env = { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') };

const plainPolicy = path.join(work, 'plain.yaml');
const aggPolicy = path.join(work, 'aggregates.yaml');
fs.writeFileSync(plainPolicy, 'input: { format: combined }\n');
fs.writeFileSync(aggPolicy, `input: { format: combined }\naggregates:\n  store: { type: duckdb, path: ${JSON.stringify(path.join(work, 'agg.duckdb'))} }\n`);

// ---------------------------------------------------------------- in process

const data = fs.readFileSync(input);
const chunks = [];
for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, Math.min(data.length, i + 65536)));

function engine(file, mode) {
  const loaded = loadPolicy(file, env);
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: parseDuration(loaded.config.salts.grace), future: parseDuration(loaded.config.retention.max_future) });
  return () => {
    const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring, format: 'combined', deriveVisitorId: mode !== 'plain' });
    const out = new EncodedBatchBuilder();
    pipeline.consumers.push(out);
    let stage;
    if (mode === 'stage') {
      stage = new AggregateStage(aggregateSettings(loaded.config.aggregates));
      pipeline.consumers.push(stage);
    }
    const closed = [];
    return {
      handler: pipeline,
      take: () => {
        if (stage !== undefined) for (const w of stage.takeClosed()) closed.push(w);
        return out.take().text;
      },
      // As gallra anonymise does per batch: the salts it can need, then the batch's clock.
      begin: async () => {
        await pipeline.prepare();
        pipeline.beginBatch();
      },
      end: () => {
        if (stage === undefined) return undefined;
        stage.closeAll();
        closed.push(...stage.takeClosed());
        return { closed, stats: stage.stats, linesOut: pipeline.stats.linesOut };
      },
    };
  };
}

async function timeOnce(make) {
  const e = make();
  const splitter = new LineSplitter(65536, e.handler);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let chars = 0;
  for (const c of chunks) {
    await e.begin();
    splitter.push(c);
    chars += e.take().length;
  }
  splitter.end();
  chars += e.take().length;
  const result = e.end();
  const ns = Number(process.hrtime.bigint() - t0);
  const cu = process.cpuUsage(c0);
  if (chars === 0) throw new Error('no output');
  return { ns, cpu: (cu.user + cu.system) * 1000, result };
}

// Check first: every grouping set of every window adds up to that window's total, and the totals to the lines written.
{
  const { result } = await timeOnce(engine(aggPolicy, 'stage'));
  let total = 0;
  for (const w of result.closed.filter((x) => x.period === 'window')) {
    const bySet = new Map();
    for (const r of w.rows) bySet.set(r.grouping, (bySet.get(r.grouping) ?? 0) + r.requests);
    const t = bySet.get('total');
    for (const [g, n] of bySet) if (n !== t) throw new Error(`window ${new Date(w.start).toISOString()}: ${g} sums to ${n}, total is ${t}`);
    total += t;
  }
  if (total !== result.linesOut) throw new Error(`windows hold ${total} requests, ${result.linesOut} lines were written`);
  console.error(`checked: ${result.closed.length} windows, every grouping set adds up to its window's total, ${total} requests = lines written`);
}

const rows = { 'default policy': engine(plainPolicy, 'plain'), '+ visitor id': engine(aggPolicy, 'visitor'), '+ aggregate stage': engine(aggPolicy, 'stage') };
const best = Object.fromEntries(Object.keys(rows).map((k) => [k, Infinity]));
const bestCpu = Object.fromEntries(Object.keys(rows).map((k) => [k, Infinity]));
for (let r = 0; r < runs; r++) {
  for (const [name, make] of Object.entries(rows)) {
    const t = await timeOnce(make);
    best[name] = Math.min(best[name], t.ns);
    bestCpu[name] = Math.min(bestCpu[name], t.cpu);
  }
}

// ---------------------------------------------------------------- end to end

/** One run of the CLI: wall time, and CPU time (user + system, all threads) from /usr/bin/time. */
function cli(policy) {
  fs.rmSync(path.join(work, 'agg.duckdb'), { force: true });
  fs.rmSync(path.join(work, 'agg.duckdb.wal'), { force: true });
  fs.rmSync(path.join(work, 'agg-parquet'), { recursive: true, force: true });
  const out = fs.openSync(path.join(work, 'out.log'), 'w');
  const times = path.join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', times, process.execPath, gallraBin, 'anonymise', '--config', policy, input], { env, stdio: ['ignore', out, 'inherit'] });
  const ns = Number(process.hrtime.bigint() - t0);
  fs.closeSync(out);
  if (r.status !== 0) throw new Error(`gallra anonymise exited ${r.status}`);
  const [u, sys] = fs.readFileSync(times, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { ns, cpu: (u + sys) * 1e9 };
}
cli(aggPolicy); // warm the page cache and check it runs
const parts = fs.readdirSync(path.join(work, 'agg-parquet', 'aggregates'));
if (parts.length === 0) throw new Error('no partitions published');
const e2e = { without: Infinity, with: Infinity };
const e2eCpu = { without: Infinity, with: Infinity };
for (let r = 0; r < runs; r++) {
  for (const [k, p] of [['without', plainPolicy], ['with', aggPolicy]]) {
    const t = cli(p);
    e2e[k] = Math.min(e2e[k], t.ns);
    e2eCpu[k] = Math.min(e2eCpu[k], t.cpu);
  }
}

console.log(`\naggregation overhead on the anonymise path — ${lines.toLocaleString('en')} combined lines (${path.basename(input)}), best of ${runs} interleaved runs`);
console.log(`${machine()}\n`);
console.log('In one process (no I/O, no start-up):\n');
console.log('| engine | best ms | ns/line | × default policy | best CPU ms | CPU × default policy |');
console.log('|---|---|---|---|---|---|');
for (const [name, ns] of Object.entries(best)) console.log(`| ${name} | ${(ns / 1e6).toFixed(0)} | ${(ns / lines).toFixed(0)} | ${(ns / best['default policy']).toFixed(3)} | ${(bestCpu[name] / 1e6).toFixed(0)} | ${(bestCpu[name] / bestCpu['default policy']).toFixed(3)} |`);
console.log('\nEnd to end (`gallra anonymise --config P FILE > out`, process start to exit, DuckDB write and Parquet publication included):\n');
console.log('| policy | best s | lines/s | × without | best CPU s (all threads) | CPU × without |');
console.log('|---|---|---|---|---|---|');
console.log(`| without aggregates: | ${(e2e.without / 1e9).toFixed(3)} | ${Math.round(lines / (e2e.without / 1e9)).toLocaleString('en')} | 1.000 | ${(e2eCpu.without / 1e9).toFixed(2)} | 1.000 |`);
console.log(`| with aggregates: | ${(e2e.with / 1e9).toFixed(3)} | ${Math.round(lines / (e2e.with / 1e9)).toLocaleString('en')} | **${(e2e.with / e2e.without).toFixed(3)}** | ${(e2eCpu.with / 1e9).toFixed(2)} | ${(e2eCpu.with / e2eCpu.without).toFixed(3)} |`);
console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
fs.rmSync(work, { recursive: true, force: true });
