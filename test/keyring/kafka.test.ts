/**
 * The Kafka keyring against `gallra kafka-dev`: instances that start at the
 * same moment on an empty keyring topic agree on every salt (the first
 * record of an epoch wins); a closed epoch's salt is tombstoned, and no
 * instance can compute that epoch's pseudonyms afterwards; the topic is
 * refused when it cannot be used safely.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { MockCluster } from '../../src/kafka/mock/mock-cluster.js';
import { KafkaKeyring, type KafkaKeyringOptions } from '../../src/keyring/kafka/kafka-keyring.js';
import { topicLimits, topicProblems } from '../../src/keyring/kafka/topic-check.js';
import { mustParseDuration } from '../../src/time/duration.js';
import { closesAt, epochOf } from '../../src/time/epoch.js';
import { DEFAULT_PSEUDONYM_OPTIONS, Pseudonymiser } from '../../src/transforms/pseudonymise.js';
import { ensureBuilt } from '../helpers/cli.js';
import { type KafkaDev, readTopic, startKafkaDev, stopAllKafkaDev } from '../helpers/kafka.js';

let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev();
}, 180_000);
afterAll(() => stopAllKafkaDev());

const keyrings: KafkaKeyring[] = [];
afterEach(async () => {
  for (const k of keyrings.splice(0)) {
    k.close();
    await k.closed;
  }
});

const GRACE = mustParseDuration('PT1M');
const FUTURE = mustParseDuration('PT1M');

function keyring(topic: string, clock: () => number, more: Partial<KafkaKeyringOptions> = {}): KafkaKeyring {
  const k = new KafkaKeyring({ bootstrapServers: dev.bootstrap, topic, period: 'PT1H', grace: GRACE, future: FUTURE, verifyTopic: true, timeoutMs: 20_000, now: clock, ...more });
  keyrings.push(k);
  return k;
}

const pseudonym = (k: KafkaKeyring, user: string, t: number): string => new Pseudonymiser(k, DEFAULT_PSEUDONYM_OPTIONS).pseudonym('user', user, t);

describe('KafkaKeyring', () => {
  it('gives two instances started at the same moment on an empty topic the same salt: the same user, the same pseudonym', async () => {
    const topic = await dev.topic(1, 'keyring');
    const now = Date.now();
    const a = keyring(topic, () => now);
    const b = keyring(topic, () => now);
    await Promise.all([a.rotate(), b.rotate()]);
    await Promise.all([a.prepare(now), b.prepare(now)]);
    expect(pseudonym(a, 'alice', now)).toBe(pseudonym(b, 'alice', now));
    expect(pseudonym(a, 'alice', now)).not.toBe(pseudonym(a, 'bob', now));
    // Both wrote a candidate; the first on the topic is the salt of both.
    const records = await readTopic(dev.bootstrap, topic);
    expect(records.length).toBeGreaterThanOrEqual(1);
    const current = records.filter((r) => r.key?.startsWith(`PT1H/`) && r.value.length > 0);
    expect(new Set(current.map((r) => r.key!.split('/')[2])).size).toBe(current.length);
    // A third instance, later, reads the same salt.
    const c = keyring(topic, () => now);
    await c.prepare(now);
    expect(pseudonym(c, 'alice', now)).toBe(pseudonym(a, 'alice', now));
  });

  it('tombstones a closed epoch\'s salt; afterwards no instance can compute that epoch\'s pseudonyms', async () => {
    const topic = await dev.topic(1, 'keyring');
    const t0 = Date.now();
    let clock = t0;
    const a = keyring(topic, () => clock);
    await a.prepare(t0);
    const before = pseudonym(a, 'alice', t0);
    expect(a.saltFor(t0).ephemeral).toBe(false);

    // The epoch closes; housekeeping destroys its salt.
    clock = closesAt(epochOf(t0, 'PT1H'), GRACE) + 1000;
    const destroyed = await a.destroyClosed();
    expect(destroyed.map((d) => d.start)).toContain(epochOf(t0, 'PT1H').start);
    const label = new Date(epochOf(t0, 'PT1H').start).toISOString().replace(/[-:]|\.\d+/g, '');
    const records = (await readTopic(dev.bootstrap, topic)).filter((r) => r.key?.startsWith(`PT1H/${label}/`));
    const written = records.filter((r) => r.value.length === 32).map((r) => r.key);
    // Every salt record of the epoch has a tombstone after it (an empty value: Kafka's null).
    for (const key of written) expect(records.findLast((r) => r.key === key)?.value).toBe('');
    expect(a.saltFor(t0).ephemeral).toBe(true);

    // A new instance after the close gets a throw-away salt for that epoch…
    const later = keyring(topic, () => clock);
    await later.prepare(clock);
    expect(later.saltFor(t0).ephemeral).toBe(true);
    expect(pseudonym(later, 'alice', t0)).not.toBe(before);
    // …and one whose clock still says the epoch is open finds no salt to read: it makes a new, unrelated one.
    const skewed = keyring(topic, () => t0);
    await skewed.prepare(t0);
    expect(skewed.saltFor(t0).ephemeral).toBe(false);
    expect(pseudonym(skewed, 'alice', t0)).not.toBe(before);
  });

  it('lists the salts on the topic without their bytes', async () => {
    const topic = await dev.topic(1, 'keyring');
    const now = Date.now();
    const a = keyring(topic, () => now);
    const { created } = await a.rotate();
    expect(created?.start).toBe(epochOf(now, 'PT1H').start);
    const list = await a.list();
    expect(list.map((i) => i.state)).toContain('open');
    expect(list[0]!.path).toMatch(new RegExp(`^kafka:${topic}/PT1H/`));
    expect(JSON.stringify(list)).not.toMatch(/salt/);
  });

  it('refuses a keyring topic that does not exist or has several partitions (exit 2)', async () => {
    const missing = keyring('no-such-keyring-topic', Date.now);
    await expect(missing.rotate()).rejects.toSatisfy((e) => isGallraError(e) && e.code === 'GALLRA_CONFIG_KEYRING_TOPIC' && e.exitCode === 2 && /does not exist/.test(e.message));
    const wide = keyring(await dev.topic(3, 'keyring'), Date.now);
    await expect(wide.rotate()).rejects.toSatisfy((e) => isGallraError(e) && e.code === 'GALLRA_CONFIG_KEYRING_TOPIC' && /3 partitions/.test(e.message));
  });

  it('refuses a cluster that will not describe the topic\'s settings, unless told not to check (exit 2)', async () => {
    // A mock cluster without kafka-dev's marker topic stands for a real cluster that denies DescribeConfigs.
    const mc = new MockCluster({ brokers: 1 });
    try {
      mc.createTopic('gallra.keyring', 1);
      const strict = new KafkaKeyring({ bootstrapServers: mc.bootstrapServers, topic: 'gallra.keyring', period: 'P1D', grace: GRACE, future: FUTURE, verifyTopic: true, timeoutMs: 2000 });
      keyrings.push(strict);
      await expect(strict.rotate()).rejects.toSatisfy((e) => isGallraError(e) && e.code === 'GALLRA_CONFIG_KEYRING_TOPIC' && /verify_topic: false/.test(e.message));
      const warnings: string[] = [];
      const lax = new KafkaKeyring({ bootstrapServers: mc.bootstrapServers, topic: 'gallra.keyring', period: 'P1D', grace: GRACE, future: FUTURE, verifyTopic: false, timeoutMs: 10_000, warn: (m) => warnings.push(m) });
      keyrings.push(lax);
      await lax.rotate();
      expect(warnings.join('\n')).toMatch(/settings not checked/);
      for (const k of keyrings.splice(0)) {
        k.close();
        await k.closed;
      }
    } finally {
      mc.close();
    }
  });
});

describe('the keyring topic\'s settings', () => {
  const limits = topicLimits('P1D', mustParseDuration('PT1H'), mustParseDuration('PT1H'));
  const config = (c: Record<string, string>): Map<string, string> => new Map(Object.entries(c));

  it('need salts kept through epoch + grace + max_future, and gone soon after', () => {
    expect(limits).toEqual({ minRetentionMs: 26 * 3_600_000 + 60_000, maxLifetimeMs: 32 * 3_600_000 + 60_000 });
    expect(topicProblems(config({ 'cleanup.policy': 'compact,delete', 'retention.ms': '97200000', 'segment.ms': '3600000' }), limits)).toEqual([]);
  });

  it.each([
    [{ 'cleanup.policy': 'compact', 'retention.ms': '97200000', 'segment.ms': '3600000' }, /cleanup.policy is compact/],
    [{ 'cleanup.policy': 'delete', 'retention.ms': '97200000', 'segment.ms': '3600000' }, /cleanup.policy is delete/],
    [{ 'cleanup.policy': 'compact,delete', 'retention.ms': '-1', 'segment.ms': '3600000' }, /unlimited retention/],
    [{ 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000', 'segment.ms': '3600000' }, /above/],
    [{ 'cleanup.policy': 'compact,delete', 'retention.ms': '97200000', 'segment.ms': '604800000' }, /above/],
    [{ 'cleanup.policy': 'compact,delete', 'retention.ms': '3600000', 'segment.ms': '600000' }, /could vanish while its epoch is in use/],
  ])('refuses %j', (c, problem) => {
    expect(topicProblems(config(c), limits).join('\n')).toMatch(problem);
  });
});
