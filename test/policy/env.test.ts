/**
 * Environment references in policy values: ${NAME} and ${NAME:-default},
 * resolved when the policy is loaded; an unset variable is a config error
 * that names it, and a value that came from the environment is never shown.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { expandEnvReferences } from '../../src/policy/env.js';
import { loadPolicy } from '../../src/policy/load.js';
import { ROOT } from '../helpers/cli.js';
import { makeEnv, type TestEnv, writePolicy } from '../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const KAFKA = (bs: string): string => `sources:
  - type: kafka
    bootstrap_servers: ${bs}
    topics: [logs.raw]
    options:
      sasl.password: \${KAFKA_PASSWORD:-}
sinks:
  - type: kafka
    bootstrap_servers: ${bs}
    topic: logs.anon
http:
  port: \${PORT:-9464}
`;

describe('environment references in config values', () => {
  it('substitutes ${NAME} and ${NAME:-default} (the default when unset or empty), inside text too', () => {
    const r = expandEnvReferences({ a: '${A}', b: ['x-${B:-dflt}-y'], c: { d: '${C:-z}', e: '$${literal}' } }, { A: 'one', B: '', C: 'set' });
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ a: 'one', b: ['x-dflt-y'], c: { d: 'set', e: '${literal}' } });
  });

  it('makes a value that is one reference a number or a boolean when its text is one', () => {
    const r = expandEnvReferences({ port: '${P}', on: '${T:-true}', name: 'n${P}', text: '${S}' }, { P: '9464', S: '007x' });
    expect(r.value).toEqual({ port: 9464, on: true, name: 'n9464', text: '007x' });
  });

  it('loads a policy whose Kafka addresses and secrets come from the environment', () => {
    const file = writePolicy(env, KAFKA('${KAFKA_BOOTSTRAP_SERVERS}'));
    const { config } = loadPolicy(file, { KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092', KAFKA_PASSWORD: 's3cret' });
    expect(config.sources![0]).toMatchObject({ bootstrap_servers: '127.0.0.1:9092', options: { 'sasl.password': 's3cret' } });
    expect(config.http?.port).toBe(9464);
  });

  it('refuses a reference to a variable that is not set, naming it, file and line (exit 2)', () => {
    const file = writePolicy(env, KAFKA('${KAFKA_BOOTSTRAP_SERVERS}'));
    try {
      loadPolicy(file, {});
      expect.unreachable();
    } catch (err) {
      expect(isGallraError(err) && err.code).toBe('GALLRA_CONFIG_INVALID');
      expect((err as Error).message).toContain(`${file}:3:24: sources[0].bootstrap_servers: the environment variable KAFKA_BOOTSTRAP_SERVERS is not set`);
      expect((err as Error).message).toContain('fix: set KAFKA_BOOTSTRAP_SERVERS');
    }
  });

  it('never shows a substituted value in an error: it names the reference', () => {
    const file = writePolicy(env, KAFKA('${KAFKA_BOOTSTRAP_SERVERS}'));
    try {
      loadPolicy(file, { KAFKA_BOOTSTRAP_SERVERS: 'not a list of servers hunter2' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('the value of ${KAFKA_BOOTSTRAP_SERVERS} is not valid here');
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('refuses a malformed reference', () => {
    const r = expandEnvReferences({ a: '${not a name}' }, {});
    expect(r.problems[0]?.message).toMatch(/not an environment reference/);
  });

  it('loads the shipped config/kafka-pipeline.yaml with only KAFKA_BOOTSTRAP_SERVERS set, and names it when it is not', () => {
    const file = join(ROOT, 'config', 'kafka-pipeline.yaml');
    const { config } = loadPolicy(file, { KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092' });
    expect(config.salts.kafka).toMatchObject({ bootstrap_servers: '127.0.0.1:9092', topic: 'gallra.keyring', verify_topic: true });
    expect(config.sources![0]).toMatchObject({ type: 'kafka', group: 'gallra', topics: ['logs.raw.nginx'], options: { 'group.protocol': 'consumer' } });
    expect(config.sinks![0]).toMatchObject({ type: 'kafka', topic: 'logs.anon.nginx', dead_letter: { topic: 'logs.dead' } });
    expect(config.http?.port).toBe(9464);
    expect(() => loadPolicy(file, {})).toThrow(/the environment variable KAFKA_BOOTSTRAP_SERVERS is not set/);
  });
});
