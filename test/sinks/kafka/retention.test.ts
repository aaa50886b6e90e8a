/**
 * The Kafka sink's topics held to the retention window: settings that let a
 * record outlive it are problems (the runner refuses to start on them),
 * kafka-dev's mock is only warned about, and a cluster that will not
 * describe a topic's settings is a problem too (fail closed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { components } from '../../../src/components.js';
import { isGallraError } from '../../../src/errors.js';
import { MockCluster } from '../../../src/kafka/mock/mock-cluster.js';
import { isRetainable } from '../../../src/retention/retainable.js';
import { retentionWindowFromConfig } from '../../../src/retention/config.js';
import { kafkaSinkConfigSchema } from '../../../src/sinks/kafka/config.js';
import { KafkaTopicStore, suggestedTopicSettings, topicRetentionProblems } from '../../../src/sinks/kafka/retention.js';
import { ensureBuilt } from '../../helpers/cli.js';
import { type KafkaDev, startKafkaDev, stopAllKafkaDev } from '../../helpers/kafka.js';

const DAY = 86_400_000;
const WINDOW = 30 * DAY;
const ok = new Map<string, string | null>([
  ['cleanup.policy', 'delete'],
  ['retention.ms', String(29 * DAY)],
  ['segment.ms', String(DAY)],
  ['message.timestamp.type', 'CreateTime'],
]);
const withSetting = (k: string, v: string | null): Map<string, string | null> => new Map([...ok, [k, v]]);

describe('topicRetentionProblems', () => {
  it('accepts a topic whose records are all deleted within the window', () => {
    expect(topicRetentionProblems(ok, WINDOW)).toEqual([]);
    const s = suggestedTopicSettings(WINDOW);
    expect(topicRetentionProblems(new Map([...ok, ['retention.ms', String(s.retentionMs)], ['segment.ms', String(s.segmentMs)]]), WINDOW)).toEqual([]);
  });

  it('names every setting that lets a record outlive the window', () => {
    expect(topicRetentionProblems(withSetting('retention.ms', '-1'), WINDOW)).toEqual([expect.stringMatching(/^retention\.ms is -1: records are kept for ever/)]);
    expect(topicRetentionProblems(withSetting('retention.ms', String(31 * DAY)), WINDOW)).toEqual([expect.stringMatching(/^retention\.ms is \d+: longer than the window/)]);
    // Brokers delete whole segments: retention.ms within the window is not enough.
    expect(topicRetentionProblems(withSetting('segment.ms', String(7 * DAY)), WINDOW)).toEqual([expect.stringMatching(/^retention\.ms \+ segment\.ms is \d+/)]);
    expect(topicRetentionProblems(withSetting('cleanup.policy', 'compact'), WINDOW)).toEqual([expect.stringMatching(/^cleanup\.policy is compact/)]);
    expect(topicRetentionProblems(withSetting('cleanup.policy', 'compact,delete'), WINDOW)).toEqual([]);
    expect(topicRetentionProblems(withSetting('message.timestamp.type', 'LogAppendTime'), WINDOW)).toEqual([expect.stringMatching(/LogAppendTime/)]);
    expect(topicRetentionProblems(new Map(), WINDOW)).toEqual([expect.stringMatching(/retention\.ms is \(unset\)/)]);
  });
});

describe('the kafka sink as a retained store', () => {
  let dev: KafkaDev;
  beforeAll(async () => {
    ensureBuilt();
    dev = await startKafkaDev({ brokers: 1 });
  }, 180_000);
  afterAll(() => stopAllKafkaDev());

  const window = retentionWindowFromConfig({ keep: 'P30D', max_future: 'PT1H' } as never);
  const config = (bootstrap: string, topic: string, dead?: string) =>
    kafkaSinkConfigSchema.parse({ type: 'kafka', bootstrap_servers: bootstrap, topic, ...(dead !== undefined ? { dead_letter: { topic: dead } } : {}) });

  it('is registered with its retention, and the live sink checks its topics (the runner asks it at start)', async () => {
    const entry = components.sink('kafka')!;
    const store = entry.retention!(config(dev.bootstrap, 'x'), { name: 'anon', baseDir: '.', window, now: Date.now });
    expect(store.erasure?.(Date.now())).toMatch(/cannot find or delete one person's records on Kafka topic x; the topic's retention \(checked at start: retention\.ms \+ segment\.ms within P30D\)/);
    const warnings: string[] = [];
    const sink = entry.create(config(dev.bootstrap, 'x'), { name: 'anon', baseDir: '.', window, now: Date.now, stdout: process.stdout, warn: (m) => warnings.push(m) });
    try {
      expect(isRetainable(sink)).toBe(true);
      if (!isRetainable(sink)) return;
      expect(await sink.check!(Date.now())).toEqual([]);
      expect(warnings.join('\n')).toMatch(/kafka topics x: gallra kafka-dev's mock cluster has no retention settings/);
    } finally {
      await sink.close();
    }
  });

  it('on gallra kafka-dev (no topic settings) warns and lets the run start', async () => {
    const anon = await dev.topic(2, 'anon');
    const warnings: string[] = [];
    const store = new KafkaTopicStore({ config: config(dev.bootstrap, anon), window, warn: (m) => warnings.push(m) });
    expect(await store.check(Date.now())).toEqual([]);
    expect(warnings.join('\n')).toMatch(/mock cluster has no retention settings to check.*newest 5 MiB.*at most P30D$/);
  });

  it('refuses topics whose settings it cannot read, and topics that do not exist (fail closed)', async () => {
    // A mock cluster without kafka-dev's marker topic stands for a real cluster that denies DescribeConfigs.
    const mc = new MockCluster({ brokers: 1 });
    try {
      mc.createTopic('logs.anon', 2);
      const store = new KafkaTopicStore({ config: config(mc.bootstrapServers, 'logs.anon', 'logs.dead'), window, timeoutMs: 2000 });
      const problems = await store.check(Date.now());
      expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^cannot read the settings of Kafka topic logs\.anon/), expect.stringMatching(/^Kafka topic logs\.dead does not exist/)]);
      expect(problems[0]!.fix).toMatch(/--allow-longer-retention/);
    } finally {
      mc.close();
    }
  });

  it('fails (exit 1, not a config error) when the cluster cannot be reached', async () => {
    const store = new KafkaTopicStore({ config: config('127.0.0.1:1', 'logs.anon'), window, timeoutMs: 1500 });
    await expect(store.check(Date.now())).rejects.toSatisfy((e) => isGallraError(e) && e.code === 'GALLRA_SINK_FAILED' && e.exitCode === 1);
  });
});
