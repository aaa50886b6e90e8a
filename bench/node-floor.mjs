#!/usr/bin/env node
// The Node cost floor for a line-processing pass: read a file, turn every
// line into a JS string, write every line back. No parsing, no transforms —
// what any Node line filter pays before it does its job. gallra's
// throughput is reported as a ratio against this, measured in the same run.
//
//   node bench/node-floor.mjs copy INPUT OUTPUT [--chunk BYTES]
//   node bench/node-floor.mjs lines INPUT            (split only, no write)
//
// Chunks default to 1 MiB reads, decoded as UTF-8, split on '\n', joined
// back per chunk and written with backpressure.
import fs from 'node:fs';
import { once } from 'node:events';

const [mode, input, output] = process.argv.slice(2);
const i = process.argv.indexOf('--chunk');
const CHUNK = i > 0 ? Number(process.argv[i + 1]) : 1 << 20;
if ((mode !== 'copy' && mode !== 'lines') || !input || (mode === 'copy' && !output)) {
  console.error('usage: node-floor.mjs copy INPUT OUTPUT [--chunk BYTES] | lines INPUT');
  process.exit(2);
}
const out = mode === 'copy' ? fs.createWriteStream(output, { highWaterMark: CHUNK }) : undefined;
let lines = 0;
let tail = '';
for await (const chunk of fs.createReadStream(input, { encoding: 'utf8', highWaterMark: CHUNK })) {
  const parts = (tail + chunk).split('\n');
  tail = parts.pop() ?? '';
  lines += parts.length;
  if (out) {
    let joined = '';
    for (const p of parts) joined += p + '\n';
    if (!out.write(joined)) await once(out, 'drain');
  }
}
if (tail.length > 0) {
  lines++;
  if (out) out.write(tail + '\n');
}
if (out) {
  out.end();
  await once(out, 'finish');
}
console.error(`${mode}: ${lines} lines`);
