/**
 * `gallra demo`: the whole pipeline on one machine with nothing installed
 * beyond `npm ci` — an embedded Kafka (`gallra kafka-dev`), a raw topic
 * filled with recent nginx lines that carry personal data, `gallra run` on
 * config/demo.yaml (Kafka in, anonymised Kafka out, hourly aggregates into an
 * embedded DuckDB), then what came out and an analyst's query over it.
 *
 * Every process it starts is stopped by its pid before it returns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GallraError } from '../errors.js';
import { connectClient, loadKafka, type KafkaModule } from '../kafka/client.js';
import type { CommandIo } from './anonymise.js';
import { demoLines } from './demo-lines.js';
import { parseCommand, shown } from './args.js';

export const DEMO_HELP = `Usage: gallra demo [--lines N] [--keep]

Runs the whole pipeline on this machine with no external server:
  1. an embedded Kafka (gallra kafka-dev: librdkafka's mock cluster on 127.0.0.1)
  2. N recent nginx combined lines, with addresses, user names, e-mail
     addresses and phone numbers in them, written to the topic logs.raw.nginx
  3. gallra run --config config/demo.yaml: one consumer-group member reads
     them, writes them anonymised to logs.anon.nginx and counts them into
     hourly aggregates held to k visitors in an embedded DuckDB
  4. prints lines in and out, the counts, and an analyst's query
     (gallra query) over the aggregates
Then stops everything it started. Exit 0 when every line came through.

Options:
  --lines N   lines to send (default 2000; 100 to 200000)
  --keep      keep the working directory (the DuckDB store, salts, audit trail)
  -h, --help  this help
`;

const TOPICS = ['logs.raw.nginx:4', 'logs.anon.nginx:4', 'logs.dead:1', 'gallra.keyring:1'];
const PARTITIONS = 4;
const STEP_MS = 120_000;

/** The package root (dist/bundle/main.js or dist/cli/demo.js → two levels up). */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `gallra <args>` as a child of this process. */
function gallra(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [process.argv[1]!, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line matching `re`; rejects when the child exits first or after `ms`. */
function firstLine(child: ChildProcess, re: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start within ${ms / 1000} s`)), ms);
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m !== undefined) {
        clearTimeout(timer);
        res(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (${code}) before it was ready:\n${err.trim()}`));
    });
  });
}

/** Stops a child by its pid and waits for it (SIGKILL after 20 s). */
async function stop(child: ChildProcess | undefined): Promise<number | null> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

/** The HTTP port in `gallra run`'s start line (a JSON log line), or undefined for any other line. */
export function startedPort(line: string): number | undefined {
  if (!line.includes('gallra run started')) return undefined;
  try {
    const port = (JSON.parse(line) as { http_port?: unknown }).http_port;
    return typeof port === 'number' && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** The sum of a counter's samples in a Prometheus text exposition (those with the label `where`, e.g. `sink="anon"`, when given). */
export function counterSum(text: string, name: string, where?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (where !== undefined && !line.includes(where)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

async function metrics(port: number): Promise<string> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    return await r.text();
  } catch {
    return '';
  }
}

async function produce(Kafka: KafkaModule, bootstrap: string, lines: readonly string[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'enable.idempotence': true, dr_cb: true, 'linger.ms': 5 } as never);
  let delivered = 0;
  let failed: string | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = err.message;
    delivered++;
  });
  await connectClient(producer, 10_000);
  producer.setPollInterval(10);
  try {
    // Line i goes to partition i mod 4 with the key line-i, which the source's key rule (redact) keeps.
    lines.forEach((l, i) => producer.produce('logs.raw.nginx', i % PARTITIONS, Buffer.from(l), `line-${i}`, Date.now()));
    const deadline = Date.now() + STEP_MS;
    while (delivered < lines.length && failed === undefined && Date.now() < deadline) await new Promise<void>((r) => producer.flush(500, () => r()));
    if (failed !== undefined || delivered < lines.length) throw new Error(`the raw topic took ${delivered} of ${lines.length} lines${failed ? `: ${failed}` : ''}`);
  } finally {
    producer.setPollInterval(0);
    await new Promise<void>((r) => producer.disconnect(5000, () => r()));
  }
}

/**
 * The anonymised records of the first `n` lines, found by their keys
 * (`line-i`; the sink writes each record under its source key).
 */
async function readAnonymised(Kafka: KafkaModule, bootstrap: string, n: number): Promise<string[]> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': 'gallra-demo-reader', 'enable.auto.commit': false } as never, { 'auto.offset.reset': 'earliest' });
  await connectClient(consumer, 10_000);
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'logs.anon.nginx', partition, offset: 0 })));
    const found = new Map<number, string>();
    const deadline = Date.now() + 30_000;
    while (found.size < n && Date.now() < deadline) {
      const batch = await new Promise<{ value: Buffer | null; key?: Buffer | string | null }[]>((res, rej) => consumer.consume(500, (err, m) => (err ? rej(err) : res(m as never))));
      for (const m of batch) {
        const at = /^line-(\d+)$/.exec(m.key?.toString() ?? '');
        if (at !== null && Number(at[1]) < n && m.value !== null) found.set(Number(at[1]), m.value.toString());
      }
    }
    return [...found.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v);
  } finally {
    await new Promise<void>((r) => consumer.disconnect(() => r()));
  }
}

