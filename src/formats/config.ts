/**
 * The `fields:` and `formats:` sections of a policy: which transform applies
 * to which field, and the layout of each log format.
 */
import { z } from 'zod';
import { ROLES } from '../record.js';
import { pseudonymPrefixSchema } from '../transforms/pseudonymise.js';

/** Every transform a field can be given. */
export const TRANSFORMS = ['keep', 'drop', 'truncate-ip', 'pseudonymise', 'redact', 'generalise-user-agent', 'visitor-id'] as const;
export type TransformName = (typeof TRANSFORMS)[number];

const fieldSpecObject = z
  .strictObject({
    transform: z.enum(TRANSFORMS),
    /** pseudonymise: the namespace mixed into the PRF; fields sharing one get equal pseudonyms for equal values. Default: the field's role, else its name. */
    namespace: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/, 'lower-case letters, digits and _ (at most 32)')
      .optional(),
    /** pseudonymise: overrides pseudonym.prefix for this field. */
    prefix: pseudonymPrefixSchema.optional(),
    /** What the field means, when its name does not say it (see the README's role table). */
    role: z.enum(ROLES).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.transform !== 'pseudonymise' && (spec.namespace !== undefined || spec.prefix !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `namespace and prefix apply only to transform: pseudonymise, not ${spec.transform}` });
    }
  });

/** A field's policy: a transform name, or an object with options. */
export const fieldSpecSchema = z.preprocess((v) => (typeof v === 'string' ? { transform: v } : v), fieldSpecObject);
export type FieldSpec = z.infer<typeof fieldSpecObject>;

// Field names as they appear in templates and JSON logs (dotted for nested JSON).
// `__proto__` would reach Object.prototype when a JSON record is walked or written.
const fieldNameSchema = z
  .string()
  .regex(/^@?[A-Za-z_][A-Za-z0-9_.-]*$/, 'a field name such as remote_addr, user_id or http.request.method')
  .refine((n) => !n.split('.').includes('__proto__'), 'a field name without a __proto__ part');

export const fieldsConfigSchema = z.record(fieldNameSchema, fieldSpecSchema);

export const formatConfigSchema = z.strictObject({
  /** Text formats: the layout, as an nginx log_format string. Built-in formats have theirs already. */
  log_format: z.string().min(1).optional(),
  /** Field policies for this format only, over the top-level `fields:`. */
  fields: fieldsConfigSchema.default({}),
  /** Text formats: names of fields appended after the template (nginx main's "$http_x_forwarded_for", $request_time). Unnamed appended fields are dropped. */
  extra_fields: z.array(fieldNameSchema).optional(),
  /** JSON: fields tried in order for the event time. */
  timestamp_fields: z.array(fieldNameSchema).optional(),
  /** JSON: add the visitor id under this name (false: do not). */
  visitor_id: z.union([fieldNameSchema, z.literal(false)]).optional(),
});
export type FormatConfig = z.infer<typeof formatConfigSchema>;

export const formatsConfigSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'a format name such as combined or my_nginx'),
  formatConfigSchema,
);
