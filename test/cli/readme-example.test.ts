import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anonymiseLine, makeAnonymiser, makeEnv } from '../helpers/env.js';
import { PROJECT_ROOT } from '../helpers/compile.js';

// The README shows a line before and after; it must be what gallra writes.
const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const block = /What a combined line looks like before and after[^\n]*\n\n```\n([^\n]+)\n([^\n]+)\n```/.exec(readme);
// A day after the example's date, so the window and epochs are as a reader's would be.
const env = makeEnv(Date.UTC(2026, 10, 22, 12));
afterAll(() => env.cleanup());

describe('README', () => {
  it('shows the output gallra writes for its before-and-after example (the pseudonym aside, which depends on the salt)', () => {
    expect(block).not.toBeNull();
    const [, before, after] = block!;
    const out = anonymiseLine(makeAnonymiser(env), before!);
    const pseudonym = /^\S+ - (\S+) /.exec(after!)![1]!;
    const ours = /^\S+ - (\S+) /.exec(out!)![1]!;
    expect(ours).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(out!.replace(ours, pseudonym)).toBe(after);
  });
});
