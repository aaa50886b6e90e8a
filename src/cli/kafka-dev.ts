/**
 * `gallra kafka-dev`: an embedded Kafka for a fresh machine — librdkafka's
 * mock cluster hosted in this process (src/kafka/mock), with the topics it
 * is told created up front. The first line on stdout is
 * `bootstrap.servers=…`; it runs until SIGTERM or SIGINT.
 */
import { createInterface } from 'node:readline';
import { GallraError } from '../errors.js';
import { API_KEYS, MOCK_PARTITION_BYTES, MockCluster } from '../kafka/mock/mock-cluster.js';
import { KAFKA_DEV_MARKER_TOPIC } from '../kafka/topic-config.js';
import { parseCommand, shown } from './args.js';
import type { CommandIo } from './anonymise.js';

export const KAFKA_DEV_HELP = `Usage: gallra kafka-dev [--topic NAME:PARTITIONS]... [options]

Runs an embedded Kafka for development and tests: librdkafka's mock cluster,
listening on 127.0.0.1. The first line on stdout is
  bootstrap.servers=127.0.0.1:PORT,…
printed once every --topic exists; it then runs until SIGTERM or SIGINT.

Limits of the mock (stated on stderr at start): data lives in memory only;
each partition silently keeps only its newest 5 MiB; no compaction,
retention or topic configs; no admin API — topics are created here. A topic
a client names that does not exist is created with 4 partitions.

Options:
  --topic NAME:PARTITIONS  create a topic (repeatable); PARTITIONS defaults to 1
  --brokers N              brokers, one listener each (default 3)
  --rebalance-delay MS     classic groups' initial rebalance delay (default 0; Kafka's is 3000)
  --session-timeout MS     session timeout of KIP-848 groups (group.protocol=consumer),
                           which the broker owns (default 10000)
  --control                read commands on stdin, one per line, each answered on stdout
                           with "ok" or "error: …":
                             topic NAME:PARTITIONS        create a topic
                             broker-down ID | broker-up ID   (brokers are numbered from 1)
                             errors API CODE[,CODE…]      fail the next requests of API (a number,
                                                          or produce, fetch, offset-commit, …) with
                                                          these Kafka error codes
                             clear-errors API
  -h, --help               this help
`;

/** A Kafka topic name (Kafka's own rule: 1–249 of these characters). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

function topicSpec(text: string, where: string): TopicSpec {
  const at = text.lastIndexOf(':');
  const name = at < 0 ? text : text.slice(0, at);
  const parts = at < 0 ? '1' : text.slice(at + 1);
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new GallraError('GALLRA_USAGE', `gallra kafka-dev: ${where}: ${shown(name)} is not a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)`);
  }
  const n = Number(parts);
  if (!/^\d{1,4}$/.test(parts) || n < 1 || n > 1000) throw new GallraError('GALLRA_USAGE', `gallra kafka-dev: ${where}: partitions of ${shown(name)} must be 1 to 1000`);
  return { name, partitions: n };
}

function intFlag(value: unknown, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) throw new GallraError('GALLRA_USAGE', `gallra kafka-dev: ${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** An ApiKey by number or by name (`produce`, `offset-commit`, …). */
function apiKey(word: string | undefined): number {
  if (word !== undefined && /^\d{1,3}$/.test(word)) return Number(word);
  const named = Object.entries(API_KEYS).find(([k]) => k.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase() === word?.toLowerCase());
  if (named === undefined) throw new Error(`unknown API ${word ?? '(none)'}: a number or one of ${Object.keys(API_KEYS).join(', ')}`);
  return named[1];
}

