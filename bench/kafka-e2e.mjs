#!/usr/bin/env node
// Kafka → Kafka on the mock cluster (`gallra kafka-dev`), in the same run:
//   passthrough — bench/kafka-passthrough.mjs: plain node-rdkafka consume → produce
//                 with gallra's guarantees (idempotent acks=all producer, barrier
//                 then commit of the contiguous prefix, the same in-flight bound)
//   gallra      — gallra run: kafka source → default policy → kafka sink
// for each delivery-report mode (a report per record; failures only), in
// alternating order. Each contender runs pinned to one core (taskset -c 1)
// while the mock cluster and this script share the other; the raw topic is
// filled before the clock starts. Time runs from the first record in the
// contender's output topic to the last (the topic's high watermarks, polled
// every 50 ms); CPU time is the contender's own (all its threads) over the
// same interval. First the outputs are checked: every record there, once.
//
//   node bench/kafka-e2e.mjs [--lines N | --input FILE] [--rounds R] [--partitions P (24)] [--reports all,errors] [--burst]
//
// --reports: the delivery-report modes to measure (default both).
// --max-in-flight: the passthrough's bound (default 20000, gallra's default max_in_flight).
// GALLRA_BENCH_NODE_ARGS: extra node flags for gallra only, e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof" (profiles gallra run); GALLRA_BENCH_BIN:
// another gallra entry point (dist/cli/main.js: unbundled, readable profiles).
//
// --burst: gallra's peak memory (VmHWM) with a backlog of N/10 and of N
// records waiting: the in-flight bounds keep it flat under a 10x burst.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Kafka from 'node-rdkafka';
import { benchDir, flag, gallraBin, machine, option, prepare } from './harness.mjs';

