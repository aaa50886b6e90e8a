/**
 * zod itself, installed for the deferred `z` of util/zod.ts. Imported (first)
 * by the modules that validate a policy, so every schema is real from then on.
 */
import { z } from 'zod';
import { installZod } from './zod.js';

installZod(z);

export { z };