/** Carries out one --control command. */
function control(mc: MockCluster, line: string): void {
  const [verb, ...args] = line.trim().split(/\s+/);
  switch (verb) {
    case 'topic': {
      const t = topicSpec(args[0] ?? '', 'topic');
      mc.createTopic(t.name, t.partitions);
      return;
    }
    case 'broker-down':
    case 'broker-up': {
      const id = Number(args[0]);
      if (!Number.isInteger(id) || id < 1 || id > mc.brokers) throw new Error(`broker ids are 1 to ${mc.brokers}`);
      if (verb === 'broker-down') mc.brokerDown(id);
      else mc.brokerUp(id);
      return;
    }
    case 'errors': {
      const codes = (args[1] ?? '').split(',').map(Number);
      if (codes.length === 0 || codes.some((c) => !Number.isInteger(c) || c < -1 || c > 200)) throw new Error('error codes are Kafka protocol error numbers, comma-separated');
      mc.pushRequestErrors(apiKey(args[0]), codes);
      return;
    }
    case 'clear-errors':
      mc.clearRequestErrors(apiKey(args[0]));
      return;
    default:
      throw new Error(`unknown command ${verb ?? ''}: topic, broker-down, broker-up, errors, clear-errors`);
  }
}

/**
 * Runs `gallra kafka-dev`; resolves to the exit code once stopped by a signal.
 *
 * @example
 * process.exitCode = await kafkaDevCommand(['--topic', 'logs.raw.nginx:8'], io);
 */
export async function kafkaDevCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('kafka-dev', argv, {
    topic: { type: 'string', multiple: true },
    brokers: { type: 'string' },
    'rebalance-delay': { type: 'string' },
    'session-timeout': { type: 'string' },
    control: { type: 'boolean' },
  });
  if (values.help === true) {
    io.stdout.write(KAFKA_DEV_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra kafka-dev: unexpected argument ${shown(positionals[0])}; topics are given with --topic NAME:PARTITIONS\n  see: gallra kafka-dev --help`);
  const topics = ((values.topic ?? []) as string[]).map((t) => topicSpec(t, '--topic'));
  const brokers = intFlag(values.brokers, '--brokers', 1, 9, 3);
  const mc = new MockCluster({
    brokers,
    initialRebalanceDelayMs: intFlag(values['rebalance-delay'], '--rebalance-delay', 0, 300_000, 0),
    consumerSessionTimeoutMs: intFlag(values['session-timeout'], '--session-timeout', 1000, 300_000, 10_000),
  });
  try {
    // Tells gallra's keyring that this cluster keeps no topic configs (see topic-config.ts).
    mc.createTopic(KAFKA_DEV_MARKER_TOPIC, 1);
    for (const t of topics) mc.createTopic(t.name, t.partitions);
  } catch (err) {
    mc.close();
    throw err;
  }
  // The address first, alone on its line, once every topic exists: callers wait for it rather than sleep.
  io.stdout.write(`bootstrap.servers=${mc.bootstrapServers}\n`);
  io.stderr.write(
    `gallra kafka-dev: librdkafka mock cluster, ${brokers} broker${brokers > 1 ? 's' : ''} on 127.0.0.1` +
      `${topics.length > 0 ? `, topics ${topics.map((t) => `${t.name}:${t.partitions}`).join(' ')}` : ''}\n` +
      `  limits: data in memory only, gone when this process stops; each partition silently keeps only its newest ${MOCK_PARTITION_BYTES >> 20} MiB;\n` +
      `  no compaction, retention or topic configs; no admin API (topics come from --topic); for development and tests only.\n` +
      `  stop with SIGTERM or Ctrl-C\n`,
  );
  // The mock runs on librdkafka's threads: nothing else keeps the event loop alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let lines: ReturnType<typeof createInterface> | undefined;
  if (values.control === true) {
    lines = createInterface({ input: process.stdin, terminal: false });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      try {
        control(mc, line);
        io.stdout.write('ok\n');
      } catch (err) {
        io.stdout.write(`error: ${(err as Error).message.replace(/\n/g, ' ')}\n`);
      }
    });
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  lines?.close();
  process.stdin.destroy();
  clearInterval(keepAlive);
  mc.close();
  io.stderr.write(`gallra kafka-dev: stopped (${signal})\n`);
  return 0;
}
