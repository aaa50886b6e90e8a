/**
 * Build step (`npm run build`, after tsc): parses config/default.yaml with
 * the full loader and writes the result to dist/default-policy.json, which
 * `loadPolicyLazily` reads when no --config is given. Run as a script:
 * `node dist/policy/precompute.js`.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PRECOMPUTED_POLICY_FILE } from './builtin.js';
import { loadPolicy } from './load.js';

/**
 * Writes the parsed built-in policy (atomically: a reader never sees half a file).
 *
 * @example
 * writePrecomputedPolicy() // '/…/dist/default-policy.json'
 */
export function writePrecomputedPolicy(file: string = PRECOMPUTED_POLICY_FILE): string {
  const { config } = loadPolicy(undefined, {});
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(config)}\n`);
  fs.renameSync(tmp, file);
  return file;
}

if (process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) writePrecomputedPolicy();
