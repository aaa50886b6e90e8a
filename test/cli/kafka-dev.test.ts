/**
 * `gallra kafka-dev`: the embedded mock cluster's command — its address on
 * the first stdout line once the topics exist, its limits on stderr, a
 * cluster other clients (kcat) see, control commands, usage errors.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, TempDirs } from '../helpers/cli.js';
import { startKafkaDev, stopAllKafkaDev } from '../helpers/kafka.js';
import { until } from '../helpers/wait.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  await stopAllKafkaDev();
  tmp.cleanup();
});

describe('gallra kafka-dev', () => {
  it('prints bootstrap.servers first, states the mock\'s limits, creates the topics it is told, and stops on SIGTERM', async () => {
    const dev = await startKafkaDev({ topics: ['logs.raw.nginx:8', 'logs.anon.nginx:3'] });
    expect(dev.bootstrap).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);
    // The banner follows the address line.
    await until(() => dev.stderr().includes('stop with'), 'the banner');
    expect(dev.stderr()).toContain('data in memory only');
    expect(dev.stderr()).toContain('each partition silently keeps only its newest 5 MiB');
    expect(dev.stderr()).toContain('no compaction, retention or topic configs');
    const md = spawnSync('kcat', ['-b', dev.bootstrap, '-L', '-J'], { encoding: 'utf8', timeout: 30_000 });
    const topics = (JSON.parse(md.stdout) as { topics: { topic: string; partitions: unknown[] }[] }).topics;
    expect(topics.find((t) => t.topic === 'logs.raw.nginx')?.partitions).toHaveLength(8);
    expect(topics.find((t) => t.topic === 'logs.anon.nginx')?.partitions).toHaveLength(3);
    await dev.control('topic more:2');
    await expect(dev.control('topic more:2')).rejects.toThrow(/already exists/i);
    await expect(dev.control('broker-down 7')).rejects.toThrow(/broker ids are 1 to 3/);
    await expect(dev.control('frobnicate')).rejects.toThrow(/unknown command/);
    await dev.stop();
    expect(dev.stderr()).toContain('stopped (SIGTERM)');
  });

  it('refuses a bad topic or flag with exit 2', () => {
    const stateDir = tmp.make('kafka-dev');
    const bad = runCli(['kafka-dev', '--topic', 'no spaces:2'], { stateDir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not a Kafka topic name');
    const parts = runCli(['kafka-dev', '--topic', 'ok:0'], { stateDir });
    expect(parts.status).toBe(2);
    expect(parts.stderr).toContain('partitions of "ok" must be 1 to 1000');
    const help = runCli(['kafka-dev', '--help'], { stateDir });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('bootstrap.servers=');
  });
});
