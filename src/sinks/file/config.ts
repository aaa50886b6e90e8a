/** The `file` sink's config, beside the sink. */
import { z } from 'zod';
import { componentNameSchema, durationAtMostADay } from '../../util/schema.js';

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
  /** Keep `<prefix>.log` as a symlink to the newest day file, one name for tail -F and log viewers across UTC midnight. */
  current_link: z.boolean().default(false),
  /** Gzip a day file once its day is over (`<prefix>-YYYY-MM-DD.log.gz`); retention deletes those too. */
  compress: z.boolean().default(false),
  /** How long after its day ends (UTC) a day file is compressed: late lines for the day still go to it meanwhile. */
  compress_after: durationAtMostADay('a day file is written to until it is compressed').default('PT1H'),
});
export type FileSinkConfig = z.infer<typeof fileSinkConfigSchema>;

