/**
 * The policy sections that belong to no single component: the pipeline's
 * timing (`run:`) and the health/metrics listener (`http:`).
 */
import { z } from '../util/zod.js';

export const runConfigSchema = z.strictObject({
  /** How often sinks are flushed (fsync) and sources record their position, in ms. */
  commit_ms: z.int().min(10).max(60_000).default(1000),
  /** How long a shutdown (SIGTERM) may take to drain, flush and checkpoint before gallra gives up, in ms. */
  shutdown_timeout_ms: z.int().min(100).max(600_000).default(10_000),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export const httpConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65_535),
});
export type HttpConfig = z.infer<typeof httpConfigSchema>;
