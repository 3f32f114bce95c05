import { defineConfig } from 'vitest/config';

/** The long, process-heavy tests (crash soaks, daemons racing for one state file), kept out of `npm test`; CI runs both. */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
