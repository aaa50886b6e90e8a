/** The `file` source's config, beside the source. */
import path from 'node:path';
import { z } from 'zod';
import { componentNameSchema } from '../../util/schema.js';
import { resolveStateDir } from '../../util/state-dir.js';
import { globInDirectory } from './glob.js';
import { DEFAULT_ROTATED } from './rotated-siblings.js';

/** Endings of compressed files: never appended to, so never followed. */
const COMPRESSED_PATH = /\.(gz|bz2|xz|zst|lz4|lzma|Z|zip|br)$/;

export const fileSourceConfigSchema = z.strictObject({
  type: z.literal('file'),
  name: componentNameSchema.optional(),
  /**
   * The log file to follow (relative to the config file), or a pattern with
   * wildcards in the file name (`/var/log/nginx/*.access.log`): every file it
   * matches is followed, new ones as they appear, each with its own position.
   */
  path: z
    .string()
    .min(1)
    .refine((p) => !COMPRESSED_PATH.test(p), 'a compressed file is never appended to, so there is nothing to follow; read rotated .gz files once with: gallra anonymise FILE.gz')
    .refine((p) => !globInDirectory(p), 'wildcards are allowed in the file name only (/var/log/nginx/*.access.log), not in directories'),
  /** Where to start when there is no checkpoint: end (only new lines) or beginning. */
  start_at: z.enum(['end', 'beginning']).default('end'),
  /** Checkpoint file; default `$GALLRA_STATE_DIR/checkpoints/<name>.json`. */
  checkpoint: z.string().min(1).optional(),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
  /** How often to look for new data when no change notification came, in ms. */
  poll_ms: z.int().min(10).max(60_000).default(250),
  /** After a rename rotation, how long the old file must stay quiet before it is let go, in ms. */
  rotate_wait_ms: z.int().min(0).max(600_000).default(1000),
  /**
   * Names of the followed file's rotated siblings, searched on a restart for
   * the file the checkpoint names (file-name patterns relative to its
   * directory, or absolute for logrotate's olddir; `{name}` is the followed
   * file's name). Default: logrotate's numbered and dated names.
   */
  rotated: z
    .array(z.string().min(1).refine((p) => !globInDirectory(p), 'wildcards are allowed in the file name only ({name}.*, /var/log/old/{name}-*)'))
    .min(1)
    .default([...DEFAULT_ROTATED]),
});
export type FileSourceConfig = z.infer<typeof fileSourceConfigSchema>;

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
 * The name a file source gets when its config gives none: the file's name.
 *
 * @example
 * fileSourceName('/var/log/nginx/access.log') // 'access.log'
 */
export function fileSourceName(file: string): string | undefined {
  return path.basename(file).replace(/[^A-Za-z0-9_.-]/g, '_') || undefined;
}
