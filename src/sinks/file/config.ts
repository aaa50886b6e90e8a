/** The `file` sink's config, beside the sink. */
import { z } from 'zod';
import { componentNameSchema } from '../../util/schema.js';

export const fileSinkConfigSchema = z.strictObject({
  type: z.literal('file'),
  /** Names the sink in metrics and logs. */
  name: componentNameSchema.optional(),
  /** Directory of the daily files (created 0750 if missing); relative to the config file. */
  dir: z.string().min(1),
  /** File name stem: `<prefix>-YYYY-MM-DD.log`. */
  prefix: componentNameSchema.default('access'),
  /** Bytes buffered per sink before it writes (and makes the source wait). */
  buffer_bytes: z.int().min(4096).max(64 * 1024 * 1024).default(1024 * 1024),
});
export type FileSinkConfig = z.infer<typeof fileSinkConfigSchema>;

