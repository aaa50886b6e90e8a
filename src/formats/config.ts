/**
 * Schema pieces the format entries declare their options with (each entry
 * lists the options it reads; the policy schema assembles `formats.<name>`
 * from them), and the field-name rule shared by `fields:` and the options
 * that name fields.
 */
import { z } from 'zod';

// Field names as they appear in templates and JSON logs (dotted for nested JSON).
// `__proto__` would reach Object.prototype when a JSON record is walked or written.
export const fieldNameSchema = z
  .string()
  // `@` also after a dot: Google's jsonPayload.@type.
  .regex(/^@?[A-Za-z_][A-Za-z0-9_.()-]*(\.@[A-Za-z_][A-Za-z0-9_.()-]*)?$/, 'a field name such as remote_addr, user_id or http.request.method')
  .refine((n) => !n.split('.').includes('__proto__'), 'a field name without a __proto__ part');

/** Text formats: the layout, as an nginx log_format string. */
export const logFormatOption = z.string().min(1).optional();
/** Text formats: names of fields appended after the template (nginx main's "$http_x_forwarded_for", $request_time). Unnamed appended fields are dropped. */
export const extraFieldsOption = z.array(fieldNameSchema).optional();
/** JSON: fields tried in order for the event time. */
export const timestampFieldsOption = z.array(fieldNameSchema).optional();
/** JSON: add the visitor id under this name (false: do not). */
export const visitorIdOption = z.union([fieldNameSchema, z.literal(false)]).optional();

/** Name of a format under `formats:`. */
export const formatNameSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a format name such as combined or my_nginx');
