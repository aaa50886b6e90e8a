/**
 * The whole policy file, composed from the schemas that sit beside each
 * component: the registry's formats, sources, sinks and transforms, and the
 * sections of the engine (input, retention, salts, pseudonyms, addresses,
 * redaction). Unknown keys are rejected everywhere (strict objects), so a
 * typo never silently turns a protection off.
 */
import { z } from '../util/zod-real.js';
import { type AggregatesConfig, aggregatesConfigSchemaFor } from '../aggregate/config.js';
import { auditConfigSchema } from '../audit/config.js';
import { components } from '../components.js';
import { ROLES } from '../event/vocabulary.js';
import { fieldNameSchema, formatNameSchema } from '../formats/config.js';
import { inputConfigSchema } from '../formats/input.js';
import { saltsConfigSchema } from '../keyring/config.js';
import type { Registry } from '../registry.js';
import { retentionConfigSchema } from '../retention/config.js';
import { pseudonymConfigSchema } from '../transforms/pseudonymise.js';
import { redactConfigSchema } from '../transforms/redact/config.js';
import { ipConfigSchema } from '../transforms/truncate-ip.js';
import { httpConfigSchema, runConfigSchema } from './run-sections.js';

/** A field's policy as the schema leaves it: the transform, its options, and an optional role. */
export interface FieldSpec {
  readonly transform: string;
  readonly role?: (typeof ROLES)[number] | undefined;
  readonly [option: string]: unknown;
}

/**
 * `fields.<name>`: a transform name, or an object with `transform:`, an
 * optional `role:` and the options of that transform (and no other's).
 */
export function fieldSpecSchema(registry: Registry): z.ZodType<FieldSpec> {
  const names = [...registry.transforms.keys()] as [string, ...string[]];
  const options: Record<string, z.ZodType> = {};
  const owner = new Map<string, string>();
  for (const t of registry.transforms.values()) {
    for (const [key, schema] of Object.entries(t.options as Record<string, z.ZodType>)) {
      options[key] ??= schema;
      owner.set(key, owner.has(key) ? `${owner.get(key)!} or ${t.name}` : t.name);
    }
  }
  const object = z
    .strictObject({
      transform: z.enum(names),
      /** What the field means, when its name does not say it (see the README's role table). */
      role: z.enum(ROLES).optional(),
      ...options,
    })
    .superRefine((spec, ctx) => {
      const own = registry.transform(spec.transform)?.options ?? {};
      const foreign = Object.keys(spec).filter((k) => k !== 'transform' && k !== 'role' && (spec as Record<string, unknown>)[k] !== undefined && !Object.hasOwn(own, k));
      if (foreign.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${foreign.join(' and ')} ${foreign.length > 1 ? 'apply' : 'applies'} only to transform: ${owner.get(foreign[0]!)}, not ${spec.transform}` });
      }
    });
  return z.preprocess((v) => (typeof v === 'string' ? { transform: v } : v), object) as unknown as z.ZodType<FieldSpec>;
}

/** `formats.<name>`: field rules for that format alone, and the options of every registered format (each format checks it got only its own). */
export function formatConfigSchema(registry: Registry, fields: z.ZodType = fieldsConfigSchema(registry)): z.ZodType {
  const options: Record<string, z.ZodType> = {};
  for (const f of registry.formats.values()) for (const [key, schema] of Object.entries(f.options)) options[key] ??= schema;
  return z.strictObject({
    /** Field policies for this format only, over the top-level `fields:`. */
    fields: fields.default({}),
    ...options,
  });
}

/** `fields:`: field names to their rules. */
export function fieldsConfigSchema(registry: Registry): z.ZodType {
  return z.record(fieldNameSchema, fieldSpecSchema(registry));
}

/** `formats:`: format names to their sections. */
export function formatsConfigSchema(registry: Registry, fields: z.ZodType = fieldsConfigSchema(registry)): z.ZodType {
  return z.record(formatNameSchema, formatConfigSchema(registry, fields));
}

/** A list of components of one kind, each validated by its entry's schema (picked by `type:`). */
function componentList<E extends { readonly name: string; readonly schema: z.ZodType }>(entries: ReadonlyMap<string, E>): z.ZodType {
  const schemas = [...entries.values()].map((e) => e.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
  return z.array(z.discriminatedUnion('type', schemas)).min(1);
}

/**
 * The policy schema for a registry of components.
 *
 * @example
 * policySchemaFor(components).safeParse(merged)
 */
export function policySchemaFor(registry: Registry) {
  const fields = fieldsConfigSchema(registry);
  return z.strictObject({
    version: z.literal(1).default(1),
    input: inputConfigSchema.default(inputConfigSchema.parse({})),
    retention: retentionConfigSchema.default(retentionConfigSchema.parse({})),
    salts: saltsConfigSchema.default(saltsConfigSchema.parse({})),
    pseudonym: pseudonymConfigSchema.default(pseudonymConfigSchema.parse({})),
    ip: ipConfigSchema.default(ipConfigSchema.parse({})),
    redact: redactConfigSchema.default(redactConfigSchema.parse({})),
    /** Field policies shared by every format, by field name. */
    fields: fields.default({}),
    formats: formatsConfigSchema(registry, fields).default({}),
    /** gallra run: where lines come from and where they go. */
    sources: componentList(registry.sources).optional(),
    sinks: componentList(registry.sinks).optional(),
    /** gallra run: the health/metrics listener. */
    http: httpConfigSchema.optional(),
    run: runConfigSchema.default(runConfigSchema.parse({})),
    /** Anonymous aggregates rolled off the stream (the aggregate stage and its store). */
    aggregates: aggregatesConfigSchemaFor([...registry.stores.values()].map((s) => s.schema)).optional(),
    /** The audit trail of sweeps, salt destruction and data-subject requests. */
    audit: auditConfigSchema.default(auditConfigSchema.parse({})),
  });
}

export const policySchema = policySchemaFor(components);

/** A source's config as the schema leaves it: its entry's fields, with `type:`, and optionally `name:` and `format:`. */
export interface SourceConfig {
  readonly type: string;
  readonly name?: string | undefined;
  readonly format?: string | undefined;
  readonly [option: string]: unknown;
}

/** A sink's config as the schema leaves it. */
export interface SinkConfig {
  readonly type: string;
  readonly name?: string | undefined;
  readonly [option: string]: unknown;
}

type Parsed = z.infer<typeof policySchema>;
export type PolicyConfig = Omit<Parsed, 'fields' | 'formats' | 'sources' | 'sinks' | 'aggregates'> & {
  readonly aggregates?: AggregatesConfig | undefined;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly formats: Readonly<Record<string, { readonly fields: Readonly<Record<string, FieldSpec>>; readonly [option: string]: unknown }>>;
  readonly sources?: readonly SourceConfig[] | undefined;
  readonly sinks?: readonly SinkConfig[] | undefined;
};
