import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_LENGTH, inputConfigSchema } from '../../src/formats/input.js';

describe('inputConfigSchema', () => {
  it('defaults to auto-detection, 64 KiB lines, dropping unparsed and untimed lines', () => {
    expect(inputConfigSchema.parse({})).toEqual({ format: 'auto', max_line_length: DEFAULT_MAX_LINE_LENGTH, unparsed: 'drop', missing_timestamp: 'drop' });
    expect(DEFAULT_MAX_LINE_LENGTH).toBe(65_536);
  });

  it('accepts scrub and arrival, nothing else', () => {
    expect(inputConfigSchema.parse({ unparsed: 'scrub', missing_timestamp: 'arrival' })).toMatchObject({ unparsed: 'scrub', missing_timestamp: 'arrival' });
    expect(inputConfigSchema.safeParse({ unparsed: 'keep' }).success).toBe(false);
    expect(inputConfigSchema.safeParse({ missing_timestamp: 'now' }).success).toBe(false);
  });

  it('bounds max_line_length to 256 B .. 16 MiB', () => {
    expect(inputConfigSchema.safeParse({ max_line_length: 255 }).success).toBe(false);
    expect(inputConfigSchema.safeParse({ max_line_length: 256 }).success).toBe(true);
    expect(inputConfigSchema.safeParse({ max_line_length: 16 * 1024 * 1024 }).success).toBe(true);
    expect(inputConfigSchema.safeParse({ max_line_length: 16 * 1024 * 1024 + 1 }).success).toBe(false);
  });
});