const rounds = Number(option('--rounds', '2'));
const modes = option('--reports', 'all,errors').split(',');
// The passthrough's in-flight bound: gallra's default source.max_in_flight (a barrier and commit when it is reached).
const maxInFlight = Number(option('--max-in-flight', '20000'));
// GALLRA_BENCH_SOURCE_OPTIONS: more librdkafka options for gallra's consumer, e.g. "max.partition.fetch.bytes: 262144".
const sourceOptions = process.env.GALLRA_BENCH_SOURCE_OPTIONS ? `, ${process.env.GALLRA_BENCH_SOURCE_OPTIONS}` : '';
const nodeArgs = (process.env.GALLRA_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
const partitions = Number(option('--partitions', '24'));
const { work, input } = prepare('gallra-kafka-bench-', 200_000);
const lines = fs.readFileSync(input, 'latin1').split('\n').filter((l) => l.length > 0);
const N = lines.length;
const pin = (core) => (spawnSync('taskset', ['--version']).status === 0 ? ['taskset', ['-c', String(core)]] : [undefined, []]);
const [taskset] = pin(0);

/** How many lines gallra writes of `records` under the default policy (unparseable and out-of-window lines are dropped). */
function parseable(records) {
  const file = path.join(work, `count-${records.length}.log`);
  fs.writeFileSync(file, records.join('\n') + '\n', 'latin1');
  const r = spawnSync(process.execPath, [gallraBin, 'anonymise', '--format', 'combined', file], { env: { ...process.env, GALLRA_STATE_DIR: work }, maxBuffer: 1 << 30 });
  return r.stdout.toString('latin1').split('\n').filter((l) => l.length > 0).length;
}
const expected = parseable(lines);

// The mock cluster, on core 0 with this script.
const devArgs = [gallraBin, 'kafka-dev', '--control'];
const dev = taskset ? spawn('taskset', ['-c', '0', process.execPath, ...devArgs], { stdio: ['pipe', 'pipe', 'ignore'] }) : spawn(process.execPath, devArgs, { stdio: ['pipe', 'pipe', 'ignore'] });
let devOut = '';
const devLines = [];
let devWake;
dev.stdout.on('data', (d) => {
  devOut += d;
  for (let i = devOut.indexOf('\n'); i >= 0; i = devOut.indexOf('\n')) {
    devLines.push(devOut.slice(0, i));
    devOut = devOut.slice(i + 1);
    devWake?.();
  }
});
const devLine = () => new Promise((r) => {
  const f = () => (devLines.length > 0 ? r(devLines.shift()) : (devWake = f));
  f();
});
const bootstrap = (await devLine()).slice('bootstrap.servers='.length);
let seq = 0;
async function topic(name) {
  const t = `${name}-${++seq}`;
  dev.stdin.write(`topic ${t}:${partitions}\n`);
  const a = await devLine();
  if (a !== 'ok') throw new Error(a);
  return t;
}

const client = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': 'bench-watch' }, {});
await new Promise((res, rej) => client.connect({ timeout: 10_000 }, (e) => (e ? rej(e) : res())));
const highSum = async (t) =>
  (await Promise.all(Array.from({ length: partitions }, (_, p) => new Promise((res) => client.queryWatermarkOffsets(t, p, 5000, (e, o) => res(e ? 0 : o.highOffset)))))).reduce((a, b) => a + b, 0);

async function fill(t, records) {
  const p = new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 20, 'queue.buffering.max.messages': 500_000, 'enable.idempotence': true, acks: 'all' });
  await new Promise((res, rej) => p.connect({}, (e) => (e ? rej(e) : res())));
  const now = Date.now();
  // Round robin: the mock keeps only the newest 5 MiB of a partition, and the sticky partitioner fills one partition at a time.
  let i = 0;
  for (const l of records) {
    const partition = i++ % partitions;
    for (;;) {
      try {
        p.produce(t, partition, Buffer.from(l, 'latin1'), null, now);
        break;
      } catch {
        p.poll();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  await new Promise((res) => p.flush(120_000, res));
  await new Promise((res) => p.disconnect(res));
}

/** utime + stime of a process (all threads), in seconds. */
function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function peakRss(pid) {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return NaN;
  }
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every child still running: stopped by pid if the benchmark fails. */
const children = new Set([dev]);
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
process.on('uncaughtException', (err) => {
  console.error(err);
  process.exit(1);
});

function start(args, env) {
  const [cmd, pre] = pin(1);
  const child = cmd ? spawn(cmd, [...pre, process.execPath, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] }) : spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Runs one contender over topic `raw`; resolves to its figures. */
async function run(kind, reports, raw, target = kind === 'gallra' ? expected : N) {
  const out = await topic(`out-${kind}`);
  const group = `g-${kind}-${seq}`;
  let child;
  let httpPort;
  if (kind === 'passthrough') {
    child = start([path.join(benchDir, 'kafka-passthrough.mjs'), '--bootstrap', bootstrap, '--in', raw, '--out', out, '--group', group, '--count', String(target), '--reports', reports, '--max-in-flight', String(maxInFlight)]);
  } else {
    const dir = fs.mkdtempSync(path.join(work, 'gallra-'));
    const cfg = path.join(dir, 'cfg.yaml');
    httpPort = await freePort();
    fs.writeFileSync(
      cfg,
      `input: { format: combined }\nsalts: { dir: ${dir}/salts }\n` +
        `sources:\n  - { type: kafka, name: raw, bootstrap_servers: "${bootstrap}", topics: [${raw}], group: ${group}, options: { group.protocol: consumer${sourceOptions} } }\n` +
        `sinks:\n  - { type: kafka, name: out, bootstrap_servers: "${bootstrap}", topic: ${out}, delivery_reports: ${reports} }\n` +
        `http: { port: ${httpPort} }\n`,
    );
    child = start([...nodeArgs, process.env.GALLRA_BENCH_BIN ?? gallraBin, 'run', '--config', cfg, '--log-level', 'warn'], { ...process.env, GALLRA_STATE_DIR: dir });
  }
  let gone = false;
  const exited = new Promise((r) => child.on('exit', (code) => ((gone = true), r(code))));
  let t0;
  let cpu0;
  let n = 0;
  const deadline = performance.now() + 300_000;
  // --burst: where gallra's memory is (its /metrics every 500 ms): V8 heap, Buffers outside it, the rest (librdkafka's queues, malloc, code).
  const mem = { heap: 0, heapTotal: 0, external: 0, rss: 0, other: 0 };
  let lastSample = 0;
  for (;;) {
    if (flag('--burst') && httpPort !== undefined && performance.now() - lastSample > 500) {
      lastSample = performance.now();
      const m = await memoryOf(httpPort);
      if (m !== undefined) for (const k of Object.keys(mem)) mem[k] = Math.max(mem[k], m[k]);
    }
    n = await highSum(out);
    if (t0 === undefined && n > 0) [t0, cpu0] = [performance.now(), cpuSeconds(child.pid)];
    if (n >= target) break;
    if (gone) throw new Error(`${kind} exited with ${await exited} after ${n} of ${target} records`);
    if (performance.now() > deadline) throw new Error(`${kind}: only ${n} of ${target} records after 300 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(child.pid) - cpu0;
  const rss = peakRss(child.pid);
  if (kind === 'gallra') child.kill('SIGTERM');
  await exited;
  // Correct first: every record there, once (no more than the target either).
  const final = await highSum(out);
  if (final !== target) throw new Error(`${kind}: ${final} records in ${out}, expected ${target}`);
  return { kind, reports, records: target, seconds, perSecond: target / seconds, cpuMicros: (cpu * 1e6) / target, rss, mem };
}

/** gallra's memory now, from its /metrics (bytes): V8 heap used, external (Buffers), resident, and resident minus both. */
async function memoryOf(port) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const get = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const heap = get('gallra_nodejs_heap_size_used_bytes');
    const heapTotal = get('gallra_nodejs_heap_size_total_bytes');
    const external = get('gallra_nodejs_external_memory_bytes');
    const rss = get('gallra_process_resident_memory_bytes');
    return { heap, heapTotal, external, rss, other: rss - heapTotal - external };
  } catch {
    return undefined;
  }
}

const raw = await topic('raw');
await fill(raw, lines);
console.error(`${N} records (${expected} parseable) in ${raw}, ${partitions} partitions`);

const results = [];
const print = (r) => console.error(`${r.reports.padEnd(6)} ${r.kind.padEnd(11)} ${Math.round(r.perSecond).toLocaleString('en').padStart(9)} rec/s  ${r.cpuMicros.toFixed(1).padStart(5)} µs CPU/record  peak RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB`);
if (flag('--burst')) {
  // The same records arriving ten times as many at once: gallra's peak memory should barely move.
  const tenth = lines.slice(0, Math.floor(N / 10));
  const small = await topic('raw-small');
  await fill(small, tenth);
  console.log(`\n${machine()}; gallra pinned to one core: ${taskset ? 'yes (taskset -c 1)' : 'no'}`);
  console.log('| backlog waiting in the raw topic | gallra rec/s | peak RSS (VmHWM) | peak V8 heap used / total | peak external (Buffers) | peak RSS − heap total − external |');
  console.log('|---|---|---|---|---|---|');
  for (const [t, count, label] of [
    [small, parseable(tenth), `${tenth.length.toLocaleString('en')} records`],
    [raw, expected, `${N.toLocaleString('en')} records (10x)`],
  ]) {
    const r = await run('gallra', 'all', t, count);
    print(r);
    const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(`| ${label} | ${Math.round(r.perSecond).toLocaleString('en')} | ${mib(r.rss)} | ${mib(r.mem.heap)} / ${mib(r.mem.heapTotal)} | ${mib(r.mem.external)} | ${mib(r.mem.other)} |`);
  }
} else {
  for (const reports of modes) {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['passthrough', 'gallra'] : ['gallra', 'passthrough'];
      for (const kind of order) {
        const r = await run(kind, reports, raw);
        results.push(r);
        print(r);
      }
    }
  }
  console.log(`\n${machine()}; contenders pinned to one core: ${taskset ? 'yes (taskset -c 1)' : 'no'}`);
  console.log('| delivery reports | gallra rec/s | passthrough rec/s | gallra / passthrough | gallra µs CPU/record | passthrough µs CPU/record |');
  console.log('|---|---|---|---|---|---|');
  for (const reports of modes) {
    for (let round = 0; round < rounds; round++) {
      const g = results.filter((r) => r.reports === reports && r.kind === 'gallra')[round];
      const p = results.filter((r) => r.reports === reports && r.kind === 'passthrough')[round];
      console.log(`| ${reports} (round ${round + 1}) | ${Math.round(g.perSecond).toLocaleString('en')} | ${Math.round(p.perSecond).toLocaleString('en')} | ${((100 * g.perSecond) / p.perSecond).toFixed(0)} % | ${g.cpuMicros.toFixed(1)} | ${p.cpuMicros.toFixed(1)} |`);
    }
  }
}
await new Promise((res) => client.disconnect(res));
dev.kill('SIGTERM');
fs.rmSync(work, { recursive: true, force: true });
