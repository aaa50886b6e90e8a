/**
 * `gallra run` between Kafka topics while the cluster misbehaves
 * (`gallra kafka-dev --control`): a broker down and back, produce requests
 * failing (retried by librdkafka, or reported failed and sent again by
 * gallra), a producer losing its idempotence state, records Kafka rejects
 * for good. Throughout, a committed offset never passes a record that is not
 * yet in the output topic, and in the end every record is there.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { committedOffsets, groupCaughtUp, metricsUntil, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { freePort, type Gallra, httpGet, idCounts, killAll, metric, missingIds, numberedLine, startedGallra, startGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev();
}, 180_000);
afterEach(async () => {
  await killAll();
  // Errors a failed test left injected must not fail the next one's requests.
  await dev.control('clear-errors produce');
  await dev.control('broker-up 2');
});
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

const PARTITIONS = 4;

/** Kafka error codes, as the mock's injected request errors take them. */
const UNKNOWN_SERVER_ERROR = -1; // reported as a failed delivery: gallra sends again
const NOT_ENOUGH_REPLICAS = 19; // retried inside librdkafka
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45; // idempotence state lost: gallra recreates the producer
const INVALID_RECORD = 87; // rejected for good

interface Setup {
  readonly raw: string;
  readonly anon: string;
  readonly dead: string;
  readonly group: string;
  readonly port: number;
  readonly cfg: string;
  readonly dir: string;
}

async function setup(name: string, deadLetter = true, sink?: string): Promise<Setup> {
  const dir = tmp.make(name);
  const raw = await dev.topic(PARTITIONS, 'raw');
  const anon = await dev.topic(PARTITIONS, 'anon');
  const dead = await dev.topic(1, 'dead');
  const group = `g-${raw}`;
  const port = await freePort();
  const cfg = join(dir, 'gallra.yaml');
  writeFileSync(cfg, pipelineConfig({ raw, anon, dead: deadLetter ? dead : undefined, group, httpPort: port, sink }));
  return { raw, anon, dead, group, port, cfg, dir };
}

const lines = (from: number, to: number, stamp: number): { value: string }[] => Array.from({ length: to - from }, (_, i) => ({ value: numberedLine(from + i, stamp) }));

/**
 * The records of the raw topic below the group's committed offsets that are
 * in neither output topic — there must be none: gallra commits a position
 * only once everything before it is delivered.
 */
async function committedButNotDelivered(s: Setup): Promise<string[]> {
  // Committed offsets first: the output can only have grown by the time it is read.
  const committed = await committedOffsets(dev.bootstrap, s.group, s.raw, PARTITIONS);
  const delivered = idCounts([...(await readTopic(dev.bootstrap, s.anon)), ...(await readTopic(dev.bootstrap, s.dead))].map((r) => r.value).join('\n'));
  const lost: string[] = [];
  for (const r of await readTopic(dev.bootstrap, s.raw)) {
    const id = Number(/ \/n\/(\d{6}) /.exec(r.value)?.[1]);
    if (r.offset < committed[r.partition]! && !delivered.has(id)) lost.push(`${r.partition}@${r.offset} (/n/${id})`);
  }
  return lost;
}

