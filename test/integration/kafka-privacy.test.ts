/**
 * What a Kafka record carries beside its value — its key and headers — is
 * personal data as much as the line: a raw address in a key or a header
 * never reaches an output topic (the anonymised one or the dead-letter one)
 * unless the policy names it; headers the policy does not name are dropped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, leaks, TempDirs } from '../helpers/cli.js';
import { groupCaughtUp, pipelineConfig, produceRecords, readTopic, startKafkaDev, stopAllKafkaDev, type KafkaDev, type ReadRecord } from '../helpers/kafka.js';
import { freePort, killAll, numberedLine, startedGallra } from '../helpers/run.js';

const tmp = new TempDirs();
let dev: KafkaDev;
beforeAll(async () => {
  ensureBuilt();
  dev = await startKafkaDev();
}, 180_000);
afterEach(() => killAll());
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

const IP = '203.0.113.77';
const USER = 'alice.lindqvist';
const HEADERS: Record<string, string>[] = [{ 'x-forwarded-for': IP }, { trace: 'abc123' }, { user: USER }];

/** Runs gallra with these source settings over records keyed and headed with a raw address; returns both output topics. */
async function through(source: string): Promise<{ anon: ReadRecord[]; dead: ReadRecord[]; log: string }> {
  const dir = tmp.make('kafka-privacy');
  const raw = await dev.topic(1, 'raw');
  const anon = await dev.topic(1, 'anon');
  const dead = await dev.topic(1, 'dead');
  const group = `g-${raw}`;
  const cfg = join(dir, 'gallra.yaml');
  writeFileSync(cfg, pipelineConfig({ raw, anon, dead, group, httpPort: await freePort(), source }));
  const stamp = Date.now() - 3 * 60_000;
  await produceRecords(dev.bootstrap, raw, [
    { value: numberedLine(1, stamp), key: IP, headers: HEADERS },
    { value: numberedLine(2, stamp), key: IP, headers: HEADERS },
    // Unparseable: on the dead-letter topic, scrubbed, with the same key and header rules.
    { value: `garbage from ${IP}`, key: IP, headers: HEADERS },
  ]);
  const g = await startedGallra(cfg, { stateDir: dir, env: { KAFKA_BOOTSTRAP_SERVERS: dev.bootstrap } });
  await groupCaughtUp(dev.bootstrap, group, raw, 1);
  expect((await g.stop('SIGTERM')).code).toBe(0);
  return { anon: await readTopic(dev.bootstrap, anon), dead: await readTopic(dev.bootstrap, dead), log: g.stderr() };
}

const everything = (rs: readonly ReadRecord[]): string => rs.map((r) => `${r.key ?? ''} ${JSON.stringify(r.headers)} ${r.value}`).join('\n');

describe('Kafka keys and headers', () => {
  it('by default keep the key with its address truncated and drop every header: no raw address anywhere in the output', async () => {
    const { anon, dead, log } = await through('');
    expect(anon).toHaveLength(2);
    expect(dead).toHaveLength(1);
    for (const r of anon) {
      expect(r.key).toBe('203.0.113.0');
      expect(r.headers).toEqual({});
    }
    expect(dead[0]!.key).toBe('203.0.113.0');
    expect(Object.keys(dead[0]!.headers).sort()).toEqual(['gallra-reason', 'gallra-source']);
    expect(leaks(everything([...anon, ...dead]) + log, [IP, USER])).toEqual([]);
  });

  it('pass a key or header raw only when the policy names it so, and transform the others it names', async () => {
    const { anon, dead } = await through(`    key: keep
    headers:
      trace: keep
      x-forwarded-for: truncate-ip
      user: pseudonymise
`);
    for (const r of [...anon, ...dead]) {
      // The policy said keep: the raw key goes out.
      expect(r.key).toBe(IP);
      expect(r.headers.trace).toBe('abc123');
      expect(r.headers['x-forwarded-for']).toBe('203.0.113.0');
      expect(r.headers.user).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    // The same user, the same epoch: the same pseudonym.
    expect(new Set([...anon, ...dead].map((r) => r.headers.user)).size).toBe(1);
    expect(leaks(everything([...anon, ...dead]), [USER])).toEqual([]);
  });

  it('re-key by a pseudonym when configured: equal keys stay equal, the address is gone', async () => {
    const { anon, dead } = await through('    key: pseudonymise\n');
    const keys = new Set([...anon, ...dead].map((r) => r.key));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(leaks(everything([...anon, ...dead]), [IP, USER])).toEqual([]);
  });
});
