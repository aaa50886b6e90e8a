import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyLazily, precomputedPolicy } from '../../src/policy/builtin.js';
import { loadPolicy } from '../../src/policy/load.js';
import { writePrecomputedPolicy } from '../../src/policy/precompute.js';
import { ensureBuilt, ROOT } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gallra-builtin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the precomputed built-in policy', () => {
  it('is exactly what parsing config/default.yaml gives (the build writes it; they cannot drift)', () => {
    ensureBuilt();
    const built = join(ROOT, 'dist', 'default-policy.json');
    expect(existsSync(built)).toBe(true);
    const parsed = loadPolicy(undefined, {}).config;
    // Deep equality after a JSON round trip of the parse: nothing the loader yields is lost in JSON.
    expect(JSON.parse(JSON.stringify(parsed))).toStrictEqual(parsed);
    expect(JSON.parse(readFileSync(built, 'utf8'))).toStrictEqual(parsed);
  });

  it('is written from the loader by the build step', () => {
    const file = writePrecomputedPolicy(join(work, 'default-policy.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toStrictEqual(loadPolicy(undefined, {}).config);
  });

  it('falls back to the full loader where no precomputed file is (src/ under the test runner)', async () => {
    expect(precomputedPolicy()).toBeUndefined();
    const env = { GALLRA_STATE_DIR: join(work, 'state') };
    const lazy = await loadPolicyLazily(undefined, env);
    const full = loadPolicy(undefined, env);
    expect(lazy).toStrictEqual(full);
  });

  it('loads a --config file with the full loader, problems and all', async () => {
    const file = join(work, 'p.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'input:\n  fromat: combined\n');
    await expect(loadPolicyLazily(file, {})).rejects.toThrow(/unknown key "fromat"/);
  });
});
