/**
 * The README's Kafka reference stays in step with the code: every option of
 * the Kafka source and sink has a row in its options table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { components } from '../../src/components.js';
import { ROOT } from '../helpers/cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const COMMON = new Set(['type', 'name', 'format']);
const optionsOf = (schema: unknown): string[] => Object.keys((schema as z.ZodObject).shape).filter((k) => !COMMON.has(k));

describe('README Kafka reference', () => {
  it('has a row for every option of the kafka source and sink', () => {
    const source = optionsOf(components.source('kafka')!.schema);
    const sink = optionsOf(components.sink('kafka')!.schema);
    expect(source.length).toBeGreaterThan(5);
    expect([...source, ...sink].filter((k) => !README.includes(`| \`kafka\` | \`${k}\` |`))).toEqual([]);
  });
});
