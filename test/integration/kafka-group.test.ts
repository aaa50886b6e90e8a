/**
 * Several `gallra run` instances in one consumer group, against
 * `gallra kafka-dev`: they split the partitions; an instance SIGKILLed in
 * the middle of a stream loses nothing — the survivor (or the same instance
 * restarted) takes its partitions over from the committed offsets, so every
 * record reaches the output topic at least once. Duplicates are allowed
 * (at least once), counted and reported.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, metricsUntil, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev } from '../helpers/kafka.js';
import { duplicateIds, freePort, type Gallra, httpGet, idCounts, killAll, metric, missingIds, numberedLine, sleep, startedGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  // KIP-848 groups: the broker owns the session timeout (6 s, as the issue asks of tests).
  dev = await startKafkaDev({ sessionTimeoutMs: 6000 });
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

const PARTITIONS = 8;
const N = 40_000;

interface Instance {
  readonly g: Gallra;
  readonly port: number;
}

async function start(dir: string, raw: string, anon: string, group: string, name: string): Promise<Instance> {
  const port = await freePort();
  const cfg = join(dir, `${name}.yaml`);
  // Commits a second apart: a SIGKILL leaves up to a second of produced, uncommitted records behind.
  writeFileSync(cfg, pipelineConfig({ raw, anon, group, httpPort: port, commitMs: 1000 }));
  const g = await startedGallra(cfg, { stateDir: join(dir, 'state'), env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
  return { g, port };
}

const assigned = (t: string): number => metric(t, 'gallra_kafka_assigned_partitions', { source: 'raw' }) ?? 0;

/** Writes lines from..to at a steady rate, so that gallra is busy with them when a test strikes. */
async function stream(raw: string, from: number, to: number, stamp: number, during?: (written: number) => Promise<void>): Promise<void> {
  const records = Array.from({ length: to - from }, (_, i) => ({ value: numberedLine(from + i, stamp) }));
  await produceRecords(dev.bootstrap, raw, records, { perSecond: 10_000, progress: during });
}

/** Waits until two instances hold every partition between them, both some; returns how many each holds. */
async function split(a: Instance, b: Instance): Promise<[number, number]> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const [ta, tb] = await Promise.all([httpGet(a.port, '/metrics'), httpGet(b.port, '/metrics')]);
    const na = assigned(ta.body);
    const nb = assigned(tb.body);
    if (na > 0 && nb > 0 && na + nb === PARTITIONS) return [na, nb];
    if (performance.now() > deadline) throw new Error(`the partitions were not split: ${na} and ${nb}`);
    await sleep(200);
  }
}

/** What an instance had done when it was killed: it must be mid-stream. */
async function progressOf(port: number, raw: string, anon: string): Promise<string> {
  const t = (await httpGet(port, '/metrics')).body;
  const read = metric(t, 'gallra_kafka_records_consumed_total', { source: 'raw', topic: raw }) ?? 0;
  const delivered = metric(t, 'gallra_kafka_records_produced_total', { sink: 'anon', topic: anon }) ?? 0;
  return `when killed it had read ${read} records and delivered ${delivered}, ${metric(t, 'gallra_kafka_in_flight_records', { source: 'raw' }) ?? 0} in flight`;
}

function report(what: string, counts: ReadonlyMap<number, number>): void {
  const dups = duplicateIds(counts);
  const extra = dups.reduce((s, [, c]) => s + c - 1, 0);
  process.stderr.write(`[kafka-group] ${what}: ${counts.size} distinct records, ${extra} duplicate copies over ${dups.length} records (at least once)\n`);
}

describe('gallra instances in one consumer group', () => {
  it('split the partitions, and after one is SIGKILLed mid-stream the survivor takes over: no record is missing', async () => {
    const dir = tmp.make('kafka-group');
    const raw = await dev.topic(PARTITIONS, 'raw');
    const anon = await dev.topic(PARTITIONS, 'anon');
    const group = `g-${raw}`;
    const a = await start(dir, raw, anon, group, 'a');
    const b = await start(dir, raw, anon, group, 'b');
    let atKill = '';
    // Both members hold partitions: 8 between them.
    const [na, nb] = await split(a, b);
    expect(na).toBeGreaterThan(0);
    expect(nb).toBeGreaterThan(0);

    const stamp = Date.now() - 3 * 60_000;
    let killed = false;
    await stream(raw, 0, N, stamp, async (written) => {
      // Mid-stream: A is working through its share, and more is on its way.
      if (!killed && written >= N / 2) {
        killed = true;
        atKill = await progressOf(a.port, raw, anon);
        a.g.child.kill('SIGKILL');
        await a.g.exited;
      }
    });
    expect(killed).toBe(true);
    // The survivor gets A's partitions once A's session times out, and reads them from A's last commits.
    await metricsUntil(b.port, (t) => assigned(t) === PARTITIONS, 60_000);
    await groupCaughtUp(dev.bootstrap, group, raw, PARTITIONS);
    expect((await b.g.stop('SIGTERM')).code).toBe(0);

    const counts = idCounts((await readTopic(dev.bootstrap, anon)).map((r) => r.value).join('\n'));
    report(`two instances, one SIGKILLed (${atKill})`, counts);
    expect(missingIds(counts, N)).toEqual([]);
  });

  it('loses nothing when the only instance is SIGKILLed mid-stream and started again', async () => {
    const dir = tmp.make('kafka-restart');
    const raw = await dev.topic(PARTITIONS, 'raw');
    const anon = await dev.topic(PARTITIONS, 'anon');
    const group = `g-${raw}`;
    const first = await start(dir, raw, anon, group, 'first');
    let atKill = '';
    await metricsUntil(first.port, (t) => assigned(t) === PARTITIONS);
    const stamp = Date.now() - 3 * 60_000;
    let killed = false;
    await stream(raw, 0, N / 2, stamp, async (written) => {
      if (!killed && written >= N / 4) {
        killed = true;
        atKill = await progressOf(first.port, raw, anon);
        first.g.child.kill('SIGKILL');
        await first.g.exited;
      }
    });
    const again = await start(dir, raw, anon, group, 'again');
    await stream(raw, N / 2, N, stamp);
    await groupCaughtUp(dev.bootstrap, group, raw, PARTITIONS);
    expect((await again.g.stop('SIGTERM')).code).toBe(0);

    const counts = idCounts((await readTopic(dev.bootstrap, anon)).map((r) => r.value).join('\n'));
    report(`one instance, SIGKILLed (${atKill}) and restarted`, counts);
    expect(missingIds(counts, N)).toEqual([]);
  });
});
