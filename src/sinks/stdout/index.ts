/** `stdout` sink: anonymised lines on standard output, in arrival order. */
import { z } from '../../util/zod.js';
import { componentNameSchema } from '../../util/schema.js';
import { defineSink } from '../sink.js';
import { StreamSink } from './stream-sink.js';

export const stdoutSinkConfigSchema = z.strictObject({
  type: z.literal('stdout'),
  name: componentNameSchema.optional(),
});

export const stdoutSink = defineSink({
  name: 'stdout',
  description: 'standard output, in arrival order',
  schema: stdoutSinkConfigSchema,
  create: (_c, ctx) => new StreamSink(ctx.name, ctx.stdout as import('node:stream').Writable),
  describe: () => 'standard output',
});
