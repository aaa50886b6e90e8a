/**
 * Rebalances of the Kafka source: when a second member joins and takes
 * partitions over, the first one's positions for them (an older assignment)
 * are never committed — the new owner decides from where they are read —
 * while the partitions it keeps commit as usual; the new owner reads the
 * taken partitions from the last commit (records in flight at the revocation
 * are read again: at least once, never lost). What a member acknowledged of
 * the partitions it loses is committed in its revoke callback, so the new
 * owner starts where that prefix ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import type { RecordsBatch, Source, SourcePosition } from '../../src/sources/source.js';
import type { MetricSample } from '../../src/util/metric.js';
import { ensureBuilt } from '../helpers/cli.js';
import { committedOffsets, produceRecords, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';

let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev({ sessionTimeoutMs: 6000 });
}, 180_000);
afterAll(() => stopAllKafkaDev());

const PARTITIONS = 8;
const PER_PARTITION = 100;
/** Kafka's ApiKey of OffsetCommit requests (kafka-dev's `errors` command). */
const API_OFFSET_COMMIT = 8;
/** A classic group with incremental (cooperative-sticky) assignment. */
const COOPERATIVE = { 'group.protocol': 'classic', 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': '6000' };

/** A member of `group` reading in the background, keeping the last position it read per partition. */
class Member {
  readonly src: Source;
  readonly last = new Map<string, SourcePosition>();
  read = 0;
  private loop: Promise<void> | undefined;

  constructor(topic: string, group: string, options: Record<string, string> = { 'group.protocol': 'consumer' }) {
    const entry = components.source('kafka')!;
    const config = entry.schema.parse({ type: 'kafka', bootstrap_servers: dev.bootstrap, topics: [topic], group, key: 'drop', options });
    this.src = entry.create(config, { name: 'raw', baseDir: '.', env: {}, maxLineLength: 65536, warn: () => undefined, now: Date.now });
  }

  async start(): Promise<void> {
    await this.src.start();
    // Rebalance callbacks are served inside consume calls: the loop runs all along.
    this.loop = (async () => {
      for await (const b of this.src.batches() as AsyncIterable<RecordsBatch>) {
        this.read += b.records.length;
        for (const r of b.records) this.last.set(r.ack.segment.key, { segment: r.ack.segment, offset: r.ack.offset });
      }
    })();
  }

  metric(name: string, labels: Record<string, string> = {}): number {
    const s = (this.src.metrics?.() ?? []).find((m: MetricSample) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return s?.value ?? 0;
  }

  async close(): Promise<void> {
    this.src.stop();
    await this.loop;
    await this.src.close?.();
  }
}

/** A new topic of `partitions` holding `perPartition` records each (`line N`, spread round-robin), and a group of its own. */
async function filledTopic(partitions: number, perPartition: number, tag: string): Promise<{ topic: string; group: string }> {
  const topic = await dev.topic(partitions, tag);
  await produceRecords(
    dev.bootstrap,
    topic,
    Array.from({ length: partitions * perPartition }, (_, n) => ({ value: `line ${n}`, partition: n % partitions })),
  );
  return { topic, group: `g-${topic}` };
}

/** Waits until `b` holds some of the partitions and `a` the rest; the number `b` took. */
async function sharedBetween(a: Member, b: Member, partitions: number, ms?: number): Promise<number> {
  const held = (m: Member): number => m.metric('gallra_kafka_assigned_partitions');
  await until(() => held(b) > 0 && held(a) + held(b) === partitions, () => `A holds ${held(a)}, B ${held(b)}`, ms);
  return partitions - held(a);
}

/** The partitions `m` has read from. */
function partitionsOf(m: Member): Set<number> {
  return new Set([...m.last.keys()].map((k) => Number(k.slice(k.lastIndexOf('/') + 1))));
}

async function until(cond: () => boolean | Promise<boolean>, what: () => string, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Kafka source rebalances', () => {
  it('never commits positions of partitions taken over by another member; commits the ones it keeps', async () => {
    const { topic, group } = await filledTopic(PARTITIONS, PER_PARTITION, 'rb');
    const a = new Member(topic, group);
    const b = new Member(topic, group);
    try {
      await a.start();
      // A alone: every partition, every record read (and none acknowledged yet).
      await until(() => a.read === PARTITIONS * PER_PARTITION, () => `A read ${a.read}`);
      expect(a.metric('gallra_kafka_assigned_partitions')).toBe(PARTITIONS);
      const held = [...a.last.values()];

      // B joins: the group moves some of A's partitions to B (A's revocation drops their records in flight).
      await b.start();
      const taken = await sharedBetween(a, b, PARTITIONS);
      expect(a.metric('gallra_kafka_assignment_changes_total', { change: 'revoke' })).toBeGreaterThan(0);

      // A's acknowledgement comes late, for all eight: only the partitions it still owns are committed.
      await a.src.commit(held);
      // At least once: B reads again every record of the partitions it took over (nothing of them was committed).
      await until(() => b.read >= taken * PER_PARTITION, () => `B read ${b.read} of ${taken * PER_PARTITION}`);
      const toB = partitionsOf(b);
      expect(toB.size).toBe(taken);
      const want = Array.from({ length: PARTITIONS }, (_, p) => (toB.has(p) ? -1 : PER_PARTITION));
      // Commits are asynchronous: wait for the group's offsets to settle.
      await until(async () => (await committedOffsets(dev.bootstrap, group, topic, PARTITIONS)).join() === want.join(), () => `committed offsets are not ${want.join()}`, 10_000);
      expect(a.metric('gallra_kafka_stale_positions_total')).toBe(taken);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('commits the acknowledged prefix of revoked partitions inside the revoke callback', async () => {
    // A acknowledges a prefix of every partition, but its ordinary (asynchronous) commit fails: nothing is committed.
    // When B joins, the only commit left for the partitions A loses is the one in A's revoke callback.
    const { topic, group } = await filledTopic(PARTITIONS, PER_PARTITION, 'rv');
    const ACKED = 60;
    const a = new Member(topic, group);
    const b = new Member(topic, group);
    try {
      await a.start();
      await until(() => a.read === PARTITIONS * PER_PARTITION, () => `A read ${a.read}`);
      // OFFSET_METADATA_TOO_LARGE (12): a commit error librdkafka does not retry; A sends the prefix again only with its next commit.
      await dev.control(`errors ${API_OFFSET_COMMIT} 12`);
      await a.src.commit([...a.last.values()].map((p) => ({ segment: p.segment, offset: ACKED })));
      await until(() => a.metric('gallra_kafka_commits_total', { result: 'error' }) > 0, () => 'the failed commit was not answered');
      await dev.control(`clear-errors ${API_OFFSET_COMMIT}`);
      expect(await committedOffsets(dev.bootstrap, group, topic, PARTITIONS)).toEqual(Array(PARTITIONS).fill(-1));

      await b.start();
      const taken = await sharedBetween(a, b, PARTITIONS);
      // B starts the partitions it took where A's acknowledged prefix ends: it reads only the rest.
      await until(() => b.read >= taken * (PER_PARTITION - ACKED), () => `B read ${b.read} of ${taken * (PER_PARTITION - ACKED)}`);
      const toB = partitionsOf(b);
      expect(toB.size).toBe(taken);
      // Committed: A's prefix for the partitions it lost (in its revoke callback); nothing yet for those it kept (B acknowledged nothing).
      const want = Array.from({ length: PARTITIONS }, (_, p) => (toB.has(p) ? ACKED : -1));
      expect(await committedOffsets(dev.bootstrap, group, topic, PARTITIONS)).toEqual(want);
      expect(b.read).toBe(taken * (PER_PARTITION - ACKED));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('with two classic cooperative-sticky members: the partitions A keeps stay assigned through B joining (incremental), the rest move', async () => {
    const { topic, group } = await filledTopic(4, 100, 'coop2');
    const a = new Member(topic, group, COOPERATIVE);
    const members = [a];
    try {
      await a.start();
      await until(() => a.read === 400, () => `A read ${a.read}`);
      const held = [...a.last.values()];
      // B joins. On the mock a classic follower sometimes never gets its assignment (its SyncGroup
      // arrives after the leader's and is refused): a B without partitions after 20 s is replaced, at most three times.
      let b: Member | undefined;
      for (let attempt = 0; attempt < 3 && b === undefined; attempt++) {
        const m = new Member(topic, group, COOPERATIVE);
        members.push(m);
        await m.start();
        try {
          await sharedBetween(a, m, 4, 20_000);
          b = m;
        } catch {
          await m.close();
        }
      }
      expect(b).toBeDefined();
      const moved = 4 - a.metric('gallra_kafka_assigned_partitions');
      expect(moved).toBeGreaterThan(0);
      // A's acknowledgement of what it read before B joined: under an incremental rebalance the partitions it
      // kept are still the same assignment, so they commit; the moved ones are stale (an eager one would make all stale).
      await a.src.commit(held);
      expect(a.metric('gallra_kafka_stale_positions_total')).toBe(moved);
      // B reads the moved partitions from the start (nothing of them was committed), and acknowledges them.
      await until(() => b!.read === moved * 100, () => `B read ${b!.read} of ${moved * 100}`);
      await b!.src.commit([...b!.last.values()]);
      await until(async () => (await committedOffsets(dev.bootstrap, group, topic, 4)).every((o) => o === 100), () => 'not every partition committed at 100');
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  });

  it('works with classic cooperative-sticky groups (incremental assignment): reads everything and commits it', async () => {
    // One member only: on the mock a classic group's second member sometimes never gets its assignment (a SyncGroup race in the mock).
    const { topic, group } = await filledTopic(4, 100, 'coop');
    const m = new Member(topic, group, COOPERATIVE);
    try {
      await m.start();
      await until(() => m.read === 400, () => `read ${m.read}`);
      expect(m.metric('gallra_kafka_assigned_partitions')).toBe(4);
      await m.src.commit([...m.last.values()]);
    } finally {
      await m.close();
    }
    expect(await committedOffsets(dev.bootstrap, group, topic, 4)).toEqual([100, 100, 100, 100]);
  });
});
