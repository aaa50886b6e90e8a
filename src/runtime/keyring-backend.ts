/**
 * Which keyring a policy asks for: salts in a directory (the default), or
 * on a Kafka topic shared by a consumer group (`salts.kafka:`).
 */
import { FileKeyring } from '../keyring/file.js';
import { KafkaKeyring } from '../keyring/kafka/kafka-keyring.js';
import type { Keyring } from '../keyring/keyring.js';
import type { LoadedPolicy } from '../policy/load.js';
import { toDuration } from '../util/schema.js';

export interface KeyringBackendOptions {
  readonly now?: () => number;
  readonly warn?: (message: string) => void;
  readonly ephemeralSecret?: Uint8Array;
}

/**
 * @example
 * const keyring = keyringFor(loadPolicy('config/kafka-pipeline.yaml'), { warn: (m) => log.warn(m) });
 * await keyring.rotate();
 */
export function keyringFor(loaded: LoadedPolicy, o: KeyringBackendOptions = {}): Keyring {
  const c = loaded.config;
  const grace = toDuration(c.salts.grace);
  const future = toDuration(c.retention.max_future);
  const k = c.salts.kafka;
  if (k !== undefined) {
    return new KafkaKeyring({
      bootstrapServers: k.bootstrap_servers,
      topic: k.topic,
      period: c.salts.epoch,
      grace,
      future,
      verifyTopic: k.verify_topic,
      timeoutMs: k.timeout_ms,
      options: k.options,
      now: o.now,
      warn: o.warn,
      ephemeralSecret: o.ephemeralSecret,
    });
  }
  return new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace, future, now: o.now, ephemeralSecret: o.ephemeralSecret });
}
