/**
 * The error codes in src/errors.ts and the README's "## Error codes" table
 * stay in step (as fastify's test/internals/errors.test.js does for FST_ERR_*):
 * every code is documented with its exit code, and every documented code exists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GallraError, isGallraError, type ErrorCode } from '../src/errors.js';
import { ROOT } from './helpers/cli.js';

/** The rows of the README's error-code table: code → exit code (as written). */
function documentedCodes(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.search(/^## Error codes\s*$/m);
  expect(start, 'README.md has a "## Error codes" section').toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start).split('\n').slice(1);
  const end = rest.findIndex((l) => /^## /.test(l));
  const section = (end < 0 ? rest : rest.slice(0, end)).filter((l) => l.trim().startsWith('|'));
  const rows = new Map<string, string>();
  for (const line of section) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const code = /^`?([A-Z0-9_]+)`?$/.exec(cells[0] ?? '');
    if (code === null || !code[1]!.startsWith('GALLRA_')) continue;
    expect(rows.has(code[1]!), `${code[1]} documented twice`).toBe(false);
    rows.set(code[1]!, cells[1] ?? '');
  }
  return rows;
}

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error codes', () => {
  it('the README documents at least one code, so the checks below are not vacuous', () => {
    expect(documentedCodes().size).toBeGreaterThan(5);
  });

  it.each(CODES)('%s is in the README table with its exit code', (code) => {
    const documented = documentedCodes();
    expect(documented.has(code), `${code} is missing from README.md "## Error codes"`).toBe(true);
    expect(documented.get(code)).toBe(String(ERROR_CODES[code].exitCode));
  });

  it('every GALLRA_* code in the README table exists in src/errors.ts', () => {
    const unknown = [...documentedCodes().keys()].filter((c) => !Object.hasOwn(ERROR_CODES, c));
    expect(unknown, 'documented but not in ERROR_CODES').toEqual([]);
  });

  it('every code has the one prefix, and config and usage errors exit 2, the others 1', () => {
    for (const code of CODES) {
      expect(code).toMatch(/^GALLRA_[A-Z0-9_]+$/);
      const expected = code === 'GALLRA_USAGE' || code.startsWith('GALLRA_CONFIG_') ? 2 : 1;
      expect(ERROR_CODES[code].exitCode, code).toBe(expected);
    }
  });

  it('GallraError carries code, exit code, retriability and cause, and is recognised across module copies', () => {
    const cause = new Error('ENOENT');
    const e = new GallraError('GALLRA_INPUT_IO', 'access.log: read failed', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'GallraError', code: 'GALLRA_INPUT_IO', exitCode: 1, retriable: true, message: 'access.log: read failed' });
    expect(e.cause).toBe(cause);
    expect(new GallraError('GALLRA_CONFIG_INVALID', 'x').exitCode).toBe(2);
    expect(isGallraError(e)).toBe(true);
    expect(isGallraError({ name: 'GallraError', code: 'GALLRA_USAGE' })).toBe(true);
    expect(isGallraError(new Error('x'))).toBe(false);
    expect(isGallraError(null)).toBe(false);
  });
});
