/**
 * Sources compiled for child processes: Node 20 cannot import .ts, so tests
 * that race several processes compile what the children load. The output
 * sits inside the project (node_modules/.cache) so that the children resolve
 * zod and @noble/hashes from its node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compiles `entries` (paths under src/) with their imports into a fresh
 * directory laid out like src/; returns it. Remove it with {@link removeCompiled}.
 *
 * @example
 * const dist = compileForChildren(['keyring/index.ts']); // dist/keyring/index.js
 */
export function compileForChildren(entries: readonly string[]): string {
  const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const distDir = mkdtempSync(join(cacheDir, 'gallra-test-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '--ignoreConfig',
      '--outDir', distDir,
      '--rootDir', join(PROJECT_ROOT, 'src'),
      '--module', 'nodenext',
      '--moduleResolution', 'nodenext',
      '--target', 'es2022',
      '--skipLibCheck',
      '--types', 'node',
      ...entries.map((e) => join(PROJECT_ROOT, 'src', e)),
    ],
    { cwd: PROJECT_ROOT, stdio: 'pipe' },
  );
  // The output is ESM; the cache directory has no package.json that says so.
  writeFileSync(join(distDir, 'package.json'), '{"type":"module"}\n');
  return distDir;
}

export function removeCompiled(distDir: string | undefined): void {
  if (distDir !== undefined) rmSync(distDir, { recursive: true, force: true });
}
