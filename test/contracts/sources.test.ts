/**
 * Every registered source keeps the source contract (source.case.ts). Each
 * gets a harness here — how to build it through its registry entry and hand
 * it one line — and a source without one fails the first test.
 */
import fs from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type KafkaDev, produceRecords, startKafkaDev } from '../helpers/kafka.js';
import { components } from '../../src/components.js';
import type { Source, SourceContext } from '../../src/sources/source.js';
import { StreamSource } from '../../src/sources/stream/stream-source.js';
import type { SyslogSource } from '../../src/sources/syslog/syslog-source.js';
import { sourceContract } from './source.case.js';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-source-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** One embedded Kafka for the Kafka harness, started on first use. */
let kafkaDev: Promise<KafkaDev> | undefined;
afterAll(async () => (await kafkaDev)?.stop());
let seq = 0;

function context(name: string): SourceContext {
  return { name, baseDir: dir, env: { GALLRA_STATE_DIR: dir }, maxLineLength: 1024, warn: () => undefined, now: Date.now };
}

function create(type: string, config: Record<string, unknown>): Source {
  const entry = components.source(type)!;
  return entry.create(entry.schema.parse({ type, ...config }), context(`${type}-${++seq}`));
}

/** How to make each registered source started, with the line `a` waiting for it (or on its way). */
const HARNESSES: Record<string, () => Promise<Source>> = {
  async file() {
    const file = path.join(dir, `access-${++seq}.log`);
    fs.writeFileSync(file, 'a\n');
    // A one-minute poll: the source must not rely on it to notice stop().
    const src = create('file', { path: file, start_at: 'beginning', poll_ms: 60_000, rotate_wait_ms: 50, checkpoint: path.join(dir, `cp-${seq}.json`) });
    await src.start();
    return src;
  },
  async stdin() {
    // stdin itself is the test runner's; the stdin source is a stream source over it, tested over a stream of our own.
    const stream = new PassThrough();
    stream.write('a\n');
    const src = new StreamSource('pipe', () => stream);
    await src.start();
    return src;
  },
  async fifo() {
    const fifo = path.join(dir, `access-${++seq}.fifo`);
    const src = create('fifo', { path: fifo });
    await src.start();
    const fd = fs.openSync(fifo, 'w');
    fs.writeSync(fd, 'a\n');
    fs.closeSync(fd);
    return src;
  },
  async syslog() {
    const src = create('syslog', { port: 0, protocol: 'tcp', max_connections: 4 }) as SyslogSource;
    await src.start();
    const c = new net.Socket();
    await new Promise<void>((r) => c.connect(src.ports.tcp!, '127.0.0.1', () => r()));
    c.on('error', () => undefined);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.end('<13>nginx: a\n');
    // The server ends its side when ours ends: the connection is gone before the test goes on.
    await closed;
    return src;
  },
  async kafka() {
    const dev = await (kafkaDev ??= startKafkaDev());
    const topic = await dev.topic(2);
    await produceRecords(dev.bootstrap, topic, [{ value: 'a' }]);
    const src = create('kafka', { bootstrap_servers: dev.bootstrap, topics: [topic], group: `g-${topic}`, key: 'drop', options: { 'group.protocol': 'consumer' } });
    await src.start();
    return src;
  },
};

describe('sources', () => {
  it('every registered source has a contract harness', () => {
    expect([...components.sources.keys()].filter((n) => !Object.hasOwn(HARNESSES, n))).toEqual([]);
  });
});

for (const name of components.sources.keys()) if (Object.hasOwn(HARNESSES, name)) sourceContract(name, HARNESSES[name]!);
