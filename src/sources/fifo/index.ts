/** `fifo` source: a named pipe (created 0600 if missing), kept open across writers. */
import path from 'node:path';
import { z } from '../../util/zod.js';
import { componentNameSchema } from '../../util/schema.js';
import { fileSourceName } from '../file/config.js';
import { defineSource } from '../source.js';
import { openFifo, StreamSource } from '../stream/stream-source.js';

export const fifoSourceConfigSchema = z.strictObject({
  type: z.literal('fifo'),
  name: componentNameSchema.optional(),
  /** The named pipe; created (0600) if missing. */
  path: z.string().min(1),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
});

export const fifoSource = defineSource({
  name: 'fifo',
  description: 'a named pipe (created 0600 if missing), kept open across writers',
  schema: fifoSourceConfigSchema,
  create: (c, ctx) => {
    const file = path.resolve(ctx.baseDir, c.path);
    return new StreamSource(ctx.name, () => openFifo(file));
  },
  describe: (c, ctx) => `read the FIFO ${path.resolve(ctx.baseDir, c.path)}, format ${ctx.format}`,
  defaultName: (c) => fileSourceName(c.path),
});
