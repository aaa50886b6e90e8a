/**
 * The built-in components: the formats and transforms of
 * pipeline-components.ts, and the sources and sinks, one line each. A new
 * source or sink lives in its own folder and is added here.
 */
import { formatEntries, transformEntries } from './pipeline-components.js';
import { Registry } from './registry.js';
import { fileSink } from './sinks/file/index.js';
import { kafkaSink } from './sinks/kafka/index.js';
import { stdoutSink } from './sinks/stdout/index.js';
import { fifoSource } from './sources/fifo/index.js';
import { fileSource } from './sources/file/index.js';
import { kafkaSource } from './sources/kafka/index.js';
import { stdinSource } from './sources/stdin/index.js';
import { duckdbStore } from './stores/duckdb/index.js';
import { syslogSource } from './sources/syslog/index.js';

/**
 * Every built-in component.
 *
 * @example
 * components.source('syslog')?.describe(config, ctx)
 */
export const components = new Registry([
  ...formatEntries,
  // sources
  fileSource,
  syslogSource,
  stdinSource,
  fifoSource,
  kafkaSource,
  // sinks
  fileSink,
  stdoutSink,
  kafkaSink,
  ...transformEntries,
  // stores
  duckdbStore,
]);
