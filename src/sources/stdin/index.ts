/** `stdin` source: standard input (Apache piped logs); ends at EOF. */
import { z } from 'zod';
import { componentNameSchema } from '../../util/schema.js';
import { defineSource } from '../source.js';
import { StreamSource } from '../stream/stream-source.js';

export const stdinSourceConfigSchema = z.strictObject({
  type: z.literal('stdin'),
  name: componentNameSchema.optional(),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
});

export const stdinSource = defineSource({
  name: 'stdin',
  description: 'standard input (Apache piped logs); ends at EOF',
  schema: stdinSourceConfigSchema,
  create: (_c, ctx) => new StreamSource(ctx.name, () => process.stdin, ctx.info),
  describe: (_c, ctx) => `read standard input, format ${ctx.format}`,
});
