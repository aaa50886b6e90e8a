#!/usr/bin/env node
// Per-format throughput of the engine in one process (no I/O, no start-up,
// as bench/inproc-engine.mjs), default policy, on generated lines
// (bench/formats-gen.mjs), in the same run as nginx combined
// (bench/gen-log.mjs --recent) for the baseline: runs are interleaved, best
// of R. Each format's output is checked first: every line written, none
// dropped, and no client address of the input in it.
//
//   node bench/formats-throughput.mjs [--lines N] [--runs R]
//
// Targets (issue 12): every text format at least 50 % of combined's lines/s;
// JSON formats at least 250,000 lines/s on one core. Figures in bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EncodedBatchBuilder } from '../dist/pipeline/line-pipeline.js';
import { LineSplitter } from '../dist/pipeline/line-splitter.js';
import { buildLinePipeline } from '../dist/runtime/build.js';
import { loadPolicy } from '../dist/policy/load.js';
import { FileKeyring } from '../dist/keyring/file.js';
import { parseDuration } from '../dist/time/duration.js';
import { FORMATS, JSON_FORMATS, generate } from './formats-gen.mjs';
import { benchDir, machine, option } from './harness.mjs';

const LINES = Number(option('--lines', '200000'));
const RUNS = Number(option('--runs', '3'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-formats-'));
const end = Date.now() - 2 * 3_600_000;

const inputs = { combined: execFileSync(process.execPath, [path.join(benchDir, 'gen-log.mjs'), '--lines', String(LINES), '--recent', '--days', '2'], { maxBuffer: 1 << 30 }) };
for (const f of FORMATS) inputs[f] = Buffer.from(generate(f, LINES, end));

/**
 * Per-request identifiers the default policy pseudonymises (one HMAC each,
 * every line: they never repeat). A second row per format drops them, to
 * show what they cost.
 */
const REQUEST_IDS = {
  alb: ['trace_id'],
  s3: ['request_id', 'host_id'],
  cloudfront: ['x-edge-request-id'],
  gcp_lb: ['insertId', 'trace', 'spanId'],
  cloudflare: ['RayID'],
  azure_frontdoor: ['properties.trackingReference'],
  cdr: ['charging_id'],
};

const env = { GALLRA_STATE_DIR: path.join(work, 'state') };
const loaded = loadPolicy(undefined, env);
const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: parseDuration(loaded.config.salts.grace), future: parseDuration(loaded.config.retention.max_future) });
await keyring.prepare(Date.now());
const noIdsFile = path.join(work, 'no-ids.json');
fs.writeFileSync(noIdsFile, JSON.stringify({ formats: Object.fromEntries(Object.entries(REQUEST_IDS).map(([f, ids]) => [f, { fields: Object.fromEntries(ids.map((n) => [n, 'drop'])) }])) }));
const noIds = loadPolicy(noIdsFile, env);

function run(format, data, policy = loaded) {
  const { pipeline } = buildLinePipeline({ policy: policy.config, keyring, format });
  const out = new EncodedBatchBuilder();
  pipeline.consumers.push(out);
  const splitter = new LineSplitter(65536, pipeline);
  let text = '';
  const t0 = process.hrtime.bigint();
  let chars = 0;
  for (let i = 0; i < data.length; i += 65536) {
    pipeline.beginBatch();
    splitter.push(data.subarray(i, Math.min(data.length, i + 65536)));
    const t = out.take().text;
    chars += t.length;
    if (text.length < 4096) text += t.slice(0, 4096);
  }
  splitter.end();
  chars += out.take().text.length;
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, stats: pipeline.syncStats(), chars, sample: text };
}

// Correct first: every line out, nothing dropped, no client address of the first lines in the output.
for (const [format, data] of Object.entries(inputs)) {
  const { stats, sample } = run(format, data);
  const lines = LINES;
  if (stats.linesOut !== lines && format !== 'combined') throw new Error(`${format}: ${stats.summary()}`);
  const first = data.subarray(0, 8192).toString('utf8');
  const ips = [...first.matchAll(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.(\d{1,3})\b/g)].map((m) => m[0]).filter((ip) => !ip.endsWith('.0') && !/^(10|172|192|198|203|13|0)\./.test(ip));
  for (const ip of ips) if (sample.includes(ip)) throw new Error(`${format}: ${ip} in the output`);
}

/** The least any JSON anonymiser does per line: JSON.parse and JSON.stringify it (a floor, timed in the same run). */
function jsonFloor(data) {
  const text = data.toString('utf8');
  const t0 = process.hrtime.bigint();
  let chars = 0;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    chars += JSON.stringify(JSON.parse(text.slice(pos, nl))).length;
    pos = nl + 1;
  }
  if (chars === 0) throw new Error('no output');
  return Number(process.hrtime.bigint() - t0);
}

const rows = {};
for (const [format, data] of Object.entries(inputs)) {
  rows[format] = () => run(format, data).ns;
  if (REQUEST_IDS[format] !== undefined) rows[`${format}, request ids dropped`] = () => run(format, data, noIds).ns;
  if (JSON_FORMATS.has(format)) rows[`${format}: JSON.parse + stringify floor`] = () => jsonFloor(data);
}
const best = Object.fromEntries(Object.keys(rows).map((k) => [k, Infinity]));
for (let r = 0; r < RUNS; r++) for (const [name, time] of Object.entries(rows)) best[name] = Math.min(best[name], time());

const perSec = (name) => (LINES / best[name]) * 1e9;
const base = perSec('combined');
console.log(`\nper-format engine throughput, default policy — ${LINES.toLocaleString('en')} generated lines each, best of ${RUNS} interleaved runs, one core`);
console.log(`${machine()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log('| format | kind | bytes/line | lines/s | × combined | target | met |');
console.log('|---|---|---|---|---|---|---|');
for (const name of Object.keys(rows)) {
  const f = name.split(/[,:]/)[0];
  const json = JSON_FORMATS.has(f);
  const rate = perSec(name);
  const main = name === f;
  const target = !main ? '' : f === 'combined' ? '(baseline)' : json ? '≥ 250,000 lines/s' : '≥ 0.50 × combined';
  const met = !main || f === 'combined' ? '' : json ? (rate >= 250_000 ? 'yes' : 'NO') : rate >= 0.5 * base ? 'yes' : 'NO';
  console.log(`| ${name} | ${json ? 'JSON' : 'text'} | ${Math.round(inputs[f].length / LINES)} | ${Math.round(rate).toLocaleString('en')} | ${(rate / base).toFixed(2)} | ${target} | ${met} |`);
}
keyring.close();
fs.rmSync(work, { recursive: true, force: true });
