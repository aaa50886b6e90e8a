import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Installs zod for the deferred config schemas (src/util/zod.ts) before each test file.
    setupFiles: ['test/helpers/zod-setup.ts'],
  },
});
