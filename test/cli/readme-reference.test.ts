/**
 * The README's reference stays in step with the code: every option of every
 * registered source and sink has a row in its options table, and every
 * reason a line can be dropped for — the pipeline's and the sources' own —
 * a row in the drop-reason table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { components } from '../../src/components.js';
import { DROP_REASONS } from '../../src/pipeline/stats.js';
import type { SyslogDrop } from '../../src/sources/syslog/syslog-source.js';
import { ROOT } from '../helpers/cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** Keys every source or sink has, documented once for all. */
const COMMON = new Set(['type', 'name', 'format']);

function optionsOf(schema: unknown): string[] {
  return Object.keys((schema as z.ZodObject).shape).filter((k) => !COMMON.has(k));
}

describe('README reference', () => {
  for (const kind of ['sources', 'sinks'] as const) {
    for (const [name, entry] of components[kind]) {
      it(`documents every option of the ${name} ${kind === 'sources' ? 'source' : 'sink'}`, () => {
        const missing = optionsOf(entry.schema).filter((k) => !README.includes(`| \`${name}\` | \`${k}\` |`));
        expect(missing).toEqual([]);
      });
    }
  }

  it('documents every drop reason, the sources\' own included', () => {
    const syslog: Record<SyslogDrop, true> = { oversize: true, overflow: true, garbage_connection: true, refused_connection: true, receive_buffer: true };
    const missing = [...DROP_REASONS, ...Object.keys(syslog)].filter((r) => !README.includes(`| \`${r}\` |`));
    expect(missing).toEqual([]);
  });

  it('documents the flags every command takes', () => {
    expect(README).toContain('`--log-level fatal|error|warn|info|debug|silent`');
    expect(README).toContain('npx gallra');
    expect(README).toContain('npm install -g .');
  });
});