function runToEnd(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => res({ code, out, err }));
  });
}

/**
 * Runs `gallra demo`; resolves to the exit code.
 *
 * @example
 * process.exitCode = await demoCommand(['--lines', '500'], io);
 */
export async function demoCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('demo', argv, { lines: { type: 'string' }, keep: { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra demo: unexpected argument ${shown(positionals[0])}\n  see: gallra demo --help`);
  const n = values.lines === undefined ? 2000 : Number(values.lines);
  if (!Number.isInteger(n) || n < 100 || n > 200_000) throw new GallraError('GALLRA_USAGE', 'gallra demo: --lines must be a whole number from 100 to 200000');

  const say = (s: string): void => void io.stdout.write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'gallra-demo-'));
  const config = join(packageRoot(), 'config', 'demo.yaml');
  let dev: ChildProcess | undefined;
  let run: ChildProcess | undefined;
  const runErr: string[] = [];
  try {
    say(`gallra demo — working directory ${dir}\n`);
    say('1. embedded Kafka (gallra kafka-dev)');
    dev = gallra(['kafka-dev', '--log-level', 'warn', ...TOPICS.flatMap((t) => ['--topic', t])], process.env);
    const bootstrap = (await firstLine(dev, /^bootstrap\.servers=/, STEP_MS, 'gallra kafka-dev')).slice('bootstrap.servers='.length).trim();
    say(`   bootstrap.servers=${bootstrap}; topics ${TOPICS.join(', ')}`);

    const env = { ...process.env, KAFKA_BOOTSTRAP_SERVERS: bootstrap, GALLRA_DEMO_DIR: dir, GALLRA_STATE_DIR: join(dir, 'state') };
    say('2. gallra run --config config/demo.yaml (Kafka → anonymised Kafka + DuckDB aggregates)');
    run = gallra(['run', '--config', config, '--log-level', 'info'], env);
    const runExit = new Promise<number | null>((r) => run!.once('exit', (c) => r(c)));
    // Its HTTP listener takes any free port (http.port: 0) and says which in its start line.
    const httpPort = await new Promise<number>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('gallra run did not start within two minutes')), STEP_MS);
      let pending = '';
      run!.stderr!.on('data', (d: Buffer) => {
        const text = d.toString();
        runErr.push(text);
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) {
          const port = startedPort(l);
          if (port !== undefined) {
            clearTimeout(timer);
            res(port);
          }
        }
      });
      run!.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`gallra run exited (${code}):\n${runErr.join('').trim()}`));
      });
    });

    const lines = demoLines(n, Date.now());
    const Kafka = await loadKafka();
    say(`3. ${n} raw lines → logs.raw.nginx`);
    await produce(Kafka, bootstrap, lines);

    // Done when every line was read and the written count stops moving (the sink delivered it).
    let text = '';
    let lastWritten = -1;
    for (let t = Date.now(); ; await sleep(500)) {
      text = await metrics(httpPort);
      const read = counterSum(text, 'gallra_lines_read_total');
      const written = counterSum(text, 'gallra_lines_written_total', 'sink="anon"');
      if (read >= n && written === lastWritten) break;
      lastWritten = written;
      if (run.exitCode !== null) throw new Error(`gallra run exited (${run.exitCode}):\n${runErr.join('').trim()}`);
      if (Date.now() - t > STEP_MS) throw new Error(`gallra run read ${read} of ${n} lines in two minutes`);
    }
    const read = counterSum(text, 'gallra_lines_read_total');
    const written = counterSum(text, 'gallra_lines_written_total', 'sink="anon"');
    const dropped = counterSum(text, 'gallra_lines_dropped_total');
    // SIGTERM: gallra drains, commits offsets and flushes the open aggregate windows.
    run.kill('SIGTERM');
    const runCode = await runExit;
    if (runCode !== 0) throw new Error(`gallra run stopped with exit ${runCode}:\n${runErr.join('').trim()}`);

    say(`\n   in (the first 3):`);
    for (const l of lines.slice(0, 3)) say(`   ${l}`);
    say(`   out (logs.anon.nginx, the same three, found by their keys):`);
    for (const l of await readAnonymised(Kafka, bootstrap, 3)) say(`   ${l}`);
    say(`\n   lines read ${read}, written to logs.anon.nginx ${written}, dropped ${dropped}`);

    say('\n4. gallra query --config config/demo.yaml (the analyst\'s side: only aggregates held to k visitors)');
    const q = await runToEnd(
      gallra(['query', '--config', config, `SELECT path_template, CAST(sum(requests) AS BIGINT) AS requests, CAST(max(visitors) AS BIGINT) AS visitors_per_hour FROM aggregates WHERE "grouping" = 'path_template' GROUP BY path_template ORDER BY requests DESC LIMIT 8`], env),
    );
    io.stdout.write(q.out.replace(/^/gm, '   '));
    if (q.code !== 0) throw new Error(`gallra query failed (${q.code}):\n${q.err.trim()}`);
    say(`\nDone: ${read === n ? 'every line came through' : `${read} of ${n} lines read`}. Try it on your own logs: gallra anonymise --stats access.log`);
    return read === n && written + dropped >= n ? 0 : 1;
  } catch (err) {
    io.stderr.write(`gallra demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stop(run);
    await stop(dev);
    if (values.keep === true) say(`(kept ${dir})`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
