/** Every registered format keeps the format contract (format.case.ts). */
import { afterAll, beforeAll } from 'vitest';
import { components } from '../../src/components.js';
import { makeEnv, policyFrom, type TestEnv } from '../helpers/env.js';
import { formatContract } from './format.case.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

for (const entry of components.formats.values()) {
  // A built-in is known by its own name; the template engine builds an operator's layout, named here `custom`.
  const name = entry.name === 'template' ? 'custom' : entry.name;
  const config = entry.example.config ?? {};
  formatContract({
    entry,
    name,
    env: () => env,
    policy: () => policyFrom(env, JSON.stringify({ formats: { [name]: config } }), 'json').config,
  });
}
