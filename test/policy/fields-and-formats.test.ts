import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { components } from '../../src/components.js';
import { ROLES } from '../../src/event/vocabulary.js';
import { fieldSpecSchema as fieldSpecOf, fieldsConfigSchema as fieldsOf, formatConfigSchema as formatOf, formatsConfigSchema as formatsOf } from '../../src/policy/schema.js';

// The schemas are assembled from the registry's transforms and formats.
const TRANSFORMS = [...components.transforms.keys()];
const fieldSpecSchema = fieldSpecOf(components);
const fieldsConfigSchema = fieldsOf(components) as z.ZodType<Record<string, unknown>>;
const formatConfigSchema = formatOf(components) as z.ZodType<Record<string, unknown>>;
const formatsConfigSchema = formatsOf(components);

describe('fieldSpecSchema', () => {
  it('takes a bare transform name as { transform }', () => {
    for (const t of TRANSFORMS) expect(fieldSpecSchema.parse(t)).toEqual({ transform: t });
  });

  it('rejects an unknown transform, listing the allowed ones', () => {
    const r = fieldSpecSchema.safeParse('truncate_ip');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ code: 'invalid_value', values: [...TRANSFORMS] });
  });

  it('accepts every role and rejects others', () => {
    for (const role of ROLES) expect(fieldSpecSchema.safeParse({ transform: 'keep', role }).success, role).toBe(true);
    expect(fieldSpecSchema.safeParse({ transform: 'keep', role: 'name' }).success).toBe(false);
  });

  it('takes namespace and prefix for pseudonymise only', () => {
    expect(fieldSpecSchema.parse({ transform: 'pseudonymise', namespace: 'user', prefix: 'u_' })).toEqual({ transform: 'pseudonymise', namespace: 'user', prefix: 'u_' });
    expect(fieldSpecSchema.safeParse({ transform: 'keep', namespace: 'user' }).success).toBe(false);
    expect(fieldSpecSchema.safeParse({ transform: 'truncate-ip', prefix: 'ip_' }).success).toBe(false);
  });

  it('rejects a namespace that is not lower-case letters, digits and _ (at most 32)', () => {
    expect(fieldSpecSchema.safeParse({ transform: 'pseudonymise', namespace: 'User' }).success).toBe(false);
    expect(fieldSpecSchema.safeParse({ transform: 'pseudonymise', namespace: 'a'.repeat(33) }).success).toBe(false);
  });
});

describe('fieldsConfigSchema', () => {
  it('accepts nginx, Apache, JSON, dotted and @ names', () => {
    expect(fieldsConfigSchema.safeParse({ remote_addr: 'keep', 'c-ip': 'keep', '@timestamp': 'keep', 'http.request.method': 'keep', userId: 'keep' }).success).toBe(true);
  });

  it('rejects names with spaces, leading digits or a __proto__ part', () => {
    for (const name of ['a b', '1st', '__proto__.x', 'a.__proto__.b', '']) expect(fieldsConfigSchema.safeParse({ [name]: 'keep' }).success, name).toBe(false);
  });

  it('never yields a bare __proto__ field (zod leaves the key out)', () => {
    const fields = fieldsConfigSchema.parse(JSON.parse('{"__proto__": "keep", "status": "keep"}'));
    expect(Object.keys(fields)).toEqual(['status']);
    expect(Object.hasOwn(fields, '__proto__')).toBe(false);
  });
});

describe('formatConfigSchema', () => {
  it('defaults fields to {} and leaves the rest unset', () => {
    expect(formatConfigSchema.parse({})).toEqual({ fields: {} });
  });

  it('takes visitor_id as a field name or false', () => {
    expect(formatConfigSchema.parse({ visitor_id: false }).visitor_id).toBe(false);
    expect(formatConfigSchema.parse({ visitor_id: 'vid' }).visitor_id).toBe('vid');
    expect(formatConfigSchema.safeParse({ visitor_id: true }).success).toBe(false);
  });

  it('rejects an empty log_format and unknown keys', () => {
    expect(formatConfigSchema.safeParse({ log_format: '' }).success).toBe(false);
    expect(formatConfigSchema.safeParse({ logformat: '$a' }).success).toBe(false);
  });

  it('checks the names in extra_fields and timestamp_fields', () => {
    expect(formatConfigSchema.safeParse({ extra_fields: ['http_x_forwarded_for', 'request_time'] }).success).toBe(true);
    expect(formatConfigSchema.safeParse({ extra_fields: ['x y'] }).success).toBe(false);
    expect(formatConfigSchema.safeParse({ timestamp_fields: ['__proto__'] }).success).toBe(false);
  });
});

describe('formatsConfigSchema', () => {
  it('accepts format names such as combined or my_nginx, nothing with capitals or dashes', () => {
    expect(formatsConfigSchema.safeParse({ my_nginx: {}, combined: {} }).success).toBe(true);
    expect(formatsConfigSchema.safeParse({ MyNginx: {} }).success).toBe(false);
    expect(formatsConfigSchema.safeParse({ 'my-nginx': {} }).success).toBe(false);
  });
});
