import { describe, expect, it, vi } from 'vitest';

// The setup file installed zod in this file's modules; a fresh util/zod.js has it not installed.
vi.resetModules();
const { z, zodInstalled } = await import('../../src/util/zod.js');
const recorded = z.strictObject({ name: z.string().min(2), port: z.int().min(1).max(65535).default(80) }).default({ name: 'ab', port: 80 });
const list = z.array(z.enum(['a', 'b'])).min(1);

describe('deferred zod', () => {
  it('records schemas before zod is loaded, and refuses to use them', () => {
    expect(zodInstalled()).toBe(false);
    expect(() => recorded.parse({})).toThrow(/before zod was loaded/);
    expect(() => Object.keys(recorded)).toThrow(/before zod was loaded/);
  });

  it('builds each recorded schema on first use once zod is installed, as zod would have', async () => {
    const real = (await import('../../src/util/zod-real.js')).z;
    expect(zodInstalled()).toBe(true);
    expect(recorded.parse(undefined)).toEqual({ name: 'ab', port: 80 });
    expect(recorded.parse({ name: 'xyz' })).toEqual({ name: 'xyz', port: 80 });
    expect(recorded.safeParse({ name: 'x' }).success).toBe(false);
    expect(recorded.safeParse({ name: 'xy', extra: 1 }).success).toBe(false);
    expect(list.parse(['a', 'b'])).toEqual(['a', 'b']);
    expect(list.safeParse([]).success).toBe(false);
    // The same schema every time, usable inside real schemas and by instanceof.
    expect(recorded instanceof real.ZodDefault).toBe(true);
    const outer = real.strictObject({ inner: recorded, tags: list.optional() });
    expect(outer.parse({ inner: { name: 'cd', port: 8080 } })).toEqual({ inner: { name: 'cd', port: 8080 } });
    expect(outer.safeParse({ inner: { name: 'cd', port: 0 } }).success).toBe(false);
    // New schemas after installation are zod's own.
    expect(z.string().parse('s')).toBe('s');
  });
});
