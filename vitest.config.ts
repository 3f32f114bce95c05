import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash soaks and multi-daemon races take minutes: `npm run test:soak`.
    exclude: ['test/soak/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and child processes; two cores are all CI has.
    maxWorkers: 2,
  },
});
