// Tests use config schemas directly (redactConfigSchema.parse(...)); in gallra only the
// policy loader installs zod (src/util/zod.ts), so every test file gets it installed first.
import '../../src/util/zod-real.js';
