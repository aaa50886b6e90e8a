/**
 * `file` source: follows a log file like `tail -F`, with rotation, copytruncate
 * and checkpoints (see file-tail.ts).
 */
import path from 'node:path';
import { defineSource } from '../source.js';
import { checkpointFile, fileSourceConfigSchema, fileSourceName } from './config.js';
import { FileTailSource } from './file-tail.js';

export const fileSource = defineSource({
  name: 'file',
  description: 'follows a file like tail -F (rotation, copytruncate), resuming from checkpoints',
  schema: fileSourceConfigSchema,
  create: (c, ctx) =>
    new FileTailSource({
      name: ctx.name,
      path: path.resolve(ctx.baseDir, c.path),
      startAt: c.start_at,
      checkpointFile: checkpointFile(c, ctx.name, ctx.baseDir, ctx.env),
      pollMs: c.poll_ms,
      rotateWaitMs: c.rotate_wait_ms,
      warn: ctx.warn,
    }),
  describe: (c, ctx) => `tail ${path.resolve(ctx.baseDir, c.path)}, from its ${c.start_at} on first start, format ${ctx.format}; position in ${checkpointFile(c, ctx.name, ctx.baseDir, ctx.env)}`,
  defaultName: (c) => fileSourceName(c.path),
});
