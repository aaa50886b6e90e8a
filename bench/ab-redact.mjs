#!/usr/bin/env node
// A/B of two builds in one process, on the same lines, alternated: the
// redact transform on the request and referer fields, and the whole engine
// (the in-process pipeline of bench/inproc-engine.mjs) with the default
// policy. Times are CPU time (process.cpuUsage), best of R: on a shared
// machine the wall clock also counts other processes' turns, and this VM's
// load made wall-clock runs swing by a factor of two between repetitions.
//
//   node bench/ab-redact.mjs --base DIR [--input FILE] [--lines N] [--runs R]
//
// DIR is another checkout's root with a built dist/ (the "before"); this
// checkout's dist/ is the "after". Without --input, N lines (default
// 200,000) of ../shared/bench/gen-combined.mjs output are read from FILE's
// default /tmp/shared-1m.log. Figures in bench/RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, machine, option } from './harness.mjs';

const baseDir = option('--base', undefined);
if (baseDir === undefined) {
  console.error('usage: node bench/ab-redact.mjs --base DIR [--input FILE] [--lines N] [--runs R]');
  process.exit(2);
}
const runs = Number(option('--runs', '7'));
const input = option('--input', '/tmp/shared-1m.log');
const limit = Number(option('--lines', '200000'));
const builds = { before: path.resolve(baseDir, 'dist'), after: path.resolve(benchDir, '..', 'dist') };
const load = async (dir, mod) => import(pathToFileURL(path.join(dir, mod)).href);

const text = fs.readFileSync(input, 'latin1');
const lines = [];
for (let p = 0; p < text.length && lines.length < limit; ) {
  const n = text.indexOf('\n', p);
  lines.push(text.slice(p, n < 0 ? text.length : n));
  p = n < 0 ? text.length : n + 1;
}
const pack = (arr) => {
  const b = Buffer.from(arr.join('\n'), 'latin1');
  const o = [];
  for (let p = 0, k = 0; k < arr.length; k++) {
    o.push(p);
    p += arr[k].length + 1;
  }
  return { arr, b, o };
};
const requests = pack(lines.map((l) => l.split('"')[1] ?? '-'));
const referers = pack(lines.map((l) => l.split('"')[3] ?? '-').filter((r) => r !== '-'));
const chunk = Buffer.from(lines.join('\n') + '\n', 'latin1');

const cpu = (f) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) * 1000;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-ab-'));
const candidates = [];
for (const [name, dir] of Object.entries(builds)) {
  const R = await load(dir, 'transforms/redact/index.js');
  const { DEFAULT_IP_TRUNCATION } = await load(dir, 'transforms/truncate-ip.js');
  const r = new R.Redactor({ ...R.DEFAULT_REDACT_OPTIONS, ip: DEFAULT_IP_TRUNCATION });
  // Before compileRedaction existed the transform called these two methods.
  const req = R.compileRedaction ? R.compileRedaction(r, 'request', 'request').fnAscii : (v, b, o) => r.redactRequestAscii(v, b, o);
  const ref = R.compileRedaction ? R.compileRedaction(r, 'url', 'http_referer').fnAscii : (v, b, o) => r.redactAscii(v, b, o);
  candidates.push({ name: `${name}: request: redact`, per: requests.arr.length, fn: () => requests.arr.forEach((v, k) => req(v, requests.b, requests.o[k])) });
  candidates.push({ name: `${name}: http_referer: redact`, per: referers.arr.length, fn: () => referers.arr.forEach((v, k) => ref(v, referers.b, referers.o[k])) });

  candidates.push({ name: `${name}: engine, default policy`, per: lines.length, fn: await engineRun(dir, name) });
}

/**
 * The whole engine over `chunk` with the default policy, for either build:
 * the line rewriter before the pipeline core (pipeline/anonymiser.js) or the
 * pipeline built by runtime/build.js (its salts prepared before timing).
 */
async function engineRun(dir, name) {
  const { LineSplitter } = await load(dir, 'pipeline/line-splitter.js');
  const { loadPolicy } = await load(dir, 'policy/load.js');
  const { FileKeyring } = await load(dir, 'keyring/file.js');
  const { parseDuration } = await load(dir, 'time/duration.js');
  const loaded = loadPolicy(undefined, { GALLRA_STATE_DIR: path.join(work, name) });
  const feed = (handler) => {
    const splitter = new LineSplitter(65536, handler);
    for (let i = 0; i < chunk.length; i += 65536) splitter.push(chunk.subarray(i, Math.min(chunk.length, i + 65536)));
    splitter.end();
  };
  if (fs.existsSync(path.join(dir, 'pipeline/anonymiser.js'))) {
    const { Anonymiser, collectOutput } = await load(dir, 'pipeline/anonymiser.js');
    const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: parseDuration(loaded.config.salts.grace) });
    return () => {
      const a = new Anonymiser({ policy: loaded.config, keyring, format: 'combined' });
      const { handler, take } = collectOutput(a);
      a.beginBatch();
      feed(handler);
      if (take().length === 0) throw new Error('no output');
    };
  }
  const { buildLinePipeline } = await load(dir, 'runtime/build.js');
  const { EncodedBatchBuilder } = await load(dir, 'pipeline/line-pipeline.js');
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: parseDuration(loaded.config.salts.grace), future: parseDuration(loaded.config.retention.max_future) });
  const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring, format: 'combined' });
  const out = new EncodedBatchBuilder();
  pipeline.consumers.push(out);
  await pipeline.prepare();
  return () => {
    pipeline.beginBatch();
    feed(pipeline);
    if (out.take().text.length === 0) throw new Error('no output');
  };
}

const best = new Map();
for (let round = 0; round < runs; round++) for (const c of candidates) best.set(c.name, Math.min(best.get(c.name) ?? Infinity, cpu(c.fn) / c.per));
console.log(`\nA/B in one process, CPU ns per value (best of ${runs}, alternated) — ${lines.length.toLocaleString('en')} lines of ${path.basename(input)}`);
console.log(`${machine()}\n`);
console.log('| measure | before | after | after / before |');
console.log('|---|---|---|---|');
for (const what of ['request: redact', 'http_referer: redact', 'engine, default policy']) {
  const b = best.get(`before: ${what}`);
  const a = best.get(`after: ${what}`);
  console.log(`| ${what} | ${b.toFixed(0)} | ${a.toFixed(0)} | ${(a / b).toFixed(2)} |`);
}
fs.rmSync(work, { recursive: true, force: true });
