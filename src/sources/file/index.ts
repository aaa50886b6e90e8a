/**
 * `file` source: follows a file (or every file a pattern matches) like
 * `tail -F`, with rotation, copytruncate and checkpoints (see file-tail.ts).
 */
import path from 'node:path';
import { defineSource } from '../source.js';
import { checkpointFile, fileSourceConfigSchema, fileSourceName } from './config.js';
import { FileTailSource } from './file-tail.js';
import { isGlob } from './glob.js';
import { checkFilePath } from './preflight.js';

export const fileSource = defineSource({
  name: 'file',
  description: 'follows a file, or every file a pattern matches, like tail -F (rotation, copytruncate), resuming from checkpoints — also across rotations while gallra was down',
  schema: fileSourceConfigSchema,
  create: (c, ctx) =>
    new FileTailSource({
      name: ctx.name,
      path: path.resolve(ctx.baseDir, c.path),
      startAt: c.start_at,
      checkpointFile: checkpointFile(c, ctx.name, ctx.baseDir, ctx.env),
      pollMs: c.poll_ms,
      rotateWaitMs: c.rotate_wait_ms,
      rotated: c.rotated,
      warn: ctx.warn,
      info: ctx.info,
    }),
  describe: (c, ctx) => {
    const p = path.resolve(ctx.baseDir, c.path);
    return `${isGlob(p) ? 'tail every file matching' : 'tail'} ${p}, from ${isGlob(p) ? 'their' : 'its'} ${c.start_at} on first start, format ${ctx.format}; position in ${checkpointFile(c, ctx.name, ctx.baseDir, ctx.env)}`;
  },
  preflight: (c, ctx) => {
    const { error, warnings } = checkFilePath(path.resolve(ctx.baseDir, c.path));
    return { errors: error === undefined ? [] : [error.message], warnings };
  },
  defaultName: (c) => fileSourceName(c.path),
});
