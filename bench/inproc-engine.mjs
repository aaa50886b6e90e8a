#!/usr/bin/env node
// The engine alone, in one process: the input is read into memory first and
// the output is collected as strings but never encoded or written, so what
// is timed is line splitting, parsing and the transforms — none of the I/O
// and start-up that make up a third of `gallra anonymise`'s wall time, and
// much of this VM's run-to-run noise. The baseline, timed in the same run,
// is the same LineSplitter handing each line back unchanged.
//
//   node bench/inproc-engine.mjs [--lines N | --input FILE] [--runs R]
//
// Rows: the floor, every combined field kept, each default transform alone
// over that, and the default policy. Figures in bench/RESULTS.md.
import fs from 'node:fs';
import path from 'node:path';
import { EncodedBatchBuilder } from '../dist/pipeline/line-pipeline.js';
import { buildLinePipeline } from '../dist/runtime/build.js';
import { LineSplitter } from '../dist/pipeline/line-splitter.js';
import { loadPolicy } from '../dist/policy/load.js';
import { FileKeyring } from '../dist/keyring/file.js';
import { parseDuration } from '../dist/time/duration.js';
import { countLines, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '5'));
const { work, input } = prepare('gallra-inproc-', 1_000_000);
const data = fs.readFileSync(input);
const chunks = [];
for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, Math.min(data.length, i + 65536)));
const lines = countLines(input);

const allKeep = { remote_addr: 'keep', remote_logname: 'keep', remote_user: 'keep', time_local: 'keep', request: 'keep', status: 'keep', body_bytes_sent: 'keep', http_referer: 'keep', http_user_agent: 'keep' };
const policies = {
  'all keep': { fields: allKeep },
  '+ remote_addr: truncate-ip': { fields: { ...allKeep, remote_addr: 'truncate-ip' } },
  '+ remote_user: pseudonymise': { fields: { ...allKeep, remote_user: 'pseudonymise' } },
  '+ request: redact': { fields: { ...allKeep, request: 'redact' } },
  '+ http_referer: redact': { fields: { ...allKeep, http_referer: 'redact' } },
  '+ http_user_agent: generalise-user-agent': { fields: { ...allKeep, http_user_agent: 'generalise-user-agent' } },
  'default policy': undefined,
};

const env = { GALLRA_STATE_DIR: path.join(work, 'state') };
function engine(policy) {
  let file;
  if (policy !== undefined) {
    file = path.join(work, `${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(policy));
  }
  const loaded = loadPolicy(file, env);
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: parseDuration(loaded.config.salts.grace), future: parseDuration(loaded.config.retention.max_future) });
  return () => {
    const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring, format: 'combined' });
    const out = new EncodedBatchBuilder();
    pipeline.consumers.push(out);
    // As gallra anonymise does per batch: the salts it can need, then the batch's clock.
    return {
      handler: pipeline,
      take: () => out.take().text,
      begin: async () => {
        await pipeline.prepare();
        pipeline.beginBatch();
      },
    };
  };
}

/** The baseline: the same splitter, each line handed back as it came. */
function floor() {
  let out = '';
  let src = '';
  const handler = {
    source: (s) => (src = s),
    line: (s, e) => (out += src.slice(s, e) + '\n'),
    drop: () => undefined,
  };
  return {
    handler,
    take: () => {
      const t = out;
      out = '';
      return t;
    },
    begin: () => undefined,
  };
}

async function timeOnce(make) {
  const { handler, take, begin } = make();
  const splitter = new LineSplitter(65536, handler);
  const t0 = process.hrtime.bigint();
  let chars = 0;
  for (const c of chunks) {
    await begin();
    splitter.push(c);
    chars += take().length;
  }
  splitter.end();
  chars += take().length;
  const ns = Number(process.hrtime.bigint() - t0);
  if (chars === 0) throw new Error('no output');
  return ns;
}

const rows = { floor };
for (const [name, policy] of Object.entries(policies)) rows[name] = engine(policy);
const best = Object.fromEntries(Object.keys(rows).map((k) => [k, Infinity]));
for (let r = 0; r < runs; r++) for (const [name, make] of Object.entries(rows)) best[name] = Math.min(best[name], await timeOnce(make));

console.log(`\nthe engine in one process (no I/O, no start-up) — ${lines.toLocaleString('en')} combined lines, best of ${runs} interleaved runs`);
console.log(`${machine()}\n`);
console.log('| engine | best ms | ns/line | × floor | ns/line over all keep |');
console.log('|---|---|---|---|---|');
for (const [name, ns] of Object.entries(best)) {
  const over = name === 'floor' || name === 'all keep' ? '' : ((ns - best['all keep']) / lines).toFixed(0);
  console.log(`| ${name} | ${(ns / 1e6).toFixed(0)} | ${(ns / lines).toFixed(0)} | ${(ns / best.floor).toFixed(2)} | ${over} |`);
}
fs.rmSync(work, { recursive: true, force: true });
