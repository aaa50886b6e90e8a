/**
 * `file` sink: daily files `<dir>/<prefix>-YYYY-MM-DD.log` by the UTC day of
 * each event, held to the retention window (see file-sink.ts, and
 * retention/day-files.ts for the store the sweeper holds to the window).
 */
import path from 'node:path';
import { DayFileStore } from '../../retention/day-files.js';
import { addDuration } from '../../time/duration.js';
import { toDuration } from '../../util/schema.js';
import { defineSink } from '../sink.js';
import { fileSinkConfigSchema } from './config.js';
import { FileSink } from './file-sink.js';

export const fileSink = defineSink({
  name: 'file',
  description: 'daily files <dir>/<prefix>-YYYY-MM-DD.log by the UTC day of each event, fsynced before positions advance',
  schema: fileSinkConfigSchema,
  create: (c, ctx) =>
    new FileSink({
      name: ctx.name,
      dir: path.resolve(ctx.baseDir, c.dir),
      prefix: c.prefix,
      bufferBytes: c.buffer_bytes,
      window: ctx.window,
      now: ctx.now,
      lineTime: ctx.lineTime,
      currentLink: c.current_link,
      compressAfterMs: c.compress ? addDuration(0, toDuration(c.compress_after)) : undefined,
      info: ctx.info,
      warn: ctx.warn,
    }),
  describe: (c, ctx) =>
    `daily files ${path.join(path.resolve(ctx.baseDir, c.dir), `${c.prefix}-YYYY-MM-DD.log`)} (UTC event day, mode 0640; a day older than ${ctx.keep} is deleted, the day the window starts in rewritten without its expired lines)` +
    (c.current_link ? `; ${c.prefix}.log links to the newest` : '') +
    (c.compress ? `; gzipped ${c.compress_after} after their day ends` : ''),
  retention: (c, ctx) => new DayFileStore({ dir: path.resolve(ctx.baseDir, c.dir), prefix: c.prefix, window: ctx.window, lineTime: ctx.lineTime }),
});