/** Starts gallra on a setup and waits until it holds every partition. */
async function run(s: Setup): Promise<Gallra> {
  const g = await startedGallra(s.cfg, { stateDir: s.dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
  await metricsUntil(s.port, (t) => metric(t, 'gallra_kafka_assigned_partitions', { source: 'raw' }) === PARTITIONS);
  return g;
}

/**
 * Injected errors fail the next produce requests of any client: they are
 * injected once the test's own records are all written, with gallra's
 * records the only ones still to be produced.
 */
async function backlogThenFaults(s: Setup, n: number, stamp: number, ...commands: string[]): Promise<void> {
  await produceRecords(dev.bootstrap, s.raw, lines(0, n, stamp));
  for (const c of commands) await dev.control(c);
}

describe('gallra run between Kafka topics under faults', () => {
  it('rides out a broker going down mid-stream and failing produce requests: committed offsets never pass an undelivered record, and every record arrives', async () => {
    const s = await setup('kafka-faults');
    let g = await run(s);
    const stamp = Date.now() - 3 * 60_000;
    const N = 8000;
    const checks: string[][] = [];
    await produceRecords(dev.bootstrap, s.raw, lines(0, N, stamp), {
      perSecond: 2000,
      progress: async (written) => {
        if (written === 2000) await dev.control('broker-down 2');
        if (written === 5000) {
          await dev.control('broker-up 2');
          checks.push(await committedButNotDelivered(s));
        }
      },
    });
    await groupCaughtUp(dev.bootstrap, s.group, s.raw, PARTITIONS);
    checks.push(await committedButNotDelivered(s));
    expect((await g.stop('SIGTERM')).code).toBe(0);

    // A backlog, and the first produce requests of gallra's next run fail: some reported failed (sent again), some retried inside librdkafka.
    await produceRecords(dev.bootstrap, s.raw, lines(N, 2 * N, stamp));
    await dev.control(`errors produce ${Array(6).fill(UNKNOWN_SERVER_ERROR).join(',')}`);
    await dev.control(`errors produce ${Array(4).fill(NOT_ENOUGH_REPLICAS).join(',')}`);
    g = await run(s);
    await groupCaughtUp(dev.bootstrap, s.group, s.raw, PARTITIONS);
    checks.push(await committedButNotDelivered(s));
    const text = (await httpGet(s.port, '/metrics')).body;
    expect((await g.stop('SIGTERM')).code).toBe(0);

    expect(checks).toEqual([[], [], []]);
    const counts = idCounts((await readTopic(dev.bootstrap, s.anon)).map((r) => r.value).join('\n'));
    expect(missingIds(counts, 2 * N)).toEqual([]);
    // The failed deliveries were reported to gallra, which sent those records again.
    expect(metric(text, 'gallra_kafka_delivery_errors_total', { sink: 'anon', kind: 'transient' })).toBeGreaterThan(0);
    expect(metric(text, 'gallra_kafka_delivery_errors_total', { sink: 'anon', kind: 'permanent' })).toBe(0);
  }, 180_000);

  it('with delivery reports for failures only, knows which records failed: rejected ones dead-lettered, none counted delivered', async () => {
    const s = await setup('kafka-errors-only', true, '    delivery_reports: errors');
    await backlogThenFaults(s, 3000, Date.now() - 3 * 60_000, `errors produce ${INVALID_RECORD},${UNKNOWN_SERVER_ERROR}`);
    const g = await run(s);
    await groupCaughtUp(dev.bootstrap, s.group, s.raw, PARTITIONS);
    const lost = await committedButNotDelivered(s);
    const text = (await httpGet(s.port, '/metrics')).body;
    expect((await g.stop('SIGTERM')).code).toBe(0);
    expect(lost).toEqual([]);
    const dead = await readTopic(dev.bootstrap, s.dead);
    expect(dead.length).toBeGreaterThan(0);
    expect(metric(text, 'gallra_kafka_dead_lettered_total', { sink: 'anon', reason: 'rejected' })).toBe(dead.length);
    const counts = idCounts([...(await readTopic(dev.bootstrap, s.anon)), ...dead].map((r) => r.value).join('\n'));
    expect(missingIds(counts, 3000)).toEqual([]);
  });

  it('recreates a producer that lost its idempotence state and sends again what it had not delivered', async () => {
    const s = await setup('kafka-fatal');
    await backlogThenFaults(s, 3000, Date.now() - 3 * 60_000, `errors produce ${OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    const g = await run(s);
    await groupCaughtUp(dev.bootstrap, s.group, s.raw, PARTITIONS);
    const text = (await httpGet(s.port, '/metrics')).body;
    expect((await g.stop('SIGTERM')).code).toBe(0);
    expect(metric(text, 'gallra_kafka_producer_recreated_total', { sink: 'anon' })).toBeGreaterThanOrEqual(1);
    const counts = idCounts((await readTopic(dev.bootstrap, s.anon)).map((r) => r.value).join('\n'));
    expect(missingIds(counts, 3000)).toEqual([]);
  });

  it('sets a record Kafka rejects for good aside on the dead-letter topic, with the reason, and then acknowledges it', async () => {
    const s = await setup('kafka-rejected');
    await backlogThenFaults(s, 500, Date.now() - 3 * 60_000, `errors produce ${INVALID_RECORD}`);
    const g = await run(s);
    await groupCaughtUp(dev.bootstrap, s.group, s.raw, PARTITIONS);
    const text = (await httpGet(s.port, '/metrics')).body;
    expect((await g.stop('SIGTERM')).code).toBe(0);
    const dead = await readTopic(dev.bootstrap, s.dead);
    expect(dead.length).toBeGreaterThan(0);
    // Counted by reason.
    expect(metric(text, 'gallra_kafka_dead_lettered_total', { sink: 'anon', reason: 'rejected' })).toBe(dead.length);
    expect(metric(text, 'gallra_kafka_delivery_errors_total', { sink: 'anon', kind: 'permanent' })).toBe(dead.length);
    for (const r of dead) {
      expect(r.headers['gallra-reason']).toMatch(/^rejected: .*failed to validate record/);
      // Anonymised like every output record.
      expect(r.value).toMatch(/^81\.6\.12\.0 /);
    }
    const counts = idCounts([...(await readTopic(dev.bootstrap, s.anon)), ...dead].map((r) => r.value).join('\n'));
    expect(missingIds(counts, 500)).toEqual([]);
  });

  it('without a dead-letter topic, stops on a record Kafka rejects for good, without committing past it', async () => {
    const s = await setup('kafka-stop', false);
    await backlogThenFaults(s, 200, Date.now() - 3 * 60_000, `errors produce ${INVALID_RECORD}`);
    const g = startGallra(s.cfg, { stateDir: s.dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
    const exit = await g.exited;
    expect(exit.code).toBe(1);
    expect(g.stderr()).toMatch(/rejected a record for good/);
    expect(await committedButNotDelivered(s)).toEqual([]);
    // Something was held back: the rejected records are neither delivered nor committed.
    const committed = await committedOffsets(dev.bootstrap, s.group, s.raw, PARTITIONS);
    expect(committed.reduce((a, c) => a + Math.max(0, c), 0)).toBeLessThan(200);
  });
});
