/** Every registered transform keeps the transform contract (transform.case.ts). */
import { afterAll, beforeAll } from 'vitest';
import { components } from '../../src/components.js';
import type { TransformContext } from '../../src/transforms/transform.js';
import { makeContext, makeEnv, type TestEnv } from '../helpers/env.js';
import { transformContract } from './transform.case.js';

let env: TestEnv;
let ctx: TransformContext;
beforeAll(() => {
  env = makeEnv();
  ctx = makeContext(env);
});
afterAll(() => env.cleanup());

for (const entry of components.transforms.values()) transformContract(entry, () => ctx);
