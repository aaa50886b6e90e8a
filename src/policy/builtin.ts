/**
 * The built-in policy without parsing it: `npm run build` loads
 * config/default.yaml once (yaml, zod, every check) and writes the result to
 * dist/default-policy.json; a command given no --config reads that JSON and
 * loads neither yaml nor zod. With a --config file, or when the JSON is not
 * there (running from src/), the full loader runs. A test keeps the JSON equal
 * to what parsing config/default.yaml gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveStateDir } from '../util/state-dir.js';
import type { LoadedPolicy } from './load.js';
import type { PolicyConfig } from './schema.js';

/**
 * Where the build writes the parsed default policy: dist/default-policy.json,
 * one level above both dist/policy/ (tsc) and dist/bundle/ (esbuild).
 */
export const PRECOMPUTED_POLICY_FILE = fileURLToPath(new URL('../default-policy.json', import.meta.url));

/**
 * The parsed built-in policy as the build stored it, or undefined when it is
 * not there (src/ under the test runner, or a build that did not write it).
 */
export function precomputedPolicy(): PolicyConfig | undefined {
  let text: string;
  try {
    // config/default.yaml edited since the build: the JSON is stale, parse the YAML.
    if (fs.statSync(DEFAULT_YAML).mtimeMs > fs.statSync(PRECOMPUTED_POLICY_FILE).mtimeMs) return undefined;
    text = fs.readFileSync(PRECOMPUTED_POLICY_FILE, 'utf8');
  } catch {
    return undefined;
  }
  return JSON.parse(text) as PolicyConfig;
}

/** config/default.yaml (as policy/load.ts's DEFAULT_POLICY_FILE, without loading the parser). */
const DEFAULT_YAML = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

/**
 * Loads a policy the way loadPolicy does, but takes the precomputed built-in
 * policy when no file is given, and loads the parser (yaml, zod) only when one is.
 *
 * @example
 * const loaded = await loadPolicyLazily(values.config);
 */
export async function loadPolicyLazily(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedPolicy> {
  if (file === undefined) {
    const config = precomputedPolicy();
    if (config !== undefined) {
      const baseDir = process.cwd();
      return { config, file, baseDir, saltDir: resolveSaltDir(config, baseDir, env) };
    }
  }
  const { loadPolicy } = await import('./load.js');
  return loadPolicy(file, env);
}

/**
 * The salt directory: the policy's `salts.dir` (relative to the policy
 * file), else `$GALLRA_STATE_DIR/salts`, else the XDG state directory.
 *
 * @example
 * resolveSaltDir(config, '/etc/gallra', process.env) // '/var/lib/gallra/salts'
 */
export function resolveSaltDir(config: PolicyConfig, baseDir: string, env: NodeJS.ProcessEnv): string {
  if (config.salts.dir !== undefined) return path.resolve(baseDir, config.salts.dir);
  return path.join(resolveStateDir(env), 'salts');
}
