import { defineConfig } from 'vitest/config';

/** The long crash soaks, kept out of `npm test` (which stays at a few minutes); CI runs both. */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
