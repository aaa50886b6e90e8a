/**
 * The whole policy file, composed from the schemas that sit beside each
 * component. Unknown keys are rejected everywhere (strict objects), so a
 * typo never silently turns a protection off.
 */
import { z } from 'zod';
import { fieldsConfigSchema, formatsConfigSchema } from '../formats/config.js';
import { saltsConfigSchema } from '../keyring/config.js';
import { inputConfigSchema } from '../pipeline/config.js';
import { retentionConfigSchema } from '../retention/config.js';
import { redactConfigSchema } from '../transforms/redact/config.js';
import { ipConfigSchema } from '../transforms/truncate-ip.js';
import { pseudonymConfigSchema } from '../transforms/pseudonymise.js';
import { runPolicyShape } from '../run/config.js';

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  input: inputConfigSchema.default(inputConfigSchema.parse({})),
  retention: retentionConfigSchema.default(retentionConfigSchema.parse({})),
  salts: saltsConfigSchema.default(saltsConfigSchema.parse({})),
  pseudonym: pseudonymConfigSchema.default(pseudonymConfigSchema.parse({})),
  ip: ipConfigSchema.default(ipConfigSchema.parse({})),
  redact: redactConfigSchema.default(redactConfigSchema.parse({})),
  /** Field policies shared by every format, by field name. */
  fields: fieldsConfigSchema.default({}),
  formats: formatsConfigSchema.default({}),
  /** gallra run: sources, sinks, the health/metrics listener, commit timing. */
  ...runPolicyShape,
});

export type PolicyConfig = z.infer<typeof policySchema>;
