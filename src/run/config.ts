/**
 * The parts of a policy that only `gallra run` reads: where lines come from,
 * where the anonymised lines go, the health/metrics listener and the
 * pipeline's timing. Each source's and sink's schema sits beside it.
 */
import path from 'node:path';
import { z } from 'zod';
import { fileSinkConfigSchema } from '../sinks/file.js';
import { stdoutSinkConfigSchema } from '../sinks/stdout.js';
import { type FileSourceConfig, fileSourceConfigSchema } from '../sources/file.js';
import { resolveStateDir } from '../util/state-dir.js';
import { fifoSourceConfigSchema, stdinSourceConfigSchema } from '../sources/stream.js';
import { syslogSourceConfigSchema } from '../sources/syslog/index.js';
import { httpConfigSchema } from './http.js';

export const sourceConfigSchema = z.discriminatedUnion('type', [fileSourceConfigSchema, syslogSourceConfigSchema, stdinSourceConfigSchema, fifoSourceConfigSchema]);
export type SourceConfig = z.infer<typeof sourceConfigSchema>;

export const sinkConfigSchema = z.discriminatedUnion('type', [fileSinkConfigSchema, stdoutSinkConfigSchema]);
export type SinkConfig = z.infer<typeof sinkConfigSchema>;

export const runConfigSchema = z.strictObject({
  /** How often sinks are flushed (fsync) and sources record their position, in ms. */
  commit_ms: z.int().min(10).max(60_000).default(1000),
  /** How long a shutdown (SIGTERM) may take to drain, flush and checkpoint before gallra gives up, in ms. */
  shutdown_timeout_ms: z.int().min(100).max(600_000).default(10_000),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** The policy keys `gallra run` adds (optional for `anonymise`). */
export const runPolicyShape = {
  sources: z.array(sourceConfigSchema).min(1).optional(),
  sinks: z.array(sinkConfigSchema).min(1).optional(),
  http: httpConfigSchema.optional(),
  run: runConfigSchema.default(runConfigSchema.parse({})),
};

/**
 * A source's name in logs and metrics: its `name:`, else its file's name,
 * else its type and position.
 *
 * @example
 * sourceName({ type: 'file', path: '/var/log/nginx/access.log', … }, 0) // 'access.log'
 */
export function sourceName(s: SourceConfig, i: number): string {
  if (s.name !== undefined) return s.name;
  if (s.type === 'file' || s.type === 'fifo') return path.basename(s.path).replace(/[^A-Za-z0-9_.-]/g, '_') || `${s.type}-${i + 1}`;
  return `${s.type}-${i + 1}`;
}

/**
 * Where a file source records its position: its `checkpoint:` (relative to
 * the policy file), else `<state dir>/checkpoints/<name>.json`.
 *
 * @example
 * checkpointFile({ type: 'file', path: 'access.log', … }, 'access.log', '/etc/gallra', process.env) // '~/.local/state/gallra/checkpoints/access.log.json'
 */
export function checkpointFile(s: FileSourceConfig, name: string, baseDir: string, env: NodeJS.ProcessEnv): string {
  return s.checkpoint !== undefined ? path.resolve(baseDir, s.checkpoint) : path.join(resolveStateDir(env), 'checkpoints', `${name}.json`);
}

/**
 * A sink's name in logs and metrics: its `name:`, else its type and position.
 *
 * @example
 * sinkName({ type: 'stdout' }, 1) // 'stdout-2'
 */
export function sinkName(s: SinkConfig, i: number): string {
  return s.name ?? `${s.type}-${i + 1}`;
}
