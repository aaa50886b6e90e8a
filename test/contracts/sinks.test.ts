/**
 * Every registered sink keeps the sink contract (sink.case.ts). Each gets a
 * harness here — how to build it through its registry entry and read back
 * what it accepted — and a sink without one fails the first test.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type KafkaDev, readTopic, startKafkaDev } from '../helpers/kafka.js';
import { components } from '../../src/components.js';
import { retentionWindowFromConfig } from '../../src/retention/config.js';
import type { Sink, SinkContext } from '../../src/sinks/sink.js';
import { sinkContract, type SinkHarness } from './sink.case.js';

const WINDOW = retentionWindowFromConfig({ keep: 'P6M', max_future: 'PT1H' });
/** A clock inside the window of the suite's day (2026-12-02 in days since the epoch: 20_790). */
const NOW = 20_790 * 86_400_000 + 50_000_000;

function context(name: string, baseDir: string, stdout: NodeJS.WritableStream): SinkContext {
  return { name, baseDir, window: WINDOW, now: () => NOW, stdout: stdout as never, warn: () => undefined };
}

function create(type: string, config: Record<string, unknown>, ctx: SinkContext): Sink {
  const entry = components.sink(type)!;
  return entry.create(entry.schema.parse({ type, ...config }), ctx);
}

/** One embedded Kafka for the Kafka harness, started on first use. */
let kafkaDev: Promise<KafkaDev> | undefined;
afterAll(async () => (await kafkaDev)?.stop());

const HARNESSES: Record<string, () => SinkHarness> = {
  file() {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-sink-'));
    return {
      make: async () => create('file', { dir: 'out' }, context('file', dir, new PassThrough())),
      async read() {
        const out = path.join(dir, 'out');
        const files = fs.existsSync(out) ? fs.readdirSync(out).filter((n) => n.endsWith('.log')).sort() : [];
        return files.flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').slice(0, -1));
      },
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
  stdout() {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return {
      make: async () => create('stdout', {}, context('stdout', tmpdir(), stream)),
      read: async () => Buffer.concat(chunks).toString('utf8').split('\n').slice(0, -1),
      cleanup: async () => void stream.destroy(),
    };
  },
  kafka() {
    let topic: string | undefined;
    return {
      async make() {
        const dev = await (kafkaDev ??= startKafkaDev());
        // One partition: records of one partition keep their order.
        topic = await dev.topic(1);
        return create('kafka', { bootstrap_servers: dev.bootstrap, topic }, context('kafka', tmpdir(), new PassThrough()));
      },
      read: async () => (topic === undefined ? [] : (await readTopic((await kafkaDev!).bootstrap, topic)).map((r) => r.value)),
      cleanup: async () => undefined,
    };
  },
};

describe('sinks', () => {
  it('every registered sink has a contract harness', () => {
    expect([...components.sinks.keys()].filter((n) => !Object.hasOwn(HARNESSES, n))).toEqual([]);
  });
});

for (const name of components.sinks.keys()) if (Object.hasOwn(HARNESSES, name)) sinkContract(name, HARNESSES[name]!);
