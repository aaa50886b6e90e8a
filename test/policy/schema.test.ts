import { describe, expect, it } from 'vitest';
import { policySchema } from '../../src/policy/schema.js';
import { durationSchema, toDuration } from '../../src/util/schema.js';

describe('policySchema', () => {
  it('fills every section with its defaults from an empty policy', () => {
    const c = policySchema.parse({});
    expect(c.version).toBe(1);
    expect(c.input).toEqual({ format: 'auto', max_line_length: 65_536, unparsed: 'drop', missing_timestamp: 'drop' });
    expect(c.retention).toEqual({ keep: 'P6M', max_future: 'PT1H' });
    expect(c.salts).toMatchObject({ epoch: 'P1D', grace: 'PT1H' });
    expect(c.pseudonym).toEqual({ bits: 128, prefix: '', cache_size: 100_000 });
    expect(c.fields).toEqual({});
    expect(c.formats).toEqual({});
  });

  it('rejects unknown keys at every level', () => {
    for (const bad of [{ extra: 1 }, { input: { fromat: 'x' } }, { fields: { a: { transform: 'keep', x: 1 } } }, { formats: { combined: { extra: 1 } } }]) {
      const r = policySchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      expect(r.error!.issues[0]!.code).toBe('unrecognized_keys');
    }
  });

  it('takes a field spec as a transform name or an object', () => {
    const c = policySchema.parse({ fields: { a: 'keep', b: { transform: 'pseudonymise', namespace: 'user', prefix: 'u_' }, c: { transform: 'keep', role: 'user' } } });
    expect(c.fields).toEqual({ a: { transform: 'keep' }, b: { transform: 'pseudonymise', namespace: 'user', prefix: 'u_' }, c: { transform: 'keep', role: 'user' } });
  });

  it('allows namespace and prefix only on the pseudonymising transforms', () => {
    const r = policySchema.safeParse({ fields: { a: { transform: 'redact', prefix: 'x' } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('prefix applies only to transform: pseudonymise or pseudonymise-number, not redact');
  });

  it('rejects a namespace or prefix that could break a log line', () => {
    expect(policySchema.safeParse({ fields: { a: { transform: 'pseudonymise', namespace: 'Has Space' } } }).success).toBe(false);
    expect(policySchema.safeParse({ fields: { a: { transform: 'pseudonymise', prefix: 'a"b' } } }).success).toBe(false);
  });

  it('rejects an unknown role', () => {
    expect(policySchema.safeParse({ fields: { a: { transform: 'keep', role: 'ssn' } } }).success).toBe(false);
  });

  it('accepts dotted and @ field names and rejects names with spaces', () => {
    expect(policySchema.safeParse({ fields: { '@timestamp': 'keep', 'http.request.method': 'keep', 'c-ip': 'truncate-ip' } }).success).toBe(true);
    expect(policySchema.safeParse({ fields: { 'a b': 'keep' } }).success).toBe(false);
    expect(policySchema.safeParse({ fields: { '1abc': 'keep' } }).success).toBe(false);
  });

  it('accepts format names of lower-case letters, digits and _ only', () => {
    expect(policySchema.safeParse({ formats: { my_nginx2: { log_format: '$a' } } }).success).toBe(true);
    expect(policySchema.safeParse({ formats: { 'My-Nginx': { log_format: '$a' } } }).success).toBe(false);
  });

  it('rejects a retention window over P6M and accepts one under it', () => {
    expect(policySchema.safeParse({ retention: { keep: 'P1Y' } }).success).toBe(false);
    expect(policySchema.safeParse({ retention: { keep: 'P182D' } }).success).toBe(false);
    expect(policySchema.safeParse({ retention: { keep: 'P181D' } }).success).toBe(true);
    expect(policySchema.safeParse({ retention: { keep: 'P6M' } }).success).toBe(true);
  });

  it('bounds input.max_line_length', () => {
    expect(policySchema.safeParse({ input: { max_line_length: 100 } }).success).toBe(false);
    expect(policySchema.safeParse({ input: { max_line_length: 64 * 1024 * 1024 } }).success).toBe(false);
    expect(policySchema.safeParse({ input: { max_line_length: 1.5e3 } }).success).toBe(true);
    expect(policySchema.safeParse({ input: { max_line_length: 1000.5 } }).success).toBe(false);
  });

  it('accepts only version 1', () => {
    expect(policySchema.safeParse({ version: 2 }).success).toBe(false);
  });
});

describe('durationSchema and toDuration', () => {
  it('accepts ISO 8601 durations and explains the form when rejecting', () => {
    expect(durationSchema.safeParse('PT1H').success).toBe(true);
    const r = durationSchema.safeParse('1 hour');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('such as P6M');
  });

  it('parses a validated duration, and throws on one that was not', () => {
    expect(toDuration('P6M')).toMatchObject({ months: 6 });
    expect(() => toDuration('soon')).toThrow(/internal: unvalidated duration/);
  });
});
