#!/usr/bin/env node
// Throughput of the sidecar paths of `gallra run`, beside `gallra anonymise`
// on the same data in the same run:
//   anonymise  — gallra anonymise --format combined --output OUT FILE
//   tail       — gallra run: file source (start_at beginning) → daily-file sink
//   syslog-tcp — gallra run: syslog TCP source ← a sender writing LF-framed
//                RFC 3164 messages as nginx would (`<190>… nginx: LINE`) → daily-file sink
// Each run is timed from process start to exit: `gallra run` is stopped with
// SIGTERM as soon as its metrics show every line read, so the time includes
// the drain, the last fsync and the checkpoint.
//
//   node bench/e2e-sidecar.mjs [--lines N | --input FILE] [--runs R]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { countLines, gallraBin as gallra, machine, option, prepare } from './harness.mjs';

const runs = Number(option('--runs', '3'));
const { work, input } = prepare('gallra-sidecar-bench-', 500_000);
const lines = countLines(input);
const bytes = fs.statSync(input).size;
// What nginx would send for each line: `<190>Nov 22 10:00:00 web1 nginx: LINE\n`.
const framed = Buffer.from(
  fs
    .readFileSync(input, 'latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => `<190>Nov 22 10:00:00 web1 nginx: ${l}\n`)
    .join(''),
  'latin1',
);

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

function metric(port, name) {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          let sum = 0;
          for (const m of body.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))) sum += Number(m[1]);
          resolve(sum);
        });
      })
      .on('error', () => resolve(-1));
  });
}

async function runSidecar(kind) {
  const dir = fs.mkdtempSync(path.join(work, `${kind}-`));
  const httpPort = await freePort();
  const syslogPort = await freePort();
  const source =
    kind === 'tail'
      ? `  - { type: file, name: in, path: ${input}, start_at: beginning, checkpoint: ${dir}/cp.json }`
      : `  - { type: syslog, name: in, port: ${syslogPort}, protocol: tcp }`;
  fs.writeFileSync(
    path.join(dir, 'cfg.yaml'),
    `input: { format: combined }\nsalts: { dir: ${dir}/salts }\nsources:\n${source}\nsinks:\n  - { type: file, dir: ${dir}/out }\nhttp: { port: ${httpPort} }\n`,
  );
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [gallra, 'run', '--config', path.join(dir, 'cfg.yaml'), '--log-level', 'warn'], { env: { ...process.env, GALLRA_STATE_DIR: dir }, stdio: 'inherit' });
  const exited = new Promise((r) => child.on('exit', r));
  while ((await metric(httpPort, 'gallra_lines_read_total')) < 0) await new Promise((r) => setTimeout(r, 20));
  if (kind === 'syslog-tcp') {
    // One connection, LF framing, the frames prepared before the clock started.
    const sock = net.connect(syslogPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    for (let off = 0; off < framed.length; off += 1 << 20) {
      if (!sock.write(framed.subarray(off, Math.min(framed.length, off + (1 << 20))))) await new Promise((r) => sock.once('drain', r));
    }
    sock.end();
  }
  while ((await metric(httpPort, 'gallra_lines_read_total')) < lines) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  await exited;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let written = 0;
  for (const f of fs.readdirSync(path.join(dir, 'out'))) written += fs.readFileSync(path.join(dir, 'out', f), 'latin1').split('\n').length - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, written };
}

function runAnonymise() {
  const out = path.join(work, 'anon.log');
  fs.rmSync(out, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [gallra, 'anonymise', '--format', 'combined', '--output', out, input], { env: { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state') } });
  if (r.status !== 0) throw new Error(String(r.stderr));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, written: fs.readFileSync(out, 'latin1').split('\n').length - 1 };
}

const results = { anonymise: [], tail: [], 'syslog-tcp': [] };
for (let i = 0; i < runs; i++) {
  results.anonymise.push(runAnonymise());
  results.tail.push(await runSidecar('tail'));
  results['syslog-tcp'].push(await runSidecar('syslog-tcp'));
}
const best = (k) => Math.min(...results[k].map((r) => r.seconds));
console.log(`\ngallra sidecar paths, default policy, combined format — ${lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB`);
console.log(`${machine()}, best of ${runs} interleaved runs (process start to exit)\n`);
console.log('| path | best s | lines/s | × anonymise time | lines written |');
console.log('|---|---|---|---|---|');
for (const k of Object.keys(results)) {
  const b = best(k);
  console.log(`| ${k} | ${b.toFixed(3)} | ${Math.round(lines / b).toLocaleString('en')} | ${(b / best('anonymise')).toFixed(2)} | ${results[k][0].written.toLocaleString('en')} |`);
}
fs.rmSync(work, { recursive: true, force: true });
